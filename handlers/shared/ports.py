"""The small interfaces the use cases need from the outside world (storage, clock, messaging)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from handlers.challenges.tally import Mark
from handlers.erfa.network import Network
from handlers.erfa.rsvp import Rsvp
from handlers.shared.model import (
    ChallengeState,
    ErfaFeedback,
    ErfaRecord,
    InviteHolder,
    Person,
    SparringRequest,
    Status,
    SubmittedChallenge,
    Tenant,
)
from handlers.shared.text import Message, Text, Verbatim
from handlers.sparring.routing import RoutingLoads, SeniorLoad


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current moment as an aware UTC datetime."""
        ...


class Tenants(Protocol):
    def get(self, tenant_id: int) -> Tenant | None:
        """Return the tenant with the id."""
        ...

    def get_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant with the slug."""
        ...

    def find(self, *, slack_team_id: str | None = None, teams_tenant_id: str | None = None) -> Tenant | None:
        """Return the tenant connected to the Slack workspace or the Microsoft (Entra ID) tenant."""
        ...

    def with_challenge_cycle(self) -> list[Tenant]:
        """Return the tenants that run the quarterly challenge cycle (a ``challenges`` section), by id."""
        ...

    def with_erfa(self) -> list[Tenant]:
        """Return the tenants with ERFA meetings (an ``erfa`` section), by id.

        Their ``erfa_meetings`` hold their own meetings and the network meetings they are invited to.
        """
        ...


class People(Protocol):
    def get(self, person_id: int) -> Person | None:
        """Return the (active) person with the id."""
        ...

    def find(
        self,
        tenant_id: int,
        *,
        email: str | None = None,
        slack_id: str | None = None,
        teams_id: str | None = None,
    ) -> Person | None:
        """Return the active person in the tenant with one of these identities."""
        ...

    def with_role(self, tenant_id: int, role: str) -> Sequence[Person]:
        """Return the tenant's active people holding the role, by name."""
        ...

    def seniors_for(self, tenant_id: int, area: str) -> Sequence[Person]:
        """Return the tenant's active seniors with expertise in the area, by name."""
        ...

    def set_language(self, person_id: int, language: str) -> None:
        """Remember the person's preferred language."""
        ...


class Requests(Protocol):
    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next request number (never handed out twice)."""
        ...

    def get(self, tenant_id: int, number: int) -> SparringRequest | None:
        """Return the request, locked against concurrent changes until the unit of work ends."""
        ...

    def save(self, request: SparringRequest) -> None:
        """Store a new request (giving it its id), or write back what changed in one read here."""
        ...

    def of_requester(self, tenant_id: int, requester_id: int, limit: int) -> list[SparringRequest]:
        """Return the requester's newest requests."""
        ...

    def count_of_requester(self, tenant_id: int, requester_id: int) -> int:
        """Return how many requests the requester has made."""
        ...

    def of_senior(self, tenant_id: int, senior_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the senior's requests in the given statuses, oldest first."""
        ...

    def with_status(self, tenant_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the tenant's requests in the given statuses, oldest first."""
        ...

    def loads(
        self, tenant_id: int, senior_ids: Sequence[int], month_start: datetime
    ) -> dict[int, SeniorLoad]:
        """Return open requests and hours logged since ``month_start`` for each senior."""
        ...

    def routing_loads(
        self,
        tenant_id: int,
        requester_id: int,
        area: str,
        senior_ids: Sequence[int],
        month_start: datetime,
    ) -> RoutingLoads:
        """Return who last accepted the requester's request in the area, and the loads of those seniors and them.

        One read (a routing's whole storage cost in the common case): see :meth:`loads` for a load.
        """
        ...

    def hours_held(self, tenant_id: int, start: datetime, end: datetime) -> float:
        """Return the hours of sessions held in [start, end)."""
        ...

    def created_between(self, tenant_id: int, start: datetime, end: datetime) -> list[SparringRequest]:
        """Return the requests created in [start, end)."""
        ...

    def due_for_escalation(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """Return (tenant id, number) of offered requests whose answer time ran out."""
        ...


class Outbox(Protocol):
    def add(self, tenant_id: int, message: Message, due_at: datetime) -> bool:
        """Queue the message for delivery; False when a message with its dedupe key exists already."""
        ...

    def has(self, tenant_id: int, dedupe_key: str) -> bool:
        """Tell whether a message with the key, or one keyed under it (``key:…``), was ever queued."""
        ...

    def posted(self, tenant_id: int, platform_message_id: str) -> Message | None:
        """Return what the bot posted in the tenant under the platform's id for it (Slack: ``channel:ts``).

        As it stands now: the content of its edit in place (:func:`~handlers.shared.text.current_key`) once
        one is queued, sent or not, since a card answering a press must not show the post as first sent.
        """
        ...

    def keep_current(self, tenant_id: int, message: Message, due_at: datetime) -> None:
        """Queue an edit in place of the post ``message.updates`` names, under ``message.dedupe_key``.

        One row per key: an edit not sent yet is replaced by this one, an edit sent (or being sent) is
        queued again with this content, so the post ends up showing the latest and no edit is lost to a
        race. The edit waits until the post itself is sent.
        """
        ...


class ProcessedEvents(Protocol):
    def first_time(self, tenant_id: int, platform: str, event_id: str, now: datetime) -> bool:
        """Record a platform event of the tenant; True only the first time (redeliveries get False)."""
        ...

    def forget(self, tenant_id: int, platform: str, event_id: str) -> None:
        """Forget an event (its handling failed, so a redelivery should be handled)."""
        ...


class Challenges(Protocol):
    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next challenge number (never handed out twice)."""
        ...

    def add(self, challenge: SubmittedChallenge) -> SubmittedChallenge:
        """Store a new challenge and return it with its id."""
        ...

    def get(self, tenant_id: int, number: int) -> SubmittedChallenge | None:
        """Return the challenge, locked against concurrent changes until the unit of work ends."""
        ...

    def update(self, challenge: SubmittedChallenge) -> None:
        """Write the challenge's changed state back."""
        ...

    def of_meeting(self, tenant_id: int, meeting: str) -> list[SubmittedChallenge]:
        """Return every challenge on a quarterly meeting's agenda, whatever its state, by number."""
        ...

    def in_state(self, tenant_id: int, states: Sequence[ChallengeState]) -> list[SubmittedChallenge]:
        """Return the tenant's challenges in the states, by number."""
        ...

    def adopted_without_version(self, tenant_id: int) -> list[SubmittedChallenge]:
        """Return the adopted challenges not yet put into a method or template version, by number."""
        ...

    def posted_as(self, tenant_id: int, platform_message_id: str) -> SubmittedChallenge | None:
        """Return the challenge whose own channel message has this platform id (Slack: ``channel:ts``)."""
        ...

    def posts(self, tenant_id: int, meeting: str) -> list[tuple[int, str]]:
        """Return (number, platform message id) of the meeting's challenges whose channel post was sent."""
        ...


class Votes(Protocol):
    def record(self, tenant_id: int, challenge_id: int, mark: Mark) -> bool:
        """Keep the mark if it is newer than the held state of its (challenge, voter, ballot).

        The later event time wins; on a tie an added vote wins (see ``handlers.challenges.tally.settle``).
        Return True when the held state changed, False for a replay or an older, out-of-order event.
        """
        ...

    def of_meeting(self, tenant_id: int, meeting: str) -> list[Mark]:
        """Return the held marks of the meeting's challenges; ``Mark.challenge`` is the number as text."""
        ...


class ErfaRecords(Protocol):
    def get(self, tenant_id: int, key: str) -> ErfaRecord | None:
        """Return what was last told about the meeting, locked until the unit of work ends; None: not yet."""
        ...

    def save(self, record: ErfaRecord) -> None:
        """Store the record (insert or replace; one per tenant and meeting key)."""
        ...

    def lock_tenant(self, tenant_id: int) -> None:
        """Read and lock all the tenant's records at once, in one order; ``get`` then reads none of them again."""
        ...

    def answer(self, tenant_id: int, key: str, rsvp: Rsvp) -> bool:
        """Keep one person's answer for the meeting's start ``rsvp.start`` as ``rsvp.merge`` decides.

        One held answer per tenant, meeting, person and start, with the time of its latest press (a repeat
        moves it on). Return True when the held answer changed, False for a repeated, replayed or older click.
        """
        ...

    def answers(self, tenant_id: int, key: str) -> list[Rsvp]:
        """Return the held answers of the meeting, for every start answered, by time."""
        ...

    def forget_answers(self, tenant_id: int, key: str, start: datetime) -> None:
        """Drop the answers given for the meeting at ``start`` (it moved back there: people are asked again)."""
        ...

    def invite_token(self, tenant_id: int, key: str, person_id: int | None) -> str:
        """Return the token of the channel's (None) or a person's invite to the meeting, made on first use.

        Tokens are random (``secrets.token_urlsafe(24)``) and stay the same for the same holder.
        """
        ...

    def invite_holder(self, token: str) -> InviteHolder | None:
        """Return whose invite a token is, across tenants (the web server gets only the token)."""
        ...

    def give_feedback(self, tenant_id: int, key: str, feedback: ErfaFeedback) -> None:
        """Store a person's feedback on the meeting (insert or replace; only the fields that are not None)."""
        ...

    def feedback(self, tenant_id: int, key: str) -> list[ErfaFeedback]:
        """Return the feedback on the meeting, by time."""
        ...


class Networks(Protocol):
    def save(self, network: Network) -> None:
        """Store a network whole (insert or replace by slug); its meetings replace the ones stored before."""
        ...

    def get(self, slug: str) -> Network | None:
        """Return the network with the slug."""
        ...


class ReactionReader(Protocol):
    async def reactions(self, tenant: Tenant, platform_message_id: str) -> dict[str, list[str]] | None:
        """Return reaction name -> the platform's user ids on the bot's message, as the platform holds it now.

        The bot's own reactions are left out. None when the platform cannot tell (Teams has no such
        call) or the message is not there any more; a transient failure raises TransientSendError.
        """
        ...


class Dialogues(Protocol):
    def get(self, person_id: int) -> dict[str, str] | None:
        """Return the state of the person's guided intake, if one is going on."""
        ...

    def save(self, person_id: int, state: dict[str, str], now: datetime) -> None:
        """Store the state of the person's guided intake."""
        ...

    def clear(self, person_id: int) -> None:
        """Forget the person's guided intake."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything done through it is committed together or not at all."""

    @property
    def tenants(self) -> Tenants: ...
    @property
    def people(self) -> People: ...
    @property
    def requests(self) -> Requests: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def dialogues(self) -> Dialogues: ...
    @property
    def processed_events(self) -> ProcessedEvents: ...
    @property
    def challenges(self) -> Challenges: ...
    @property
    def votes(self) -> Votes: ...
    @property
    def erfa(self) -> ErfaRecords: ...
    @property
    def networks(self) -> Networks: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Make everything done so far permanent."""
        ...

    def rollback(self) -> None:
        """Drop everything done so far and end the transaction; the next use starts a new one."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """A queued message claimed for sending, with its resolved recipient."""

    id: int
    tenant: Tenant
    message: Message
    recipient: Person | None
    attempts: int
    claim: str = ""
    replaces: str | None = None
    """For an edit in place (``message.updates``): the platform id of the post it edits; None while that
    post is not sent yet (the edit waits), and always None for a message posted anew."""
    replaces_lost: bool = False
    """For an edit in place: the post it edits will never be there (it failed, or was never queued)."""


@dataclass(frozen=True, slots=True)
class Sent:
    """What the platform answered to a successful send."""

    platform_message_id: str | None = None


class TransientSendError(Exception):
    """The platform could not take the message now; try again later (after ``retry_after`` seconds)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class SendLater(TransientSendError):  # noqa: N818 - a deferral, not an error
    """Not a failure: the platform's pace asks to wait ``retry_after`` seconds (no attempt is used up)."""


class PermanentSendError(Exception):
    """The platform will never take this message (unknown channel, deactivated account, …).

    ``reason`` is for the log; ``explanation`` is what the coordinator reads, in their own language
    (by default the platform's answer, quoted).
    """

    def __init__(self, reason: str, explanation: Text | None = None) -> None:
        super().__init__(reason)
        self.explanation = explanation or Text.of("undeliverable.refused", detail=Verbatim(reason))


class Messenger(Protocol):
    async def send(self, delivery: Delivery) -> Sent:
        """Send one message; raise TransientSendError or PermanentSendError when it fails."""
        ...
