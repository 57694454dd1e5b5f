"""The dispatcher and the messengers under the platforms' faults in the middle of a fan-out, on a real database.

A fan-out of one post to each of a dozen channels goes through the real dispatcher, messenger and
client (slack_sdk; botbuilder's) to the fake Slack Web API or Bot Connector (HTTP on 127.0.0.1), on
SQLite and on PostgreSQL. One post
meets a fault: a 429 with Retry-After or a 5xx is retried (later, once), while the other channels'
posts go on; a refusal no retry fixes fails that message and tells the coordinator once, in words
saying what to do.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.bootstrap import Runtime
from bot.slack.messenger import SlackMessenger
from bot.teams.http import build_adapter
from bot.teams.messenger import TeamsMessenger
from bot.teams.settings import TeamsSettings
from handlers.shared.model import Tenant
from handlers.shared.ports import Delivery
from handlers.shared.text import Message, Text, Verbatim
from scheduler.clock import SystemClock
from scheduler.dispatcher import Dispatcher
from storage.teams_store import TeamsReference, TeamsStore
from tests.platforms.conftest import BOT_TOKEN, TEAM
from tests.platforms.slack_fakes import Call, FakeSlackApi
from tests.platforms.teams_fakes import BOT_ID, ConnectorCall, FakeConnector

CHANNELS = [f"CFAULT{number:02d}" for number in range(12)]
TEAMS_CHANNELS = [f"19:fault{number:02d}@thread.tacv2" for number in range(12)]
PACE = 1.0
DRAIN_SECONDS = 30.0  # only fails a dispatcher that never finishes


def _queue_fan_out(runtime: Runtime, channels: list[str] = CHANNELS) -> None:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        now = runtime.deps.clock.now()
        for number, channel in enumerate(channels):
            text = Text.of("undeliverable.refused", detail=Verbatim(f"fan-out to {channel}"))
            uow.outbox.add(
                tenant.id, Message((text,), to_channel=channel, dedupe_key=f"fault:{channel}:{number}"), now
            )
        uow.commit()


class _Coordinator:
    """What the dispatcher tells the coordinator about undeliverable messages."""

    def __init__(self) -> None:
        self.told: list[tuple[str | None, str]] = []

    def __call__(self, delivery: Delivery, explanation: Text) -> None:
        self.told.append((delivery.message.to_channel, explanation.key))


def _dispatcher(runtime: Runtime, slack: FakeSlackApi, coordinator: _Coordinator) -> Dispatcher:
    async def client_for(_tenant: Tenant) -> AsyncWebClient:
        return AsyncWebClient(token=BOT_TOKEN, base_url=slack.url)

    return Dispatcher(
        runtime.outbox,
        SlackMessenger(client_for, pace_seconds=PACE),
        SystemClock(),
        on_undeliverable=coordinator,
    )


async def _drain(runtime: Runtime, dispatcher: Dispatcher) -> None:
    """Run the dispatcher as the tick loop does (waking when something falls due) until nothing is left."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        report = await dispatcher.run_once()
        counts = await asyncio.to_thread(runtime.outbox.counts)
        if not counts.get("pending") and not counts.get("sending"):
            return
        await asyncio.sleep(min(report.next_due_in or 0.05, 1.0))
    raise AssertionError(f"the fan-out was not delivered in time: {runtime.outbox.counts()}")


def _fan_out(runtime: Runtime, slack: FakeSlackApi, coordinator: _Coordinator | None = None) -> list[Call]:
    _queue_fan_out(runtime)
    dispatcher = _dispatcher(runtime, slack, coordinator or _Coordinator())
    try:
        asyncio.run(_drain(runtime, dispatcher))
    finally:
        dispatcher.close()
    return [call for call in slack.calls("chat.postMessage") if call.params.get("channel") in CHANNELS]


def _posted(calls: list[Call]) -> Counter[str]:
    return Counter(str(call.params["channel"]) for call in calls if call.ok)


@pytest.mark.parametrize(("status", "retry_after"), [(429, 2), (500, None), (503, None)])
def test_a_rate_limit_or_outage_delays_that_post_only(
    runtime: Runtime, status: int, retry_after: int | None
) -> None:
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN, latency=0.05) as slack:
        slack.fail_next("chat.postMessage", status=status, retry_after=retry_after)
        calls = _fan_out(runtime, slack)

    failed = next(call for call in calls if not call.ok)
    hit = str(failed.params["channel"])
    retried = next(call for call in calls if call.ok and call.params["channel"] == hit)
    others = [call.at for call in calls if call.ok and call.params["channel"] != hit]
    assert failed.status == status
    assert _posted(calls) == Counter(CHANNELS)  # every channel once: nothing lost, nothing doubled
    # Retry-After is kept (or a backoff of at least 2.5 s without it), and the others did not wait for it.
    assert retried.at - failed.at >= (retry_after or 2.5)
    assert max(others) < retried.at
    assert max(others) - failed.at < 2.0
    assert runtime.outbox.counts() == {"sent": len(CHANNELS)}


@pytest.mark.parametrize(
    ("code", "explanation"),
    [
        ("channel_not_found", "undeliverable.slack_channel_not_found"),
        ("is_archived", "undeliverable.slack_channel_archived"),
        ("account_inactive", "undeliverable.slack_not_installed"),
        ("token_revoked", "undeliverable.slack_not_installed"),
    ],
)
def test_a_permanent_refusal_is_not_retried_and_the_coordinator_is_told_once_what_to_do(
    runtime: Runtime, code: str, explanation: str
) -> None:
    coordinator = _Coordinator()
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        slack.fail_next("chat.postMessage", error=code)
        calls = _fan_out(runtime, slack, coordinator)

    refused = next(call for call in calls if not call.ok)
    hit = str(refused.params["channel"])
    assert coordinator.told == [(hit, explanation)]
    assert _posted(calls) == Counter(channel for channel in CHANNELS if channel != hit)
    assert [call.params["channel"] for call in calls].count(hit) == 1  # tried once, never again
    assert runtime.outbox.counts() == {"sent": len(CHANNELS) - 1, "failed": 1}


def test_not_in_channel_makes_the_bot_look_at_its_membership_again_and_post_once(runtime: Runtime) -> None:
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        for channel in CHANNELS:
            slack.add_channel(channel, member=True)
        slack.fail_next("chat.postMessage", error="not_in_channel")
        calls = _fan_out(runtime, slack)
        looked = Counter(str(call.params["channel"]) for call in slack.calls("conversations.info"))

    refused = next(call for call in calls if not call.ok)
    hit = str(refused.params["channel"])
    assert _posted(calls) == Counter(CHANNELS)
    assert looked[hit] == 2  # before the first post, and again after not_in_channel


def test_still_not_in_channel_after_looking_again_tells_the_coordinator_to_invite_the_bot(
    runtime: Runtime,
) -> None:
    hit = CHANNELS[3]
    ts = iter(range(1, 1000))

    def post(params: dict[str, Any]) -> dict[str, Any]:
        # The bot was removed from this one channel; Slack still lists it as a member (its cache lags).
        if params.get("channel") == hit:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "channel": params.get("channel"), "ts": f"1800000000.{next(ts):06d}"}

    coordinator = _Coordinator()
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        for channel in CHANNELS:
            slack.add_channel(channel, member=True)
        slack.answer("chat.postMessage", post)
        calls = _fan_out(runtime, slack, coordinator)

    assert coordinator.told == [(hit, "undeliverable.slack_removed_from_channel")]
    assert _posted(calls) == Counter(channel for channel in CHANNELS if channel != hit)
    assert [call.params["channel"] for call in calls].count(hit) == 2  # once more after looking, then no more
    assert runtime.outbox.counts() == {"sent": len(CHANNELS) - 1, "failed": 1}


# --- Teams ----------------------------------------------------------------------------------------


def _teams_fan_out(
    runtime: Runtime, connector: FakeConnector, coordinator: _Coordinator
) -> list[ConnectorCall]:
    """Send a post to each Teams channel (the app added to each, as an @mention records it)."""
    store = TeamsStore(runtime.engine)
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
    for channel in TEAMS_CHANNELS:
        reference = {"bot": {"id": BOT_ID, "name": "Virtuelt PMO"}, "serviceUrl": connector.url}
        store.save_reference(
            TeamsReference(tenant.id, channel, connector.url, reference, channel_key=channel),
            runtime.deps.clock.now(),
        )
    _queue_fan_out(runtime, TEAMS_CHANNELS)
    messenger = TeamsMessenger(build_adapter(TeamsSettings.local()), store, "")
    dispatcher = Dispatcher(runtime.outbox, messenger, SystemClock(), on_undeliverable=coordinator)
    try:
        asyncio.run(_drain(runtime, dispatcher))
    finally:
        dispatcher.close()
    return connector.created()


def _channel_of(call: ConnectorCall) -> str:
    return str(call.body["channelData"]["channel"]["id"])


@pytest.mark.parametrize(("status", "retry_after"), [(429, "2"), (502, None), (503, None)])
def test_a_teams_rate_limit_or_outage_delays_that_post_only(
    runtime: Runtime, status: int, retry_after: str | None
) -> None:
    with FakeConnector() as connector:
        connector.fail_next(status, retry_after=retry_after, method="POST")
        calls = _teams_fan_out(runtime, connector, _Coordinator())

    failed = next(call for call in calls if not call.answered_id)
    hit = _channel_of(failed)
    retried = next(call for call in calls if call.answered_id and _channel_of(call) == hit)
    others = [call.at for call in calls if call.answered_id and _channel_of(call) != hit]
    assert Counter(_channel_of(call) for call in calls if call.answered_id) == Counter(TEAMS_CHANNELS)
    assert retried.at - failed.at >= (float(retry_after) if retry_after else 2.5)
    assert max(others) < retried.at
    assert max(others) - failed.at < 2.0
    assert runtime.outbox.counts() == {"sent": len(TEAMS_CHANNELS)}


@pytest.mark.parametrize("status", [403, 404])
def test_a_teams_channel_the_bot_was_removed_from_fails_once_and_the_coordinator_is_told(
    runtime: Runtime, status: int
) -> None:
    coordinator = _Coordinator()
    with FakeConnector() as connector:
        connector.fail_next(status, method="POST")
        calls = _teams_fan_out(runtime, connector, coordinator)

    refused = next(call for call in calls if not call.answered_id)
    hit = _channel_of(refused)
    assert coordinator.told == [(hit, "undeliverable.teams_channel")]
    assert [_channel_of(call) for call in calls].count(hit) == 1
    assert Counter(_channel_of(call) for call in calls if call.answered_id) == Counter(
        channel for channel in TEAMS_CHANNELS if channel != hit
    )
    assert runtime.outbox.counts() == {"sent": len(TEAMS_CHANNELS) - 1, "failed": 1}
