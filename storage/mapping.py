"""Translation between table rows (ORM objects or Core result rows alike) and the core's domain types."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from handlers.erfa.network import NetworkMeeting
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import (
    Absence,
    ChallengeState,
    Decision,
    EarlierRound,
    HoursCorrection,
    OverQuota,
    Person,
    Role,
    SparringRequest,
    Status,
    SubmittedChallenge,
    Tenant,
    Urgency,
    challenge_post_key,
)
from handlers.sparring.expertise import ExpertiseArea
from storage.codec import decode_text, encode_text
from storage.tables import ChallengeRow, NetworkRow, PersonRow, SparringRequestRow, TenantRow

# A network's meetings are written in the consultancy's zone, whichever zone each client has.
NETWORK_ZONE = ZoneInfo("Europe/Copenhagen")
# Everyone a tenant's own meeting may be for: a network meeting is for all of them.
NETWORK_AUDIENCE = ("pm", "tester", "steering", "participant")


def tenant_from_row(
    row: TenantRow | Row[Any] | SimpleNamespace, networks: Iterable[NetworkRow | Row[Any]] = ()
) -> Tenant:
    """Return the domain tenant for a row; its ERFA meetings include those of the networks inviting it."""
    assert row.id is not None, "stored rows have ids"
    zone = ZoneInfo(row.timezone)
    own = [_erfa_meeting(m, zone) for m in row.erfa_meetings]
    invited = [
        meeting
        for network in networks
        for meeting in invited_meetings(
            network.slug, (network_meeting_from_json(m) for m in network.meetings), row.slug, zone
        )
    ]
    return Tenant(
        id=row.id,
        slug=row.slug,
        name=row.name,
        language=row.language,
        timezone=row.timezone,
        agreed_hours_per_quarter=row.agreed_hours_per_quarter,
        response_hours=row.response_hours,
        over_quota=OverQuota(row.over_quota),
        business_start=time.fromisoformat(row.business_start),
        business_end=time.fromisoformat(row.business_end),
        extra_areas=tuple(_area(a) for a in row.extra_areas),
        slack_team_id=row.slack_team_id,
        teams_tenant_id=row.teams_tenant_id,
        quarterly_meetings=tuple(_meeting(m, zone) for m in row.quarterly_meetings),
        challenges=_challenges(row.challenges),
        erfa_meetings=tuple(sorted(own + invited, key=lambda meeting: meeting.at)),
        erfa=_erfa(row.erfa),
    )


def _meeting(data: dict[str, str], zone: ZoneInfo) -> QuarterlyMeeting:
    # Stored as local wall time: the meeting stays at the time written, in the tenant's zone.
    return QuarterlyMeeting(
        data["key"], datetime.fromisoformat(data["at"]).replace(tzinfo=zone), data["place"]
    )


def _challenges(data: dict[str, Any] | None) -> ChallengeSettings | None:
    if data is None:
        return None
    values = dict(data)
    for name in ("vote_reactions_slack", "vote_reactions_teams"):
        values[name] = tuple(values[name])
    return ChallengeSettings(**values)


def _erfa_meeting(data: dict[str, Any], zone: ZoneInfo) -> ErfaMeeting:
    # Local wall time, as a quarterly meeting's; the duration in whole minutes.
    return ErfaMeeting(
        key=data["key"],
        title=data["title"],
        at=datetime.fromisoformat(data["at"]).replace(tzinfo=zone),
        duration=timedelta(minutes=data["duration_minutes"]),
        place=data["place"],
        audience=tuple(data["audience"]),
        seats=data["seats"],
        cancelled=data.get("cancelled", False),
    )


def network_meeting_from_json(data: dict[str, Any]) -> NetworkMeeting:
    """Return a network meeting as stored in a network row (its ``meetings``, see storage/tables.py)."""
    return NetworkMeeting(
        key=data["key"],
        title=data["title"],
        at=datetime.fromisoformat(data["at"]),
        duration=timedelta(minutes=data["duration_minutes"]),
        place=data["place"],
        tenants=tuple(data["tenants"]),
        seats_per_tenant=data.get("seats_per_tenant"),
        cancelled=data.get("cancelled", False),
    )


def invited_meetings(
    network: str, meetings: Iterable[NetworkMeeting], tenant: str, zone: ZoneInfo
) -> list[ErfaMeeting]:
    """Return the network's meetings the tenant (slug) is invited to, as its ERFA meetings in its zone.

    A network meeting is for everyone a tenant's meeting may be for, with the network's seats for each
    tenant; its wall time is the consultancy's (Europe/Copenhagen), shown at that moment in the tenant's zone.
    """
    return [
        ErfaMeeting(
            key=meeting.key,
            title=meeting.title,
            at=meeting.at.replace(tzinfo=NETWORK_ZONE).astimezone(zone),
            duration=meeting.duration,
            place=meeting.place,
            audience=NETWORK_AUDIENCE,
            seats=meeting.seats_per_tenant,
            cancelled=meeting.cancelled,
            network=network,
        )
        for meeting in meetings
        if tenant in meeting.tenants
    ]


def _erfa(data: dict[str, Any] | None) -> ErfaSettings | None:
    if data is None:
        return None
    return ErfaSettings(data["channel_slack"], data["channel_teams"], tuple(data["reminders"]))


def _area(data: dict[str, Any]) -> ExpertiseArea:
    return ExpertiseArea(data["key"], data["da"], data["en"], tuple(data.get("keywords", ())))


def person_from_row(row: PersonRow | Row[Any] | SimpleNamespace) -> Person:
    """Return the domain person for a row."""
    assert row.id is not None, "stored rows have ids"
    return Person(
        id=row.id,
        tenant_id=row.tenant_id,
        email=row.email,
        name=row.name,
        roles=frozenset(Role(r) for r in row.roles),
        language=row.language,
        external=row.external,
        expertise=tuple(row.expertise),
        capacity_hours_per_month=row.capacity_hours_per_month,
        absences=tuple(
            Absence(date.fromisoformat(a["from"]), date.fromisoformat(a["to"])) for a in row.absences
        ),
        slack_id=row.slack_id,
        teams_id=row.teams_id,
    )


def request_from_row(row: SparringRequestRow | Row[Any]) -> SparringRequest:
    """Return the domain request for a row."""
    return SparringRequest(
        id=row.id,
        tenant_id=row.tenant_id,
        number=row.number,
        requester_id=row.requester_id,
        text=row.text,
        created_at=row.created_at,
        area=row.area,
        urgency=Urgency(row.urgency),
        status=Status(row.status),
        senior_id=row.senior_id,
        preferred_senior_id=row.preferred_senior_id,
        offered_at=row.offered_at,
        escalate_at=row.escalate_at,
        accepted_at=row.accepted_at,
        held_at=row.held_at,
        closed_at=row.closed_at,
        hours=row.hours,
        rating=row.rating,
        comment=row.comment,
        approved=row.approved,
        training=row.training,
        escalations=row.escalations,
        tried_senior_ids=list(row.tried_senior_ids),
        routing_reasons=[decode_text(r) for r in row.routing_reasons],
        hours_corrections=[_correction(c) for c in row.hours_corrections],
    )


def _correction(data: dict[str, Any]) -> HoursCorrection:
    return HoursCorrection(datetime.fromisoformat(data["at"]), data["by"], data["old"], data["new"])


def _correction_values(correction: HoursCorrection) -> dict[str, Any]:
    return {
        "at": correction.at.isoformat(),
        "by": correction.by_id,
        "old": correction.old,
        "new": correction.new,
    }


def request_values(request: SparringRequest) -> dict[str, Any]:
    """Return the column values of a domain request (without its id)."""
    return {
        "tenant_id": request.tenant_id,
        "number": request.number,
        "requester_id": request.requester_id,
        "text": request.text,
        "created_at": request.created_at,
        "area": request.area,
        "urgency": request.urgency.value,
        "status": request.status.value,
        "senior_id": request.senior_id,
        "preferred_senior_id": request.preferred_senior_id,
        "offered_at": request.offered_at,
        "escalate_at": request.escalate_at,
        "accepted_at": request.accepted_at,
        "held_at": request.held_at,
        "closed_at": request.closed_at,
        "hours": request.hours,
        "rating": request.rating,
        "comment": request.comment,
        "approved": request.approved,
        "training": request.training,
        "escalations": request.escalations,
        "tried_senior_ids": list(request.tried_senior_ids),
        "routing_reasons": [encode_text(r) for r in request.routing_reasons],
        "hours_corrections": [_correction_values(c) for c in request.hours_corrections],
    }


def challenge_from_row(row: ChallengeRow | Row[Any]) -> SubmittedChallenge:
    """Return the domain challenge for a row."""
    return SubmittedChallenge(
        id=row.id,
        tenant_id=row.tenant_id,
        number=row.number,
        submitter_id=row.submitter_id,
        text=row.text,
        submitted_at=row.submitted_at,
        meeting=row.meeting,
        state=ChallengeState(row.state),
        merged_into=row.merged_into,
        counted_from=row.counted_from,
        decision=Decision(row.decision) if row.decision is not None else None,
        reason=row.reason,
        decided_at=row.decided_at,
        decided_by_id=row.decided_by_id,
        sparring_number=row.sparring_number,
        method_version=row.method_version,
        method_done_at=row.method_done_at,
        earlier=[_earlier_round(r) for r in row.earlier],
    )


def _earlier_round(data: dict[str, Any]) -> EarlierRound:
    at = datetime.fromisoformat(data["at"]).astimezone(UTC)
    return EarlierRound(data["meeting"], data["votes"], data["reason"], at)


def _earlier_round_values(round_: EarlierRound) -> dict[str, Any]:
    # As the datetime columns do: an aware moment, kept in UTC; a naive one has no moment to keep.
    if round_.at.utcoffset() is None:
        raise ValueError(f"the earlier round {round_.meeting} needs an aware datetime")
    at = round_.at.astimezone(UTC).isoformat()
    return {"meeting": round_.meeting, "votes": round_.votes, "reason": round_.reason, "at": at}


def challenge_values(challenge: SubmittedChallenge) -> dict[str, Any]:
    """Return the column values of a domain challenge (without its id), its post key included."""
    return {
        "tenant_id": challenge.tenant_id,
        "number": challenge.number,
        "submitter_id": challenge.submitter_id,
        "text": challenge.text,
        "submitted_at": challenge.submitted_at,
        "meeting": challenge.meeting,
        "state": challenge.state.value,
        "merged_into": challenge.merged_into,
        "counted_from": challenge.counted_from,
        "decision": challenge.decision.value if challenge.decision is not None else None,
        "reason": challenge.reason,
        "decided_at": challenge.decided_at,
        "decided_by_id": challenge.decided_by_id,
        "sparring_number": challenge.sparring_number,
        "method_version": challenge.method_version,
        "method_done_at": challenge.method_done_at,
        "earlier": [_earlier_round_values(r) for r in challenge.earlier],
        "post_key": challenge_post_key(challenge.tenant_id, challenge.number),
    }
