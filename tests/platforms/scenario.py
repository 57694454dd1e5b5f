"""What every platform scenario shares: the client's wall-clock time, waiting, and the tick's cycles.

A scenario runs the real server on a ``FixedClock`` that stands still until the scenario moves it; the
server's own tick loop then runs the cycles that have fallen due. These helpers let a scenario name a
moment as the client's tenant file does, and wait until a cycle has run at that moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler import tick

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def local(moment: str) -> datetime:
    """Return a wall-clock time in the client's zone (Copenhagen) as an aware datetime."""
    return datetime.fromisoformat(moment).replace(tzinfo=COPENHAGEN)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait until the condition holds; fail, naming what was awaited, after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.01)


def record_cycles(monkeypatch: pytest.MonkeyPatch, cycle_name: str) -> list[datetime]:
    """Record the moment (the server's clock) of every run of the tick's cycle ``cycle_name`` that finished.

    ``cycle_name`` is the tick module's function, e.g. ``run_erfa_cycle`` or ``run_challenge_cycle``.
    """
    finished: list[datetime] = []
    cycle = getattr(tick, cycle_name)

    async def recorded(deps: Any, *rest: Any) -> int:
        started = deps.clock.now()
        handled: int = await cycle(deps, *rest)
        finished.append(started)
        return handled

    monkeypatch.setattr(tick, cycle_name, recorded)
    return finished
