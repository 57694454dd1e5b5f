"""In-memory fakes of the core's ports, a sample tenant, and a small driver for use-case tests.

Nothing here touches a database, the network or the file system (except the translation
catalogues that ``render_all`` reads through ``bot.i18n``).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import Self
from zoneinfo import ZoneInfo

from bot.adapters.render import render
from bot.i18n import Reader
from handlers.challenges.tally import Mark
from handlers.commands import Command, parse_action, parse_text
from handlers.erfa.network import Network
from handlers.erfa.rsvp import Rsvp, merge, same_standing
from handlers.service import Identity, Outcome, handle
from handlers.shared.context import Deps
from handlers.shared.model import (
    Absence,
    ChallengeState,
    Decision,
    ErfaFeedback,
    ErfaRecord,
    InviteHolder,
    OverQuota,
    Person,
    Role,
    SparringRequest,
    Status,
    SubmittedChallenge,
    Tenant,
    challenge_post_key,
    number_of_challenge_post,
)
from handlers.shared.ports import Delivery, PermanentSendError, Sent, TransientSendError
from handlers.shared.text import Message, current_key
from handlers.sparring.classify import Classifier
from handlers.sparring.escalation import escalate_due
from handlers.sparring.expertise import BUILTIN_AREAS, ExpertiseArea
from handlers.sparring.routing import RoutingLoads, SeniorLoad
from storage.mapping import invited_meetings

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Texts the classifier files under one area without doubt.
BUDGET_QUESTION = "Hjælp til budgettet for næste år"
STEERING_QUESTION = "Jeg skal præsentere for styregruppen"
_LOADED = (Status.OFFERED, Status.ACCEPTED)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return the UTC moment of a Copenhagen wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN).astimezone(UTC)


# --- clock and calendars -------------------------------------------------------------------------


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = _aware_utc(moment)

    def now(self) -> datetime:
        """Return the current (fixed) moment in UTC."""
        return self.moment

    def monotonic(self) -> float:
        """Return the moment in seconds: the same time for a pace (``bot.adapters.pacing.Pace``) as ``now``."""
        return self.moment.timestamp()

    def set(self, moment: datetime) -> None:
        """Move the clock to the moment."""
        self.moment = _aware_utc(moment)

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by ``timedelta(**delta)`` and return the new moment."""
        self.moment += timedelta(**delta)
        return self.moment


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    return moment.astimezone(UTC)


class NoHolidays:
    """A calendar without public holidays."""

    def is_holiday(self, day: date) -> bool:
        """Tell whether the day is a public holiday (never)."""
        return False

    def name_of(self, day: date) -> str | None:
        """Return no holiday's name: there are none."""
        return None


class Holidays:
    """A calendar with exactly the given public holidays."""

    def __init__(self, days: Iterable[date]) -> None:
        self.days = frozenset(days)

    def is_holiday(self, day: date) -> bool:
        """Tell whether the day is one of the holidays."""
        return day in self.days

    def name_of(self, day: date) -> str | None:
        """Return "Helligdag" on the holidays (a fake calendar has no names of its own)."""
        return "Helligdag" if day in self.days else None


# --- the in-memory database ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A message in the fake outbox."""

    tenant_id: int
    message: Message
    due_at: datetime


def _copy_request(request: SparringRequest) -> SparringRequest:
    # Texts are immutable; only the lists need copying so changes do not leak between copies.
    return dataclasses.replace(
        request,
        tried_senior_ids=list(request.tried_senior_ids),
        routing_reasons=list(request.routing_reasons),
        hours_corrections=list(request.hours_corrections),
    )


def _copy_challenge(challenge: SubmittedChallenge) -> SubmittedChallenge:
    return dataclasses.replace(challenge, earlier=list(challenge.earlier))


_CHALLENGE_MOMENTS = ("submitted_at", "counted_from", "decided_at", "method_done_at")


def _stored_challenge(challenge: SubmittedChallenge) -> SubmittedChallenge:
    """Return the copy the database would hold: every moment aware and in UTC (naive ones refused)."""
    moments = {name: getattr(challenge, name) for name in _CHALLENGE_MOMENTS}
    return dataclasses.replace(
        challenge,
        **{name: _aware_utc(m) if m is not None else None for name, m in moments.items()},
        earlier=[dataclasses.replace(r, at=_aware_utc(r.at)) for r in challenge.earlier],
    )


@dataclass(slots=True)
class _State:
    tenants: dict[int, Tenant] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    inactive: set[int] = field(default_factory=set)
    requests: dict[int, SparringRequest] = field(default_factory=dict)
    last_numbers: dict[int, int] = field(default_factory=dict)
    last_request_id: int = 0
    outbox: list[QueuedMessage] = field(default_factory=list)
    dedupe_keys: set[str] = field(default_factory=set)
    dialogues: dict[int, dict[str, str]] = field(default_factory=dict)
    # What the bot posted, by (tenant, platform message id); the events seen, per tenant.
    posted: dict[tuple[int, str], Message] = field(default_factory=dict)
    processed_events: set[tuple[int, str, str]] = field(default_factory=set)
    challenges: dict[int, SubmittedChallenge] = field(default_factory=dict)
    last_challenge_numbers: dict[int, int] = field(default_factory=dict)
    last_challenge_id: int = 0
    # The held ballot marks by (challenge id, voter, ballot), as the challenge_vote table keeps them.
    votes: dict[tuple[int, str, str], Mark] = field(default_factory=dict)
    # ERFA: records by (tenant, meeting); held answers by (tenant, meeting, person, start); invite
    # tokens -> holder; feedback by (tenant, meeting, person); networks by slug.
    erfa_records: dict[tuple[int, str], ErfaRecord] = field(default_factory=dict)
    erfa_answers: dict[tuple[int, str, str, datetime], Rsvp] = field(default_factory=dict)
    invite_tokens: dict[str, InviteHolder] = field(default_factory=dict)
    erfa_feedback: dict[tuple[int, str, int], ErfaFeedback] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)

    def clone(self) -> _State:
        """Return a copy that can be changed without touching this state."""
        return _State(
            tenants=dict(self.tenants),
            people=dict(self.people),
            inactive=set(self.inactive),
            requests={key: _copy_request(r) for key, r in self.requests.items()},
            last_numbers=dict(self.last_numbers),
            last_request_id=self.last_request_id,
            outbox=list(self.outbox),
            dedupe_keys=set(self.dedupe_keys),
            dialogues={key: dict(value) for key, value in self.dialogues.items()},
            posted=dict(self.posted),
            processed_events=set(self.processed_events),
            challenges={key: _copy_challenge(c) for key, c in self.challenges.items()},
            last_challenge_numbers=dict(self.last_challenge_numbers),
            last_challenge_id=self.last_challenge_id,
            votes=dict(self.votes),
            erfa_records={key: dataclasses.replace(r) for key, r in self.erfa_records.items()},
            erfa_answers=dict(self.erfa_answers),
            invite_tokens=dict(self.invite_tokens),
            erfa_feedback=dict(self.erfa_feedback),
            networks=dict(self.networks),
        )


class FakeDatabase:
    """The committed state every fake unit of work starts from, with helpers to seed and inspect it."""

    def __init__(self) -> None:
        self.state = _State()
        self.commits = 0

    # seeding
    def add_tenant(self, tenant: Tenant) -> Tenant:
        """Store a tenant."""
        self.state.tenants[tenant.id] = tenant
        return tenant

    def next_person_id(self) -> int:
        """Return an id no person has yet."""
        return max(self.state.people, default=0) + 1

    def add_person(self, person: Person) -> Person:
        """Store a person."""
        self.state.people[person.id] = person
        return person

    def deactivate(self, person_id: int) -> None:
        """Mark a person as no longer active (the ports then no longer return them)."""
        self.state.inactive.add(person_id)

    def add_request(self, request: SparringRequest) -> SparringRequest:
        """Store a request as if it had been created earlier; its number is reserved too."""
        self.state.last_request_id += 1
        request.id = self.state.last_request_id
        last = self.state.last_numbers.get(request.tenant_id, 0)
        self.state.last_numbers[request.tenant_id] = max(last, request.number)
        self.state.requests[request.id] = _copy_request(request)
        return request

    def post(self, tenant_id: int, platform_message_id: str, message: Message) -> None:
        """Record that a message was sent and the platform gave it this id (as the dispatcher does)."""
        self.state.posted[(tenant_id, platform_message_id)] = message

    def add_challenge(self, challenge: SubmittedChallenge) -> SubmittedChallenge:
        """Store a challenge as if it had been submitted earlier; its number is reserved too."""
        self.state.last_challenge_id += 1
        challenge.id = self.state.last_challenge_id
        last = self.state.last_challenge_numbers.get(challenge.tenant_id, 0)
        self.state.last_challenge_numbers[challenge.tenant_id] = max(last, challenge.number)
        self.state.challenges[challenge.id] = _stored_challenge(challenge)
        return challenge

    def post_challenge(self, tenant_id: int, number: int, platform_message_id: str) -> None:
        """Record that a challenge's own message was sent under this id: the queued one, or a bare one."""
        key = challenge_post_key(tenant_id, number)
        queued = next((q.message for q in self.state.outbox if q.message.dedupe_key == key), None)
        self.post(tenant_id, platform_message_id, queued or Message((), dedupe_key=key))

    # inspection
    def tenant(self, slug: str) -> Tenant:
        """Return the stored tenant with the slug."""
        return next(t for t in self.state.tenants.values() if t.slug == slug)

    def person(self, person_id: int) -> Person:
        """Return a stored person."""
        return self.state.people[person_id]

    def request(self, tenant_id: int, number: int) -> SparringRequest:
        """Return a copy of a stored request; fail when there is none."""
        found = self.find_request(tenant_id, number)
        if found is None:
            raise LookupError(f"no request {number} in tenant {tenant_id}")
        return found

    def find_request(self, tenant_id: int, number: int) -> SparringRequest | None:
        """Return a copy of a stored request, if there is one."""
        for request in self.state.requests.values():
            if request.tenant_id == tenant_id and request.number == number:
                return _copy_request(request)
        return None

    def requests_of(self, tenant_id: int) -> list[SparringRequest]:
        """Return copies of the tenant's requests, by number."""
        found = [r for r in self.state.requests.values() if r.tenant_id == tenant_id]
        return [_copy_request(r) for r in sorted(found, key=lambda r: r.number)]

    @property
    def outbox(self) -> list[QueuedMessage]:
        """Return the queued messages, oldest first."""
        return list(self.state.outbox)

    def messages_to(self, person_id: int) -> list[Message]:
        """Return the messages queued for a person, oldest first."""
        return [q.message for q in self.state.outbox if q.message.to_person == person_id]

    def dialogue(self, person_id: int) -> dict[str, str] | None:
        """Return the stored intake state of a person."""
        state = self.state.dialogues.get(person_id)
        return dict(state) if state is not None else None

    def challenge(self, tenant_id: int, number: int) -> SubmittedChallenge:
        """Return a copy of a stored challenge; fail when there is none."""
        for challenge in self.state.challenges.values():
            if challenge.tenant_id == tenant_id and challenge.number == number:
                return _copy_challenge(challenge)
        raise LookupError(f"no challenge {number} in tenant {tenant_id}")

    def challenges_of(self, tenant_id: int) -> list[SubmittedChallenge]:
        """Return copies of the tenant's challenges, by number."""
        found = [c for c in self.state.challenges.values() if c.tenant_id == tenant_id]
        return [_copy_challenge(c) for c in sorted(found, key=lambda c: c.number)]

    def marks_of(self, tenant_id: int) -> list[Mark]:
        """Return the held ballot marks on the tenant's challenges, by challenge number, voter, ballot."""
        ids = {c.id for c in self.state.challenges.values() if c.tenant_id == tenant_id}
        return sorted((m for (cid, _, _), m in self.state.votes.items() if cid in ids), key=_mark_order)


class FakeTenants:
    def __init__(self, state: _State) -> None:
        self._state = state

    def _tenants(self) -> list[Tenant]:
        return [self._invited(t) for _, t in sorted(self._state.tenants.items())]

    def _invited(self, tenant: Tenant) -> Tenant:
        """Return the tenant with the meetings of the saved networks inviting it, as SqlTenants reads it."""
        if not self._state.networks:
            return tenant
        held = {(m.network, m.key) for m in tenant.erfa_meetings}
        zone = ZoneInfo(tenant.timezone)
        invited = [
            meeting
            for network in self._state.networks.values()
            for meeting in invited_meetings(network.slug, network.meetings, tenant.slug, zone)
            if (meeting.network, meeting.key) not in held
        ]
        meetings = sorted((*tenant.erfa_meetings, *invited), key=lambda meeting: meeting.at)
        return dataclasses.replace(tenant, erfa_meetings=tuple(meetings))

    def get(self, tenant_id: int) -> Tenant | None:
        """Return the tenant with the id."""
        tenant = self._state.tenants.get(tenant_id)
        return self._invited(tenant) if tenant is not None else None

    def get_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant with the slug."""
        return next((t for t in self._tenants() if t.slug == slug), None)

    def with_challenge_cycle(self) -> list[Tenant]:
        """Return the tenants that run the quarterly challenge cycle, by id."""
        return [t for t in self._tenants() if t.challenges is not None]

    def with_erfa(self) -> list[Tenant]:
        """Return the tenants with ERFA meetings (an ``erfa`` section), by id, network meetings included."""
        return [t for t in self._tenants() if t.erfa is not None]

    def find(self, *, slack_team_id: str | None = None, teams_tenant_id: str | None = None) -> Tenant | None:
        """Return the tenant connected to the Slack workspace or the Microsoft (Entra ID) tenant."""
        for tenant in self._tenants():
            if slack_team_id is not None and tenant.slack_team_id == slack_team_id:
                return tenant
            if teams_tenant_id is not None and tenant.teams_tenant_id == teams_tenant_id:
                return tenant
        return None


class FakePeople:
    def __init__(self, state: _State) -> None:
        self._state = state

    def _active(self) -> list[Person]:
        return [p for p in self._state.people.values() if p.id not in self._state.inactive]

    def get(self, person_id: int) -> Person | None:
        """Return the (active) person with the id."""
        person = self._state.people.get(person_id)
        return person if person is not None and person_id not in self._state.inactive else None

    def find(
        self,
        tenant_id: int,
        *,
        email: str | None = None,
        slack_id: str | None = None,
        teams_id: str | None = None,
    ) -> Person | None:
        """Return the active person in the tenant with one of these identities (platform ids first)."""
        people = [p for p in self._active() if p.tenant_id == tenant_id]
        lookups: list[tuple[Callable[[Person], str | None], str | None]] = [
            (lambda p: p.slack_id, slack_id),
            (lambda p: p.teams_id, teams_id),
            (lambda p: p.email, email.strip().lower() if email else None),
        ]
        for attribute, value in lookups:
            if value:
                found = next((p for p in people if attribute(p) == value), None)
                if found is not None:
                    return found
        return None

    def with_role(self, tenant_id: int, role: str) -> list[Person]:
        """Return the tenant's active people holding the role, by name."""
        people = [p for p in self._active() if p.tenant_id == tenant_id and role in p.roles]
        return sorted(people, key=lambda p: p.name)

    def seniors_for(self, tenant_id: int, area: str) -> list[Person]:
        """Return the tenant's active seniors with expertise in the area, by name."""
        return [p for p in self.with_role(tenant_id, Role.SENIOR) if area in p.expertise]

    def set_language(self, person_id: int, language: str) -> None:
        """Remember the person's preferred language."""
        person = self._state.people.get(person_id)
        if person is not None:
            self._state.people[person_id] = dataclasses.replace(person, language=language)


class FakeRequests:
    def __init__(self, state: _State, read: set[int] | None = None) -> None:
        self._state = state
        # The ids read or saved in this unit of work: only those may be written back, as in SqlRequests
        # (a request read elsewhere was not locked, and writing it back could lose an update).
        self._read: set[int] = read if read is not None else set()

    def _remember(self, requests: list[SparringRequest]) -> list[SparringRequest]:
        self._read.update(r.id for r in requests if r.id is not None)
        return [_copy_request(r) for r in requests]

    def _of_tenant(self, tenant_id: int) -> list[SparringRequest]:
        found = [r for r in self._state.requests.values() if r.tenant_id == tenant_id]
        return sorted(found, key=lambda r: r.number)

    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next request number (never handed out twice)."""
        number = self._state.last_numbers.get(tenant_id, 0) + 1
        self._state.last_numbers[tenant_id] = number
        return number

    def save(self, request: SparringRequest) -> None:
        """Store a new request (giving it its id), or write back one read or saved in this unit of work."""
        if request.id is None:
            if any(r.number == request.number for r in self._of_tenant(request.tenant_id)):
                raise ValueError(
                    f"request number {request.number} exists already in tenant {request.tenant_id}"
                )
            self._state.last_request_id += 1
            request.id = self._state.last_request_id
            self._read.add(request.id)
        elif request.id not in self._state.requests or request.id not in self._read:
            raise LookupError(f"request {request.ref} was never read or saved in this unit of work")
        self._state.requests[request.id] = _copy_request(request)

    def get(self, tenant_id: int, number: int) -> SparringRequest | None:
        """Return a copy of the request: changes only count once ``save`` writes them back."""
        found = next((r for r in self._of_tenant(tenant_id) if r.number == number), None)
        return self._remember([found])[0] if found is not None else None

    def of_requester(self, tenant_id: int, requester_id: int, limit: int) -> list[SparringRequest]:
        """Return the requester's newest requests."""
        mine = [r for r in reversed(self._of_tenant(tenant_id)) if r.requester_id == requester_id]
        return self._remember(mine[:limit])

    def count_of_requester(self, tenant_id: int, requester_id: int) -> int:
        """Return how many requests the requester has made."""
        return sum(1 for r in self._of_tenant(tenant_id) if r.requester_id == requester_id)

    def of_senior(self, tenant_id: int, senior_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the senior's requests in the given statuses, oldest first."""
        return self._remember(
            [r for r in self._of_tenant(tenant_id) if r.senior_id == senior_id and r.status in statuses]
        )

    def with_status(self, tenant_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the tenant's requests in the given statuses, oldest first."""
        return self._remember([r for r in self._of_tenant(tenant_id) if r.status in statuses])

    def loads(
        self, tenant_id: int, senior_ids: Sequence[int], month_start: datetime
    ) -> dict[int, SeniorLoad]:
        """Return open requests and hours logged since ``month_start`` for each senior."""
        requests = self._of_tenant(tenant_id)
        return {
            senior_id: SeniorLoad(
                open_requests=sum(1 for r in requests if r.senior_id == senior_id and r.status in _LOADED),
                hours_this_month=sum(
                    r.hours or 0.0
                    for r in requests
                    if r.senior_id == senior_id and r.held_at is not None and r.held_at >= month_start
                ),
            )
            for senior_id in senior_ids
        }

    def routing_loads(
        self,
        tenant_id: int,
        requester_id: int,
        area: str,
        senior_ids: Sequence[int],
        month_start: datetime,
    ) -> RoutingLoads:
        """Return who last accepted the requester's request in the area, and their and these seniors' loads."""
        taken = [
            r
            for r in self._of_tenant(tenant_id)
            if r.requester_id == requester_id and r.area == area and r.accepted_at is not None
        ]
        previous = (
            max(taken, key=lambda r: r.accepted_at or datetime.min.replace(tzinfo=UTC)).senior_id
            if taken
            else None
        )
        named = [*senior_ids, *([previous] if previous is not None else [])]
        return RoutingLoads(previous, self.loads(tenant_id, named, month_start))

    def hours_held(self, tenant_id: int, start: datetime, end: datetime) -> float:
        """Return the hours of sessions held in [start, end)."""
        return float(
            sum(
                r.hours or 0.0
                for r in self._of_tenant(tenant_id)
                if r.held_at is not None and start <= r.held_at < end
            )
        )

    def created_between(self, tenant_id: int, start: datetime, end: datetime) -> list[SparringRequest]:
        """Return the requests created in [start, end)."""
        return self._remember([r for r in self._of_tenant(tenant_id) if start <= r.created_at < end])

    def due_for_escalation(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """Return (tenant id, number) of offered requests whose answer time ran out, oldest first."""
        due = [
            r
            for r in self._state.requests.values()
            if r.status is Status.OFFERED and r.escalate_at is not None and r.escalate_at <= now
        ]
        due.sort(key=lambda r: (r.escalate_at or now, r.tenant_id, r.number))
        return [(r.tenant_id, r.number) for r in due[:limit]]


class FakeOutbox:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, tenant_id: int, message: Message, due_at: datetime) -> bool:
        """Queue the message; False (and nothing queued) when its dedupe key was seen before."""
        if message.dedupe_key is not None:
            if message.dedupe_key in self._state.dedupe_keys:
                return False
            self._state.dedupe_keys.add(message.dedupe_key)
        self._state.outbox.append(QueuedMessage(tenant_id, message, due_at))
        return True

    def has(self, tenant_id: int, dedupe_key: str) -> bool:
        """Tell whether a message with the key, or one keyed under it (``key:…``), was ever queued."""
        return any(
            q.tenant_id == tenant_id
            and q.message.dedupe_key is not None
            and (q.message.dedupe_key == dedupe_key or q.message.dedupe_key.startswith(f"{dedupe_key}:"))
            for q in self._state.outbox
        )

    def posted(self, tenant_id: int, platform_message_id: str) -> Message | None:
        """Return what the bot posted in the tenant under the platform's id for it, as its edit now has it."""
        post = self._state.posted.get((tenant_id, platform_message_id))
        if post is None or post.dedupe_key is None:
            return post
        edit = current_key(post.dedupe_key)
        edits = [
            q.message for q in self._state.outbox if (q.tenant_id, q.message.dedupe_key) == (tenant_id, edit)
        ]
        return edits[-1] if edits else post

    def keep_current(self, tenant_id: int, message: Message, due_at: datetime) -> None:
        """Queue an edit of an earlier post; an edit under the same key not yet delivered is replaced."""
        if message.updates is None or message.dedupe_key is None:
            raise ValueError("an edit in place names the post it updates and has a dedupe key of its own")
        queued = QueuedMessage(tenant_id, message, due_at)
        # As SqlOutbox: one row per key, replaced where it stands; a key of another tenant is left alone.
        for number, held in enumerate(self._state.outbox):
            if held.message.dedupe_key == message.dedupe_key:
                if held.tenant_id == tenant_id:
                    self._state.outbox[number] = queued
                return
        self._state.outbox.append(queued)
        self._state.dedupe_keys.add(message.dedupe_key)


class FakeErfa:
    def __init__(self, state: _State) -> None:
        self._state = state

    def get(self, tenant_id: int, key: str) -> ErfaRecord | None:
        """Return what was last told about the meeting."""
        held = self._state.erfa_records.get((tenant_id, key))
        return dataclasses.replace(held) if held is not None else None

    def save(self, record: ErfaRecord) -> None:
        """Store the record (insert or replace)."""
        until = None if record.reminded_until is None else _aware_utc(record.reminded_until)
        stored = dataclasses.replace(record, start=_aware_utc(record.start), reminded_until=until)
        self._state.erfa_records[(record.tenant_id, record.key)] = stored

    def lock_tenant(self, tenant_id: int) -> None:
        """Lock the tenant's records (the fake has one writer: nothing to do)."""

    def answer(self, tenant_id: int, key: str, rsvp: Rsvp) -> bool:
        """Keep the answer as ``merge`` decides; True when the held answer changed."""
        click = dataclasses.replace(rsvp, at=_aware_utc(rsvp.at), start=_aware_utc(rsvp.start))
        slot = (tenant_id, key, click.person, click.start)
        held = self._state.erfa_answers.get(slot)
        kept = merge(held, click)
        self._state.erfa_answers[slot] = kept
        return not same_standing(held, kept)

    def answers(self, tenant_id: int, key: str) -> list[Rsvp]:
        """Return the held answers of the meeting, by time."""
        held = [r for (t, k, _, _), r in self._state.erfa_answers.items() if (t, k) == (tenant_id, key)]
        return sorted(held, key=lambda r: (r.at, r.person))

    def forget_answers(self, tenant_id: int, key: str, start: datetime) -> None:
        """Drop the answers given for the meeting at ``start``."""
        at = _aware_utc(start)
        for slot in [s for s in self._state.erfa_answers if s[:2] == (tenant_id, key) and s[3] == at]:
            del self._state.erfa_answers[slot]

    def invite_token(self, tenant_id: int, key: str, person_id: int | None) -> str:
        """Return the holder's token, made on first use."""
        holder = InviteHolder(tenant_id, key, person_id)
        for token, held in self._state.invite_tokens.items():
            if held == holder:
                return token
        token = f"tok{len(self._state.invite_tokens) + 1:04d}{tenant_id}{person_id or 0}"
        self._state.invite_tokens[token] = holder
        return token

    def invite_holder(self, token: str) -> InviteHolder | None:
        """Return whose invite a token is."""
        return self._state.invite_tokens.get(token)

    def give_feedback(self, tenant_id: int, key: str, feedback: ErfaFeedback) -> None:
        """Store the feedback; fields given as None keep what was held."""
        slot = (tenant_id, key, feedback.person_id)
        held = self._state.erfa_feedback.get(slot)
        if held is not None:
            feedback = dataclasses.replace(
                feedback,
                rating=feedback.rating if feedback.rating is not None else held.rating,
                takeaway=feedback.takeaway if feedback.takeaway is not None else held.takeaway,
            )
        self._state.erfa_feedback[slot] = dataclasses.replace(feedback, at=_aware_utc(feedback.at))

    def feedback(self, tenant_id: int, key: str) -> list[ErfaFeedback]:
        """Return the feedback on the meeting, by time."""
        held = [f for (t, k, _), f in self._state.erfa_feedback.items() if (t, k) == (tenant_id, key)]
        return sorted(held, key=lambda f: (f.at, f.person_id))


class FakeNetworks:
    def __init__(self, state: _State) -> None:
        self._state = state

    def save(self, network: Network) -> None:
        """Store the network whole."""
        self._state.networks[network.slug] = network

    def get(self, slug: str) -> Network | None:
        """Return the network with the slug."""
        return self._state.networks.get(slug)


class FakeProcessedEvents:
    def __init__(self, state: _State) -> None:
        self._state = state

    def first_time(self, tenant_id: int, platform: str, event_id: str, now: datetime) -> bool:
        """Record a platform event of the tenant; True only the first time."""
        key = (tenant_id, platform, event_id)
        if key in self._state.processed_events:
            return False
        self._state.processed_events.add(key)
        return True

    def forget(self, tenant_id: int, platform: str, event_id: str) -> None:
        """Forget an event."""
        self._state.processed_events.discard((tenant_id, platform, event_id))


class FakeChallenges:
    def __init__(self, state: _State, read: set[int] | None = None) -> None:
        self._state = state
        # The ids read or added in this unit of work: only those may be updated, as in SqlChallenges.
        self._read: set[int] = read if read is not None else set()

    def _remember(self, challenges: Iterable[SubmittedChallenge]) -> list[SubmittedChallenge]:
        found = list(challenges)
        self._read.update(c.id for c in found if c.id is not None)
        return [_copy_challenge(c) for c in found]

    def _of_tenant(self, tenant_id: int) -> list[SubmittedChallenge]:
        found = [c for c in self._state.challenges.values() if c.tenant_id == tenant_id]
        return sorted(found, key=lambda c: c.number)

    def _numbered(self, tenant_id: int, number: int | None) -> SubmittedChallenge | None:
        return next((c for c in self._of_tenant(tenant_id) if c.number == number), None)

    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next challenge number (never handed out twice)."""
        number = self._state.last_challenge_numbers.get(tenant_id, 0) + 1
        self._state.last_challenge_numbers[tenant_id] = number
        return number

    def add(self, challenge: SubmittedChallenge) -> SubmittedChallenge:
        """Store a new challenge and return it with its id."""
        if self._numbered(challenge.tenant_id, challenge.number) is not None:
            raise ValueError(
                f"challenge number {challenge.number} exists already in tenant {challenge.tenant_id}"
            )
        self._state.last_challenge_id += 1
        challenge.id = self._state.last_challenge_id
        self._state.challenges[challenge.id] = _stored_challenge(challenge)
        self._read.add(challenge.id)
        return challenge

    def get(self, tenant_id: int, number: int) -> SubmittedChallenge | None:
        """Return a copy of the challenge: changes only count once ``update`` writes them back."""
        found = self._numbered(tenant_id, number)
        return self._remember([found])[0] if found is not None else None

    def update(self, challenge: SubmittedChallenge) -> None:
        """Write the challenge's changed state back (it was read or added in this unit of work)."""
        stored = self._state.challenges.get(challenge.id or 0)
        if stored is None or challenge.id not in self._read:
            raise LookupError(f"challenge {challenge.number} was never read or added in this unit of work")
        # The identity stays, as the SQL update leaves tenant and number alone.
        kept = dataclasses.replace(challenge, tenant_id=stored.tenant_id, number=stored.number)
        self._state.challenges[stored.id or 0] = _stored_challenge(kept)

    def of_meeting(self, tenant_id: int, meeting: str) -> list[SubmittedChallenge]:
        """Return every challenge on a quarterly meeting's agenda, whatever its state, by number."""
        return self._remember(c for c in self._of_tenant(tenant_id) if c.meeting == meeting)

    def in_state(self, tenant_id: int, states: Sequence[ChallengeState]) -> list[SubmittedChallenge]:
        """Return the tenant's challenges in the states, by number."""
        return self._remember(c for c in self._of_tenant(tenant_id) if c.state in states)

    def adopted_without_version(self, tenant_id: int) -> list[SubmittedChallenge]:
        """Return the adopted challenges not yet put into a method or template version, by number."""
        return self._remember(
            c
            for c in self._of_tenant(tenant_id)
            if c.decision is Decision.ADOPTED and c.method_version is None
        )

    def posted_as(self, tenant_id: int, platform_message_id: str) -> SubmittedChallenge | None:
        """Return the challenge whose own channel message has this platform id."""
        message = self._state.posted.get((tenant_id, platform_message_id))
        if message is None:
            return None
        found = self._numbered(tenant_id, number_of_challenge_post(message.dedupe_key, tenant_id))
        return self._remember([found])[0] if found is not None else None

    def posts(self, tenant_id: int, meeting: str) -> list[tuple[int, str]]:
        """Return (number, platform message id) of the meeting's challenges whose channel post was sent."""
        numbers = {c.number for c in self._of_tenant(tenant_id) if c.meeting == meeting}
        sent = [
            (number, message_id)
            for (tenant, message_id), message in self._state.posted.items()
            if tenant == tenant_id
            and (number := number_of_challenge_post(message.dedupe_key, tenant_id)) in numbers
        ]
        return sorted(sent)


def _mark_order(mark: Mark) -> tuple[int, str, str]:
    return (int(mark.challenge), mark.voter, mark.ballot)


class FakeVotes:
    def __init__(self, state: _State) -> None:
        self._state = state

    def record(self, tenant_id: int, challenge_id: int, mark: Mark) -> bool:
        """Keep the mark if it is the later event of its key (a tie: an added vote wins); True if it did."""
        at = _aware_utc(mark.at)
        challenge = self._state.challenges.get(challenge_id)
        if challenge is None or challenge.tenant_id != tenant_id:
            return False  # as the SQL upsert, which takes the challenge from within the tenant
        key = (challenge_id, mark.voter, mark.ballot)
        held = self._state.votes.get(key)
        identified = (
            held is not None
            and (mark.at, mark.present) == (held.at, held.present)
            and held.person is None
            and mark.person is not None
        )
        if held is not None and (mark.at, mark.present) <= (held.at, held.present) and not identified:
            return False
        self._state.votes[key] = dataclasses.replace(mark, challenge=str(challenge.number), at=at)
        return True

    def of_meeting(self, tenant_id: int, meeting: str) -> list[Mark]:
        """Return the held marks of the meeting's challenges; ``Mark.challenge`` is the number as text."""
        ids = {
            c.id for c in self._state.challenges.values() if c.tenant_id == tenant_id and c.meeting == meeting
        }
        return sorted((m for (cid, _, _), m in self._state.votes.items() if cid in ids), key=_mark_order)


class FakeDialogues:
    def __init__(self, state: _State) -> None:
        self._state = state

    def get(self, person_id: int) -> dict[str, str] | None:
        """Return the state of the person's guided intake, if one is going on."""
        state = self._state.dialogues.get(person_id)
        return dict(state) if state is not None else None

    def save(self, person_id: int, state: dict[str, str], now: datetime) -> None:
        """Store the state of the person's guided intake."""
        self._state.dialogues[person_id] = dict(state)

    def clear(self, person_id: int) -> None:
        """Forget the person's guided intake."""
        self._state.dialogues.pop(person_id, None)


class FakeUnitOfWork:
    """A transaction on a copy of the database state; ``commit()`` writes the copy back."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._state: _State | None = None
        self._read: set[int] = set()
        self._read_challenges: set[int] = set()
        self.committed = False

    def _working(self) -> _State:
        if self._state is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._state

    @property
    def tenants(self) -> FakeTenants:
        return FakeTenants(self._working())

    @property
    def people(self) -> FakePeople:
        return FakePeople(self._working())

    @property
    def requests(self) -> FakeRequests:
        return FakeRequests(self._working(), self._read)

    @property
    def outbox(self) -> FakeOutbox:
        return FakeOutbox(self._working())

    @property
    def dialogues(self) -> FakeDialogues:
        return FakeDialogues(self._working())

    @property
    def processed_events(self) -> FakeProcessedEvents:
        return FakeProcessedEvents(self._working())

    @property
    def challenges(self) -> FakeChallenges:
        return FakeChallenges(self._working(), self._read_challenges)

    @property
    def votes(self) -> FakeVotes:
        return FakeVotes(self._working())

    @property
    def erfa(self) -> FakeErfa:
        return FakeErfa(self._working())

    @property
    def networks(self) -> FakeNetworks:
        return FakeNetworks(self._working())

    def __enter__(self) -> Self:
        self._state = self._db.state.clone()
        self._read = set()
        self._read_challenges = set()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Anything not committed is dropped, as a database rolls back an unfinished transaction.
        self._state = None

    def commit(self) -> None:
        """Make everything done so far permanent."""
        self._db.state = self._working().clone()
        self._db.commits += 1
        self.committed = True

    def rollback(self) -> None:
        """Drop everything done so far and go on from what is committed."""
        self._state = self._db.state.clone()


class FakeUnitOfWorkFactory:
    """Makes fake units of work on one fake database."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db)


_CLASSIFIERS: dict[tuple[ExpertiseArea, ...], Classifier] = {}


def classifier_for(tenant: Tenant) -> Classifier:
    """Return the classifier of a tenant's areas (built once per set of areas, for speed)."""
    areas = (*BUILTIN_AREAS, *tenant.extra_areas)
    if areas not in _CLASSIFIERS:
        _CLASSIFIERS[areas] = Classifier(areas)
    return _CLASSIFIERS[areas]


def make_deps(db: FakeDatabase, clock: FixedClock, holidays: NoHolidays | Holidays | None = None) -> Deps:
    """Build the use cases' collaborators on the fakes."""
    return Deps(
        uow=FakeUnitOfWorkFactory(db),
        clock=clock,
        holidays=holidays if holidays is not None else NoHolidays(),
        classifier_for=classifier_for,
    )


# --- the sample tenant ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SampleTenant:
    """A tenant with a coordinator, three seniors, a project manager and a tester."""

    tenant: Tenant
    mette: Person
    anna: Person
    lars: Person
    sofie: Person
    jonas: Person
    ida: Person

    @property
    def seniors(self) -> tuple[Person, Person, Person]:
        """Return Anna, Lars and Sofie."""
        return (self.anna, self.lars, self.sofie)


def sample_tenant(
    db: FakeDatabase,
    *,
    tenant_id: int = 1,
    slug: str = "nordlys",
    over_quota: OverQuota = OverQuota.ASK_COORDINATOR,
    agreed_hours: float = 60,
    language: str = "da",
    anna_absences: tuple[Absence, ...] = (),
) -> SampleTenant:
    """Store the sample tenant and its people in the database and return them."""
    tenant = db.add_tenant(
        Tenant(
            id=tenant_id,
            slug=slug,
            name=f"{slug.capitalize()} A/S",
            language=language,
            timezone="Europe/Copenhagen",
            agreed_hours_per_quarter=agreed_hours,
            response_hours=8,
            over_quota=over_quota,
            business_start=time(8, 0),
            business_end=time(16, 0),
        )
    )

    def person(
        name: str,
        role: Role,
        expertise: tuple[str, ...] = (),
        capacity: float = 0.0,
        absences: tuple[Absence, ...] = (),
    ) -> Person:
        first = name.split()[0].lower()
        return db.add_person(
            Person(
                id=db.next_person_id(),
                tenant_id=tenant_id,
                email=f"{first}@{slug}.dk",
                name=name,
                roles=frozenset({role}),
                external=role is Role.SENIOR,
                expertise=expertise,
                capacity_hours_per_month=capacity,
                absences=absences,
            )
        )

    return SampleTenant(
        tenant=tenant,
        mette=person("Mette Holm", Role.COORDINATOR),
        anna=person("Anna Berg", Role.SENIOR, ("budget", "benefits"), 12.0, anna_absences),
        lars=person("Lars Winther", Role.SENIOR, ("steering-group", "pid", "stakeholders"), 12.0),
        sofie=person("Sofie Dahl", Role.SENIOR, ("test", "planning", "budget", "risk"), 8.0),
        jonas=person("Jonas Krogh", Role.PM),
        ida=person("Ida Lund", Role.TESTER),
    )


# --- messages ------------------------------------------------------------------------------------


def keys(message: Message) -> list[str]:
    """Return the catalogue keys of a message's lines."""
    return [line.key for line in message.lines]


def action_ids(message: Message) -> list[str]:
    """Return the ids of a message's buttons."""
    return [action.id for action in message.actions]


def reply_keys(outcome: Outcome) -> list[str]:
    """Return the catalogue keys of all lines of all replies, in order."""
    return [key for message in outcome.replies for key in keys(message)]


def render_all(messages: Iterable[Message], language: str, zone: ZoneInfo = COPENHAGEN) -> list[str]:
    """Render every line and button label in the language; raises when a key or field is missing."""
    reader = Reader(language, zone)
    rendered: list[str] = []
    for message in messages:
        result = render(message, reader)
        rendered.extend(result.lines)
        rendered.extend(action.label for action in result.actions)
    return rendered


# --- a messenger for the scheduler tests ---------------------------------------------------------


class RecordingMessenger:
    """Records every send; can be told to fail the next sends."""

    def __init__(self) -> None:
        self.attempts: list[Delivery] = []
        self.sent: list[Delivery] = []
        self._failures: deque[Callable[[], Exception]] = deque()

    def fail_transient(self, count: int = 1, retry_after: float | None = None) -> None:
        """Make the next ``count`` sends raise TransientSendError."""
        self._failures.extend([lambda: TransientSendError("try again later", retry_after)] * count)

    def fail_permanent(self, count: int = 1) -> None:
        """Make the next ``count`` sends raise PermanentSendError."""
        self._failures.extend([lambda: PermanentSendError("recipient is gone")] * count)

    async def send(self, delivery: Delivery) -> Sent:
        """Record the delivery; raise the next planned failure, if any."""
        self.attempts.append(delivery)
        if self._failures:
            raise self._failures.popleft()()
        self.sent.append(delivery)
        return Sent(platform_message_id=f"sent-{len(self.sent)}")


# --- a driver for use-case tests -----------------------------------------------------------------


class Office:
    """A sample tenant on the fakes, with one-line ways to type, press buttons and run the clock.

    Every reply and every new outbox message is rendered in Danish and English on the way, so any
    use-case test also proves that the catalogues hold every key and field the core produces.
    """

    def __init__(
        self,
        start: datetime,
        *,
        over_quota: OverQuota = OverQuota.ASK_COORDINATOR,
        holidays: NoHolidays | Holidays | None = None,
        anna_absences: tuple[Absence, ...] = (),
    ) -> None:
        self.db = FakeDatabase()
        self.clock = FixedClock(start)
        self.deps = make_deps(self.db, self.clock, holidays)
        self.org = sample_tenant(self.db, over_quota=over_quota, anna_absences=anna_absences)
        self.tenant = self.org.tenant

    def add_tenant(self, slug: str) -> SampleTenant:
        """Add a second tenant, with its own people, to the same database."""
        tenant_id = max(self.db.state.tenants) + 1
        return sample_tenant(self.db, tenant_id=tenant_id, slug=slug)

    def run(self, person: Person | Identity, command: Command, *, slug: str | None = None) -> Outcome:
        """Run a command as the person (or an identity) in their tenant."""
        identity = person if isinstance(person, Identity) else Identity(email=person.email)
        if slug is None:
            slug = self._slug_of(person) if isinstance(person, Person) else self.tenant.slug
        before = len(self.db.state.outbox)
        outcome = handle(self.deps, slug, identity, command)
        self._render(outcome.replies, [q.message for q in self.db.state.outbox[before:]])
        return outcome

    def say(self, person: Person | Identity, text: str, *, slug: str | None = None) -> Outcome:
        """Type text as the person."""
        return self.run(person, parse_text(text), slug=slug)

    def press(self, person: Person, action_id: str) -> Outcome:
        """Press a button as the person."""
        return self.run(person, parse_action(action_id))

    def escalate(self) -> int:
        """Run the escalation job."""
        before = len(self.db.state.outbox)
        moved = escalate_due(self.deps)
        self._render([], [q.message for q in self.db.state.outbox[before:]])
        return moved

    def ask(self, person: Person, text: str = BUDGET_QUESTION) -> SparringRequest:
        """Ask for sparring as the person and return the request that was created."""
        before = {r.id for r in self.db.requests_of(person.tenant_id)}
        self.say(person, f"sparring {text}")
        created = [r for r in self.db.requests_of(person.tenant_id) if r.id not in before]
        if len(created) != 1:
            raise AssertionError(f"expected one new request, got {len(created)}")
        return created[0]

    def seed(
        self,
        requester: Person,
        status: Status,
        *,
        senior: Person | None = None,
        area: str | None = "budget",
        hours: float | None = None,
        held_at: datetime | None = None,
        accepted_at: datetime | None = None,
        created_at: datetime | None = None,
    ) -> SparringRequest:
        """Store a request in the given state directly, as if it had got there earlier."""
        tenant_id = requester.tenant_id
        return self.db.add_request(
            SparringRequest(
                tenant_id=tenant_id,
                number=self.db.state.last_numbers.get(tenant_id, 0) + 1,
                requester_id=requester.id,
                text=BUDGET_QUESTION,
                created_at=created_at or self.clock.now(),
                area=area,
                status=status,
                senior_id=senior.id if senior else None,
                accepted_at=accepted_at,
                held_at=held_at,
                hours=hours,
            )
        )

    def request(self, number: int, tenant_id: int | None = None) -> SparringRequest:
        """Return the stored request."""
        return self.db.request(self.tenant.id if tenant_id is None else tenant_id, number)

    def inbox(self, person: Person) -> list[Message]:
        """Return the outbox messages to the person, oldest first."""
        return self.db.messages_to(person.id)

    def inbox_keys(self, person: Person) -> list[list[str]]:
        """Return the line keys of each outbox message to the person."""
        return [keys(m) for m in self.inbox(person)]

    def _slug_of(self, person: Person) -> str:
        return self.db.state.tenants[person.tenant_id].slug

    @staticmethod
    def _render(replies: Sequence[Message], queued: Sequence[Message]) -> None:
        for language in ("da", "en"):
            render_all([*replies, *queued], language)
