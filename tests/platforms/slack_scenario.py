"""The client's people on Slack, acting against the running server, and what the bot sent them.

A :class:`SlackScenario` drives a whole scenario (a quarter of challenges, an ERFA meeting): every
person's act is a signed Slack request over HTTP to vpmo's web server, every act of the bot is what the
fake Slack Web API recorded, and time is the server's ``FixedClock``, moved by the scenario.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import httpx
import pytest

from tests.fakes import FixedClock
from tests.platforms.conftest import TEAM, SlackWorld, running_slack_world
from tests.platforms.limits import slack_problems
from tests.platforms.scenario import local, record_cycles, wait_until
from tests.platforms.slack_fakes import (
    Call,
    block_actions_from_message,
    event,
    interactive,
    message_event,
    slash_command,
)
from tests.platforms.test_slack_interactions import settle

SLASH_CHANNEL = "C0PMO"  # where the scenarios' people type the slash command


def shown(call: Call) -> str:
    """Return what a message or an answer to a response_url shows (its sections' text, unescaped)."""
    sections = [b["text"]["text"] for b in call.blocks if b.get("type") == "section" and "text" in b]
    return html.unescape("\n".join(sections))


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the messages of the records logged at ERROR or above."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


class SlackScenario:
    """The client's people on Slack, the channel the scenario watches, and the scenario's clock."""

    channel: ClassVar[str]  # the channel the scenario's posts go to

    def __init__(self, world: SlackWorld, clock: FixedClock, cycles: list[datetime]) -> None:
        self.world = world
        self.slack = world.slack
        self.clock = clock
        self.cycles = cycles  # the moments the tick's cycle of this scenario ran at
        self.acks: list[dict[str, Any]] = []  # what the server answered in its acks (Block Kit too)

    # --- time

    def at(self, moment: str) -> None:
        """Let time pass to the moment (the server's tick runs by itself meanwhile)."""
        self.clock.set(local(moment))

    def tick_at(self, moment: str) -> None:
        """Move the clock to the moment and wait until the tick has run the cycle then and sent all."""
        self.clock.set(local(moment))
        wanted, seen = self.clock.now(), len(self.cycles)
        wait_until(lambda: wanted in self.cycles[seen:], f"the cycle at {moment}")
        settle(self.world, timeout=10)

    def slack_ts(self) -> str:
        """Return Slack's timestamp (an action's ``action_ts``, an event's ``event_ts``) for now."""
        return f"{self.clock.now().timestamp():.6f}"

    # --- what people do

    def send(self, payload: tuple[bytes, str], **options: Any) -> httpx.Response:
        """Send a signed request; keep its ack; wait until the server has done and sent all it started."""
        response = self.world.send(payload, **options)
        assert response.status_code == 200, response.text
        if response.headers.get("content-type", "").startswith("application/json"):
            self.acks.append(response.json())
        settle(self.world, timeout=10)
        return response

    def slash(self, user: str, text: str) -> dict[str, Any]:
        """Type ``/sparring <text>`` in a channel; return the ephemeral answer in the ack."""
        answer: dict[str, Any] = self.send(slash_command(TEAM, user, text, channel_id=SLASH_CHANNEL)).json()
        return answer

    def say(self, user: str, text: str) -> None:
        """Write to the bot in the user's DM (a message.im event)."""
        self.send(event(message_event(user, text, f"D{user}", team_id=TEAM), TEAM))

    def press(self, posted: Call, action_id: str, user: str, response_url: str) -> tuple[bytes, str]:
        """Return the block_actions of a press on a button of a message the bot sent."""
        return interactive(block_actions_from_message(posted, action_id, user, TEAM, response_url))

    def click(self, posted: Call, action_id: str, user: str) -> Call:
        """Press a button of a message the bot sent; return the bot's answer to the response_url."""
        url = self.slack.response_url(f"{user}-{action_id}-{len(self.slack.calls())}")
        self.send(self.press(posted, action_id, user, url))
        [answer] = [c for c in self.slack.calls("response_url") if url.endswith(c.path)]
        return answer

    # --- what the bot sent

    def channel_posts(self) -> list[Call]:
        """Return the bot's posts in the scenario's channel, oldest first."""
        return [c for c in self.slack.calls("chat.postMessage") if c.params.get("channel") == self.channel]

    def dms(self, user: str, since: int = 0) -> list[Call]:
        """Return the DMs the user has had, from the ``since``-th on."""
        return self.world.dms_to(user)[since:]

    def told(self, user: str, since: int = 0) -> list[str]:
        """Return what the user's DMs showed, one string per message, oldest first."""
        return [shown(c) for c in self.dms(user, since)]

    def dm_counts(self) -> dict[str, int]:
        """Return how many DMs each user has had so far."""
        counts: dict[str, int] = {}
        for call in self.slack.calls("chat.postMessage"):
            channel = str(call.params.get("channel"))
            if channel.startswith("D"):
                counts[channel[1:]] = counts.get(channel[1:], 0) + 1
        return counts

    def new_dms(self, before: dict[str, int]) -> dict[str, list[Call]]:
        """Return the DMs sent since ``before`` (from :meth:`dm_counts`), by user."""
        return {
            user: self.dms(user, before.get(user, 0))
            for user, count in self.dm_counts().items()
            if count > before.get(user, 0)
        }

    def newly_told(self, before: dict[str, int]) -> dict[str, list[str]]:
        """Return what the DMs sent since ``before`` (from :meth:`dm_counts`) showed, by user."""
        return {user: [shown(c) for c in calls] for user, calls in self.new_dms(before).items()}

    def sent_blocks(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Return the Block Kit of everything the bot sent (posts, edits, answers, acks), each with where."""
        slack = self.slack
        return [
            *((f"{c.method} to {c.params['channel']}", c.blocks) for c in slack.calls("chat.postMessage")),
            *((f"chat.update of {c.params['ts']}", c.blocks) for c in slack.calls("chat.update")),
            *((f"answer to {c.path}", c.blocks) for c in slack.calls("response_url")),
            *(("an ack", ack["blocks"]) for ack in self.acks if "blocks" in ack),
        ]

    def blocks_slack_refuses(self) -> dict[str, list[str]]:
        """Return what Slack would refuse in the Block Kit the bot sent, by where it went."""
        return {
            where: slack_problems(blocks) for where, blocks in self.sent_blocks() if slack_problems(blocks)
        }


Scenario = TypeVar("Scenario", bound=SlackScenario)


@contextmanager
def running_slack_scenario(
    kind: type[Scenario], database_url: str, monkeypatch: pytest.MonkeyPatch, *, start: str, cycle: str
) -> Iterator[Scenario]:
    """Run the sample client's server from ``start`` (local time), recording the tick's ``cycle``.

    No per-channel pace: the clock stands still between steps, and the pace is tested elsewhere.
    """
    cycles = record_cycles(monkeypatch, cycle)
    clock = FixedClock(local(start))
    with running_slack_world(database_url, clock, pace_seconds=0.0) as world:
        yield kind(world, clock, cycles)
