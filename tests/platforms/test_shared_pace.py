"""Two ``vpmo serve`` processes on one PostgreSQL database post a burst to one conversation: paced as one.

Both claim from the one outbox, so each gets part of the burst; on their own they would together post
twice what the platform allows. The fakes record when each post arrives, and no window of the
platform's limits holds more than it allows: Slack one post per (here) 0.5 s per channel, Teams 7 in
1 s and 8 in 2 s per conversation. Every post arrives exactly once.

The burst is queued among many more posts to other conversations, more than one claim takes (the
dispatcher's BATCH): the first process to tick cannot claim it all before the second starts, and
each process, waking for its own held-back posts, claims the other's too when they fall due.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from bot.bootstrap import build_runtime
from bot.teams.pace import CONVERSATION_LIMITS
from handlers.shared.text import Message
from scheduler.dispatcher import BATCH
from storage.teams_store import TeamsReference, TeamsStore
from tests.platforms.conftest import sample_database
from tests.platforms.fan_out import all_sent, keyed_post, queue, serve_two_until
from tests.platforms.serve_process import clean_environment, slack_environment, slack_for_processes
from tests.platforms.teams_fakes import FakeConnector

SLACK_CHANNEL = "CBURST"
TEAMS_CONVERSATION = "19:pace-burst@thread.tacv2"
SLACK_PACE_SECONDS = 0.5  # the channel's pace, shorter than Slack's second so that the test is short
SLACK_POSTS = 16
TEAMS_POSTS = 32
OTHER_POSTS = 3 * BATCH  # one to each of as many other conversations, around the burst's
TOKENS = ("xoxb-pace-one", "xoxb-pace-two")  # a bot token each: the fake tells who posted
_KEY = re.compile(r"burst-\d{3}")


def _burst_among(burst_to: str, posts: int, others: list[str]) -> list[Message]:
    """Return the burst, spread among one post to each of the other conversations."""
    every = len(others) // posts
    spread = []
    for number, other in enumerate(others):
        if number % every == 0 and number // every < posts:
            key = f"burst-{number // every:03d}"
            spread.append(keyed_post(key, burst_to, dedupe_key=key))
        spread.append(keyed_post(f"other-{number:03d}", other, dedupe_key=f"other-{number:03d}"))
    return spread


def _store_teams_channels(database_url: str, service_url: str, conversations: list[str]) -> None:
    """Record the channels as the bot learns them when @mentioned there."""
    runtime = build_runtime(database_url)
    store = TeamsStore(runtime.engine)
    try:
        with runtime.deps.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
        for conversation in conversations:
            reference = {
                "bot": {"id": "28:burst-bot", "name": "Virtuelt PMO"},
                "conversation": {"id": conversation, "isGroup": True},
                "channelId": "msteams",
                "serviceUrl": service_url,
            }
            store.save_reference(
                TeamsReference(tenant.id, conversation, service_url, reference, channel_key=conversation),
                datetime.now(UTC),
            )
    finally:
        runtime.engine.dispose()


def _most_in_any_window(arrivals: list[float], window: float) -> int:
    """Return the most arrivals in any span of ``window`` seconds (a span open at its end)."""
    return max(
        sum(1 for later in arrivals[index:] if later < start + window) for index, start in enumerate(arrivals)
    )


def test_two_processes_post_a_burst_to_one_slack_channel_at_one_channels_pace(
    postgres_url: str, tmp_path: Path
) -> None:
    sample_database(postgres_url)
    others = [f"COTHER{number:03d}" for number in range(OTHER_POSTS)]
    queue(postgres_url, _burst_among(SLACK_CHANNEL, SLACK_POSTS, others))
    with slack_for_processes(tokens=TOKENS, latency=0.05) as slack:
        environments = (
            _slack_environment(postgres_url, slack.url, TOKENS[0]),
            _slack_environment(postgres_url, slack.url, TOKENS[1]),
        )
        logs = serve_two_until(
            environments, tmp_path, lambda: all_sent(postgres_url, SLACK_POSTS + OTHER_POSTS)
        )
        posts = [
            call for call in slack.calls("chat.postMessage") if call.params.get("channel") == SLACK_CHANNEL
        ]
    posted = Counter(_key(str(call.params.get("text"))) for call in posts if call.ok)
    arrivals = sorted(call.at for call in posts)

    assert {call.token for call in posts} == set(TOKENS)  # both processes posted part of the burst
    assert set(posted) == {f"burst-{number:03d}" for number in range(SLACK_POSTS)}, logs
    assert [key for key, count in posted.items() if count > 1] == []
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert _most_in_any_window(arrivals, SLACK_PACE_SECONDS) == 1, gaps


def test_two_processes_post_a_burst_to_one_teams_channel_within_its_limits(
    postgres_url: str, tmp_path: Path
) -> None:
    sample_database(postgres_url)
    others = [f"19:other-{number:03d}@thread.tacv2" for number in range(OTHER_POSTS)]
    queue(postgres_url, _burst_among(TEAMS_CONVERSATION, TEAMS_POSTS, others))
    with FakeConnector() as connector:
        _store_teams_channels(postgres_url, connector.url, [TEAMS_CONVERSATION, *others])
        environment = clean_environment(postgres_url, VPMO_TEAMS_LOCAL="1")
        serve_two_until(
            (environment, environment), tmp_path, lambda: all_sent(postgres_url, TEAMS_POSTS + OTHER_POSTS)
        )
        posts = [call for call in connector.created() if TEAMS_CONVERSATION in json.dumps(call.body)]
    posted = Counter(_key(json.dumps(call.body)) for call in posts)
    arrivals = sorted(call.at for call in posts)

    assert set(posted) == {f"burst-{number:03d}" for number in range(TEAMS_POSTS)}
    assert [key for key, count in posted.items() if count > 1] == []
    for limit, window in CONVERSATION_LIMITS[:2]:  # 7 in 1 s, 8 in 2 s (the burst is over in seconds)
        assert _most_in_any_window(arrivals, window) <= limit, (limit, window, arrivals)


def _slack_environment(database_url: str, api_url: str, token: str) -> dict[str, str]:
    return slack_environment(
        database_url,
        api_url,
        SLACK_BOT_TOKEN=token,
        VPMO_SLACK_PACE_SECONDS=str(SLACK_PACE_SECONDS),
        # The other posts go at once, so that the first process to tick cannot take them all before
        # the second starts. The workspace's pace across processes is measured in bench/fanout.py.
        VPMO_SLACK_WORKSPACE_POSTS_PER_SECOND="0",
    )


def _key(text: str) -> str:
    found = _KEY.search(text)
    return found.group(0) if found else "?"
