"""The pace of posts to one conversation: the limit holds, and a backlog drains at the allowed rate."""

from __future__ import annotations

import pytest

from bot.pacing import ConversationPace
from handlers.ports import SendLater


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _held_back_for(pace: ConversationPace, conversation: str, message_id: int) -> float | None:
    """Return how long the message must wait (None: it may go now)."""
    try:
        pace.admit(conversation, message_id)
    except SendLater as later:
        return later.retry_after
    return None


def test_up_to_the_limit_goes_at_once_and_the_next_waits_for_the_window() -> None:
    clock = Clock()
    pace = ConversationPace(7, 1.0, clock)

    waits = [_held_back_for(pace, "a:anna", number) for number in range(8)]

    assert waits[:7] == [None] * 7
    assert waits[7] == pytest.approx(1.0)


def test_a_backlog_gets_one_slot_each_at_the_allowed_rate() -> None:
    clock = Clock()
    pace = ConversationPace(1, 1.0, clock)

    waits = [_held_back_for(pace, "D-anna", number) for number in range(5)]

    assert waits == [None, pytest.approx(1.0), pytest.approx(2.0), pytest.approx(3.0), pytest.approx(4.0)]


def test_a_held_back_message_goes_when_it_comes_back_at_its_slot() -> None:
    clock = Clock()
    pace = ConversationPace(1, 1.0, clock)
    pace.admit("D-anna", 1)
    assert _held_back_for(pace, "D-anna", 2) == pytest.approx(1.0)
    assert _held_back_for(pace, "D-anna", 3) == pytest.approx(2.0)

    clock.now += 1.0
    assert _held_back_for(pace, "D-anna", 2) is None
    assert _held_back_for(pace, "D-anna", 3) == pytest.approx(1.0)  # too early: its slot stays
    clock.now += 1.0
    assert _held_back_for(pace, "D-anna", 3) is None


def test_a_new_message_queues_behind_those_already_waiting() -> None:
    clock = Clock()
    pace = ConversationPace(2, 1.0, clock)
    for number in range(4):
        _held_back_for(pace, "a:anna", number)

    clock.now += 0.5
    # Messages 2 and 3 hold the two sends allowed at 101.0: this one goes at 102.0.
    assert _held_back_for(pace, "a:anna", 99) == pytest.approx(1.5)


def test_a_message_back_long_after_its_slot_queues_again() -> None:
    clock = Clock()
    pace = ConversationPace(1, 1.0, clock)
    pace.admit("D-anna", 1)
    _held_back_for(pace, "D-anna", 2)

    clock.now += 5.0
    pace.admit("D-anna", 3)
    assert _held_back_for(pace, "D-anna", 2) == pytest.approx(1.0)


def test_conversations_are_paced_apart() -> None:
    pace = ConversationPace(1, 1.0, Clock())

    pace.admit("D-anna", 1)

    assert _held_back_for(pace, "D-lars", 2) is None
    assert _held_back_for(pace, "D-anna", 3) == pytest.approx(1.0)


def test_no_window_means_no_pace() -> None:
    pace = ConversationPace(1, 0.0, Clock())

    assert [_held_back_for(pace, "D-anna", number) for number in range(5)] == [None] * 5
