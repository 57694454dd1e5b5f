"""A turn's answers count against Teams' pace with the outbox's posts, per tenant and per conversation.

Real activities go over HTTP to the real server; the fake Bot Connector records when each call arrives.
The tenant is given a low limit (4 calls a second), so that a burst of activities and posts from the
outbox together would break it by far: no second at the fake holds more than the limit allows, every
activity gets its one answer and every post goes once. Within the limits, an answer does not wait.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.teams.settings import TeamsSettings
from tests.fakes import FixedClock
from tests.platforms.conftest import sample_database
from tests.platforms.fan_out import queue
from tests.platforms.serve_process import ServeProcess, clean_environment
from tests.platforms.teams_fakes import ConnectorCall, FakeConnector, activity, personal_conversation
from tests.platforms.teams_scenario import JONAS, TENANT
from tests.platforms.teams_world import TeamsWorld, running_teams_world
from tests.platforms.test_shared_pace import _burst_among, _most_in_any_window, _store_teams_channels
from tests.platforms.test_teams_activities import _until

TENANT_CALLS_PER_SECOND = 4
ACTIVITIES = 8
POSTS = 8  # from the outbox, one to each of as many channels
CHANNELS = [f"19:pace-{number}@thread.tacv2" for number in range(POSTS)]


@pytest.fixture
def slow_tenant_world(database_url: str) -> Iterator[TeamsWorld]:
    settings = TeamsSettings(enabled=True, tenant_requests_per_second=TENANT_CALLS_PER_SECOND)
    yield from running_teams_world(database_url, settings)


@pytest.fixture
def world(database_url: str) -> Iterator[TeamsWorld]:
    yield from running_teams_world(database_url, TeamsSettings.local())


@pytest.fixture
def still_slow_tenant_world(database_url: str) -> Iterator[TeamsWorld]:
    # The pace's clock stands still: an answer that waited for it would wait until its patience ran out.
    settings = TeamsSettings(enabled=True, tenant_requests_per_second=2)
    yield from running_teams_world(database_url, settings, FixedClock(datetime.now(UTC)))


def _sends(connector: FakeConnector) -> list[ConnectorCall]:
    """Return every call that sends (posts, replies, new channel posts, updates), failed ones too."""
    return [call for call in connector.calls if call.method in ("POST", "PUT")]


def _helps(world: TeamsWorld, user: str, count: int) -> list[str]:
    """Send ``count`` "hjælp" messages from the user at once; return the ids of the activities."""
    return _help_burst([world.server.url], world.connector.url, user, count)


def _help_burst(servers: list[str], service_url: str, user: str, count: int) -> list[str]:
    """Send ``count`` "hjælp" messages from the user at once, to the servers in turn; return their ids."""
    chat = personal_conversation(user)
    bodies = [
        activity(
            "personal_message",
            service_url=service_url,
            tenant=TENANT,
            user=user,
            conversation=chat,
            text="hjælp",
        )
        for _ in range(count)
    ]

    def post(number: int) -> int:
        url = servers[number % len(servers)] + "/api/messages"
        return httpx.post(url, json=bodies[number], timeout=30, trust_env=False).status_code

    with ThreadPoolExecutor(count) as threads:
        assert list(threads.map(post, range(count))) == [200] * count
    return [str(body["id"]) for body in bodies]


def test_a_burst_of_answers_and_outbox_posts_keeps_the_tenants_limit_and_loses_nothing(
    slow_tenant_world: TeamsWorld,
) -> None:
    world = slow_tenant_world
    _store_teams_channels(world.database_url, world.connector.url, CHANNELS)
    queue(world.database_url, _burst_among(CHANNELS[0], 1, CHANNELS[1:]))

    activities = _helps(world, JONAS, ACTIVITIES)
    _until(lambda: len(world.connector.created()) >= POSTS, "the outbox's posts")

    _assert_paced_and_complete(world.connector, activities)


def test_two_processes_keep_the_tenants_limit_for_answers_and_posts_together(
    postgres_url: str, tmp_path: Path
) -> None:
    sample_database(postgres_url)
    with FakeConnector() as connector:
        _store_teams_channels(postgres_url, connector.url, CHANNELS)
        queue(postgres_url, _burst_among(CHANNELS[0], 1, CHANNELS[1:]))
        environment = clean_environment(
            postgres_url,
            VPMO_TEAMS_LOCAL="1",
            VPMO_TEAMS_TENANT_REQUESTS_PER_SECOND=str(TENANT_CALLS_PER_SECOND),
        )
        with (
            ServeProcess(environment, tmp_path, "one") as one,
            ServeProcess(environment, tmp_path, "two") as two,
        ):
            one.wait_healthy()
            two.wait_healthy()
            activities = _help_burst([one.url, two.url], connector.url, JONAS, ACTIVITIES)
            _until(lambda: len(connector.created()) >= POSTS, "the outbox's posts")
            codes = (one.terminate()[0], two.terminate()[0])

        assert codes == (0, 0), one.log + two.log
        _assert_paced_and_complete(connector, activities)


def _assert_paced_and_complete(connector: FakeConnector, activities: list[str]) -> None:
    """Assert each activity got one answer and each post went once, and no second held more than the limit."""
    sends = _sends(connector)
    answered = Counter(
        call.activity_id for call in sends if call.conversation == personal_conversation(JONAS)
    )
    posted = Counter(str(call.body["channelData"]["channel"]["id"]) for call in connector.created())

    assert answered == dict.fromkeys(activities, 1)
    assert posted == dict.fromkeys(CHANNELS, 1)
    assert len(sends) == ACTIVITIES + POSTS
    assert _most_in_any_window(sorted(call.at for call in sends), 1.0) <= TENANT_CALLS_PER_SECOND


def test_answers_within_the_tenants_limit_do_not_wait(
    still_slow_tenant_world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    activities = _helps(still_slow_tenant_world, JONAS, 2)

    replies = still_slow_tenant_world.connector.sent(personal_conversation(JONAS))
    assert sorted(reply.activity_id for reply in replies) == sorted(activities)
    assert "would wait" not in caplog.text


def test_an_answer_refused_with_429_goes_again_after_retry_after(world: TeamsWorld) -> None:
    chat = personal_conversation(JONAS)
    world.connector.fail_next(429, retry_after="0.2", conversation=chat, method="POST")

    [asked] = _helps(world, JONAS, 1)

    replies = world.connector.sent(chat)
    assert [reply.activity_id for reply in replies] == [asked, asked]
    assert [bool(reply.answered_id) for reply in replies] == [False, True]
    assert replies[0].body == replies[1].body
