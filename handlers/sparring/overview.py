"""What people ask the bot about: their requests, a senior's queue, the reasons, the KPIs, help."""

from __future__ import annotations

from handlers.shared.calendar_rules import quarter_of
from handlers.shared.context import ActorContext
from handlers.shared.model import OPEN_STATUSES, Role, SparringRequest, Status
from handlers.shared.text import Action, ButtonStyle, Fact, Param, Section, Since, Text, Verbatim
from handlers.sparring import offering
from handlers.sparring.kpis import SparringKpis, compute_kpis
from handlers.sparring.states import waited, where_it_is

STATUS_LIMIT = 10
# Each item of a queue or a waiting list is a message of its own (with its buttons), and a platform
# takes about one message a second in a conversation: longer lists are cut, oldest first, and say so.
LIST_LIMIT = 10
OPENING_WORDS = 6


def show_status(ctx: ActorContext) -> None:
    """List the actor's newest requests, each saying what is happening with it now."""
    requests = ctx.uow.requests.of_requester(ctx.tenant.id, ctx.actor.id, STATUS_LIMIT)
    if not requests:
        ctx.reply(Text.of("status.none"), Text.of("ask.example"))
        return
    lines = [Text.of("status.head", count=len(requests)), *(_status_line(ctx, r) for r in requests)]
    more = ctx.uow.requests.count_of_requester(ctx.tenant.id, ctx.actor.id) - len(requests)
    if more > 0:
        lines.append(Text.of("status.more", count=more))
    lines.append(Text.of("status.hint"))
    ctx.reply(*lines)


def _status_line(ctx: ActorContext, request: SparringRequest) -> Text:
    opening = Verbatim(_opening_words(request.text))
    if request.area is None:
        return Text.of(
            "status.line_without_area", ref=request.ref, text=opening, now=_happening(ctx, request)
        )
    return Text.of(
        "status.line_plain",
        ref=request.ref,
        area=ctx.area(request.area),
        text=opening,
        now=_happening(ctx, request),
    )


def _happening(ctx: ActorContext, request: SparringRequest) -> Text:
    """Say in plain words what is happening with the request, and since when."""
    senior = ctx.uow.people.get(request.senior_id) if request.senior_id is not None else None
    senior_name = senior.name if senior else "–"
    created = Since(request.created_at, ctx.now)
    closed = Since(request.closed_at or request.created_at, ctx.now)
    held = Since(request.held_at or request.created_at, ctx.now)
    hours = request.hours or 0.0
    match request.status:
        case Status.REQUESTED if request.area is None:
            return Text.of("status.now.choose_area", ref=request.ref)
        case Status.REQUESTED:
            return Text.of("status.now.with_coordinator", since=created)
        case Status.AWAITING_APPROVAL:
            return Text.of("status.now.awaiting_approval", since=created)
        case Status.OFFERED:
            offered = Since(request.offered_at or request.created_at, ctx.now)
            return Text.of("status.now.offered", senior=senior_name, since=offered)
        case Status.ACCEPTED:
            return Text.of("status.now.accepted", senior=senior_name)
        case Status.HELD:
            return Text.of("status.now.held", held=held, hours=hours, ref=request.ref)
        case Status.FEEDBACK:
            return Text.of("status.now.feedback", held=held, hours=hours, ref=request.ref)
        case Status.CLOSED:
            return Text.of("status.now.closed", held=held, hours=hours)
        case Status.CANCELLED:
            return Text.of("status.now.cancelled", since=closed)
        case Status.REJECTED:
            return Text.of("status.now.rejected", since=closed)


def _opening_words(text: str) -> str:
    """Return the first few words of a request, marked as cut when there is more."""
    words = text.split()
    if len(words) <= OPENING_WORDS:
        return " ".join(words)
    return " ".join(words[:OPENING_WORDS]) + " …"


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
    for request in requests[:LIST_LIMIT]:
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
    if len(requests) > LIST_LIMIT:
        ctx.reply(Text.of("queue.more", count=len(requests) - LIST_LIMIT))


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
    for line, actions, ref in items[:LIST_LIMIT]:
        ctx.reply(line, actions=actions, ref=ref)
    if len(items) > LIST_LIMIT:
        ctx.reply(Text.of("waiting.more", count=len(items) - LIST_LIMIT))


# What the coordinator's list says about a request, one sentence with its action each (waiting.*).
WAITING_KINDS = (
    "approval",
    "training",
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
    if kind in ("approval", "training"):
        buttons = (
            Action(f"approve:{request.ref}", Text.of("button.approve"), ButtonStyle.PRIMARY),
            Action(f"reject:{request.ref}", Text.of("button.reject"), ButtonStyle.DANGER),
        )
        return line, buttons, request.ref
    return line, offering.assign_buttons(ctx, request), request.ref


def _waiting_kind(ctx: ActorContext, request: SparringRequest) -> str | None:
    if request.status is Status.AWAITING_APPROVAL:
        return "training" if request.training else "approval"
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
    senior = ctx.uow.people.get(request.senior_id) if request.senior_id is not None else None
    if senior is None:
        head = Text.of("why.head_unrouted", ref=request.ref, area=ctx.area(request.area))
    else:
        head = Text.of("why.head", ref=request.ref, area=ctx.area(request.area), senior=senior.name)
    corrections = []
    for change in request.hours_corrections:
        who = ctx.uow.people.get(change.by_id)
        corrections.append(
            Text.of(
                "hours.corrected", old=change.old, new=change.new, who=who.name if who else "?", at=change.at
            )
        )
    ctx.reply(head, *request.routing_reasons, *corrections, where_it_is(ctx, request), ref=request.ref)


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
    )
    ctx.reply(
        head, Text.of("show.text", text=Verbatim(request.text)), where_it_is(ctx, request), ref=request.ref
    )


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


# The help: its groups (help.group.*), in order, with their commands (help.command.*), one a line.
HELP: dict[str, tuple[str, ...]] = {
    "requester": ("sparring", "sparring_guided", "training", "status", "cancel", "feedback"),
    "senior": ("queue", "accept", "decline", "done", "correct"),
    "coordinator": ("waiting", "kpi", "why", "approve", "reject", "assign"),
    "challenges": ("challenge", "agenda", "vote"),
    "challenges_coordinator": ("merge", "withdraw", "decide", "method"),
    "erfa": ("erfa", "erfa_takeaway"),
    "erfa_coordinator": ("erfa_attendees",),
    "everyone": ("language", "help"),
}
_ASKING_ROLES = frozenset({Role.PM, Role.TESTER, Role.STEERING, Role.PARTICIPANT})


def show_help(ctx: ActorContext) -> None:
    """List the commands of the actor's roles, one a line, grouped per role."""
    roles = ctx.actor.roles
    shown = {
        "requester": bool(roles & _ASKING_ROLES) or not roles & {Role.SENIOR, Role.COORDINATOR},
        "senior": ctx.actor.has(Role.SENIOR),
        "coordinator": ctx.is_coordinator(),
        # The quarterly challenges' commands, for a tenant that runs the cycle.
        "challenges": ctx.tenant.challenges is not None,
        "challenges_coordinator": ctx.tenant.challenges is not None and ctx.is_coordinator(),
        # The ERFA meetings' commands, for a tenant that holds them.
        "erfa": ctx.tenant.erfa is not None,
        "erfa_coordinator": ctx.tenant.erfa is not None and ctx.is_coordinator(),
        "everyone": True,
    }
    lines = [Text.of("help.head")]
    for group, commands in HELP.items():
        if shown[group]:
            lines.append(Text.of(f"help.group.{group}"))
            lines.extend(Text.of(f"help.command.{command}") for command in commands)
    ctx.reply(*lines)


def set_language(ctx: ActorContext, language: str) -> None:
    """Remember the actor's language; the answer already comes in it."""
    ctx.uow.people.set_language(ctx.actor.id, language)
    refreshed = ctx.uow.people.get(ctx.actor.id)
    if refreshed is not None:
        ctx.actor = refreshed
    ctx.reply(Text.of("language.set"))
