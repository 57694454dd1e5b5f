"""The dispatcher on a real database: sends once, survives crashes, retries, and shares work safely."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.adapters.pacing import Pace
from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime
from bot.cli import SAMPLE_TENANT
from handlers.shared.ports import Delivery, SendLater, Sent
from handlers.shared.text import Message, Text
from scheduler import dispatcher as dispatcher_module
from scheduler.dispatcher import LEASE, Dispatcher
from storage.outbox_store import OutboxStore
from storage.tables import OutboxRow
from tests.fakes import FixedClock, RecordingMessenger

START = datetime(2027, 3, 3, 9, tzinfo=UTC)


def _queue(runtime: Runtime, count: int = 1) -> list[int]:
    """Queue ``count`` messages to Jonas and return the person ids they go to."""
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, email="jonas.friis@nordlys.dk")
        assert jonas is not None
        for n in range(count):
            uow.outbox.add(
                tenant.id, Message((Text.of("status.none"),), to_person=jonas.id, ref=f"S-{n}"), START
            )
        uow.commit()
        return [jonas.id] * count


def _rows(runtime: Runtime) -> list[OutboxRow]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all())


def test_a_due_message_is_sent_once_and_recorded(runtime: Runtime) -> None:
    _queue(runtime)
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(runtime.outbox, messenger, FixedClock(START))

    first = asyncio.run(dispatcher.run_once())
    second = asyncio.run(dispatcher.run_once())

    assert (first.sent, second.claimed) == (1, 0)
    assert len(messenger.sent) == 1
    assert messenger.sent[0].recipient is not None
    assert messenger.sent[0].recipient.email == "jonas.friis@nordlys.dk"
    row = _rows(runtime)[0]
    assert (row.state, row.platform_message_id, row.attempts) == ("sent", "sent-1", 1)


def test_a_crash_between_claim_and_send_loses_nothing(runtime: Runtime) -> None:
    _queue(runtime)
    crashed = runtime.outbox.claim(START, LEASE, 10)
    clock = FixedClock(START)
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(OutboxStore(runtime.engine), messenger, clock)

    while_leased = asyncio.run(dispatcher.run_once())
    clock.set(START + LEASE + timedelta(seconds=1))
    after_lease = asyncio.run(dispatcher.run_once())

    assert len(crashed) == 1
    assert while_leased.claimed == 0
    assert while_leased.next_due_in == pytest.approx(LEASE.total_seconds())  # a tick comes when it ends
    assert after_lease.sent == 1
    assert [d.id for d in messenger.sent] == [crashed[0].id]
    assert runtime.outbox.mark_sent(crashed[0], START, "late") is False


def test_a_transient_failure_is_retried_after_the_platforms_retry_after(runtime: Runtime) -> None:
    _queue(runtime)
    clock = FixedClock(START)
    messenger = RecordingMessenger()
    messenger.fail_transient(retry_after=30)
    dispatcher = Dispatcher(runtime.outbox, messenger, clock)

    failed = asyncio.run(dispatcher.run_once())
    waiting = _rows(runtime)[0]
    clock.set(START + timedelta(seconds=29))
    too_early = asyncio.run(dispatcher.run_once())
    clock.set(START + timedelta(seconds=31))
    retried = asyncio.run(dispatcher.run_once())

    assert failed.retried == 1
    assert (waiting.state, waiting.attempts, waiting.last_error) == ("pending", 1, "try again later")
    assert waiting.due_at == START + timedelta(seconds=30)
    assert too_early.claimed == 0
    assert retried.sent == 1
    assert len(messenger.attempts) == 2


def test_transient_failures_without_retry_after_back_off(runtime: Runtime) -> None:
    _queue(runtime)
    clock = FixedClock(START)
    messenger = RecordingMessenger()
    messenger.fail_transient(count=2)
    dispatcher = Dispatcher(runtime.outbox, messenger, clock)

    asyncio.run(dispatcher.run_once())
    first_wait = _rows(runtime)[0].due_at - START
    clock.set(_rows(runtime)[0].due_at)
    asyncio.run(dispatcher.run_once())
    second_wait = _rows(runtime)[0].due_at - clock.now()

    assert timedelta(seconds=2.5) <= first_wait <= timedelta(seconds=5)
    assert timedelta(seconds=5) <= second_wait <= timedelta(seconds=10)


def test_a_permanent_failure_is_recorded_and_not_retried(runtime: Runtime) -> None:
    _queue(runtime)
    messenger = RecordingMessenger()
    messenger.fail_permanent()
    clock = FixedClock(START)
    dispatcher = Dispatcher(runtime.outbox, messenger, clock)

    report = asyncio.run(dispatcher.run_once())
    clock.advance(days=1)
    later = asyncio.run(dispatcher.run_once())

    assert report.failed == 1
    assert later.claimed == 0
    row = _rows(runtime)[0]
    assert (row.state, row.last_error) == ("failed", "recipient is gone")


@pytest.mark.parametrize("dispatchers", [2, 3])
def test_concurrent_dispatchers_never_send_one_message_twice(runtime: Runtime, dispatchers: int) -> None:
    total = 120
    _queue(runtime, total)
    messengers = [RecordingMessenger() for _ in range(dispatchers)]
    barrier = threading.Barrier(dispatchers)

    def drain(messenger: RecordingMessenger) -> None:
        dispatcher = Dispatcher(OutboxStore(runtime.engine), messenger, FixedClock(START))
        barrier.wait()
        while asyncio.run(dispatcher.run_once(limit=7)).claimed:
            pass

    threads = [threading.Thread(target=drain, args=(m,)) for m in messengers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    sent_ids = [d.id for m in messengers for d in m.sent]
    assert len(sent_ids) == total
    assert len(set(sent_ids)) == total
    assert runtime.outbox.counts() == {"sent": total}


def test_a_message_goes_out_with_the_tenants_settings_as_they_are_when_it_is_sent(runtime: Runtime) -> None:
    _queue(runtime, count=2)
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(runtime.outbox, messenger, FixedClock(START))
    asyncio.run(dispatcher.run_once(limit=1))
    config = SAMPLE_TENANT.read_text(encoding="utf-8").replace("language: da\n", "language: en\n", 1)

    apply_tenant(runtime.engine, load_tenant_config(config), now=START)
    asyncio.run(dispatcher.run_once(limit=1))

    assert [sent.tenant.language for sent in messenger.sent] == ["da", "en"]


def test_delivery_does_not_wait_for_the_threads_requests_are_handled_in(runtime: Runtime) -> None:
    _queue(runtime)
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(runtime.outbox, messenger, FixedClock(START))
    burst_over = threading.Event()

    async def during_a_burst() -> int:
        # Every thread of the shared executor is busy with a request, and more are queued.
        loop = asyncio.get_running_loop()
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=2))
        requests = [asyncio.to_thread(burst_over.wait, 10) for _ in range(8)]
        waiting = asyncio.gather(*requests)
        try:
            report = await asyncio.wait_for(dispatcher.run_once(), timeout=5)
        finally:
            burst_over.set()
            await waiting
        return report.sent

    sent = asyncio.run(during_a_burst())
    dispatcher.close()

    assert sent == 1
    assert _rows(runtime)[0].state == "sent"


class SlowPlatform:
    """A messenger whose sends take a while, recording how many were in flight at once."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.order: list[str | None] = []

    async def send(self, delivery: Delivery) -> Sent:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.01)
        self.order.append(delivery.message.ref)
        self.in_flight -= 1
        return Sent(platform_message_id=f"sent-{delivery.id}")


def _queue_to_channels(runtime: Runtime, channels: list[str]) -> None:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        for number, channel in enumerate(channels):
            message = Message((Text.of("status.none"),), to_channel=channel, ref=f"S-{number}")
            uow.outbox.add(tenant.id, message, START)
        uow.commit()


def test_messages_to_different_conversations_are_sent_side_by_side(runtime: Runtime) -> None:
    _queue_to_channels(runtime, [f"C{number:02d}" for number in range(20)])
    platform = SlowPlatform()

    dispatcher = Dispatcher(runtime.outbox, platform, FixedClock(START), concurrent_sends=8)
    report = asyncio.run(dispatcher.run_once())

    assert report.sent == 20
    assert platform.most_in_flight == 8
    assert {row.state for row in _rows(runtime)} == {"sent"}


def test_messages_to_one_conversation_go_one_after_another_in_order(runtime: Runtime) -> None:
    _queue_to_channels(runtime, ["CSTEER"] * 5 + ["CTEST"] * 5)
    platform = SlowPlatform()

    asyncio.run(Dispatcher(runtime.outbox, platform, FixedClock(START)).run_once())

    assert platform.most_in_flight == 2
    assert [ref for ref in platform.order if ref in {f"S-{n}" for n in range(5)}] == [
        f"S-{n}" for n in range(5)
    ]


class PacedPlatform:
    """A platform that takes one message a second per conversation, paced as the real messengers are."""

    def __init__(self, clock: FixedClock) -> None:
        self._pace = Pace(lambda: clock.now().timestamp())
        self.sent: list[str | None] = []

    async def send(self, delivery: Delivery) -> Sent:
        self._pace.admit(delivery.id, (str(delivery.message.to_channel), ((1, 1.0),)))
        self._pace.answered(delivery.id)  # at once
        self.sent.append(delivery.message.ref)
        return Sent(platform_message_id=f"sent-{delivery.id}")


def test_each_held_back_message_brings_a_tick_at_its_turn_until_the_backlog_is_sent(runtime: Runtime) -> None:
    _queue_to_channels(runtime, ["CSTEER"] * 3)
    clock = FixedClock(START)
    platform = PacedPlatform(clock)
    dispatcher = Dispatcher(runtime.outbox, platform, clock)

    waits = []
    for _ in range(3):
        waits.append(asyncio.run(dispatcher.run_once()).next_due_in)
        clock.advance(seconds=1)

    assert platform.sent == ["S-0", "S-1", "S-2"]
    assert waits == [pytest.approx(1.0), pytest.approx(1.0), None]


class GatedPlatform:
    """A platform whose sends to some channels wait for the test, and whose sends to others are paced."""

    def __init__(self, *, held: frozenset[str] = frozenset(), paced: frozenset[str] = frozenset()) -> None:
        self._held, self._paced = held, paced
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.sent: list[str | None] = []

    async def send(self, delivery: Delivery) -> Sent:
        channel = str(delivery.message.to_channel)
        if channel in self._paced:
            raise SendLater(f"pacing sends to {channel}", retry_after=60)
        if channel in self._held:
            self.started.set()
            await self.gate.wait()
        self.sent.append(delivery.message.ref)
        return Sent(platform_message_id=f"sent-{delivery.id}")


async def _until(condition: Callable[[], bool]) -> None:
    while not await asyncio.to_thread(condition):
        await asyncio.sleep(0.01)


def test_a_slow_send_keeps_its_claim_renewed_so_no_other_dispatcher_takes_it_over(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "RENEW_SECONDS", 0.01)
    _queue_to_channels(runtime, ["CSLOW"])
    clock = FixedClock(START)
    slow = GatedPlatform(held=frozenset({"CSLOW"}))
    other = RecordingMessenger()

    async def scenario() -> tuple[int, int]:
        sending = asyncio.create_task(Dispatcher(runtime.outbox, slow, clock).run_once())
        await slow.started.wait()
        clock.set(START + 3 * LEASE)  # the send takes three times the lease
        await _until(lambda: _rows(runtime)[0].lease_until > clock.now())  # type: ignore[operator]
        taken_over = await Dispatcher(OutboxStore(runtime.engine), other, clock).run_once()
        slow.gate.set()
        return taken_over.claimed, (await sending).sent

    taken_over, sent = asyncio.run(asyncio.wait_for(scenario(), timeout=10))

    assert (taken_over, sent) == (0, 1)
    assert other.attempts == []
    row = _rows(runtime)[0]
    assert (row.state, row.claim_token, row.lease_until) == ("sent", None, None)


def test_a_message_held_back_for_pacing_is_handed_back_while_the_rest_of_the_run_is_sent(
    runtime: Runtime,
) -> None:
    _queue_to_channels(runtime, ["CBUSY", "CSLOW"])
    clock = FixedClock(START)
    platform = GatedPlatform(held=frozenset({"CSLOW"}), paced=frozenset({"CBUSY"}))

    def busy_handed_back() -> bool:
        busy = _rows(runtime)[0]
        return (busy.state, busy.claim_token) == ("pending", None)

    async def scenario() -> int:
        sending = asyncio.create_task(Dispatcher(runtime.outbox, platform, clock).run_once())
        await platform.started.wait()
        await _until(busy_handed_back)  # killed now, it would be due in 60 s, not leased
        slow_still_sending = _rows(runtime)[1].state
        platform.gate.set()
        report = await sending
        assert slow_still_sending == "sending"
        return report.deferred

    deferred = asyncio.run(asyncio.wait_for(scenario(), timeout=10))

    assert deferred == 1
    assert [row.state for row in _rows(runtime)] == ["pending", "sent"]
    assert _rows(runtime)[0].due_at == START + timedelta(seconds=60)
