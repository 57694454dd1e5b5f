"""Domain types of the virtual project office: tenants, people and sparring requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.text import Text
from handlers.sparring.expertise import ExpertiseArea


class Role(StrEnum):
    COORDINATOR = "coordinator"
    SENIOR = "senior"
    PM = "pm"
    TESTER = "tester"
    STEERING = "steering"
    PARTICIPANT = "participant"


class OverQuota(StrEnum):
    """What happens to new requests once the agreed hours of the quarter are used."""

    ALLOW = "allow"
    ASK_COORDINATOR = "ask_coordinator"


class Status(StrEnum):
    """Where a sparring request is in its life: requested → offered → accepted → held → feedback → closed."""

    REQUESTED = "requested"
    AWAITING_APPROVAL = "awaiting_approval"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    HELD = "held"
    FEEDBACK = "feedback"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Tell whether the request still needs someone's action before the session is held."""
        return self in _OPEN


_OPEN = frozenset({Status.REQUESTED, Status.AWAITING_APPROVAL, Status.OFFERED, Status.ACCEPTED})
OPEN_STATUSES: tuple[Status, ...] = tuple(sorted(_OPEN))


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


LANGUAGES = ("da", "en")


@dataclass(frozen=True, slots=True)
class Tenant:
    """A client organisation and the terms of its virtual project office."""

    id: int
    slug: str
    name: str
    language: str
    timezone: str
    agreed_hours_per_quarter: float
    response_hours: float
    over_quota: OverQuota
    business_start: time = time(8, 0)
    business_end: time = time(16, 0)
    extra_areas: tuple[ExpertiseArea, ...] = ()
    slack_team_id: str | None = None
    teams_tenant_id: str | None = None
    quarterly_meetings: tuple[QuarterlyMeeting, ...] = ()  # by time
    challenges: ChallengeSettings | None = None  # None: the tenant has no challenge cycle
    erfa_meetings: tuple[ErfaMeeting, ...] = ()  # by time
    erfa: ErfaSettings | None = None  # None: the tenant has no ERFA meetings

    def channel(self, slack: str | None, teams: str | None, console: str) -> str:
        """Return a feature's channel on the tenant's platform (the console reads the Slack channel's name)."""
        if self.slack_team_id:
            return slack or console
        if self.teams_tenant_id:
            return teams or console
        return slack or teams or console


@dataclass(frozen=True, slots=True)
class Absence:
    start: date
    end: date

    def covers(self, day: date) -> bool:
        """Tell whether the day falls inside the absence (both ends included)."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in a tenant: a coordinator, a senior project manager, a project manager, …"""

    id: int
    tenant_id: int
    email: str
    name: str
    roles: frozenset[Role]
    language: str | None = None
    external: bool = False
    expertise: tuple[str, ...] = ()
    capacity_hours_per_month: float = 0.0
    absences: tuple[Absence, ...] = ()
    slack_id: str | None = None
    teams_id: str | None = None

    def has(self, role: Role) -> bool:
        """Tell whether the person holds the role."""
        return role in self.roles

    def absence_on(self, day: date) -> Absence | None:
        """Return the absence that covers the day, if any."""
        return next((a for a in self.absences if a.covers(day)), None)

    def language_or(self, default: str) -> str:
        """Return the person's own language, or the tenant's default when they chose none."""
        return self.language or default


@dataclass(frozen=True, slots=True)
class HoursCorrection:
    """One change to the hours logged for a held session: who changed them, when, from what to what."""

    at: datetime
    by_id: int
    old: float
    new: float


@dataclass(slots=True)
class SparringRequest:
    """A request for 1:1 sparring with a senior project manager."""

    tenant_id: int
    number: int
    requester_id: int
    text: str
    created_at: datetime
    area: str | None = None
    urgency: Urgency = Urgency.NORMAL
    status: Status = Status.REQUESTED
    senior_id: int | None = None
    preferred_senior_id: int | None = None
    offered_at: datetime | None = None
    escalate_at: datetime | None = None
    accepted_at: datetime | None = None
    held_at: datetime | None = None
    closed_at: datetime | None = None
    hours: float | None = None
    rating: int | None = None
    comment: str | None = None
    approved: bool = False
    training: bool = False
    """A training session in the method (``uddannelse …``): the coordinator approves it before it is routed."""
    escalations: int = 0
    tried_senior_ids: list[int] = field(default_factory=list)
    routing_reasons: list[Text] = field(default_factory=list)
    hours_corrections: list[HoursCorrection] = field(default_factory=list)
    id: int | None = None

    @property
    def ref(self) -> str:
        """Return the human-friendly reference, e.g. ``S-42``."""
        return format_ref(self.number)


def format_ref(number: int) -> str:
    """Format a request number as its reference."""
    return f"S-{number}"


class ChallengeState(StrEnum):
    """Where a quarterly challenge is: open for votes until decided, merged into another, or withdrawn."""

    OPEN = "open"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    DECIDED = "decided"


class Decision(StrEnum):
    """What the quarterly meeting made of a challenge."""

    ADOPTED = "adopted"
    """A change to the method or its templates: it goes into the yearly method review."""
    SPARRING = "sparring"
    """It becomes a sparring request for the submitter, routed as usual."""
    REJECTED = "rejected"
    DEFERRED = "deferred"
    """Carried to the next quarterly meeting, its votes counted afresh."""


@dataclass(frozen=True, slots=True)
class EarlierRound:
    """A quarterly meeting a challenge was on before it was deferred to the next one."""

    meeting: str
    votes: int
    reason: str
    at: datetime


@dataclass(slots=True)
class SubmittedChallenge:
    """A challenge someone met, submitted for a quarterly meeting: posted in the channel, voted on, decided."""

    tenant_id: int
    number: int
    submitter_id: int
    text: str
    submitted_at: datetime
    meeting: str
    """The key of the quarterly meeting it is on the agenda of."""
    state: ChallengeState = ChallengeState.OPEN
    merged_into: int | None = None
    counted_from: datetime | None = None
    """Votes before this moment are not counted (a deferred challenge starts from zero)."""
    decision: Decision | None = None
    reason: str | None = None
    """The decision's reason, or why the coordinator withdrew it."""
    decided_at: datetime | None = None
    decided_by_id: int | None = None
    sparring_number: int | None = None
    method_version: str | None = None
    """The method or template version the adopted change went into (the yearly review records it)."""
    method_done_at: datetime | None = None
    earlier: list[EarlierRound] = field(default_factory=list)
    id: int | None = None

    def ref(self, language: str) -> str:
        """Return the reference people use: ``U-7`` in Danish, ``C-7`` in English."""
        return challenge_ref(self.number, language)


def challenge_ref(number: int, language: str) -> str:
    """Format a challenge number as its reference in the tenant's language."""
    return f"{'U' if language == 'da' else 'C'}-{number}"


def challenge_post_key(tenant_id: int, number: int) -> str:
    """Return the idempotency key of a challenge's own message in the channel (votes are reactions on it)."""
    return f"challenge-post:{tenant_id}:{number}"


def number_of_challenge_post(dedupe_key: str | None, tenant_id: int) -> int | None:
    """Return the challenge number a channel message is the post of, or None for any other message."""
    prefix = f"challenge-post:{tenant_id}:"
    if dedupe_key is None or not dedupe_key.startswith(prefix):
        return None
    rest = dedupe_key.removeprefix(prefix)
    return int(rest) if rest.isdigit() else None


@dataclass(slots=True)
class ErfaRecord:
    """What the bot last told people about one ERFA meeting of a tenant, to tell what changed since.

    Written when the meeting is first announced and on every change the bot has told about; the meeting
    itself stays the tenant file's (:class:`~handlers.shared.erfa_settings.ErfaMeeting`).
    """

    tenant_id: int
    key: str
    start: datetime
    """Aware UTC: the start people were told and answered for (a new start resets the answers)."""
    place: str
    title: str
    sequence: int = 0
    """The calendar invites' SEQUENCE: raised on every change told, the cancellation too."""
    cancelled: bool = False
    announced: str | None = None
    """The dedupe key of the first channel post, which is kept current in place; None before it is queued."""
    duration: timedelta | None = None
    """The length people were told; None: not recorded, so a new length is not noticed."""
    seats: int | None = None
    """The seats people were told of; None: no limit."""
    reminded_until: datetime | None = None
    """The channel reminders of ``start`` due up to this moment went out or were noted as missed; None: not
    recorded (a record from before it was kept: the outbox tells)."""


@dataclass(frozen=True, slots=True)
class ErfaFeedback:
    """One attendee's answer to the question after an ERFA meeting."""

    person_id: int
    rating: int | None
    """1 to 5; None until they rate."""
    takeaway: str | None
    """The one thing they take home, as they wrote it."""
    at: datetime


@dataclass(frozen=True, slots=True)
class InviteHolder:
    """Whose calendar invite a token is: the channel's copy of a meeting (no person) or one person's."""

    tenant_id: int
    meeting: str
    person_id: int | None
