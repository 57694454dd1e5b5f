"""The minutes of a quarterly meeting's challenges: the agenda, the votes and the decisions, as neutral rows.

``vpmo challenges export`` writes them as Markdown (minutes) or CSV (a spreadsheet); bot/admin formats.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from handlers.challenges import quarter
from handlers.challenges.tally import ChallengeTally
from handlers.shared.context import Deps, TenantContext
from handlers.shared.model import ChallengeState, Decision, SubmittedChallenge


@dataclass(frozen=True, slots=True)
class MinutesRow:
    """One challenge in the minutes (withdrawn and merged ones too, with what became of them)."""

    place: int | None
    """The rank on the agenda; None for a merged or withdrawn challenge."""
    ref: str
    text: str
    submitter: str
    votes: int
    late_votes: int
    state: str
    decision: str
    reason: str
    merged_into: str
    sparring: str
    method_version: str


@dataclass(frozen=True, slots=True)
class Minutes:
    tenant: str
    meeting: str
    at: datetime | None
    place: str
    language: str
    rows: tuple[MinutesRow, ...]


def minutes(deps: Deps, tenant_slug: str, meeting_key: str) -> Minutes | None:
    """Return the minutes of a tenant's quarterly meeting, or None when there is no such tenant or cycle."""
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(tenant_slug)
        if tenant is None or tenant.challenges is None:
            return None
        ctx = TenantContext(uow, tenant, deps.clock.now(), deps)
        meeting = quarter.meeting(ctx, meeting_key)
        challenges = uow.challenges.of_meeting(tenant.id, meeting_key)
        earlier = [
            c
            for c in uow.challenges.in_state(tenant.id, tuple(ChallengeState))
            if c.meeting != meeting_key and any(r.meeting == meeting_key for r in c.earlier)
        ]
        counted = quarter.round_of(ctx, tenant.challenges, meeting) if meeting is not None else None
        ranked = counted.ranked() if counted is not None else []
        places = {c.number: (place, entry) for place, (c, entry) in enumerate(ranked, start=1)}
        rows = [
            _row(ctx, c, places.get(c.number)) for c in sorted(challenges, key=lambda c: _order(c, places))
        ]
        rows += [_deferred_row(ctx, c, meeting_key) for c in earlier]
        return Minutes(
            tenant=tenant.name,
            meeting=meeting_key,
            at=quarter.starts(ctx, meeting).astimezone(ctx.zone) if meeting is not None else None,
            place=meeting.place if meeting is not None else "",
            language=tenant.language,
            rows=tuple(rows),
        )


Places = dict[int, tuple[int, ChallengeTally]]


def _order(challenge: SubmittedChallenge, places: Places) -> tuple[int, int]:
    place = places.get(challenge.number)
    return (place[0] if place else len(places) + 1, challenge.number)


def _row(
    ctx: TenantContext, challenge: SubmittedChallenge, ranked: tuple[int, ChallengeTally] | None
) -> MinutesRow:
    if ranked is None:
        return _base(ctx, challenge, None, 0, 0)
    place, entry = ranked
    return _base(ctx, challenge, place, entry.votes, len(entry.late))


def _deferred_row(ctx: TenantContext, challenge: SubmittedChallenge, meeting_key: str) -> MinutesRow:
    round_ = next(r for r in challenge.earlier if r.meeting == meeting_key)
    row = _base(ctx, challenge, None, round_.votes, 0)
    return replace(
        row, state=ChallengeState.DECIDED.value, decision=Decision.DEFERRED.value, reason=round_.reason
    )


def _base(
    ctx: TenantContext, challenge: SubmittedChallenge, place: int | None, votes: int, late: int
) -> MinutesRow:
    submitter = ctx.uow.people.get(challenge.submitter_id)
    merged = quarter.ref(ctx, challenge.merged_into) if challenge.merged_into is not None else ""
    return MinutesRow(
        place=place,
        ref=quarter.ref(ctx, challenge.number),
        text=challenge.text,
        submitter=submitter.name if submitter is not None else "",
        votes=votes,
        late_votes=late,
        state=challenge.state.value,
        decision=challenge.decision.value if challenge.decision is not None else "",
        reason=challenge.reason or "",
        merged_into=merged if challenge.state is ChallengeState.MERGED else "",
        sparring=f"S-{challenge.sparring_number}" if challenge.sparring_number is not None else "",
        method_version=challenge.method_version or "",
    )
