"""Clocks: the real one, and the tick loop that APScheduler paces in a running server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from scheduler.tick import TickReport

log = logging.getLogger(__name__)

TICK_SECONDS = 15


class SystemClock:
    def now(self) -> datetime:
        """Return the current moment in UTC."""
        return datetime.now(UTC)


class TickLoop:
    """Runs the tick one at a time: every few seconds (APScheduler) and whenever something is queued.

    APScheduler 3 serves as a clock only (its job stores cannot be shared between processes); every
    tick re-reads what is due from the database, so a missed or merged tick loses nothing.
    """

    def __init__(self, tick: Callable[[bool], Awaitable[TickReport]], seconds: float = TICK_SECONDS) -> None:
        self._tick = tick
        self._full = True
        self._seconds = seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._scheduler: object | None = None
        self.last_run: datetime | None = None
        self.started_at: datetime | None = None
        self.rounds = 0  # ticks finished (failed ones too): what a caller can wait on, not on time
        self.full_rounds = 0  # of those, the ones that ran the time-driven work (escalations, posts)

    def start(self) -> None:
        """Start ticking (needs a running event loop)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._interval, "interval", seconds=self._seconds, coalesce=True, misfire_grace_time=None
        )
        scheduler.start()
        self._scheduler = scheduler
        self.started_at = datetime.now(UTC)
        self._task = asyncio.create_task(self._run(), name="vpmo-tick")
        self.kick()

    def kick(self) -> None:
        """Ask for a delivery round as soon as the current one (if any) is done."""
        self._wake.set()

    def _interval(self) -> None:
        # Time-driven work (escalations) runs on the interval; kicks between only deliver.
        self._full = True
        self._wake.set()

    def healthy(self, now: datetime) -> bool:
        """Tell whether the loop is running and has ticked recently."""
        if self._task is None or self._task.done():
            return False
        last = self.last_run or self.started_at
        return last is not None and (now - last).total_seconds() < 3 * self._seconds + 30

    async def _run(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                break
            full, self._full = self._full, False
            try:
                report = await self._tick(full)
            except Exception:
                log.exception("tick failed; the next tick tries again")
            else:
                self._wake_for_deferred(report)
            self.last_run = datetime.now(UTC)
            self.rounds += 1
            if full:
                self.full_rounds += 1

    def _wake_for_deferred(self, report: TickReport) -> None:
        # Messages held back by a platform's pace are due within seconds, not at the next interval.
        wait = report.delivered.next_due_in
        if wait is not None:
            asyncio.get_running_loop().call_later(min(wait, self._seconds), self.kick)

    async def stop(self) -> None:
        """Stop after the running tick, so that nothing claimed is left half-sent."""
        scheduler = self._scheduler
        if scheduler is not None:
            scheduler.shutdown(wait=False)  # type: ignore[attr-defined]  # APScheduler has no type hints
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
