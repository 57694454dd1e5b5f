"""What people ask the bot about: their requests, a senior's queue, the reasons, the KPIs, help."""

from __future__ import annotations

from handlers import offering
from handlers.calendar_rules import quarter_of
from handlers.context import ActorContext
from handlers.kpis import compute_kpis
from handlers.model import OPEN_STATUSES, Role, SparringRequest, Status
from handlers.states import waited
from handlers.text import Action, ButtonStyle, Param, Text

STATUS_LIMIT = 10


def _line(ctx: ActorContext, request: SparringRequest) -> Text:
    senior = ctx.uow.people.get(request.senior_id) if request.senior_id is not None else None
    return Text.of(
        "status.line",
        ref=request.ref,
        area=ctx.area(request.area),
        status=Text.of(f"status.{request.status}"),
        senior=senior.name if senior else "–",
        created=request.created_at,
    )


def show_status(ctx: ActorContext) -> None:
    """List the actor's newest requests."""
    requests = ctx.uow.requests.of_requester(ctx.tenant.id, ctx.actor.id, STATUS_LIMIT)
    if not requests:
        ctx.reply(Text.of("status.none"), Text.of("ask.example"))
        return
    ctx.reply(Text.of("status.head", count=len(requests)), *(_line(ctx, r) for r in requests))


def show_queue(ctx: ActorContext) -> None:
    """List the open requests offered to or accepted by the acting senior, each with what to do next."""
    if not ctx.actor.has(Role.SENIOR):
        ctx.reply(Text.of("error.seniors_only"))
        return
    _reply_queue(ctx)


def _reply_queue(ctx: ActorContext) -> None:
    requests = ctx.uow.requests.of_senior(ctx.tenant.id, ctx.actor.id, (Status.OFFERED, Status.ACCEPTED))
    if not requests:
        ctx.reply(Text.of("queue.none"))
        return
    ctx.reply(Text.of("queue.head", count=len(requests)))
    for request in requests:
        requester = ctx.uow.people.get(request.requester_id)
        who = requester.name if requester else "?"
        if request.status is Status.OFFERED:
            ctx.reply(
                Text.of(
                    "queue.offered",
                    ref=request.ref,
                    area=ctx.area(request.area),
                    requester=who,
                    waited=waited(request.created_at, ctx.now),
                    deadline=request.escalate_at or ctx.now,
                ),
                actions=(
                    Action(f"accept:{request.ref}", Text.of("button.accept"), ButtonStyle.PRIMARY),
                    Action(f"decline:{request.ref}", Text.of("button.decline"), ButtonStyle.DANGER),
                ),
                ref=request.ref,
            )
        else:
            ctx.reply(
                Text.of(
                    "queue.accepted",
                    ref=request.ref,
                    area=ctx.area(request.area),
                    requester=who,
                    accepted=request.accepted_at or ctx.now,
                ),
                ref=request.ref,
            )


def show_waiting(ctx: ActorContext) -> None:
    """List everything waiting for the actor: the coordinator's list and, for a senior, the queue."""
    if not ctx.is_coordinator() and not ctx.actor.has(Role.SENIOR):
        ctx.reply(Text.of("error.waiting_not_for_you"))
        return
    if ctx.is_coordinator():
        _reply_coordinator_list(ctx)
    if ctx.actor.has(Role.SENIOR):
        _reply_queue(ctx)


def _reply_coordinator_list(ctx: ActorContext) -> None:
    items = [
        item for r in ctx.uow.requests.with_status(ctx.tenant.id, OPEN_STATUSES) if (item := _waiting(ctx, r))
    ]
    if not items:
        ctx.reply(Text.of("waiting.none"))
        return
    ctx.reply(Text.of("waiting.head", count=len(items)))
    for line, actions, ref in items:
        ctx.reply(line, actions=actions, ref=ref)


# What the coordinator's list says about a request, one sentence with its action each (waiting.*).
WAITING_KINDS = (
    "approval",
    "senior_gone",
    "stranded",
    "escalated_nobody",
    "declined",
    "nobody",
    "escalated",
)


def _waiting(ctx: ActorContext, request: SparringRequest) -> tuple[Text, tuple[Action, ...], str] | None:
    """Return the coordinator's line for a request that waits for them (None when it does not)."""
    kind = _waiting_kind(ctx, request)
    if kind is None:
        return None
    requester = ctx.uow.people.get(request.requester_id)
    senior = ctx.uow.people.get(request.senior_id) if request.senior_id is not None else None
    removed = next((r for r in request.routing_reasons if r.key == offering.REMOVED_REASON), None)
    senior_name: Param = senior.name if senior else "?"
    if kind == "stranded" and removed is not None:
        senior_name = removed.params["senior"]
    line = Text.of(
        f"waiting.{kind}",
        ref=request.ref,
        area=ctx.area(request.area),
        requester=requester.name if requester else "?",
        waited=waited(request.created_at, ctx.now),
        senior=senior_name,
    )
    if kind == "approval":
        buttons = (
            Action(f"approve:{request.ref}", Text.of("button.approve"), ButtonStyle.PRIMARY),
            Action(f"reject:{request.ref}", Text.of("button.reject"), ButtonStyle.DANGER),
        )
        return line, buttons, request.ref
    return line, offering.assign_buttons(ctx, request), request.ref


def _waiting_kind(ctx: ActorContext, request: SparringRequest) -> str | None:
    if request.status is Status.AWAITING_APPROVAL:
        return "approval"
    has_senior = request.senior_id is not None and ctx.uow.people.get(request.senior_id) is not None
    if request.status in (Status.OFFERED, Status.ACCEPTED) and not has_senior:
        # The senior left without the request moving on (it was theirs before re-routing existed).
        return "senior_gone"
    if request.status is Status.REQUESTED and request.area is not None:
        if any(r.key == offering.REMOVED_REASON for r in request.routing_reasons):
            return "stranded"
        if request.escalations:
            return "escalated_nobody"
        return "declined" if request.tried_senior_ids else "nobody"
    if request.status is Status.OFFERED and request.escalations:
        return "escalated"
    return None


def explain(ctx: ActorContext, number: int) -> None:
    """Show why a request went where it went (coordinator, requester or its senior)."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    allowed = request is not None and (
        ctx.is_coordinator() or ctx.actor.id in (request.requester_id, request.senior_id)
    )
    if request is None or not allowed:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    corrections = []
    for change in request.hours_corrections:
        who = ctx.uow.people.get(change.by_id)
        corrections.append(
            Text.of(
                "hours.corrected", old=change.old, new=change.new, who=who.name if who else "?", at=change.at
            )
        )
    ctx.reply(_line(ctx, request), *request.routing_reasons, *corrections, ref=request.ref)


def show_kpis(ctx: ActorContext) -> None:
    """Show the coordinator the key figures of the current quarter."""
    if not ctx.is_coordinator():
        ctx.reply(Text.of("error.coordinator_only"))
        return
    quarter = quarter_of(ctx.now, ctx.zone)
    repo = ctx.uow.requests
    kpis = compute_kpis(
        repo.created_between(ctx.tenant.id, quarter.start, quarter.end),
        repo.with_status(ctx.tenant.id, OPEN_STATUSES),
        repo.hours_held(ctx.tenant.id, quarter.start, quarter.end),
        ctx.tenant.agreed_hours_per_quarter,
    )
    lines = [
        Text.of("kpi.head", quarter=quarter.label),
        Text.of("kpi.requests", requests=kpis.requests, accepted=kpis.accepted, cancelled=kpis.cancelled),
        Text.of("kpi.hours", used=kpis.hours_used, agreed=kpis.hours_agreed, percent=kpis.percent_used or 0),
        Text.of("kpi.escalations", count=kpis.open_escalations),
    ]
    if kpis.median_hours_to_accept is not None:
        lines.append(Text.of("kpi.speed", hours=kpis.median_hours_to_accept))
    if kpis.average_rating is not None:
        lines.append(Text.of("kpi.rating", average=kpis.average_rating, count=kpis.ratings))
    lines.extend(Text.of("kpi.area", area=ctx.area(key), count=count) for key, count in kpis.by_area)
    ctx.reply(*lines)


def show_help(ctx: ActorContext) -> None:
    """Explain the commands the actor can use."""
    lines = [Text.of("help.head"), Text.of("help.everyone")]
    if ctx.actor.has(Role.SENIOR):
        lines.append(Text.of("help.senior"))
    if ctx.is_coordinator():
        lines.append(Text.of("help.coordinator"))
    ctx.reply(*lines)


def set_language(ctx: ActorContext, language: str) -> None:
    """Remember the actor's language; the answer already comes in it."""
    ctx.uow.people.set_language(ctx.actor.id, language)
    refreshed = ctx.uow.people.get(ctx.actor.id)
    if refreshed is not None:
        ctx.actor = refreshed
    ctx.reply(Text.of("language.set"))
