"""The tick loop: escalations on every interval, deliveries on every kick, paced messages soon."""

from __future__ import annotations

import asyncio
import time

from scheduler.clock import TickLoop
from scheduler.dispatcher import DispatchReport
from scheduler.tick import TickReport


def _run(loop: TickLoop, seconds: float, kicks: int = 0) -> None:
    async def main() -> None:
        loop.start()
        for _ in range(kicks):
            await asyncio.sleep(0.01)
            loop.kick()
        await asyncio.sleep(seconds)
        await loop.stop()

    asyncio.run(main())


def test_every_interval_tick_runs_the_escalations() -> None:
    full_ticks: list[bool] = []

    async def tick(full: bool) -> TickReport:
        full_ticks.append(full)
        return TickReport(0, DispatchReport())

    _run(TickLoop(tick, seconds=0.1), 0.55)

    assert full_ticks.count(True) >= 4


def test_kicks_between_intervals_only_deliver() -> None:
    full_ticks: list[bool] = []

    async def tick(full: bool) -> TickReport:
        full_ticks.append(full)
        return TickReport(0, DispatchReport())

    _run(TickLoop(tick, seconds=60), 0.1, kicks=3)

    assert full_ticks[0] is True
    assert False in full_ticks[1:]


def test_a_message_held_back_by_the_platforms_pace_brings_the_next_tick_forward() -> None:
    started: list[float] = []

    async def tick(full: bool) -> TickReport:
        started.append(time.monotonic())
        first = len(started) == 1
        return TickReport(0, DispatchReport(deferred=1, next_due_in=0.05) if first else DispatchReport())

    _run(TickLoop(tick, seconds=60), 0.4)

    assert len(started) == 2
    assert started[1] - started[0] < 0.5


def test_a_failing_tick_does_not_stop_the_loop() -> None:
    attempts: list[bool] = []

    async def tick(full: bool) -> TickReport:
        attempts.append(full)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        return TickReport(0, DispatchReport())

    _run(TickLoop(tick, seconds=0.1), 0.3)

    assert len(attempts) >= 2
