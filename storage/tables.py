"""The database tables (SQLModel). Every datetime is stored and returned as aware UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Table, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel


class TenantRow(SQLModel, table=True):
    __tablename__ = "tenant"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    language: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    agreed_hours_per_quarter: float
    response_hours: float
    over_quota: str = Field(max_length=20)
    business_start: str = Field(max_length=5)
    business_end: str = Field(max_length=5)
    slack_team_id: str | None = Field(default=None, max_length=40, unique=True)
    teams_tenant_id: str | None = Field(default=None, max_length=64, unique=True)
    extra_areas: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Each {"key", "at" (local ISO time in the tenant's zone, no offset), "place"}, by time.
    quarterly_meetings: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    # The ChallengeSettings fields by name; NULL: the tenant has no challenge cycle.
    challenges: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    # Each {"key", "title", "at" (local ISO time, no offset), "duration_minutes", "place", "audience",
    # "seats" (None: no limit)}, by time.
    erfa_meetings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    # The ErfaSettings fields by name; NULL: the tenant has no ERFA meetings.
    erfa: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    next_number: int = 1
    # The next challenge number (U-/C-), counted apart from the requests' S- numbers.
    next_challenge_number: int = Field(default=1, sa_column_kwargs={"server_default": text("1")})
    created_at: datetime
    updated_at: datetime


class PersonRow(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        Index("ix_person_slack", "tenant_id", "slack_id"),
        Index("ix_person_teams", "tenant_id", "teams_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str | None = Field(default=None, max_length=2)
    external: bool = False
    expertise: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    capacity_hours_per_month: float = 0.0
    absences: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    slack_id: str | None = Field(default=None, max_length=40)
    teams_id: str | None = Field(default=None, max_length=200)
    active: bool = True


# Written out (not bound) so that both databases see the partial index applies to the query.
OPEN_FOR_ROUTING = text("status IN ('offered', 'accepted')")


class SparringRequestRow(SQLModel, table=True):
    __tablename__ = "sparring_request"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # Covering indexes for the routing loads of the candidate seniors (open requests, hours
        # held this month); the first also serves a senior's queue.
        Index("ix_request_senior_status", "tenant_id", "senior_id", "status"),
        # Only the open requests: routing counts them per senior on every request.
        Index(
            "ix_request_open_per_senior",
            "tenant_id",
            "senior_id",
            sqlite_where=OPEN_FOR_ROUTING,
            postgresql_where=OPEN_FOR_ROUTING,
        ),
        Index("ix_request_senior_held", "tenant_id", "senior_id", "held_at", "hours"),
        Index("ix_request_requester_area", "tenant_id", "requester_id", "area", "accepted_at"),
        Index("ix_request_held", "tenant_id", "held_at", "hours"),
        Index("ix_request_created", "tenant_id", "created_at"),
        Index("ix_request_escalate", "status", "escalate_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    number: int
    requester_id: int = Field(foreign_key="person.id")
    text: str
    area: str | None = Field(default=None, max_length=40)
    urgency: str = Field(max_length=10)
    status: str = Field(max_length=20)
    senior_id: int | None = Field(default=None, foreign_key="person.id")
    preferred_senior_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime
    offered_at: datetime | None = None
    escalate_at: datetime | None = None
    accepted_at: datetime | None = None
    held_at: datetime | None = None
    closed_at: datetime | None = None
    hours: float | None = None
    rating: int | None = None
    comment: str | None = None
    approved: bool = False
    # A training session in the method rather than sparring: the coordinator always approves it first.
    training: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    escalations: int = 0
    tried_senior_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    routing_reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Every correction of the logged hours, oldest first: the request's own history of its hours.
    hours_corrections: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class OutboxRow(SQLModel, table=True):
    """A message waiting to be sent, sent, or given up on. Written with the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "due_at"),
        # Reactions and Teams' card clicks name the message by the platform's id for it (Slack:
        # "channel:ts"), always within the tenant the event came from.
        Index("ix_outbox_platform_message", "tenant_id", "platform_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    recipient_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    ref: str | None = Field(default=None, max_length=20)
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    state: str = Field(default="pending", max_length=10)
    due_at: datetime
    attempts: int = 0
    claim_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = None
    created_at: datetime
    sent_at: datetime | None = None
    platform_message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)


class DialogueRow(SQLModel, table=True):
    """The state of a person's guided intake, so it survives a restart."""

    __tablename__ = "dialogue"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    state: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class TranscriptRow(SQLModel, table=True):
    """What the console showed: its buttons stay clickable after a restart, as Slack's do."""

    __tablename__ = "console_transcript"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    recipient: str = Field(max_length=254)
    text: str
    actions: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ref: str | None = Field(default=None, max_length=20)
    created_at: datetime


class AppStateRow(SQLModel, table=True):
    """Small named values the bot keeps between runs (the console's clock, for one)."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=100)
    value: str


class ProcessedEventRow(SQLModel, table=True):
    """A platform event already handled: Slack and Teams redeliver, and a replay must change nothing."""

    __tablename__ = "processed_event"

    # Per tenant: an event id another tenant sent (Teams' local mode trusts what it is told) cannot
    # make this tenant's event look like a replay.
    tenant_id: int = Field(foreign_key="tenant.id", primary_key=True)
    platform: str = Field(primary_key=True, max_length=10)
    event_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = Field(index=True)


class ChallengeRow(SQLModel, table=True):
    """A quarterly challenge: submitted, posted in the channel for votes, merged, withdrawn or decided."""

    __tablename__ = "challenge"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_challenge_meeting", "tenant_id", "meeting"),
        Index("ix_challenge_state", "tenant_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    number: int
    submitter_id: int = Field(foreign_key="person.id")
    text: str
    submitted_at: datetime
    meeting: str = Field(max_length=40)
    state: str = Field(max_length=20)
    # The number (not the id) of the challenge it repeats, as the coordinator named it.
    merged_into: int | None = None
    counted_from: datetime | None = None
    decision: str | None = Field(default=None, max_length=20)
    reason: str | None = None
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    sparring_number: int | None = None
    method_version: str | None = Field(default=None, max_length=80)
    method_done_at: datetime | None = None
    # Each {"meeting", "votes", "reason", "at" (aware ISO time)}: the meetings it was deferred from,
    # oldest first.
    earlier: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The dedupe key of its own channel message (challenge_post_key): a reaction names that message by
    # the platform's id, and the outbox row carrying this key leads back here in one join.
    post_key: str = Field(max_length=200, unique=True)


class ChallengeVoteRow(SQLModel, table=True):
    """A ballot mark on a challenge: one row per (challenge, voter, ballot) holding its latest state.

    A set, not a log: replays and out-of-order add/remove events settle on the later event time,
    so the tally computed from these rows does not depend on the order Slack delivered them in.
    """

    __tablename__ = "challenge_vote"

    challenge_id: int = Field(foreign_key="challenge.id", primary_key=True)
    voter_key: str = Field(max_length=200, primary_key=True)
    ballot: str = Field(max_length=100, primary_key=True)
    # No index of its own: every read comes through the challenge (its meeting), and the hot path writes.
    tenant_id: int = Field(foreign_key="tenant.id")
    present: bool
    # The platform's event time (Slack's event_ts), not when the bot received it.
    at: datetime
    person_id: int | None = Field(default=None, foreign_key="person.id")
    is_bot: bool = False


class ErfaRecordRow(SQLModel, table=True):
    """What the bot last told people about an ERFA meeting: its start, place, SEQUENCE, cancellation."""

    __tablename__ = "erfa_record"
    __table_args__ = (UniqueConstraint("tenant_id", "meeting"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    meeting: str = Field(max_length=80)
    start: datetime
    place: str = Field(max_length=200)
    title: str = Field(max_length=200)
    sequence: int = 0
    cancelled: bool = False
    # The dedupe key of the first channel post, kept current in place.
    announced: str | None = Field(default=None, max_length=200)
    # The length and seats people were told (seats NULL: no limit).
    duration_minutes: int | None = None
    seats: int | None = None
    # The channel reminders of the start due up to this moment are handled (NULL: look in the outbox).
    reminded_until: datetime | None = None
    updated_at: datetime


class ErfaAnswerRow(SQLModel, table=True):
    """A person's held answer (Deltager / Måske / Deltager ikke) to a meeting at one start."""

    __tablename__ = "erfa_answer"
    __table_args__ = (
        UniqueConstraint("tenant_id", "meeting", "person_id", "start"),
        Index("ix_erfa_answer_meeting", "tenant_id", "meeting"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    meeting: str = Field(max_length=80)
    person_id: int = Field(foreign_key="person.id")
    # The meeting start answered for (aware UTC); answers for an earlier start no longer stand.
    start: datetime
    answer: str = Field(max_length=20)
    # The platform's event time of the click that gave the answer, not when the bot received it.
    at: datetime
    # The event time of the latest press of the same answer: a press older than it changes nothing.
    pressed_at: datetime


class ErfaInviteRow(SQLModel, table=True):
    """The unguessable token of a calendar invite link: the channel's copy or one person's."""

    __tablename__ = "erfa_invite"
    __table_args__ = (UniqueConstraint("tenant_id", "meeting", "holder"),)

    token: str = Field(primary_key=True, max_length=64)
    tenant_id: int = Field(foreign_key="tenant.id")
    meeting: str = Field(max_length=80)
    # "channel", or the person's id as text: a unique key that holds (NULLs would not be unique).
    holder: str = Field(max_length=20)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime


class ErfaFeedbackRow(SQLModel, table=True):
    """An attendee's rating (1-5) and the one thing they take home from a meeting."""

    __tablename__ = "erfa_feedback"
    __table_args__ = (UniqueConstraint("tenant_id", "meeting", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    meeting: str = Field(max_length=80)
    person_id: int = Field(foreign_key="person.id")
    rating: int | None = None
    takeaway: str | None = None
    at: datetime


class NetworkRow(SQLModel, table=True):
    """A network of client tenants that meet across organisations (the consultancy's file, applied)."""

    __tablename__ = "network"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    tenants: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    competitors: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Each {"key", "title", "at" (local ISO time in Europe/Copenhagen, no offset), "duration_minutes",
    # "place", "tenants", "seats_per_tenant", "cancelled"}, by time.
    meetings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class SlackInstallationRow(SQLModel, table=True):
    """A Slack workspace the app is installed in (OAuth); the bot token is stored encrypted."""

    __tablename__ = "slack_installation"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    app_id: str | None = Field(default=None, max_length=40)
    enterprise_id: str | None = Field(default=None, max_length=40)
    team_id: str | None = Field(default=None, max_length=40, index=True)
    team_name: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=40)
    bot_user_id: str | None = Field(default=None, max_length=40)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_token_encrypted: str
    installer_user_id: str | None = Field(default=None, max_length=40)
    is_enterprise_install: bool = False
    installed_at: datetime


class SlackOAuthStateRow(SQLModel, table=True):
    """A one-time OAuth ``state`` value, issued at /slack/install and consumed at the redirect."""

    __tablename__ = "slack_oauth_state"

    state: str = Field(primary_key=True, max_length=200)
    expires_at: datetime


class ConversationReferenceRow(SQLModel, table=True):
    """Where the bot can write to a Teams person or channel later (the Bot Framework's reference, as JSON)."""

    __tablename__ = "teams_conversation_reference"
    __table_args__ = (
        # NULLs never collide: a person's row has no channel key, a channel's row no user id.
        UniqueConstraint("tenant_id", "teams_user_id"),
        UniqueConstraint("tenant_id", "channel_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel_key: str | None = Field(default=None, max_length=200)
    teams_user_id: str | None = Field(default=None, max_length=200)
    aad_object_id: str | None = Field(default=None, max_length=64)
    conversation_id: str = Field(max_length=500)
    service_url: str = Field(max_length=500)
    reference: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class PaceSendRow(SQLModel, table=True):
    """One send counted against one pacing key (a conversation, a workspace, a tenant), for every process.

    Used on PostgreSQL only, through ``vpmo_pace_send`` (migration 0012); ``answered_at`` is None while
    the platform has not answered.
    """

    __tablename__ = "pace_send"
    __table_args__ = (Index("ix_pace_send_send", "send"),)

    key: str = Field(primary_key=True, max_length=300)
    send: int = Field(primary_key=True, sa_type=BigInteger)
    started_at: datetime
    answered_at: datetime | None = None


class PaceHoldRow(SQLModel, table=True):
    """A pacing key the platform said to leave alone until ``until`` (a 429's Retry-After), for every process."""

    __tablename__ = "pace_hold"

    key: str = Field(primary_key=True, max_length=300)
    until: datetime


# The Core tables behind the models, for the prebuilt statements on the hot paths (SQLModel's
# ``__table__`` is untyped).
TENANT: Table = TenantRow.__table__  # type: ignore[attr-defined]
PERSON: Table = PersonRow.__table__  # type: ignore[attr-defined]
REQUEST: Table = SparringRequestRow.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxRow.__table__  # type: ignore[attr-defined]
PROCESSED_EVENT: Table = ProcessedEventRow.__table__  # type: ignore[attr-defined]
CHALLENGE: Table = ChallengeRow.__table__  # type: ignore[attr-defined]
CHALLENGE_VOTE: Table = ChallengeVoteRow.__table__  # type: ignore[attr-defined]
TEAMS_REFERENCE: Table = ConversationReferenceRow.__table__  # type: ignore[attr-defined]
ERFA_RECORD: Table = ErfaRecordRow.__table__  # type: ignore[attr-defined]
ERFA_ANSWER: Table = ErfaAnswerRow.__table__  # type: ignore[attr-defined]
ERFA_INVITE: Table = ErfaInviteRow.__table__  # type: ignore[attr-defined]
ERFA_FEEDBACK: Table = ErfaFeedbackRow.__table__  # type: ignore[attr-defined]
NETWORK: Table = NetworkRow.__table__  # type: ignore[attr-defined]
PACE_SEND: Table = PaceSendRow.__table__  # type: ignore[attr-defined]
PACE_HOLD: Table = PaceHoldRow.__table__  # type: ignore[attr-defined]
