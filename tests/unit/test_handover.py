"""The hand-over tells its dispatcher once of each message its process left in the outbox table."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.handover import Handover

START = datetime(2027, 3, 3, 9, tzinfo=UTC)


def test_a_message_left_in_the_table_is_told_by_the_next_take_only() -> None:
    handover = Handover()

    handover.hand_over([], others_queued=True)
    told = handover.take(START)
    again = handover.take(START)

    assert (told.others_queued, again.others_queued) == (True, False)
    assert (told.deliveries, told.late) == ([], [])


def test_nothing_left_in_the_table_tells_nothing() -> None:
    handover = Handover()

    handover.hand_over([], others_queued=False)

    assert handover.take(START).others_queued is False
