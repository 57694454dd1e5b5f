"""The tick: everything that becomes due with time (escalations, the challenge cycle, ERFA, then deliveries)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from handlers.challenges import schedule
from handlers.erfa import schedule as erfa_schedule
from handlers.shared.context import Deps
from handlers.shared.ports import ReactionReader, TransientSendError
from handlers.shared.post_timing import Delivery
from handlers.sparring.escalation import escalate_due
from scheduler.dispatcher import Dispatcher, DispatchReport

MAX_ROUNDS = 20
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    escalated: int
    delivered: DispatchReport
    challenge_posts: int = 0
    erfa_meetings: int = 0


async def run_tick(
    deps: Deps, dispatcher: Dispatcher, *, escalate: bool = True, reactions: ReactionReader | None = None
) -> TickReport:
    """Escalate what is overdue, queue the challenge and ERFA posts now due, then send until nothing is due."""
    escalated = await asyncio.to_thread(escalate_due, deps) if escalate else 0
    posts = await run_challenge_cycle(deps, reactions) if escalate else 0
    meetings = await run_erfa_cycle(deps) if escalate else 0
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
    return TickReport(escalated, total, posts, meetings)


async def run_challenge_cycle(deps: Deps, reactions: ReactionReader | None) -> int:
    """Queue the quarterly challenges' posts that are due; return how many were handled.

    Before an agenda the votes are reconciled with the platform (Slack drops events it could not
    deliver for minutes). The platform is asked here, outside any transaction. When it cannot answer
    now, an agenda on time waits for the next tick; a late one goes out with what is stored.
    """
    handled = 0
    for due in await asyncio.to_thread(schedule.due_posts, deps):
        if reactions is not None and due.reconciles:
            try:
                await _reconcile(deps, reactions, due)
            except TransientSendError as error:
                log.warning("votes of %s could not be reconciled: %s", due.tenant.slug, error)
                if due.delivery is Delivery.ON_TIME:
                    continue
        await asyncio.to_thread(schedule.send, deps, due)
        handled += 1
    return handled + await asyncio.to_thread(schedule.send_yearly, deps)


async def run_erfa_cycle(deps: Deps) -> int:
    """Tell the ERFA changes and queue the reminders and feedback now due; return how many meetings had some.

    Each tenant in its own transaction: one tenant's failure is logged and the others go on.
    """
    handled = 0
    for tenant_id in await asyncio.to_thread(erfa_schedule.tenants, deps):
        try:
            handled += await asyncio.to_thread(erfa_schedule.run_for_tenant, deps, tenant_id)
        except Exception:
            log.exception(
                "the ERFA meetings of tenant %d could not be handled; the next tick tries again", tenant_id
            )
    return handled


async def _reconcile(deps: Deps, reactions: ReactionReader, due: schedule.DuePost) -> None:
    for number, message_id in await asyncio.to_thread(schedule.posts_to_reconcile, deps, due):
        current = await reactions.reactions(due.tenant, message_id)
        if current is not None:
            changed = await asyncio.to_thread(schedule.reconcile, deps, due.tenant, number, current)
            if changed:
                log.info("reconciled %d votes of challenge %d in %s", changed, number, due.tenant.slug)
