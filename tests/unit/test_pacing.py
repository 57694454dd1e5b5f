"""The pace of sends: the limits hold, a backlog drains at the allowed rate, in the order it came."""

from __future__ import annotations

import bisect
import heapq

import pytest

from bot.adapters.pacing import Limits, Pace
from bot.teams.pace import CONVERSATION_LIMITS, tenant_limits
from bot.teams.settings import TENANT_REQUESTS_PER_SECOND
from handlers.shared.ports import SendLater

ONE_A_SECOND: Limits = ((1, 1.0),)
TENANT_LIMITS = tenant_limits(TENANT_REQUESTS_PER_SECOND)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _held_back_for(pace: Pace, message_id: int, *counters: tuple[str, Limits]) -> float | None:
    """Return how long the message must wait (None: it went now, and the platform answered at once)."""
    try:
        pace.admit(message_id, *counters)
    except SendLater as later:
        return later.retry_after
    pace.answered(message_id)
    return None


def test_up_to_the_limit_goes_at_once_and_the_next_waits_for_the_window() -> None:
    pace = Pace(Clock())

    waits = [_held_back_for(pace, number, ("a:anna", ((7, 1.0),))) for number in range(8)]

    assert waits[:7] == [None] * 7
    assert waits[7] == pytest.approx(1.0)


def test_a_backlog_gets_one_slot_each_at_the_allowed_rate() -> None:
    pace = Pace(Clock())

    waits = [_held_back_for(pace, number, ("D-anna", ONE_A_SECOND)) for number in range(5)]

    assert waits == [None, pytest.approx(1.0), pytest.approx(2.0), pytest.approx(3.0), pytest.approx(4.0)]


def test_a_held_back_message_goes_when_it_comes_back_at_its_slot() -> None:
    clock = Clock()
    pace = Pace(clock)
    _held_back_for(pace, 1, ("D-anna", ONE_A_SECOND))
    assert _held_back_for(pace, 2, ("D-anna", ONE_A_SECOND)) == pytest.approx(1.0)
    assert _held_back_for(pace, 3, ("D-anna", ONE_A_SECOND)) == pytest.approx(2.0)

    clock.now += 1.0
    assert _held_back_for(pace, 2, ("D-anna", ONE_A_SECOND)) is None
    assert _held_back_for(pace, 3, ("D-anna", ONE_A_SECOND)) == pytest.approx(
        1.0
    )  # too early: its slot stays
    clock.now += 1.0
    assert _held_back_for(pace, 3, ("D-anna", ONE_A_SECOND)) is None


def test_a_new_message_queues_behind_those_already_waiting() -> None:
    clock = Clock()
    pace = Pace(clock)
    for number in range(4):
        _held_back_for(pace, number, ("a:anna", ((2, 1.0),)))

    clock.now += 0.5
    # Messages 2 and 3 hold the two sends allowed at 101.0: this one goes at 102.0.
    assert _held_back_for(pace, 99, ("a:anna", ((2, 1.0),))) == pytest.approx(1.5)


def test_a_message_back_long_after_its_slot_queues_again() -> None:
    clock = Clock()
    pace = Pace(clock)
    _held_back_for(pace, 1, ("D-anna", ONE_A_SECOND))
    _held_back_for(pace, 2, ("D-anna", ONE_A_SECOND))

    clock.now += 5.0
    _held_back_for(pace, 3, ("D-anna", ONE_A_SECOND))
    assert _held_back_for(pace, 2, ("D-anna", ONE_A_SECOND)) == pytest.approx(1.0)


def test_conversations_are_paced_apart() -> None:
    pace = Pace(Clock())

    _held_back_for(pace, 1, ("D-anna", ONE_A_SECOND))

    assert _held_back_for(pace, 2, ("D-lars", ONE_A_SECOND)) is None
    assert _held_back_for(pace, 3, ("D-anna", ONE_A_SECOND)) == pytest.approx(1.0)


def test_no_window_means_no_pace() -> None:
    pace = Pace(Clock())

    assert [_held_back_for(pace, number, ("D-anna", ((1, 0.0),))) for number in range(5)] == [None] * 5


def _teams_schedule(count: int) -> list[float]:
    """Return when each of ``count`` messages to one Teams conversation goes (seconds from the first)."""
    pace = Pace(Clock())
    return [_held_back_for(pace, n, ("a:anna", CONVERSATION_LIMITS)) or 0.0 for n in range(count)]


@pytest.mark.parametrize(("limit", "window"), CONVERSATION_LIMITS)
def test_a_teams_backlog_keeps_to_every_one_of_teams_limits(limit: int, window: float) -> None:
    times = sorted(_teams_schedule(200 if window < 3600 else 1900))

    busiest = max(bisect.bisect_left(times, start + window) - index for index, start in enumerate(times))
    assert busiest == limit


def test_a_teams_tenant_takes_thirty_sends_a_second_across_its_conversations() -> None:
    pace = Pace(Clock())

    waits = [
        _held_back_for(pace, n, (f"a:person-{n}", CONVERSATION_LIMITS), ("tenant:1", TENANT_LIMITS))
        for n in range(31)
    ]

    assert waits[:30] == [None] * 30
    assert waits[30] == pytest.approx(1.0)
    assert _held_back_for(pace, 99, ("a:person-x", CONVERSATION_LIMITS), ("tenant:2", TENANT_LIMITS)) is None


def test_a_conversation_that_may_send_now_does_not_wait_behind_another_ones_slot() -> None:
    pace = Pace(Clock())
    workspace = ("workspace:1", ((10, 1.0),))
    _held_back_for(pace, 1, ("C-one", ONE_A_SECOND), workspace)

    assert _held_back_for(pace, 2, ("C-one", ONE_A_SECOND), workspace) == pytest.approx(1.0)
    assert _held_back_for(pace, 3, ("C-two", ONE_A_SECOND), workspace) is None


def test_a_message_back_late_waits_until_the_sends_made_allow_it() -> None:
    clock = Clock()
    pace = Pace(clock)
    _held_back_for(pace, 1, ("C-one", ONE_A_SECOND))
    _held_back_for(pace, 2, ("C-one", ONE_A_SECOND))  # slot at +1.0
    clock.now += 0.5
    pace.hold("C-one", 2.0)  # a 429 with Retry-After: 2

    clock.now += 0.6
    assert _held_back_for(pace, 2, ("C-one", ONE_A_SECOND)) == pytest.approx(1.4)


def test_a_send_counts_until_its_answer_came_back_a_window_ago() -> None:
    clock = Clock()
    pace = Pace(clock)
    pace.admit(1, ("C-one", ONE_A_SECOND))
    clock.now += 0.4  # the platform answered only now: the send may have arrived as late as this
    pace.answered(1)

    clock.now += 0.7
    assert _held_back_for(pace, 2, ("C-one", ONE_A_SECOND)) == pytest.approx(0.3)  # 1 s after the answer


def test_slots_are_planned_as_far_apart_again_as_answers_lately_took() -> None:
    clock = Clock()
    pace = Pace(clock)
    pace.admit(1, ("C-one", ONE_A_SECOND))
    clock.now += 0.2
    pace.answered(1)

    assert _held_back_for(pace, 2, ("C-one", ONE_A_SECOND)) == pytest.approx(1.0)  # 100.0 + 1 s + 0.2 s
    clock.now += 1.0
    assert _held_back_for(pace, 2, ("C-one", ONE_A_SECOND)) is None


def test_a_shared_counter_gives_a_slot_between_others_only_where_no_window_overflows() -> None:
    pace = Pace(Clock())
    workspace = ("workspace:1", ((2, 1.0),))
    for number in range(3):  # one conversation: now, +1 s, +2 s
        _held_back_for(pace, number, ("C-one", ONE_A_SECOND), workspace)

    assert _held_back_for(pace, 10, ("C-two", ONE_A_SECOND), workspace) is None  # two in 100.0's second
    # A third at 100.0 would make three in a second: the first moment with room is 101.0.
    assert _held_back_for(pace, 11, ("C-three", ONE_A_SECOND), workspace) == pytest.approx(1.0)


def test_an_answer_within_the_limits_goes_at_once() -> None:
    pace = Pace(Clock())

    waits = [
        pace.admit_first(-number, ("a:jonas", CONVERSATION_LIMITS), ("tenant:1", TENANT_LIMITS))
        for number in range(7)
    ]

    assert waits == [0.0] * 7


def test_an_answer_goes_ahead_of_a_message_held_back_before_it() -> None:
    clock = Clock()
    pace = Pace(clock)
    tenant = ("tenant:1", ONE_A_SECOND)
    assert _held_back_for(pace, 1, ("a:anna", CONVERSATION_LIMITS), tenant) is None
    assert _held_back_for(pace, 2, ("a:mette", CONVERSATION_LIMITS), tenant) == pytest.approx(1.0)
    clock.now += 0.5
    assert pace.admit_first(-1, ("a:jonas", CONVERSATION_LIMITS), tenant) == pytest.approx(0.5)

    clock.now += 0.5
    message_at_its_slot = _held_back_for(pace, 2, ("a:mette", CONVERSATION_LIMITS), tenant)
    answer = pace.admit_first(-1, ("a:jonas", CONVERSATION_LIMITS), tenant)

    assert message_at_its_slot == pytest.approx(1.0)
    assert answer == 0.0


def test_an_answer_given_up_on_leaves_its_room_to_the_outbox() -> None:
    clock = Clock()
    pace = Pace(clock)
    tenant = ("tenant:1", ONE_A_SECOND)
    assert _held_back_for(pace, 1, ("a:anna", CONVERSATION_LIMITS), tenant) is None
    assert pace.admit_first(-1, ("a:jonas", CONVERSATION_LIMITS), tenant) == pytest.approx(1.0)

    pace.stop_waiting(-1)
    clock.now += 1.0

    assert _held_back_for(pace, 2, ("a:mette", CONVERSATION_LIMITS), tenant) is None


def test_a_backlog_over_a_tenants_limit_is_planned_to_the_end() -> None:
    # Messages 1/40 s apart from 0.0: (slot + window) - window rounds to below some slots, which once
    # made the search for a free slot find the same one for ever.
    clock = Clock()
    clock.now = 0.0
    pace = Pace(clock)
    due = [(number / 40, number) for number in range(120)]
    sent = []
    while due:
        clock.now, number = heapq.heappop(due)
        wait = _held_back_for(
            pace, number, (f"a:{number % 10}", CONVERSATION_LIMITS), ("tenant:1", TENANT_LIMITS)
        )
        if wait is None:
            sent.append(number)
        else:
            heapq.heappush(due, (clock.now + wait, number))

    assert sorted(sent) == list(range(120))
