"""The terminal console: the bot's embedded platform, for trying it out and for scripted tests.

Typed lines are handled exactly as a Slack or Teams message would be; lines starting with ``:`` are
the console's own meta-commands (switch user, press a button, move the clock).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import TenantConfigError, load_tenant_config
from bot.bootstrap import Runtime
from bot.console.clock import ConsoleClock, parse_clock
from bot.console.messenger import ConsoleMessenger, channel_message_id
from bot.console.people import find_people, listed, people_of
from handlers import commands
from handlers.challenges.commands import parse_challenge_ref
from handlers.challenges.quarter import channel
from handlers.challenges.voting import Reaction
from handlers.service import Identity, Outcome, handle, react
from handlers.shared.model import Tenant, challenge_ref
from scheduler.dispatcher import Dispatcher
from scheduler.tick import run_tick
from storage.console_store import ConsoleStore

META_HELP = """Console commands:
  :as EMAIL-OR-NAME         talk as someone else (e.g. :as anna.berg@maximize.dk or :as Anna)
  :click ID-OR-LABEL        press a button: by its id (accept:S-1) or its label (Accept);
                            when several carry the label, they are listed and none is pressed
  :react U-1 +1             react to a challenge's post in the channel (a vote); :unreact U-1 +1 takes it back
  :clock +8h | +2d | 2027-03-01T09:00   move the clock forward and run what became due
  :apply FILE               apply a changed tenant file, as vpmo tenant apply does (a meeting moved,
                            a new place, a cancellation); a relative FILE is read beside the script
  :who                      who you are and what time it is
  :help                     this text;  :quit  leave
Anything else is sent to the bot, e.g.  sparring Hvordan håndterer jeg budgettet?"""


@dataclass(slots=True)
class ConsoleSession:
    """One conversation in the terminal: a tenant, the current user and the console's clock."""

    runtime: Runtime
    tenant: Tenant
    email: str
    messenger: ConsoleMessenger
    store: ConsoleStore
    clock: ConsoleClock
    say: Callable[[str], None]
    # Built once with the session (bot.bootstrap.build_dispatcher); every line's tick reuses it.
    dispatcher: Dispatcher
    # Where :apply reads a relative file from: the script's folder, or the working directory.
    files: Path = field(default_factory=Path.cwd)

    def __post_init__(self) -> None:
        self._become(self.email)

    @property
    def zone(self) -> ZoneInfo:
        """Return the tenant's time zone."""
        return ZoneInfo(self.tenant.timezone)

    def run_lines(self, lines: Iterable[str], runner: asyncio.Runner) -> bool:
        """Handle lines until ``:quit``; return False when any meta-command failed."""
        ok = True
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line in (":quit", ":q", ":exit"):
                break
            ok = self.handle_line(line, runner) and ok
        return ok

    def close(self) -> None:
        """End the session: let the dispatcher's thread go."""
        self.dispatcher.close()

    def handle_line(self, line: str, runner: asyncio.Runner) -> bool:
        """Handle one line: a meta-command or a message to the bot. Return False on a console error."""
        if line.startswith(":"):
            return self._meta(line, runner)
        self._send(commands.parse_text(line), runner)
        return True

    def _send(self, command: commands.Command, runner: asyncio.Runner) -> None:
        outcome = handle(self.runtime.deps, self.tenant.slug, Identity(email=self.email), command)
        self._show_replies(outcome)
        self._tick(runner)

    def _show_replies(self, outcome: Outcome) -> None:
        for reply in outcome.replies:
            self.messenger.show(self.tenant, outcome.reader, self.email, reply)

    def _tick(self, runner: asyncio.Runner) -> None:
        runner.run(run_tick(self.runtime.deps, self.dispatcher))

    def _meta(self, line: str, runner: asyncio.Runner) -> bool:
        name, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        if name == "as":
            return self._switch(argument)
        if name == "click":
            return self._click(argument, runner)
        if name in ("react", "unreact"):
            return self._react(argument, added=name == "react", runner=runner)
        if name == "clock" and argument:
            return self._move_clock(argument, runner)
        if name == "apply":
            return self._apply(argument, runner)
        if name == "who":
            self.say(f"(you are {self.email} in {self.tenant.slug}; it is {self._local_now()})")
            return True
        if name == "help":
            self.say(META_HELP)
            return True
        self.say(f"(unknown console command {line!r}; :help lists them)")
        return False

    def _switch(self, wanted: str) -> bool:
        if not wanted:
            self.say("(usage: :as EMAIL-OR-NAME, e.g. :as anna.berg@maximize.dk or :as Anna)")
            return False
        matches = find_people(people_of(self.runtime, self.tenant), wanted)
        if len(matches) > 1:
            self.say(f"({wanted!r} could be {listed(matches)}; say which with :as EMAIL)")
            return False
        if matches:
            self._become(matches[0].email)
            self.say(f"(you are now {matches[0].name}, {self.email})")
            return True
        if "@" in wanted:
            # A stranger's address is allowed: it shows what the bot says to people not added yet.
            self._become(wanted.lower())
            self.say(f"(you are now {self.email}, whom {self.tenant.name} does not know)")
            return True
        self.say(
            f"(nobody in {self.tenant.slug} is called {wanted!r};"
            f" see who is there with: vpmo tenant export {self.tenant.slug})"
        )
        return False

    def _become(self, email: str) -> None:
        self.email = email
        self.messenger.current_email = email

    def _click(self, wanted: str, runner: asyncio.Runner) -> bool:
        if not wanted:
            self.say("(usage: :click ID-OR-LABEL, e.g. :click accept:S-1 or :click Acceptér)")
            return False
        action_ids = self.store.find_buttons(self.tenant.id, self.email, wanted)
        if not action_ids:
            self.say(f"(no button {wanted!r} on your messages; buttons show as [Label](id))")
            return False
        if len(action_ids) > 1:
            self.say(
                f"({len(action_ids)} of your buttons are labelled {wanted!r}: {', '.join(action_ids)};"
                f" press one by its id, e.g. :click {action_ids[-1]})"
            )
            return False
        self._send(commands.parse_action(action_ids[0]), runner)
        return True

    def _react(self, argument: str, *, added: bool, runner: asyncio.Runner) -> bool:
        words = argument.split()
        number = parse_challenge_ref(words[0]) if len(words) == 2 else None
        chosen = self.tenant.challenges
        if number is None or chosen is None:
            self.say("(usage: :react U-1 +1 — a challenge's reference and the reaction, e.g. +1)")
            return False
        message_id = channel_message_id(
            channel(self.tenant, chosen), challenge_ref(number, self.tenant.language)
        )
        emoji = words[1].strip(":")
        reaction = Reaction("console", message_id, self.email, ((emoji, added),), at=self.clock.now())
        react(self.runtime.deps, self.tenant.slug, Identity(email=self.email), reaction)
        self.say(f"({'reacted with' if added else 'took back'} :{emoji}: on {words[0].upper()})")
        self._tick(runner)
        return True

    def _move_clock(self, argument: str, runner: asyncio.Runner) -> bool:
        try:
            self.clock.move_to(parse_clock(argument, self.clock.now(), self.zone))
        except ValueError as error:
            self.say(f"({error})")
            return False
        self.say(f"(the clock is now {self._local_now()})")
        self._tick(runner)
        return True

    def _apply(self, argument: str, runner: asyncio.Runner) -> bool:
        if not argument:
            self.say("(usage: :apply FILE, a tenant file such as vpmo tenant export writes)")
            return False
        path = self.files / argument
        try:
            config = load_tenant_config(path.read_text(encoding="utf-8"))
            if config.slug != self.tenant.slug:
                self.say(
                    f"({path} is the tenant file of {config.slug}, not {self.tenant.slug}; nothing was changed)"
                )
                return False
            report = apply_tenant(self.runtime.engine, config, now=self.clock.now())
        except OSError as error:
            self.say(f"(cannot read {path}: {error.strerror}; nothing was changed)")
            return False
        except UnicodeDecodeError:
            self.say(f"({path} is not UTF-8 text; nothing was changed)")
            return False
        except TenantConfigError as error:
            self.say(f"({path}: {error}\nNothing was changed.)")
            return False
        self.say(f"({report.summary()})")
        with self.runtime.deps.uow() as uow:
            self.tenant = uow.tenants.get_by_slug(self.tenant.slug) or self.tenant
        self._tick(runner)
        return True

    def _local_now(self) -> str:
        return self.clock.now().astimezone(self.zone).strftime("%a %Y-%m-%d %H:%M %Z")
