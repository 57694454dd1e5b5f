"""Offering a request to a senior: routing, accept, decline, escalation and the coordinator's say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.shared.calendar_rules import add_business_hours, month_of
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import Person, Role, SparringRequest, Status, Urgency
from handlers.shared.text import Action, ButtonStyle, Text, Verbatim
from handlers.sparring.routing import (
    Routing,
    RoutingInput,
    choose_senior,
    first_choices,
    first_name,
    preference_tiers,
)
from handlers.sparring.states import where_it_is

MAX_ASSIGN_BUTTONS = 25  # more than a few go into a choice list, so every senior can be picked
# The routing reason that marks a request whose senior left (the coordinator's list shows it as such).
REMOVED_REASON = "routing.senior_removed"


def offer(
    ctx: TenantContext,
    request: SparringRequest,
    *,
    assigned: Routing | None = None,
    why_coordinator: tuple[Text, ...] = (),
    kept_reasons: tuple[Text, ...] = (),
) -> Routing:
    """Route the request to the best senior (or to the one chosen by a person) and offer it.

    When nobody fits, the coordinator gets one note: ``why_coordinator`` (what happened) first, then
    the request and the assign buttons. ``kept_reasons`` stay in front of the new routing reasons.
    """
    routing = route(ctx, request) if assigned is None else assigned
    request.routing_reasons = [*kept_reasons, *routing.reasons]
    senior = ctx.uow.people.get(routing.senior_id) if routing.senior_id is not None else None
    if senior is None:
        _hand_to_coordinator(ctx, request, why_coordinator)
        return Routing(None, routing.reasons)
    request.status = Status.OFFERED
    request.senior_id = senior.id
    request.offered_at = ctx.now
    request.accepted_at = None
    request.escalate_at = add_business_hours(ctx.now, _answer_hours(ctx, request), ctx.working_day())
    ctx.uow.requests.save(request)
    _send_offer(ctx, request, senior)
    return routing


def route(ctx: TenantContext, request: SparringRequest) -> Routing:
    """Choose the senior for a request with an area, from the current loads (changes nothing)."""
    assert request.area is not None, "only requests with an area are routed"
    seniors = ctx.uow.people.seniors_for(ctx.tenant.id, request.area)
    month = month_of(ctx.now, ctx.zone)
    today = ctx.now.astimezone(ctx.zone).date()
    passed_over: list[Text] = []
    preferred = request.preferred_senior_id
    if preferred is not None and all(s.id != preferred for s in seniors):
        # The senior asked for does not cover the area: that is not "unavailable", it is the wrong area.
        named = ctx.uow.people.get(preferred)
        passed_over.append(
            Text.of(
                "routing.preferred_other_area",
                senior=named.name if named else "?",
                area=ctx.area(request.area),
            )
        )
        preferred = None
    # One round trip for the common case: the previous senior and the first choices' loads together.
    read = ctx.uow.requests.routing_loads(
        ctx.tenant.id,
        request.requester_id,
        request.area,
        first_choices(seniors, request.area, preferred),
        month.start,
    )
    previous, loads = read.previous_senior_id, dict(read.loads)
    for tier in preference_tiers(seniors, request.area, previous, preferred):
        unread = [s.id for s in tier if s.id not in loads]
        if unread:
            loads.update(ctx.uow.requests.loads(ctx.tenant.id, unread, month.start))
        routing = choose_senior(
            RoutingInput(
                area=request.area,
                area_name=ctx.area(request.area),
                seniors=tier,
                loads=loads,
                today=today,
                previous_senior_id=previous,
                preferred_senior_id=preferred,
                excluded=request.tried_senior_ids,
            )
        )
        if routing.senior_id is not None:
            return Routing(routing.senior_id, (*routing.reasons, *passed_over), summary=routing.summary)
        passed_over.extend(routing.passed_over)
    return Routing(None, (_why_nobody(ctx, request, seniors), *passed_over))


def _why_nobody(ctx: TenantContext, request: SparringRequest, seniors: Sequence[Person]) -> Text:
    # "Nobody is available" would be untrue when the seniors who know the area simply had it already.
    if seniors and all(s.id in request.tried_senior_ids for s in seniors):
        return Text.of("routing.all_tried", area=ctx.area(request.area))
    return Text.of("routing.nobody", area=ctx.area(request.area))


def _assigned(senior: Person) -> Routing:
    reason = Text.of("routing.assigned", senior=senior.name)
    return Routing(senior.id, (reason,), summary=reason)


def _chosen_by_requester(senior: Person) -> Routing:
    reason = Text.of("routing.requester_chose", senior=senior.name)
    return Routing(senior.id, (reason,), summary=Text.of("reason.preferred", senior=senior.name))


def _answer_hours(ctx: TenantContext, request: SparringRequest) -> float:
    # Urgent requests get half the agreed answer time before they move on.
    hours = ctx.tenant.response_hours
    return hours / 2 if request.urgency is Urgency.URGENT else hours


def _send_offer(ctx: TenantContext, request: SparringRequest, senior: Person) -> None:
    requester = ctx.uow.people.get(request.requester_id)
    urgency = Text.of("urgency.urgent") if request.urgency is Urgency.URGENT else Text.of("urgency.normal")
    ctx.notify(
        senior.id,
        Text.of(
            "offer.new",
            ref=request.ref,
            requester=requester.name if requester else "?",
            area=ctx.area(request.area),
            urgency=urgency,
        ),
        *((Text.of("offer.training"),) if request.training else ()),
        Text.of("quote", text=Verbatim(request.text)),
        Text.of("offer.answer_by", deadline=request.escalate_at or ctx.now),
        actions=(
            Action(f"accept:{request.ref}", Text.of("button.accept"), ButtonStyle.PRIMARY),
            Action(f"decline:{request.ref}", Text.of("button.decline"), ButtonStyle.DANGER),
        ),
        ref=request.ref,
        dedupe_key=f"offer:{request.id}:{senior.id}:{request.escalations}:{len(request.tried_senior_ids)}",
    )


def _hand_to_coordinator(ctx: TenantContext, request: SparringRequest, why: tuple[Text, ...]) -> None:
    request.status = Status.REQUESTED
    request.senior_id = None
    request.escalate_at = None
    request.accepted_at = None
    ctx.uow.requests.save(request)
    buttons = assign_buttons(ctx, request)
    head = why or (Text.of("coordinator.unrouted", ref=request.ref, area=ctx.area(request.area)),)
    ctx.notify_coordinators(
        *head,
        Text.of("quote", text=Verbatim(request.text)),
        # The head already says that a senior left; the reason kept for the waiting list would repeat it.
        *(r for r in request.routing_reasons if r.key != REMOVED_REASON),
        Text.of("coordinator.assign_hint", ref=request.ref),
        actions=buttons,
        ref=request.ref,
        dedupe=f"unrouted:{request.id}:{len(request.tried_senior_ids)}:{request.escalations}",
    )


def assign_buttons(ctx: TenantContext, request: SparringRequest) -> tuple[Action, ...]:
    """Return buttons that give the request to a senior: those with its area first, none tried before."""
    seniors = [
        s
        for s in ctx.uow.people.with_role(ctx.tenant.id, Role.SENIOR)
        if s.id not in request.tried_senior_ids
    ]
    seniors.sort(key=lambda s: (request.area not in s.expertise, s.name))
    return tuple(
        Action(f"assign:{request.ref}:{s.id}", Text.of("button.assign", senior=s.name))
        for s in seniors[:MAX_ASSIGN_BUTTONS]
    )


def confirmation(ctx: TenantContext, request: SparringRequest, routing: Routing) -> list[Text]:
    """Return the lines that tell a requester where their request went, with one short reason."""
    if request.status is Status.OFFERED and request.senior_id is not None:
        senior = ctx.uow.people.get(request.senior_id)
        head = Text.of(
            "ask.routed", ref=request.ref, area=ctx.area(request.area), senior=senior.name if senior else "?"
        )
        return [head, *([routing.summary] if routing.summary else [])]
    return [Text.of("ask.to_coordinator", ref=request.ref, area=ctx.area(request.area))]


def other_area_choice(ctx: TenantContext, request: SparringRequest) -> tuple[Text, Action] | None:
    """When the senior the requester named does not cover the area: say so, and offer them anyway."""
    named = ctx.uow.people.get(request.preferred_senior_id) if request.preferred_senior_id else None
    if named is None or request.area in named.expertise or request.status is not Status.OFFERED:
        return None
    note = Text.of("ask.named_other_area", senior=named.name, area=ctx.area(request.area))
    return note, Action(
        f"prefer:{request.ref}:{named.id}", Text.of("button.prefer", senior=first_name(named))
    )


def prefer(ctx: ActorContext, number: int, senior_id: int) -> None:
    """Offer the actor's own request to the senior they asked for, instead of the routed one."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.requester_id != ctx.actor.id:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    senior = ctx.uow.people.get(senior_id)
    if senior is None or senior.tenant_id != ctx.tenant.id or not senior.has(Role.SENIOR):
        ctx.reply(Text.of("error.unknown_senior", name=Verbatim(str(senior_id))))
        return
    if request.status is not Status.OFFERED or request.senior_id is None:
        ctx.reply(Text.of("error.cannot_prefer", ref=request.ref), where_it_is(ctx, request))
        return
    previous = request.senior_id
    if previous != senior.id:
        request.preferred_senior_id = senior.id
        offer(ctx, request, assigned=_chosen_by_requester(senior))
        ctx.notify(
            previous,
            Text.of("senior.requester_chose", ref=request.ref, requester=ctx.actor.name, senior=senior.name),
            ref=request.ref,
            dedupe_key=f"preferred:{request.id}:{previous}:{senior.id}",
        )
    ctx.reply(Text.of("requester.now_offered", ref=request.ref, senior=senior.name), ref=request.ref)


def _offered_to_actor(
    ctx: ActorContext, request: SparringRequest | None, number: int, verb: str
) -> SparringRequest | None:
    """Return the request (as read) when it is offered to the actor; otherwise say why not and return None."""
    if request is None:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return None
    if request.status is Status.OFFERED and request.senior_id == ctx.actor.id:
        return request
    ctx.reply(*_why_not_yours(ctx, request, verb), ref=request.ref)
    return None


_REJECTABLE = (Status.AWAITING_APPROVAL, Status.REJECTED)


def _why_not_yours(ctx: ActorContext, request: SparringRequest, verb: str) -> tuple[Text, ...]:
    """Say, in whole sentences, why the actor cannot accept or decline the request, and what to do."""
    ref = request.ref
    if not ctx.actor.has(Role.SENIOR) and request.status is Status.OFFERED:
        if ctx.is_coordinator():
            return (Text.of(f"error.senior_{verb}s", ref=ref), Text.of("coordinator.reassign_hint", ref=ref))
        return (Text.of(f"error.senior_{verb}s", ref=ref), Text.of("error.see_status"))
    if ctx.actor.has(Role.SENIOR) and request.senior_id == ctx.actor.id and request.status is Status.ACCEPTED:
        return (Text.of(f"error.already_accepted_{verb}", ref=ref),)
    if ctx.actor.has(Role.SENIOR) and ctx.actor.id in request.tried_senior_ids and request.status.is_open:
        return (Text.of("error.already_passed_on", ref=ref),)
    return (Text.of("error.not_waiting_for_you", ref=ref), where_it_is(ctx, request))


def accept(ctx: ActorContext, number: int) -> None:
    """Accept a request offered to the acting senior.

    The coordinator's ``acceptér`` on a request waiting for approval approves it, as ``godkend`` does.
    """
    read = ctx.uow.requests.get(ctx.tenant.id, number)
    if read is not None and read.status is Status.AWAITING_APPROVAL and ctx.is_coordinator():
        approve(ctx, number)
        return
    request = _offered_to_actor(ctx, read, number, "accept")
    if request is None:
        return
    request.status = Status.ACCEPTED
    request.accepted_at = ctx.now
    request.escalate_at = None
    ctx.uow.requests.save(request)
    ctx.notify(
        request.requester_id,
        Text.of("requester.accepted", ref=request.ref, senior=ctx.actor.name),
        ref=request.ref,
        dedupe_key=f"accepted:{request.id}",
    )
    ctx.reply(
        Text.of("senior.accepted", ref=request.ref),
        Text.of("senior.done_hint", ref=request.ref),
        ref=request.ref,
    )


def decline(ctx: ActorContext, number: int) -> None:
    """Decline a request offered to the acting senior; it moves on to the next best senior.

    The coordinator's ``afvis`` on a request waiting for approval turns it down, as the button does.
    """
    read = ctx.uow.requests.get(ctx.tenant.id, number)
    # A second afvis after the rejection gets the same answer as a second press of the button.
    if read is not None and read.status in _REJECTABLE and ctx.is_coordinator():
        reject(ctx, number)
        return
    request = _offered_to_actor(ctx, read, number, "decline")
    if request is None:
        return
    request.tried_senior_ids = [*request.tried_senior_ids, ctx.actor.id]
    routing = offer(
        ctx,
        request,
        why_coordinator=(
            Text.of("coordinator.declined_by_all", ref=request.ref, area=ctx.area(request.area)),
        ),
    )
    ctx.reply(Text.of("senior.declined", ref=request.ref), ref=request.ref)
    ctx.notify(
        request.requester_id,
        Text.of("requester.declined", ref=request.ref, senior=ctx.actor.name),
        *_next_step(ctx, routing, request),
        ref=request.ref,
        dedupe_key=f"declined:{request.id}:{ctx.actor.id}",
    )


def _next_step(ctx: TenantContext, routing: Routing, request: SparringRequest) -> list[Text]:
    if routing.senior_id is None:
        return [Text.of("requester.with_coordinator")]
    senior = ctx.uow.people.get(routing.senior_id)
    return [Text.of("requester.now_offered", ref=request.ref, senior=senior.name if senior else "?")]


def escalate(ctx: TenantContext, number: int) -> bool:
    """Move an offered request on when its senior did not answer in time; tell who needs to know."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.status is not Status.OFFERED or request.senior_id is None:
        return False
    if request.escalate_at is None or request.escalate_at > ctx.now:
        return False
    silent = ctx.uow.people.get(request.senior_id)
    silent_name = silent.name if silent else "?"
    request.tried_senior_ids = [*request.tried_senior_ids, request.senior_id]
    request.escalations += 1
    escalated = Text.of(
        "coordinator.escalated", ref=request.ref, senior=silent_name, hours=_answer_hours(ctx, request)
    )
    # When nobody else fits, the note that hands the request to the coordinator says it was escalated:
    # one message about one escalation.
    routing = offer(ctx, request, why_coordinator=(escalated, Text.of("coordinator.nobody_else")))
    if silent is not None:
        ctx.notify(
            silent.id,
            Text.of("senior.offer_lapsed", ref=request.ref, hours=_answer_hours(ctx, request)),
            ref=request.ref,
            dedupe_key=f"lapsed:{request.id}:{silent.id}",
        )
    next_lines = _next_step(ctx, routing, request)
    if routing.senior_id is not None:
        ctx.notify_coordinators(
            escalated,
            *next_lines,
            ref=request.ref,
            dedupe=f"escalated:{request.id}:{request.escalations}",
        )
    ctx.notify(
        request.requester_id,
        Text.of("requester.escalated", ref=request.ref, senior=silent_name),
        *next_lines,
        ref=request.ref,
        dedupe_key=f"escalated-requester:{request.id}:{request.escalations}",
    )
    return True


def pass_over_unreachable(ctx: TenantContext, number: int, senior_id: int) -> bool:
    """Offer the request to the next senior when the offer could not reach this one at all."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.status is not Status.OFFERED or request.senior_id != senior_id:
        return False
    request.tried_senior_ids = [*request.tried_senior_ids, senior_id]
    routing = offer(ctx, request)
    ctx.notify(
        request.requester_id,
        *_next_step(ctx, routing, request),
        ref=request.ref,
        dedupe_key=f"unreachable:{request.id}:{senior_id}",
    )
    return True


def approve(ctx: ActorContext, number: int) -> None:
    """Let a request past the agreed hours go ahead (coordinator only)."""
    request = _awaiting_approval(ctx, number)
    if request is None:
        return
    request.approved = True
    routing = offer(ctx, request)
    ctx.reply(Text.of("coordinator.approved", ref=request.ref), ref=request.ref)
    ctx.notify(
        request.requester_id,
        Text.of("requester.approved", ref=request.ref),
        *_next_step(ctx, routing, request),
        ref=request.ref,
        dedupe_key=f"approved:{request.id}",
    )


def reject(ctx: ActorContext, number: int) -> None:
    """Turn down a request past the agreed hours (coordinator only)."""
    request = _awaiting_approval(ctx, number)
    if request is None:
        return
    request.status = Status.REJECTED
    request.closed_at = ctx.now
    ctx.uow.requests.save(request)
    ctx.reply(Text.of("coordinator.rejected", ref=request.ref), ref=request.ref)
    ctx.notify(
        request.requester_id,
        Text.of("requester.rejected", ref=request.ref, coordinator=ctx.actor.name),
        ref=request.ref,
        dedupe_key=f"rejected:{request.id}",
    )


def _awaiting_approval(ctx: ActorContext, number: int) -> SparringRequest | None:
    if not ctx.is_coordinator():
        ctx.reply(Text.of("error.coordinator_only"))
        return None
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return None
    if request.status is not Status.AWAITING_APPROVAL:
        ctx.reply(Text.of("error.not_awaiting_approval", ref=request.ref), where_it_is(ctx, request))
        return None
    return request


def assign(ctx: ActorContext, number: int, senior_word: str) -> None:
    """Offer a request to a senior the coordinator names (by e-mail, first name or id)."""
    if not ctx.is_coordinator():
        ctx.reply(Text.of("error.coordinator_only"))
        return
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    if not request.status.is_open or request.area is None:
        ctx.reply(Text.of("error.cannot_assign", ref=request.ref), where_it_is(ctx, request))
        return
    senior = find_senior(ctx, senior_word)
    if senior is None:
        ctx.reply(Text.of("error.unknown_senior", name=Verbatim(senior_word)))
        return
    previous = request.senior_id if request.status in (Status.OFFERED, Status.ACCEPTED) else None
    request.approved = True
    offer(ctx, request, assigned=_assigned(senior))
    if previous is not None and previous != senior.id:
        ctx.notify(
            previous,
            Text.of("senior.reassigned", ref=request.ref, senior=senior.name),
            ref=request.ref,
            dedupe_key=f"reassigned:{request.id}:{previous}:{senior.id}",
        )
    ctx.reply(Text.of("coordinator.assigned", ref=request.ref, senior=senior.name), ref=request.ref)
    ctx.notify(
        request.requester_id,
        Text.of("requester.now_offered", ref=request.ref, senior=senior.name),
        ref=request.ref,
        dedupe_key=f"assigned:{request.id}:{senior.id}:{request.escalations}",
    )


def find_senior(ctx: TenantContext, word: str) -> Person | None:
    """Find a senior by e-mail, id, full name or unambiguous first name."""
    # Platform ids (a Slack <@U…>) are resolved to an e-mail by the platform's adapter.
    needle = word.strip().lstrip("@").casefold()
    seniors = ctx.uow.people.with_role(ctx.tenant.id, Role.SENIOR)
    for senior in seniors:
        if needle in (senior.email.casefold(), str(senior.id), senior.name.casefold()):
            return senior
    by_first_name = [s for s in seniors if s.name.split()[0].casefold() == needle]
    return by_first_name[0] if len(by_first_name) == 1 else None


@dataclass(frozen=True, slots=True)
class Rerouted:
    """A request moved on because its senior left: where it went (None: to the coordinator)."""

    ref: str
    senior: str | None


def reroute_stranded(ctx: TenantContext, removed: dict[int, str]) -> list[Rerouted]:
    """Move the open requests of seniors who were removed or lost the role on to the next best senior.

    ``removed`` names them by id (they are no longer in the directory). Requests nobody fits go to the
    coordinator's list. Safe to run twice: a request already moved on is no longer theirs.
    """
    moved: list[Rerouted] = []
    for senior_id, name in removed.items():
        for listed in ctx.uow.requests.of_senior(ctx.tenant.id, senior_id, (Status.OFFERED, Status.ACCEPTED)):
            # Read again, locked: the senior may have answered, or another run moved it meanwhile.
            request = ctx.uow.requests.get(ctx.tenant.id, listed.number)
            if request is None or request.senior_id != senior_id or not request.status.is_open:
                continue
            moved.append(_reroute(ctx, request, senior_id, name))
    return moved


def _reroute(ctx: TenantContext, request: SparringRequest, senior_id: int, name: str) -> Rerouted:
    was_accepted = request.status is Status.ACCEPTED
    request.tried_senior_ids = [*request.tried_senior_ids, senior_id]
    removed = Text.of("routing.senior_removed", senior=name)
    routing = offer(
        ctx,
        request,
        why_coordinator=(Text.of("coordinator.senior_removed", ref=request.ref, senior=name),),
        kept_reasons=(removed,),
    )
    lead = "requester.senior_left_accepted" if was_accepted else "requester.senior_left"
    ctx.notify(
        request.requester_id,
        Text.of(lead, ref=request.ref, senior=name),
        *_next_step(ctx, routing, request),
        ref=request.ref,
        dedupe_key=f"senior-left:{request.id}:{senior_id}",
    )
    senior = ctx.uow.people.get(routing.senior_id) if routing.senior_id is not None else None
    return Rerouted(request.ref, senior.name if senior else None)
