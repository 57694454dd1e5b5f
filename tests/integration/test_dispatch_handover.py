"""The hand-over: what a process queues due now goes out claimed, straight to its own dispatcher, safely."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from bot.bootstrap import Runtime, build_runtime
from handlers.shared.text import Message, Text
from scheduler.dispatcher import LEASE, TABLE_SECONDS, Dispatcher
from storage.outbox_store import OutboxStore
from storage.tables import OutboxRow
from tests.fakes import FixedClock, RecordingMessenger

START = datetime(2027, 3, 3, 9, tzinfo=UTC)
JONAS = "jonas.friis@nordlys.dk"


def _queue(runtime: Runtime, due_at: datetime = START, *, commit: bool = True) -> None:
    """Queue one message to Jonas, due at ``due_at``, in a unit of work of the runtime's process."""
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, email=JONAS)
        assert jonas is not None
        uow.outbox.add(tenant.id, Message((Text.of("status.none"),), to_person=jonas.id), due_at)
        if commit:
            uow.commit()


def _rows(runtime: Runtime) -> list[OutboxRow]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all())


def _handed_to(runtime: Runtime, clock: FixedClock) -> tuple[Dispatcher, RecordingMessenger]:
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(runtime.outbox, messenger, clock, takes_handover=True)
    asyncio.run(dispatcher.run_once())  # its first run looks at the table; the next ones may not
    return dispatcher, messenger


def test_a_message_due_now_is_queued_claimed_and_sent_by_its_process_without_reading_the_table(
    runtime: Runtime, database_url: str
) -> None:
    clock = FixedClock(START)
    dispatcher, messenger = _handed_to(runtime, clock)
    elsewhere = build_runtime(database_url, clock=clock)  # another process: it hands nothing to ours
    _queue(elsewhere)
    _queue(runtime)
    queued = _rows(runtime)

    handed = asyncio.run(dispatcher.run_once())
    clock.advance(seconds=TABLE_SECONDS)
    looked = asyncio.run(dispatcher.run_once())

    assert [(row.state, row.lease_until) for row in queued] == [("pending", None), ("sending", START + LEASE)]
    assert (handed.sent, looked.sent) == (1, 1)
    assert [d.id for d in messenger.sent] == [queued[1].id, queued[0].id]
    recipient = messenger.sent[0].recipient
    assert recipient is not None
    assert recipient.email == JONAS
    assert [(row.state, row.attempts) for row in _rows(runtime)] == [("sent", 1), ("sent", 1)]
    elsewhere.engine.dispose()


def test_a_process_killed_before_sending_leaves_its_message_to_any_dispatcher_once_the_lease_ends(
    runtime: Runtime,
) -> None:
    clock = FixedClock(START)
    _handed_to(runtime, clock)
    _queue(runtime)  # and the process dies: its dispatcher never runs again
    survivor = Dispatcher(OutboxStore(runtime.engine), RecordingMessenger(), clock)

    while_leased = asyncio.run(survivor.run_once())
    clock.set(START + LEASE)
    after_lease = asyncio.run(survivor.run_once())

    assert (while_leased.claimed, after_lease.sent) == (0, 1)
    assert [row.state for row in _rows(runtime)] == ["sent"]


def test_a_rolled_back_transaction_hands_nothing_over(runtime: Runtime) -> None:
    clock = FixedClock(START)
    dispatcher, _ = _handed_to(runtime, clock)

    _queue(runtime, commit=False)
    report = asyncio.run(dispatcher.run_once())

    assert report.claimed == 0
    assert _rows(runtime) == []


def test_without_a_dispatcher_taking_them_and_for_later_messages_go_into_the_table_unclaimed(
    runtime: Runtime,
) -> None:
    clock = FixedClock(START)
    _queue(runtime)  # no dispatcher in the process yet (the CLI)
    dispatcher, messenger = _handed_to(runtime, clock)
    _queue(runtime, START + timedelta(minutes=5))  # a reminder: due later, so the table keeps it
    first = [(row.state, row.claim_token) for row in _rows(runtime)]

    clock.set(START + timedelta(minutes=5))
    later = asyncio.run(dispatcher.run_once())

    assert first == [("sent", None), ("pending", None)]
    assert later.sent == 1
    assert len(messenger.sent) == 2


def test_a_stopping_dispatcher_hands_back_what_it_was_handed_and_did_not_send(runtime: Runtime) -> None:
    clock = FixedClock(START)
    dispatcher, messenger = _handed_to(runtime, clock)
    _queue(runtime)

    dispatcher.request_stop()
    asyncio.run(dispatcher.run_once())
    dispatcher.close()
    successor = asyncio.run(Dispatcher(OutboxStore(runtime.engine), RecordingMessenger(), clock).run_once())

    assert messenger.sent == []
    assert successor.sent == 1  # at once, not after the lease
    assert [row.state for row in _rows(runtime)] == ["sent"]


def test_a_message_handed_over_too_long_ago_is_sent_once_through_the_table(runtime: Runtime) -> None:
    clock = FixedClock(START)
    dispatcher, messenger = _handed_to(runtime, clock)
    _queue(runtime)

    # Its lease nearly over (the loop was blocked): sent now, another dispatcher could take it mid-send.
    clock.set(START + LEASE * 0.75)
    report = asyncio.run(dispatcher.run_once())

    assert report.sent == 1
    assert len(messenger.sent) == 1
    assert [(row.state, row.attempts) for row in _rows(runtime)] == [("sent", 1)]


def test_a_message_the_process_left_in_the_table_is_looked_for_at_the_next_run(runtime: Runtime) -> None:
    clock = FixedClock(START)
    dispatcher, messenger = _handed_to(runtime, clock)
    _queue(runtime, START + timedelta(seconds=0.5))  # due later: into the table, not handed over

    clock.set(START + timedelta(seconds=0.5))  # sooner than TABLE_SECONDS after the last look
    report = asyncio.run(dispatcher.run_once())

    assert report.sent == 1
    assert len(messenger.sent) == 1


def test_a_retry_due_later_than_table_seconds_is_claimed_at_its_time_though_the_table_was_just_looked_at(
    runtime: Runtime, database_url: str
) -> None:
    clock = FixedClock(START)
    dispatcher, messenger = _handed_to(runtime, clock)
    elsewhere = build_runtime(database_url, clock=clock)
    messenger.fail_transient(retry_after=30.0)
    _queue(runtime)
    retried = asyncio.run(dispatcher.run_once())
    clock.set(START + timedelta(seconds=29.5))
    _queue(elsewhere)  # found by the look TABLE_SECONDS after the last one
    looked = asyncio.run(dispatcher.run_once())

    clock.set(START + timedelta(seconds=30))
    due = asyncio.run(dispatcher.run_once())

    assert (retried.retried, retried.next_due_in) == (1, 30.0)
    assert (looked.sent, due.sent) == (1, 1)
    assert [(row.state, row.attempts) for row in _rows(runtime)] == [("sent", 2), ("sent", 1)]
    elsewhere.engine.dispose()


def test_a_lease_ending_between_two_looks_brings_a_look_at_its_end(
    runtime: Runtime, database_url: str
) -> None:
    clock = FixedClock(START)
    killed = build_runtime(database_url, clock=clock)
    _handed_to(killed, clock)
    _queue(killed)  # claimed for the killed process until START + LEASE, and never sent
    dispatcher, messenger = _handed_to(runtime, clock)  # its first look finds that lease
    clock.set(START + LEASE - timedelta(seconds=TABLE_SECONDS / 2))
    leased = asyncio.run(dispatcher.run_once())

    clock.set(START + LEASE)  # sooner than TABLE_SECONDS after the last look
    taken_over = asyncio.run(dispatcher.run_once())

    assert (leased.claimed, leased.next_due_in) == (0, TABLE_SECONDS / 2)
    assert (taken_over.sent, len(messenger.sent)) == (1, 1)
    assert [(row.state, row.attempts) for row in _rows(runtime)] == [("sent", 1)]
    killed.engine.dispose()


def test_a_look_that_fills_its_batch_looks_again_at_once(runtime: Runtime, database_url: str) -> None:
    clock = FixedClock(START)
    dispatcher, messenger = _handed_to(runtime, clock)
    elsewhere = build_runtime(database_url, clock=clock)
    for _ in range(3):
        _queue(elsewhere)
    clock.advance(seconds=TABLE_SECONDS)

    first = asyncio.run(dispatcher.run_once(limit=2))
    rest = asyncio.run(dispatcher.run_once(limit=2))

    assert (first.sent, rest.sent) == (2, 1)
    assert len(messenger.sent) == 3
    elsewhere.engine.dispose()
