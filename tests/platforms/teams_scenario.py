"""The sample client's people on Teams, acting against the running server, and what the bot sent them.

A :class:`TeamsScenario` drives a whole scenario (a quarter of challenges, an ERFA meeting): Teams
activities go over HTTP to the real server (``build_server``); everything the bot sends goes to the fake
Bot Connector on 127.0.0.1, which records it. The server runs on a clock that stands still until the
scenario moves it. Every message the bot sends is read, by whom it reached: whatever the scenario did not
read fails :meth:`TeamsScenario.nothing_else`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import SecretStr

from bot.cli import SAMPLE_TENANT
from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from bot.teams.settings import TeamsSettings
from tests.fakes import FixedClock
from tests.platforms.scenario import local
from tests.platforms.server_harness import RunningServer
from tests.platforms.stored import apply_tenant_file
from tests.platforms.teams_fakes import ConnectorCall, FakeConnector, activity, personal_conversation

TENANT = "5f3c2a1e-8b7d-4c6a-9e0f-1a2b3c4d5e6f"  # the sample client's Microsoft tenant
WAIT = 20.0  # only fails a server that never gets there; nothing waits for it to pass

# The sample's people by their Teams ids (bot/console/sample_tenant.yaml).
METTE = "29:1abc"  # coordinator
ANNA, LARS = "29:1anb", "29:1lkj"  # the consultancy's seniors (external)
SOFIE = "29:1sod"  # the client's own senior
JONAS, EMMA = "29:1jof", "29:1eml"  # project managers; Emma reads English
EMMA_EMAIL = "Emma.Larsen@nordlys.dk"
IDA, PETER, KAREN = "29:1idh", "29:1pem", "29:1kav"
PEOPLE = (METTE, ANNA, LARS, SOFIE, JONAS, EMMA, IDA, PETER, KAREN)


def teams_only_tenant() -> str:
    """Return the sample tenant file without its Slack workspace and Slack channel, and Emma by e-mail.

    A person's 29: id is the app's own, so a client's file often cannot give it: Emma has none, and
    the bot knows her by the e-mail Teams' roster gives for her id.
    """
    sample = SAMPLE_TENANT.read_text(encoding="utf-8")
    teams_only = (
        sample.replace("slack_team_id: T01NORDLYS\n", "")
        .replace("channel: {slack: C0CHALL, teams:", "channel: {teams:")
        .replace(f'    teams_id: "{EMMA}"\n', "")
    )
    assert teams_only.count("slack_team_id") == sample.count("slack_team_id") - 1
    assert "C0CHALL" not in teams_only
    assert EMMA not in teams_only
    return teams_only


def channel_activity(call: ConnectorCall) -> dict[str, Any]:
    """Return the activity a call carried (a new channel post holds it in ``activity``)."""
    inner = call.body.get("activity")
    return inner if isinstance(inner, dict) else call.body


def cards_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["content"] for a in body.get("attachments") or [] if "adaptive" in a["contentType"]]


def card_lines(card: dict[str, Any]) -> list[str]:
    """Return the lines a card shows (its TextRuns), and the titles of its buttons after them."""
    lines = [inline["text"] for block in card.get("body", []) for inline in block.get("inlines", [])]
    return lines + [f"[{action['title']}]" for action in card.get("actions", [])]


def lines_of(call: ConnectorCall) -> list[str]:
    """Return what an activity the bot sent shows, line by line: its plain text or its cards' lines."""
    body = channel_activity(call)
    lines = (body.get("text") or "").splitlines()
    for card in cards_of(body):
        lines.extend(card_lines(card))
    return lines


def post_id(call: ConnectorCall) -> str:
    """Return the id of a channel post: the thread the connector answered its creation with."""
    assert call.answered_id
    return call.answered_id


def only_card(call: ConnectorCall) -> dict[str, Any]:
    [card] = cards_of(channel_activity(call))
    return card


@dataclass
class TeamsScenario:
    """The running server, the fake connector, the clock, and who has read what the bot sent."""

    channel_id: ClassVar[str]  # the channel the scenario's posts go to
    team_id: ClassVar[str]  # the team that channel is in

    server: RunningServer
    connector: FakeConnector
    clock: FixedClock
    database_url: str
    _read: set[int] = field(default_factory=set)
    answers: list[dict[str, Any]] = field(default_factory=list)  # invoke answers, checked at the end

    # --- time ------------------------------------------------------------------------------------

    def at(self, moment: datetime) -> None:
        """Move the server's clock to a moment (forward only: a scenario runs in order)."""
        assert moment > self.clock.now()
        self.clock.set(moment)

    def later(self, minutes: float = 1) -> None:
        """Let a little time pass between two people's actions."""
        self.clock.advance(minutes=minutes)

    def stamp(self) -> str:
        """Return the clock's time as Teams writes an activity's timestamp."""
        return self.clock.now().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # --- sending activities ----------------------------------------------------------------------

    def activity(self, name: str, user: str, **fields: Any) -> dict[str, Any]:
        body = activity(name, service_url=self.connector.url, tenant=TENANT, user=user, **fields)
        body["timestamp"] = self.stamp()
        return body

    def post(self, body: dict[str, Any]) -> httpx.Response:
        response = httpx.post(self.server.url + "/api/messages", json=body, timeout=30, trust_env=False)
        assert response.status_code == 200, response.text
        return response

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST an invoke and return its answer (kept, to check against Teams' limits at the end)."""
        answer: dict[str, Any] = self.post(body).json()
        self.answers.append(answer)
        return answer

    def in_channel(self, body: dict[str, Any], thread: str) -> dict[str, Any]:
        """Address an activity to a thread of the scenario's channel, as Teams does."""
        body["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{self.channel_id};messageid={thread}",
        }
        body["channelData"].update({"channel": {"id": self.channel_id}, "team": {"id": self.team_id}})
        return body

    def install(self, user: str) -> None:
        """The person adds the app in Teams: the bot learns where their personal chat is."""
        body = self.activity(
            "conversation_update_personal_install", user, conversation=personal_conversation(user)
        )
        body["membersAdded"] = [{"id": body["recipient"]["id"]}, {"id": user}]
        self.post(body)

    def add_to_team(self, user: str) -> None:
        """The app is added to the team, set up in the scenario's channel: the bot learns the channel."""
        body = self.activity("conversation_update_bot_added_to_team", user, conversation=self.channel_id)
        body["conversation"]["tenantId"] = TENANT
        body["membersAdded"] = [{"id": body["recipient"]["id"]}]
        body["channelData"].update(
            {"settings": {"selectedChannel": {"id": self.channel_id}}, "team": {"id": self.team_id}}
        )
        self.post(body)

    def say(self, user: str, text: str) -> list[ConnectorCall]:
        """The person writes to the bot in their personal chat; return the bot's replies to it."""
        body = self.activity("personal_message", user, conversation=personal_conversation(user), text=text)
        self.post(body)
        return self.replies(personal_conversation(user), body["id"])

    def replies(self, conversation: str, activity_id: str) -> list[ConnectorCall]:
        """Return (and mark read) the bot's replies to an activity: sent in its turn, before the answer."""
        found = [c for c in self.connector.sent(conversation) if c.activity_id == activity_id]
        assert found, f"no reply in {conversation} to {activity_id}"
        self._read.update(id(c) for c in found)
        return found

    def click(self, user: str, card: dict[str, Any], title: str, *, message: str, conversation: str) -> Any:
        """The person presses a card's button (Action.Execute): Teams invokes adaptiveCard/action."""
        [button] = [a for a in card["actions"] if a["title"] == title]
        assert button["type"] == "Action.Execute"
        body = self.activity(
            "invoke_adaptive_card_action_execute", user, conversation=conversation, replyToId=message
        )
        body["conversation"]["tenantId"] = TENANT
        if conversation.startswith("19:"):
            self.in_channel(body, message)
        body["value"]["action"] = {
            "type": "Action.Execute",
            "title": button["title"],
            "verb": button["verb"],
            "data": button["data"],
        }
        return self.invoke(body)

    # --- what the bot sent -----------------------------------------------------------------------

    def _unread(self) -> list[ConnectorCall]:
        calls = list(self.connector.calls)  # the fake appends from its own thread
        return [c for c in calls if c.method in ("POST", "PUT") and id(c) not in self._read]

    def channel(self, count: int = 1) -> list[ConnectorCall]:
        """Wait for ``count`` new posts in the scenario's channel (new threads); return and mark them read."""
        return self._take(lambda c: c.path.rstrip("/") == "/v3/conversations", count, "the channel")

    def told(self, user: str, count: int = 1) -> list[ConnectorCall]:
        """Wait for ``count`` new messages to the person's personal chat; return and mark them read."""
        where = personal_conversation(user)
        return self._take(lambda c: c.conversation == where and c.method == "POST", count, user)

    def _take(self, wanted: Any, count: int, what: str) -> list[ConnectorCall]:
        deadline = time.monotonic() + WAIT
        while True:
            found = [c for c in self._unread() if wanted(c)]
            if len(found) >= count:
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} messages to {what}, got {[lines_of(c) for c in found]}"
                )
            time.sleep(0.02)
        taken = found[:count]
        self._read.update(id(c) for c in taken)
        return taken

    def nothing_else(self, *, due: bool = False) -> None:
        """Let whole ticks run, then check that the bot sent nothing that the scenario did not read.

        ``due``: after the clock moved, wait for ticks that also ran the time-driven work (the challenge
        cycle, escalations), so that nothing due at this moment can still be on its way.
        """
        if due:
            self.server.full_ticks(2)
        self.server.ticks(2)
        left = [(c.method, c.conversation or "new thread", lines_of(c)) for c in self._unread()]
        assert left == [], left


Scenario = TypeVar("Scenario", bound=TeamsScenario)


@contextmanager
def running_teams_scenario(
    kind: type[Scenario], database_url: str, tenant_file: str, *, start: str
) -> Iterator[Scenario]:
    """Apply the tenant file, then run the server on Teams alone from ``start`` (local time).

    Teams' roster gives Emma's e-mail for her id, in the case she chose (the tenant file may know her
    by e-mail alone).
    """
    apply_tenant_file(database_url, tenant_file)
    clock = FixedClock(local(start))
    with FakeConnector() as connector:
        connector.members[EMMA] = EMMA_EMAIL
        settings = Settings(database_url=SecretStr(database_url))

        def factory() -> Any:
            from bot.server import build_server

            return build_server(
                settings,
                SlackSettings(SlackMode.OFF),
                tick_seconds=0.2,
                teams_settings=TeamsSettings.local(),
                clock=clock,
                monotonic=clock.monotonic,
            )

        with RunningServer(factory) as server:
            yield kind(server, connector, clock, database_url)
