"""The pace shared with other processes: their sends hold a message back, and its slot comes from them.

The record of every process's sends is a fake here (``OtherProcesses``); the PostgreSQL store behind
it is tested in tests/integration/test_pace_store.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.adapters.pacing import Counters, Limits, Pace, Pacing
from handlers.shared.ports import SendLater

ONE_A_SECOND: Limits = ((1, 1.0),)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class OtherProcesses:
    """The shared record: says how long the others' sends hold a key, and keeps what it was told."""

    def __init__(self, waits: dict[str, float] | None = None) -> None:
        self.waits = waits or {}
        self.admitted: list[tuple[int, tuple[str, ...]]] = []
        self.answers: list[int] = []  # the sends whose answers were written
        self.holds: list[tuple[str, float]] = []

    def admit(self, send: int, counters: Counters, answered: Sequence[tuple[int, float]] = ()) -> float:
        self.answers.extend(number for number, _ in answered)
        wait = max(self.waits.get(key, 0.0) for key, _ in counters)
        if wait == 0.0:
            self.admitted.append((send, tuple(key for key, _ in counters)))
        return wait

    def answered(self, answered: Sequence[tuple[int, float]]) -> None:
        self.answers.extend(number for number, _ in answered)

    def hold(self, key: str, seconds: float) -> None:
        self.holds.append((key, seconds))


def _wait(pacing: Pacing, message_id: int, *counters: tuple[str, Limits]) -> float | None:
    """Return how long the message must wait (None: it went now, and the platform answered at once)."""

    async def attempt() -> float | None:
        try:
            await pacing.admit(message_id, *counters)
        except SendLater as later:
            return later.retry_after
        pacing.answered(message_id)
        return None

    return asyncio.run(attempt())


def test_a_message_the_other_processes_sends_hold_back_waits_as_long_as_they_say() -> None:
    others = OtherProcesses({"C-one": 0.6})
    pacing = Pacing(Clock(), others)

    assert _wait(pacing, 1, ("C-one", ONE_A_SECOND)) == pytest.approx(0.6)
    assert others.admitted == []


def test_a_held_back_message_goes_at_the_moment_the_other_processes_allowed() -> None:
    clock = Clock()
    others = OtherProcesses({"C-one": 0.6})
    pacing = Pacing(clock, others)
    _wait(pacing, 1, ("C-one", ONE_A_SECOND))

    clock.now += 0.6
    others.waits.clear()

    # Its own refused admission counts for nothing: it is not held back for a second by itself.
    assert _wait(pacing, 1, ("C-one", ONE_A_SECOND)) is None
    assert [keys for _, keys in others.admitted] == [("C-one",)]


def test_a_message_held_back_by_others_keeps_its_place_before_those_queued_after_it() -> None:
    others = OtherProcesses({"C-one": 0.5})
    pacing = Pacing(Clock(), others)

    waits = [_wait(pacing, number, ("C-one", ONE_A_SECOND)) for number in range(3)]

    # The first waits for the others; the next ones keep to the plan, a second apart after its slot.
    assert waits == [pytest.approx(0.5), pytest.approx(1.0), pytest.approx(2.0)]


def test_the_answer_of_a_send_goes_to_the_others_with_the_next_admission() -> None:
    others = OtherProcesses()
    pacing = Pacing(Clock(), others)

    _wait(pacing, 1, ("C-one", ONE_A_SECOND))
    _wait(pacing, 2, ("C-two", ONE_A_SECOND))

    first_send = others.admitted[0][0]
    assert others.answers[:1] == [first_send]


def test_an_answer_is_written_soon_when_no_admission_takes_it() -> None:
    # The write is due 10 ms after the answer: until then the others count the send as under way.
    others = OtherProcesses()
    pacing = Pacing(Clock(), others)

    async def send_and_wait() -> None:
        await pacing.admit(1, ("C-one", ONE_A_SECOND))
        pacing.answered(1)
        for _ in range(200):  # a busy machine gets two seconds
            if others.answers:
                return
            await asyncio.sleep(0.01)

    asyncio.run(send_and_wait())

    assert others.answers == [others.admitted[0][0]]


def test_a_hold_after_a_429_is_told_to_the_others() -> None:
    others = OtherProcesses()
    pacing = Pacing(Clock(), others)

    async def hold() -> None:
        pacing.hold("C-one", 3.0)
        await asyncio.sleep(0.05)

    asyncio.run(hold())

    assert others.holds == [("C-one", 3.0)]
    assert _wait(pacing, 1, ("C-one", ONE_A_SECOND)) == pytest.approx(3.0)


def test_without_a_pace_at_all_the_others_are_not_asked() -> None:
    others = OtherProcesses({"C-one": 5.0})
    pacing = Pacing(Clock(), others)

    assert _wait(pacing, 1, ("C-one", ((1, 0.0),))) is None
    assert others.admitted == []


def test_when_the_shared_record_cannot_be_read_the_message_waits_a_second() -> None:
    class Away(OtherProcesses):
        def admit(self, send: int, counters: Counters, answered: Sequence[tuple[int, float]] = ()) -> float:
            raise ConnectionError("the database is away")

    assert _wait(Pacing(Clock(), Away()), 1, ("C-one", ONE_A_SECOND)) == pytest.approx(1.0)


def test_a_refused_admission_no_longer_counts_against_the_conversation() -> None:
    clock = Clock()
    pace = Pace(clock)
    pace.admit(1, ("C-one", ONE_A_SECOND))
    with pytest.raises(SendLater) as later:
        pace.refused(1, 0.25, ("C-one", ONE_A_SECOND))

    clock.now += 0.25
    pace.admit(1, ("C-one", ONE_A_SECOND))  # goes: the refused admission is not a send

    assert later.value.retry_after == pytest.approx(0.25)
