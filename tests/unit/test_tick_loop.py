"""The tick loop: escalations on every interval, deliveries on every kick, paced messages soon.

The loop's interval is real time (APScheduler and the event loop keep it), so these tests never count
ticks in a window of time: they wait until the ticks they expect have run (``WAIT`` is only how long
a broken loop may take to fail the test) and check what kind of tick each one was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scheduler.clock import TickLoop
from scheduler.dispatcher import DispatchReport
from scheduler.tick import TickReport

WAIT = 30.0  # seconds a loop may take before the test fails; never part of what is asserted
HOUR = 3600.0  # an interval no test waits for: a second tick within WAIT came from a kick or a pace


def _run_until(loop: TickLoop, done: Callable[[], bool], kicks: int = 0) -> None:
    """Start the loop, kick it ``kicks`` times, and stop it once ``done()`` holds."""

    async def main() -> None:
        loop.start()
        for _ in range(kicks):
            loop.kick()
            await asyncio.sleep(0)  # let the loop take the kick before the next one comes
        try:
            async with asyncio.timeout(WAIT):
                while not done():
                    await asyncio.sleep(0.005)
        finally:
            await loop.stop()

    asyncio.run(main())


def test_every_interval_tick_runs_the_escalations() -> None:
    full_ticks: list[bool] = []

    async def tick(full: bool) -> TickReport:
        full_ticks.append(full)
        return TickReport(0, DispatchReport())

    loop = TickLoop(tick, seconds=0.05)
    _run_until(loop, lambda: len(full_ticks) >= 4)

    assert full_ticks[:4] == [True] * 4  # nothing but the interval wakes it: each tick escalates


def test_kicks_between_intervals_only_deliver() -> None:
    full_ticks: list[bool] = []
    release = asyncio.Event()

    async def tick(full: bool) -> TickReport:
        full_ticks.append(full)
        if len(full_ticks) == 1:
            await release.wait()  # the kicks come while the first tick runs
        return TickReport(0, DispatchReport())

    loop = TickLoop(tick, seconds=HOUR)

    def done() -> bool:
        release.set()
        return len(full_ticks) >= 2

    _run_until(loop, done, kicks=3)

    assert full_ticks[0] is True
    assert full_ticks[1:] == [False]  # the kicks made one delivery round, no escalation
    assert loop.rounds == 2
    assert loop.full_rounds == 1  # what a caller waits on to know that time-driven work has run


def test_a_message_held_back_by_the_platforms_pace_brings_the_next_tick_forward() -> None:
    ticks: list[bool] = []

    async def tick(full: bool) -> TickReport:
        ticks.append(full)
        first = len(ticks) == 1
        return TickReport(0, DispatchReport(deferred=1, next_due_in=0.05) if first else DispatchReport())

    loop = TickLoop(tick, seconds=HOUR)
    _run_until(loop, lambda: len(ticks) >= 2)

    # Neither the hourly interval nor a kick: the held-back message's due time woke the loop.
    assert ticks == [True, False]


def test_a_failing_tick_does_not_stop_the_loop() -> None:
    attempts: list[bool] = []

    async def tick(full: bool) -> TickReport:
        attempts.append(full)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        return TickReport(0, DispatchReport())

    loop = TickLoop(tick, seconds=0.05)
    _run_until(loop, lambda: len(attempts) >= 2)

    assert loop.rounds >= 2
    assert attempts[:2] == [True, True]
