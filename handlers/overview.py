"""What people ask the bot about: their requests, a senior's queue, the reasons, the KPIs, help."""

from __future__ import annotations

from handlers.calendar_rules import quarter_of
from handlers.context import ActorContext
from handlers.kpis import SparringKpis, compute_kpis
from handlers.model import OPEN_STATUSES, Role, SparringRequest, Status
from handlers.text import Fact, Section, Text, Verbatim

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
    """List the open requests offered to or accepted by the acting senior."""
    if not ctx.actor.has(Role.SENIOR):
        ctx.reply(Text.of("error.seniors_only"))
        return
    requests = ctx.uow.requests.of_senior(ctx.tenant.id, ctx.actor.id, (Status.OFFERED, Status.ACCEPTED))
    if not requests:
        ctx.reply(Text.of("queue.none"))
        return
    ctx.reply(Text.of("queue.head", count=len(requests)), *(_line(ctx, r) for r in requests))


def explain(ctx: ActorContext, number: int) -> None:
    """Show why a request went where it went (coordinator, requester or its senior)."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    allowed = request is not None and (
        ctx.is_coordinator() or ctx.actor.id in (request.requester_id, request.senior_id)
    )
    if request is None or not allowed:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    ctx.reply(_line(ctx, request), *request.routing_reasons, ref=request.ref)


def show_request(ctx: ActorContext, number: int) -> None:
    """Show a request's whole text to its requester, the seniors it went to, or a coordinator."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    readers = (request.requester_id, request.senior_id, *request.tried_senior_ids) if request else ()
    if request is None or not (ctx.is_coordinator() or ctx.actor.id in readers):
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    requester = ctx.uow.people.get(request.requester_id)
    head = Text.of(
        "show.head",
        ref=request.ref,
        requester=requester.name if requester else "?",
        area=ctx.area(request.area),
        status=Text.of(f"status.{request.status}"),
    )
    ctx.reply(head, Text.of("show.text", text=Verbatim(request.text)), ref=request.ref)


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
    ctx.reply(Text.of("kpi.head", quarter=quarter.name), sections=_kpi_sections(ctx, kpis))


def _count(count: int) -> Text:
    return Text.of("kpi.value.count", count=count)


def _kpi_sections(ctx: ActorContext, kpis: SparringKpis) -> tuple[Section, ...]:
    sections = [
        Section(
            Text.of("kpi.requests"),
            (
                Fact(Text.of("kpi.fact.created"), _count(kpis.requests)),
                Fact(Text.of("kpi.fact.accepted"), _count(kpis.accepted)),
                Fact(Text.of("kpi.fact.cancelled"), _count(kpis.cancelled)),
                Fact(Text.of("kpi.fact.escalations"), _count(kpis.open_escalations)),
            ),
        ),
        Section(
            Text.of("kpi.hours"),
            (
                Fact(
                    Text.of("kpi.fact.hours"),
                    Text.of(
                        "kpi.value.hours",
                        used=kpis.hours_used,
                        agreed=kpis.hours_agreed,
                        percent=kpis.percent_used or 0,
                    ),
                ),
            ),
        ),
    ]
    answers: list[Fact] = []
    if kpis.median_hours_to_accept is not None:
        answers.append(
            Fact(Text.of("kpi.fact.speed"), Text.of("kpi.value.speed", hours=kpis.median_hours_to_accept))
        )
    if kpis.average_rating is not None:
        value = Text.of("kpi.value.rating", average=kpis.average_rating, count=kpis.ratings)
        answers.append(Fact(Text.of("kpi.fact.rating"), value))
    if answers:
        sections.append(Section(Text.of("kpi.answers"), tuple(answers)))
    if kpis.by_area:
        areas = tuple(Fact(Text.of("area", name=ctx.area(key)), _count(n)) for key, n in kpis.by_area)
        sections.append(Section(Text.of("kpi.areas"), areas))
    return tuple(sections)


def show_escalations(ctx: ActorContext) -> None:
    """List the open requests that were escalated (coordinator only)."""
    if not ctx.is_coordinator():
        ctx.reply(Text.of("error.coordinator_only"))
        return
    escalated = [r for r in ctx.uow.requests.with_status(ctx.tenant.id, OPEN_STATUSES) if r.escalations > 0]
    if not escalated:
        ctx.reply(Text.of("escalations.none"))
        return
    ctx.reply(Text.of("escalations.head", count=len(escalated)), *(_line(ctx, r) for r in escalated))


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
