"""After the quarterly meeting: the coordinator's decisions, the submitters told, and the yearly method review.

``beslut U-7 vedtaget "…"`` records a decision with its reason; each submitter (the merged duplicates'
too) hears what became of their challenge, in their own language. Adopted changes wait for the yearly
method review, where ``metode færdig U-7 "skabelon v2027.1"`` records the version they went into.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers.challenges import quarter
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import ChallengeState, Decision, EarlierRound, Role, SubmittedChallenge
from handlers.shared.text import Text, Verbatim
from handlers.sparring.asking import request_sparring

UNDECIDED_AFTER = timedelta(days=7)
"""A challenge still undecided this long after its meeting goes on the coordinator's waiting list."""
METHOD_LIST_LIMIT = 20


def decide(ctx: ActorContext, number: int, decision: Decision, reason: str) -> None:
    """Record what the quarterly meeting made of a challenge, and tell its submitters."""
    if not quarter.coordinator_only(ctx) or quarter.require_settings(ctx) is None:
        return
    challenge = quarter.find(ctx, number)
    if challenge is None:
        return
    reference = quarter.ref(ctx, number)
    refusal = _cannot_decide(ctx, challenge)
    if refusal is not None:
        ctx.reply(refusal)
        return
    if decision is Decision.DEFERRED:
        _defer(ctx, challenge, reason)
        return
    challenge.state = ChallengeState.DECIDED
    challenge.decision = decision
    challenge.reason = reason or None
    challenge.decided_at = ctx.now
    challenge.decided_by_id = ctx.actor.id
    ctx.reply(Text.of(f"challenge.decided.{decision.value}", ref=reference))
    _tell_submitters(
        ctx, challenge, Text.of(f"challenge.outcome.{decision.value}", ref=reference, reason=Verbatim(reason))
    )
    if decision is Decision.SPARRING:
        # After the news of the decision, so the submitter reads where the request went next.
        challenge.sparring_number = _as_sparring(ctx, challenge)
    ctx.uow.challenges.update(challenge)


def show_method(ctx: ActorContext) -> None:
    """List the adopted changes not yet in a method or template version (coordinators and seniors)."""
    if not _coordinator_or_senior(ctx) or quarter.require_settings(ctx) is None:
        return
    pending = ctx.uow.challenges.adopted_without_version(ctx.tenant.id)
    if not pending:
        ctx.reply(Text.of("challenge.method_none"))
        return
    ctx.reply(Text.of("challenge.method_head", count=len(pending)))
    ctx.reply(*method_lines(ctx, pending))
    ctx.reply(Text.of("challenge.method_hint"))


def method_lines(ctx: TenantContext, pending: list[SubmittedChallenge]) -> tuple[Text, ...]:
    """Return one line per adopted change waiting for the method review (the decision's reason is the change)."""
    lines = [
        Text.of(
            "challenge.method_line",
            ref=quarter.ref(ctx, c.number),
            change=Verbatim(c.reason or c.text),
            decided=c.decided_at or c.submitted_at,
        )
        for c in pending[:METHOD_LIST_LIMIT]
    ]
    if len(pending) > METHOD_LIST_LIMIT:
        lines.append(Text.of("challenge.method_more", count=len(pending) - METHOD_LIST_LIMIT))
    return tuple(lines)


def method_done(ctx: ActorContext, number: int, version: str) -> None:
    """Record the method or template version an adopted change went into; its submitters are told."""
    if not _coordinator_or_senior(ctx) or quarter.require_settings(ctx) is None:
        return
    challenge = quarter.find(ctx, number)
    if challenge is None:
        return
    reference = quarter.ref(ctx, number)
    if challenge.decision is not Decision.ADOPTED:
        ctx.reply(Text.of("challenge.method_not_adopted", ref=reference))
        return
    if challenge.method_version == version:
        ctx.reply(Text.of("challenge.method_recorded", ref=reference, version=Verbatim(version)))
        return
    challenge.method_version = version
    challenge.method_done_at = ctx.now
    ctx.uow.challenges.update(challenge)
    ctx.reply(Text.of("challenge.method_recorded", ref=reference, version=Verbatim(version)))
    _tell_submitters(
        ctx,
        challenge,
        Text.of("challenge.outcome.in_method", ref=reference, version=Verbatim(version)),
        key=f"method:{version}",
    )


def undecided(ctx: TenantContext) -> list[SubmittedChallenge]:
    """Return the open challenges whose meeting began more than a week ago (the coordinator's to decide)."""
    overdue = []
    for challenge in ctx.uow.challenges.in_state(ctx.tenant.id, (ChallengeState.OPEN,)):
        meeting = quarter.meeting(ctx, challenge.meeting)
        if meeting is not None and quarter.starts(ctx, meeting) + UNDECIDED_AFTER <= ctx.now:
            overdue.append(challenge)
    return overdue


def show_undecided(ctx: ActorContext) -> None:
    """Add the challenges waiting for a decision to the coordinator's waiting list."""
    if not ctx.is_coordinator() or quarter.settings(ctx.tenant) is None:
        return
    overdue = undecided(ctx)
    if not overdue:
        return
    ctx.reply(Text.of("challenge.undecided_head", count=len(overdue)))
    for challenge in overdue[:METHOD_LIST_LIMIT]:
        reference = quarter.ref(ctx, challenge.number)
        ctx.reply(Text.of("challenge.undecided_line", ref=reference), quarter.quote(challenge), ref=reference)


def _cannot_decide(ctx: ActorContext, challenge: SubmittedChallenge) -> Text | None:
    reference = quarter.ref(ctx, challenge.number)
    if challenge.state is ChallengeState.MERGED and challenge.merged_into is not None:
        return Text.of("challenge.decide_merged", ref=reference, into=quarter.ref(ctx, challenge.merged_into))
    if challenge.state is ChallengeState.WITHDRAWN:
        return Text.of("challenge.decide_withdrawn", ref=reference)
    if challenge.state is ChallengeState.DECIDED and challenge.decision is not None:
        # A decision has been told to the submitters (and a sparring request may be on its way): it stays.
        return Text.of(
            "challenge.already_decided",
            ref=reference,
            decision=Text.of(f"challenge.decision.{challenge.decision.value}"),
        )
    return None


def _defer(ctx: ActorContext, challenge: SubmittedChallenge, reason: str) -> None:
    reference = quarter.ref(ctx, challenge.number)
    later = quarter.next_meeting_after(ctx, challenge.meeting)
    if later is None:
        ctx.reply(Text.of("challenge.defer_no_meeting", ref=reference))
        return
    chosen = quarter.settings(ctx.tenant)
    meeting = quarter.meeting(ctx, challenge.meeting)
    votes = 0
    if chosen is not None and meeting is not None:
        ranked = {str(c.number): e.votes for c, e in quarter.round_of(ctx, chosen, meeting).ranked()}
        votes = ranked.get(str(challenge.number), 0)
    challenge.earlier.append(EarlierRound(challenge.meeting, votes, reason, ctx.now))
    challenge.meeting = later.key
    challenge.counted_from = ctx.now
    ctx.uow.challenges.update(challenge)
    when = quarter.starts(ctx, later)
    ctx.reply(Text.of("challenge.decided.deferred", ref=reference, meeting=when))
    _tell_submitters(
        ctx,
        challenge,
        Text.of("challenge.outcome.deferred", ref=reference, reason=Verbatim(reason), meeting=when),
        key=f"deferred:{len(challenge.earlier)}",
    )


def _as_sparring(ctx: ActorContext, challenge: SubmittedChallenge) -> int | None:
    """Make the challenge a sparring request of its submitter, routed as usual; they hear where it went."""
    submitter = ctx.uow.people.get(challenge.submitter_id)
    if submitter is None:
        ctx.reply(Text.of("challenge.submitter_gone", ref=quarter.ref(ctx, challenge.number)))
        return None
    as_submitter = ActorContext(ctx.uow, ctx.tenant, ctx.now, ctx.deps, actor=submitter)
    request = request_sparring(as_submitter, challenge.text)
    for reply in as_submitter.replies:
        ctx.uow.outbox.add(ctx.tenant.id, replace(reply, to_person=submitter.id), ctx.now)
    return request.number if request is not None else None


def _tell_submitters(ctx: ActorContext, challenge: SubmittedChallenge, outcome: Text, key: str = "") -> None:
    """Tell the challenge's submitter, and those of the duplicates merged into it, what became of it."""
    reference = quarter.ref(ctx, challenge.number)
    merged = [
        c
        for c in ctx.uow.challenges.of_meeting(ctx.tenant.id, challenge.meeting)
        if c.state is ChallengeState.MERGED and c.merged_into == challenge.number
    ]
    told: set[int] = set()
    for source in (challenge, *merged):
        if source.submitter_id in told:
            continue
        told.add(source.submitter_id)
        if source is challenge:
            lead, said = Text.of("challenge.news_own", ref=reference), outcome
        else:
            lead = Text.of("challenge.news_merged", ref=reference, duplicate=quarter.ref(ctx, source.number))
            # Only the challenge's own submitter gets the sparring request; the others hear who does.
            said = (
                Text.of("challenge.outcome.sparring_others", ref=reference)
                if outcome.key.endswith(".sparring")
                else outcome
            )
        ctx.notify(
            source.submitter_id,
            lead,
            quarter.quote(challenge),
            said,
            ref=reference,
            dedupe_key=f"challenge-outcome:{challenge.id}:{source.submitter_id}:{key or outcome.key}",
        )


def _coordinator_or_senior(ctx: ActorContext) -> bool:
    if ctx.is_coordinator() or ctx.actor.has(Role.SENIOR):
        return True
    ctx.reply(Text.of("challenge.method_not_for_you"))
    return False
