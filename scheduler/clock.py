"""Clocks: the real one, and APScheduler driving the tick in a running server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)

TICK_SECONDS = 15


class SystemClock:
    def now(self) -> datetime:
        """Return the current moment in UTC."""
        return datetime.now(UTC)


class TickScheduler:
    """Runs the tick every few seconds on the event loop; the truth stays in the database.

    APScheduler 3 is used as a clock only: its job stores cannot be shared between processes, and
    every tick re-reads what is due, so a missed or coalesced run loses nothing.
    """

    def __init__(self, tick: Callable[[], Awaitable[object]], seconds: int = TICK_SECONDS) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._tick = tick
        self.last_run: datetime | None = None
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(
            self._run, "interval", seconds=seconds, coalesce=True, max_instances=1, misfire_grace_time=None
        )

    async def _run(self) -> None:
        try:
            await self._tick()
        except Exception:
            log.exception("tick failed; the next tick tries again")
        self.last_run = datetime.now(UTC)

    def start(self) -> None:
        """Start ticking (needs a running event loop)."""
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop ticking, letting a running tick finish."""
        self._scheduler.shutdown(wait=True)
