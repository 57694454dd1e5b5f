"""Outbox → Slack through the real server: rate limits, outages, refusals and per-channel pacing.

Every server test runs ``vpmo``'s server (HTTP mode, tick every 0.2 s) against the fake Slack Web API
and reads the outbox table afterwards, on SQLite and on PostgreSQL. The server's clock (use cases,
dispatcher, Slack's pace) stands still until the test moves it, so every wait and slot is checked in
that clock, exactly; real time only decides how long a broken server may take to fail a test.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.slack.messenger import PERMANENT_ERRORS, classify
from handlers.shared.ports import PermanentSendError, TransientSendError
from storage.tables import OutboxRow
from tests.fakes import FixedClock
from tests.platforms.conftest import ANNA, JONAS, METTE, SOFIE, TEAM, SlackWorld, running_slack_world
from tests.platforms.slack_fakes import Call, slash_command
from tests.platforms.stored import outbox_rows_to

EMMA = "U01EML"
BUDGET_REQUEST = "Budgettet er skredet, hvad gør jeg?"


# --- helpers -------------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout: float, what: str | Callable[[], str]) -> None:
    """Poll ``condition`` every 20 ms until it holds; fail the test after ``timeout`` seconds.

    ``timeout`` only fails a server that never gets there; no check passes because time went by.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what() if callable(what) else what}")
        time.sleep(0.02)


def wait_for_row(
    database_url: str, slack_id: str, condition: Callable[[OutboxRow], bool], what: str, timeout: float = 10.0
) -> OutboxRow:
    """Wait until the (single) outbox row to the person meets ``condition`` and return it."""
    rows: list[OutboxRow] = []

    def settled() -> bool:
        rows[:] = outbox_rows_to(database_url, slack_id)
        return len(rows) == 1 and condition(rows[0])

    wait_until(settled, timeout, lambda: f"the outbox row to {slack_id} to be {what}; rows: {rows}")
    return rows[0]


def wait_for_row_state(database_url: str, slack_id: str, state: str, timeout: float = 10.0) -> OutboxRow:
    """Wait until the (single) outbox row to the person is in ``state`` and return it."""
    return wait_for_row(database_url, slack_id, lambda row: row.state == state, state, timeout)


def wait_for_row_states(database_url: str, slack_id: str, states: list[str], timeout: float = 10.0) -> None:
    """Wait until the outbox rows to the person are in exactly these states, oldest first."""
    wait_until(
        lambda: [row.state for row in outbox_rows_to(database_url, slack_id)] == states,
        timeout,
        lambda: f"the outbox rows to {slack_id} to be {states}",
    )


def utc(moment: datetime | None) -> datetime:
    """Return a stored moment as an aware UTC datetime (SQLite hands back naive ones)."""
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def posts_to(world: SlackWorld, user: str) -> list[Call]:
    """Return every chat.postMessage attempt (failed or not) to the user's DM channel."""
    return world.dms_to(user)


def request_sparring(world: SlackWorld, user: str = JONAS, text: str = BUDGET_REQUEST) -> None:
    """Send the /sparring slash command and check that Slack got its ack."""
    response = world.send(slash_command(TEAM, user, text))
    assert response.status_code == 200, response.text


@pytest.fixture
def clock() -> FixedClock:
    """The server's only time in these tests: it stands still until a test moves it."""
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def slack_world(database_url: str, clock: FixedClock) -> Iterator[SlackWorld]:
    with running_slack_world(database_url, clock) as world:
        yield world


def later_ticks_send_nothing_more(world: SlackWorld, clock: FixedClock, seconds: float = 5.0) -> None:
    """Move past every pace and Retry-After the test could meet and let whole ticks run over it."""
    clock.advance(seconds=seconds)
    world.server.ticks(2)


# --- the outbox → Slack path through the server --------------------------------------------------


def test_a_rate_limited_offer_waits_for_retry_after_and_is_sent_exactly_once(
    slack_world: SlackWorld, clock: FixedClock
) -> None:
    # Retry-After: 2 rather than 1: the per-channel pacing alone already spaces two posts by 1 s, so
    # only a longer Retry-After shows that the dispatcher honours the header.
    slack_world.slack.fail_next("chat.postMessage", status=429, retry_after=2)
    limited_at = clock.now()

    request_sparring(slack_world)

    waiting = wait_for_row(slack_world.database_url, ANNA, lambda row: row.attempts == 1, "retried once")
    assert utc(waiting.due_at) == limited_at + timedelta(seconds=2)
    clock.advance(seconds=1.9)
    slack_world.server.ticks()
    assert len(posts_to(slack_world, ANNA)) == 1  # not yet: Retry-After is not over
    clock.advance(seconds=0.1)
    row = wait_for_row_state(slack_world.database_url, ANNA, "sent")
    later_ticks_send_nothing_more(slack_world, clock)
    limited, delivered = posts_to(slack_world, ANNA)
    assert (limited.status, limited.response["error"]) == (429, "ratelimited")
    assert delivered.ok
    assert utc(row.sent_at) == limited_at + timedelta(seconds=2)
    assert len(posts_to(slack_world, ANNA)) == 2
    assert row.platform_message_id == f"D{ANNA}:{delivered.response['ts']}"
    assert row.attempts == 2
    assert "rate limit" in (row.last_error or "")


def test_a_rate_limit_without_much_wait_still_sends_no_earlier_than_a_second_later(
    slack_world: SlackWorld, clock: FixedClock
) -> None:
    slack_world.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    limited_at = clock.now()

    request_sparring(slack_world)

    wait_for_row(slack_world.database_url, ANNA, lambda row: row.attempts == 1, "retried once")
    clock.advance(seconds=0.9)
    slack_world.server.ticks()
    assert len(posts_to(slack_world, ANNA)) == 1
    clock.advance(seconds=0.1)
    row = wait_for_row_state(slack_world.database_url, ANNA, "sent")
    limited, delivered = posts_to(slack_world, ANNA)
    assert not limited.ok
    assert delivered.ok
    assert utc(row.sent_at) == limited_at + timedelta(seconds=1)
    assert row.platform_message_id == f"D{ANNA}:{delivered.response['ts']}"


def test_a_503_is_retried_after_a_jittered_backoff_and_sent_once(
    slack_world: SlackWorld, clock: FixedClock
) -> None:
    slack_world.slack.fail_next("chat.postMessage", status=503)
    outage_at = clock.now()

    request_sparring(slack_world)

    waiting = wait_for_row(slack_world.database_url, ANNA, lambda row: row.attempts == 1, "retried once")
    backoff = utc(waiting.due_at) - outage_at
    # The first backoff is 2.5–5 s (5 s doubled per attempt, half of it jittered).
    assert timedelta(seconds=2.5) <= backoff <= timedelta(seconds=5)
    clock.advance(seconds=backoff.total_seconds() - 0.01)
    slack_world.server.ticks()
    assert len(posts_to(slack_world, ANNA)) == 1
    clock.set(outage_at + backoff)
    row = wait_for_row_state(slack_world.database_url, ANNA, "sent")
    later_ticks_send_nothing_more(slack_world, clock)
    outage, delivered = posts_to(slack_world, ANNA)
    assert outage.status == 503
    assert delivered.ok
    assert utc(row.sent_at) == outage_at + backoff
    assert row.platform_message_id == f"D{ANNA}:{delivered.response['ts']}"
    assert row.attempts == 2
    assert "503" in (row.last_error or "")


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "account_inactive"])
def test_a_refused_dm_fails_the_row_and_tells_the_coordinator_once(
    slack_world: SlackWorld, clock: FixedClock, error: str
) -> None:
    slack_world.slack.fail_next("chat.postMessage", error=error)

    request_sparring(slack_world)

    row = wait_for_row_state(slack_world.database_url, ANNA, "failed")
    wait_until(lambda: len(posts_to(slack_world, METTE)) >= 1, 10, "a note to the coordinator")
    later_ticks_send_nothing_more(slack_world, clock)
    [refused] = posts_to(slack_world, ANNA)
    [note] = posts_to(slack_world, METTE)
    assert refused.response == {"ok": False, "error": error}
    assert error in (row.last_error or "")
    assert row.platform_message_id is None
    assert note.ok
    assert "kunne ikke leveres" in note.params["text"]
    assert "Anna Berg" in note.params["text"]
    assert error in note.params["text"]
    assert [r.state for r in outbox_rows_to(slack_world.database_url, METTE)] == ["sent"]


def test_an_offer_that_cannot_reach_its_senior_goes_to_the_next_one_at_once(
    slack_world: SlackWorld, clock: FixedClock
) -> None:
    slack_world.slack.fail_next("chat.postMessage", error="account_inactive")

    request_sparring(slack_world)

    wait_until(lambda: len(posts_to(slack_world, SOFIE)) >= 1, 10, "the offer to the next senior")
    wait_until(lambda: len(posts_to(slack_world, JONAS)) >= 1, 10, "the requester to be told")
    later_ticks_send_nothing_more(slack_world, clock)
    [offer] = posts_to(slack_world, SOFIE)
    [told] = posts_to(slack_world, JONAS)
    assert offer.ok
    assert "S-1" in offer.params["text"]
    assert "Sofie Dahl" in told.params["text"]
    channels = sorted(call.params["channel"] for call in slack_world.slack.calls("chat.postMessage"))
    assert channels == sorted(f"D{user}" for user in (ANNA, METTE, SOFIE, JONAS))  # each once


def refuse_dms_to(user: str, error: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Return a chat.postMessage answer that refuses the user's DM and accepts every other post."""
    stamps = itertools.count(1)

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        if channel in {user, f"D{user}"}:
            return {"ok": False, "error": error}
        return {"ok": True, "channel": channel, "ts": f"1800000000.{next(stamps):06d}", "message": {}}

    return answer


def test_a_coordinator_whose_dm_is_refused_gets_no_chain_of_notes_about_notes(
    slack_world: SlackWorld, clock: FixedClock
) -> None:
    # Anna's offer is refused once; Mette's DM is refused every time.
    slack_world.slack.answer("chat.postMessage", refuse_dms_to(METTE, "account_inactive"))
    slack_world.slack.fail_next("chat.postMessage", error="channel_not_found")

    request_sparring(slack_world)

    wait_until(lambda: len(posts_to(slack_world, METTE)) >= 1, 10, "the note to the coordinator")
    wait_for_row_state(slack_world.database_url, METTE, "failed")
    later_ticks_send_nothing_more(slack_world, clock)  # past the 1 s a further note would be paced
    assert len(posts_to(slack_world, METTE)) == 1
    assert [row.state for row in outbox_rows_to(slack_world.database_url, METTE)] == ["failed"]


def test_two_offers_to_the_same_dm_are_paced_a_second_apart(
    slack_world: SlackWorld, clock: FixedClock
) -> None:
    first_at = clock.now()
    # "gevinstrealisering" (benefits) is Anna's area alone, so both requests are offered to her.
    request_sparring(slack_world, JONAS, "Hvordan griber vi gevinstrealisering an i projektet?")
    request_sparring(slack_world, EMMA, "Hvordan måler vi gevinstrealisering efter go-live?")

    wait_until(lambda: len(posts_to(slack_world, ANNA)) >= 1, 10, "the first offer to Anna")
    wait_until(
        lambda: [r.state for r in outbox_rows_to(slack_world.database_url, ANNA)] == ["sent", "pending"],
        10,
        "the second offer to be held back",
    )
    slack_world.server.ticks()
    assert len(posts_to(slack_world, ANNA)) == 1  # the clock has not moved: Slack's pace holds it
    clock.advance(seconds=1)
    wait_until(lambda: len(posts_to(slack_world, ANNA)) >= 2, 10, "the second offer to Anna")
    # The fake has the post before the dispatcher has recorded it as sent: wait for the record too.
    wait_for_row_states(slack_world.database_url, ANNA, ["sent", "sent"])
    first, second = posts_to(slack_world, ANNA)
    assert first.ok
    assert second.ok
    assert "S-1" in first.params["text"]
    assert "S-2" in second.params["text"]
    sent = [utc(row.sent_at) for row in outbox_rows_to(slack_world.database_url, ANNA)]
    assert sent == [first_at, first_at + timedelta(seconds=1)]


# --- how Slack's answers are classified ----------------------------------------------------------


def slack_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    """Return the SlackApiError slack_sdk raises for an answer with this status and error code."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(f"The request to the Slack API failed: {error}", response)


@pytest.mark.parametrize("header", ["Retry-After", "retry-after"])
def test_a_429_is_transient_and_carries_retry_after(header: str) -> None:
    classified = classify(slack_error(429, "ratelimited", {header: "7"}))

    assert isinstance(classified, TransientSendError)
    assert classified.retry_after == 7.0


def test_a_429_without_retry_after_is_transient_with_no_fixed_wait() -> None:
    classified = classify(slack_error(429, "ratelimited"))

    assert isinstance(classified, TransientSendError)
    assert classified.retry_after is None


def test_ratelimited_in_a_200_answer_is_transient() -> None:
    assert isinstance(classify(slack_error(200, "ratelimited")), TransientSendError)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient_without_retry_after(status: int) -> None:
    classified = classify(slack_error(status, "internal_error"))

    assert isinstance(classified, TransientSendError)
    assert classified.retry_after is None
    assert str(status) in str(classified)


@pytest.mark.parametrize("code", sorted(PERMANENT_ERRORS))
def test_refusals_no_retry_can_fix_are_permanent(code: str) -> None:
    classified = classify(slack_error(200, code))

    assert isinstance(classified, PermanentSendError)
    assert code in str(classified)


def test_the_refusals_the_coordinator_must_hear_about_are_permanent() -> None:
    assert {"channel_not_found", "not_in_channel", "account_inactive", "is_archived"} <= PERMANENT_ERRORS


def test_an_unknown_error_code_is_retried_rather_than_dropped() -> None:
    classified = classify(slack_error(200, "some_new_error"))

    assert isinstance(classified, TransientSendError)
    assert "some_new_error" in str(classified)
