"""The dispatcher: claims due outbox messages and sends them through the messenger port."""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Generic, ParamSpec, TypeVar

from handlers.shared.ports import (
    Clock,
    Delivery,
    Messenger,
    PermanentSendError,
    SendLater,
    Sent,
    TransientSendError,
)
from handlers.shared.text import Text
from storage.outbox_store import OutboxStore

log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_T = TypeVar("_T")
_Item = TypeVar("_Item")

# A claim is short and renewed every RENEW_SECONDS while this dispatcher still holds the messages:
# the claims of a process that was killed are free again within one lease (a restart resumes at
# once), while a live send that is slow is never taken over by another dispatcher.
LEASE = timedelta(seconds=20)
RENEW_SECONDS = 5.0
BATCH = 200
BASE_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0
MAX_ATTEMPTS = 12
# Sends in flight at once. One at a time, a platform's 100–300 ms per call would cap a fan-out (a
# reminder to every project manager) at a few messages a second; messages to one conversation still
# go one after another, in order.
CONCURRENT_SENDS = 100
# An edit in place whose post is not sent yet looks again so soon: the post is usually in the same run.
EDIT_WAIT_SECONDS = 3.0
# A dispatcher that is handed its process's messages (storage.handover) still looks in the outbox table
# this often while they keep it busy, for what other processes queued or left behind.
TABLE_SECONDS = 1.0
_AT_ONCE = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class DispatchReport:
    """What one dispatcher run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    next_due_in: float | None = None  # seconds until the soonest message this dispatcher deferred is due

    @property
    def claimed(self) -> int:
        """Return how many messages the run tried."""
        return self.sent + self.retried + self.failed + self.deferred


def backoff(attempts: int, retry_after: float | None, rng: random.Random) -> float:
    """Return the seconds to wait before the next try: the platform's Retry-After, else jittered doubling."""
    if retry_after is not None:
        return max(retry_after, 0.0)
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2.0**attempts)
    return ceiling / 2 + rng.random() * ceiling / 2


class Dispatcher:
    """Sends what the outbox holds: at least once, recorded, retried with backoff."""

    def __init__(
        self,
        store: OutboxStore,
        messenger: Messenger,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        on_undeliverable: Callable[[Delivery, Text], None] | None = None,
        concurrent_sends: int = CONCURRENT_SENDS,
        takes_handover: bool = False,
    ) -> None:
        self._store = store
        self._messenger = messenger
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._on_undeliverable = on_undeliverable
        self._concurrent_sends = concurrent_sends
        self._stopping = False
        # The outbox's database work has a thread of its own. In the shared executor it would queue
        # behind every request of a burst, and the offers of the burst would wait until it is over.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vpmo-outbox")
        # When the messages this dispatcher deferred or will retry are due (a heap): its wake-ups.
        self._held_back: list[datetime] = []
        # Handed its own process's messages, it looks in the table only once something may wait there
        # that it was not handed. By the clock, not a monotonic one: the claim goes by the clock, and
        # so do the due times and leases in the table.
        self._handover = store.handover if takes_handover else None
        if self._handover is not None:
            self._handover.open(clock, LEASE)
        self._table_due_at = _AT_ONCE  # what was queued before it started is there

    async def _in_thread(self, work: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, partial(work, *args, **kwargs))

    def close(self) -> None:
        """Hand back what was handed over and not sent, and let the outbox's thread go (after the last run)."""
        if self._handover is not None:
            handed = self._handover.take(self._clock.now())
            self._store.release([*handed.deliveries, *handed.late])
        self._thread.shutdown(wait=True)

    def look_at_table(self) -> None:
        """Make the next run look in the outbox table: something not handed over was queued there.

        Safe from any thread: it is told through the handover, as the process's own transactions tell it.
        """
        if self._handover is not None:
            self._handover.queued_in_table()

    def request_stop(self) -> None:
        """Finish the messages being sent, hand the rest of the claimed batch back, and claim no more."""
        self._stopping = True

    async def run_once(self, limit: int = BATCH) -> DispatchReport:
        """Send what was handed over and the due messages claimed in the table; return what happened.

        While sends are under way, what falls due meanwhile (a held-back message's slot, a retry after
        Retry-After) is claimed and sent too: waiting for the slowest send of the run first would
        make every such message late by up to a platform's answer time.
        """
        report = DispatchReport()
        if self._stopping:
            return report
        deliveries, drained = await self._gather(limit)
        if not deliveries:
            report.next_due_in = await self._next_due(drained=drained)
            return report
        writes = _Writes(_GroupWrite(self._put_back), _GroupWrite(self._record_sent))
        sending = asyncio.Semaphore(self._concurrent_sends)
        claims = {d.claim for d in deliveries}
        heartbeat = asyncio.create_task(self._renew(claims), name="vpmo-lease")
        started = self._start(deliveries, sending, report, writes)
        try:
            running = set(started)
            while running:
                _, running = await asyncio.wait(running, timeout=self._next_held_back())
                if running and not self._stopping:
                    more, drained = await self._gather(limit)
                    claims.update(d.claim for d in more)
                    added = self._start(more, sending, report, writes)
                    started.extend(added)
                    running.update(added)
        finally:
            heartbeat.cancel()
            await asyncio.wait([heartbeat, *started])  # nothing of the run is left running
            await writes.flushed()
        for task in started:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        report.next_due_in = await self._next_due(drained=drained)
        return report

    async def _gather(self, limit: int) -> tuple[list[Delivery], bool]:
        """Return what is handed over and, when the table may hold some, what is claimed there.

        The flag says that the table was looked at and held no more than was claimed.
        """
        handed = await self._take_handover()
        now = self._clock.now()
        if not self._table_due(now):
            return handed, False
        claimed = await self._in_thread(self._store.claim, now, LEASE, limit)
        drained = len(claimed) < limit
        self._looked_at_table(now, drained=drained)
        return [*handed, *claimed], drained

    async def _take_handover(self) -> list[Delivery]:
        """Return the deliveries the process handed over, and mark the table due for what it left there."""
        if self._handover is None:
            return []
        now = self._clock.now()
        handed = self._handover.take(now + LEASE / 2)
        if handed.late:  # its lease could end mid-send, and another dispatcher take it too: back to the table
            await self._in_thread(self._store.release, handed.late)
        if handed.late or handed.others_queued:
            self._table_due_by(now)
        return handed.deliveries

    def _table_due(self, now: datetime) -> bool:
        """Tell whether the outbox table may hold messages due now that this dispatcher was not handed."""
        return self._handover is None or self._table_due_at <= now

    def _table_due_by(self, moment: datetime) -> None:
        """Make the table due at ``moment`` at the latest: something not handed over falls due there then."""
        self._table_due_at = min(self._table_due_at, moment)

    def _looked_at_table(self, now: datetime, *, drained: bool) -> None:
        """Move the table's moment past a look at ``now``: only what falls due later can wait there."""
        if not drained:
            self._table_due_at = now  # a full batch: there is more
            return
        # Other processes queue there without telling this one: a look every TABLE_SECONDS finds it.
        self._table_due_at = now + timedelta(seconds=TABLE_SECONDS)
        soonest = self._soonest_held_back(now)
        if soonest is not None:
            self._table_due_by(soonest)

    def _start(
        self,
        deliveries: list[Delivery],
        sending: asyncio.Semaphore,
        report: DispatchReport,
        writes: _Writes,
    ) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(self._deliver_in_order(group, sending, report, writes))
            for group in _by_conversation(deliveries)
        ]

    async def _next_due(self, *, drained: bool) -> float | None:
        """Return the seconds until this dispatcher has something to claim again, if it knows."""
        waits = [wait for wait in [self._next_held_back()] if wait is not None]
        if drained:
            # What a killed process had claimed is free when its lease ends: a look and a wake-up then,
            # not at the next interval (a sending row whose lease has ended would have been claimed just now).
            ends = await self._in_thread(self._store.next_lease_end)
            if ends is not None:
                self._table_due_by(ends)
                if ends > self._clock.now():
                    waits.append((ends - self._clock.now()).total_seconds())
        return min(waits, default=None)

    async def _renew(self, claims: set[str]) -> None:
        """Keep this run's claims while it lasts (cancelled when the run is over)."""
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await self._in_thread(self._store.renew, claims, self._clock.now() + LEASE)
            except Exception:  # a lost renewal costs at most a duplicate; the run goes on
                log.exception("the outbox claims could not be renewed")

    async def _record_sent(self, sends: list[tuple[Delivery, datetime, str | None]]) -> None:
        await self._in_thread(self._store.mark_all_sent, sends)

    async def _put_back(self, deferrals: list[tuple[Delivery, datetime]]) -> None:
        await self._in_thread(self._store.defer, deferrals)
        for _, due in deferrals:
            self._hold_back(due)

    def _hold_back(self, due: datetime) -> None:
        """Note that a message this dispatcher put back in the table is due at ``due``."""
        heapq.heappush(self._held_back, due)
        self._table_due_by(due)

    def _next_held_back(self) -> float | None:
        # Each held-back message has a slot of its own (see bot.adapters.pacing), so a run may defer nothing
        # while earlier runs' messages are still waiting: the next tick must come for them too.
        now = self._clock.now()
        soonest = self._soonest_held_back(now)
        return (soonest - now).total_seconds() if soonest is not None else None

    def _soonest_held_back(self, now: datetime) -> datetime | None:
        """Return when the soonest message held back is due after ``now`` (forgetting those due before)."""
        while self._held_back and self._held_back[0] <= now:
            heapq.heappop(self._held_back)
        return self._held_back[0] if self._held_back else None

    async def _deliver_in_order(
        self,
        group: list[Delivery],
        sending: asyncio.Semaphore,
        report: DispatchReport,
        writes: _Writes,
    ) -> None:
        for index, delivery in enumerate(group):
            if self._stopping:
                await self._in_thread(self._store.release, group[index:])
                return
            async with sending:
                await self._deliver(delivery, report, writes)

    async def _deliver(self, delivery: Delivery, report: DispatchReport, writes: _Writes) -> None:
        if delivery.replaces_lost:
            # The post it would edit failed (its coordinator was told then) or was never queued.
            log.warning("edit %s dropped: the post %s is not there", delivery.id, delivery.message.updates)
            await self._in_thread(self._store.fail, delivery, "the post this edit updates was never sent")
            report.failed += 1
            return
        try:
            sent = await self._send(delivery)
        except SendLater as error:
            wait = error.retry_after or 1.0
            writes.deferrals.add((delivery, self._clock.now() + timedelta(seconds=wait)))
            report.deferred += 1
        except TransientSendError as error:
            await self._retry(delivery, error, report)
        except PermanentSendError as error:
            await self._give_up(delivery, str(error), error.explanation, report)
        else:
            # An edit keeps no platform id of its own: the post's id stays the original row's, so a click
            # or a reaction on the post finds the post (Outbox.posted) and not one of its edits.
            platform_id = sent.platform_message_id if delivery.message.updates is None else None
            writes.sends.add((delivery, self._clock.now(), platform_id))
            report.sent += 1

    async def _send(self, delivery: Delivery) -> Sent:
        """Send the delivery; an edit in place whose post is not sent yet waits for it (never posts anew)."""
        if delivery.message.updates is not None and delivery.replaces is None:
            raise SendLater(f"the post {delivery.message.updates} is not sent yet", EDIT_WAIT_SECONDS)
        return await self._messenger.send(delivery)

    async def _give_up(
        self, delivery: Delivery, reason: str, explanation: Text, report: DispatchReport
    ) -> None:
        log.warning("message %s cannot be delivered: %s", delivery.id, reason)
        failed = await self._in_thread(self._store.fail, delivery, reason)
        report.failed += 1
        if failed and self._on_undeliverable is not None:
            await self._in_thread(self._on_undeliverable, delivery, explanation)

    async def _retry(self, delivery: Delivery, error: TransientSendError, report: DispatchReport) -> None:
        if delivery.attempts + 1 >= MAX_ATTEMPTS:
            attempts = delivery.attempts + 1
            explanation = Text.of("undeliverable.gave_up", attempts=attempts)
            await self._give_up(delivery, f"gave up after {attempts} attempts: {error}", explanation, report)
            return
        wait = backoff(delivery.attempts, error.retry_after, self._rng)
        due = self._clock.now() + timedelta(seconds=wait)
        log.info("message %s retries in %.1f s: %s", delivery.id, wait, error)
        await self._in_thread(self._store.retry_at, delivery, due, str(error))
        # Woken for it like for a held-back message: a 429's Retry-After is seconds, the interval longer.
        self._hold_back(due)
        report.retried += 1


class _GroupWrite(Generic[_Item]):
    """Writes to the outbox that a run makes as it goes, several to a transaction (a group commit).

    Those added while the previous write is under way go together in the next, on the outbox's own
    thread. One transaction each would cost more than the sends under load. Held-back messages are
    handed back at once this way (killed meanwhile, they would wait out the lease), and sends are
    recorded: a crash before a send is recorded duplicates that message, as a crash between the send
    and its own transaction would.
    """

    def __init__(self, write: Callable[[list[_Item]], Awaitable[None]]) -> None:
        self._write_batch = write
        self._waiting: list[_Item] = []
        self._writing: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    def add(self, item: _Item) -> None:
        self._waiting.append(item)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write(), name="vpmo-outbox-write")

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write_batch(batch)
            except Exception as error:  # raised by flushed(), at the end of the run
                self._error = self._error or error

    async def flushed(self) -> None:
        """Return once every item so far is written (raising what a write raised)."""
        if self._writing is not None:
            await self._writing
        await self._write()
        if self._error is not None:
            raise self._error


@dataclass(slots=True)
class _Writes:
    """A run's group writes: messages held back, and messages sent."""

    deferrals: _GroupWrite[tuple[Delivery, datetime]]
    sends: _GroupWrite[tuple[Delivery, datetime, str | None]]

    async def flushed(self) -> None:
        """Return once both are written (raising what a write raised)."""
        try:
            await self.deferrals.flushed()
        finally:
            await self.sends.flushed()


def _by_conversation(deliveries: list[Delivery]) -> list[list[Delivery]]:
    """Return the deliveries grouped by the conversation they go to, each group in claimed order."""
    groups: dict[tuple[int, int | None, str | None], list[Delivery]] = {}
    for delivery in deliveries:
        key = (delivery.tenant.id, delivery.message.to_person, delivery.message.to_channel)
        groups.setdefault(key, []).append(delivery)
    return list(groups.values())
