"""The tick: everything that becomes due with time (escalations, then deliveries), run together."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from handlers.shared.context import Deps
from handlers.sparring.escalation import escalate_due
from scheduler.dispatcher import Dispatcher, DispatchReport

MAX_ROUNDS = 20


@dataclass(frozen=True, slots=True)
class TickReport:
    escalated: int
    delivered: DispatchReport


async def run_tick(deps: Deps, dispatcher: Dispatcher, *, escalate: bool = True) -> TickReport:
    """Escalate what is overdue, then send what is due, until nothing more is due right now."""
    escalated = await asyncio.to_thread(escalate_due, deps) if escalate else 0
    total = DispatchReport()
    # Sending can make more messages due (none today, but a round limit keeps a bug from spinning).
    for _ in range(MAX_ROUNDS):
        report = await dispatcher.run_once()
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        total.deferred += report.deferred
        if report.next_due_in is not None:
            total.next_due_in = min(report.next_due_in, total.next_due_in or report.next_due_in)
        # Deferred messages wait for the platform's pace: the next tick takes them up.
        if report.claimed == report.deferred:
            break
    return TickReport(escalated, total)
