"""Repositories: the core's storage ports, on one session (prebuilt Core statements on the hot path)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Executable,
    Integer,
    Result,
    Select,
    and_,
    any_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlmodel import Session, col
from sqlmodel.sql.sqltypes import UTCDateTime

from handlers.shared.model import Person, SparringRequest, Status, Tenant
from handlers.shared.ports import Delivery
from handlers.shared.text import CURRENT_SUFFIX, Message
from handlers.sparring.routing import RoutingLoads, SeniorLoad
from storage.codec import decode_message, encode_message
from storage.db import dialect_insert
from storage.directory import NETWORKS_STAMP, DirectoryCache, DirectorySeen, next_stamp
from storage.handover import Handover
from storage.mapping import person_from_row, request_from_row, request_values
from storage.tables import (
    OPEN_FOR_ROUTING,
    OUTBOX,
    PERSON,
    REQUEST,
    TENANT,
    DialogueRow,
    PersonRow,
    SparringRequestRow,
    TenantRow,
)

_SENIOR = col(SparringRequestRow.senior_id)


_TENANT_IS = col(SparringRequestRow.tenant_id) == bindparam("tenant_id")
_HELD_SINCE = col(SparringRequestRow.held_at) >= bindparam("month_start", type_=UTCDateTime())


def _load_statements(seniors: ColumnElement[bool]) -> tuple[Select[Any, Any], Select[Any, Any]]:
    """Build the two routing-load aggregates for one way of naming the seniors: (senior, count), (senior, hours)."""
    open_per_senior = select(_SENIOR, func.count()).where(_TENANT_IS, seniors, OPEN_FOR_ROUTING)
    hours_per_senior = select(_SENIOR, func.sum(SparringRequestRow.hours)).where(
        _TENANT_IS, seniors, _HELD_SINCE
    )
    return open_per_senior.group_by(_SENIOR), hours_per_senior.group_by(_SENIOR)


# One parameter for all the seniors, so each statement has one text, compiled once: PostgreSQL gets
# an array (and psycopg prepares the statement once: planning cost more than running), SQLite a JSON
# array it unpacks with json_each (an expanding IN list was rendered anew for every routing).
_NAMED = {
    "postgresql": any_(bindparam("senior_ids", type_=ARRAY(Integer))) == _SENIOR,
    "sqlite": _SENIOR.in_(
        select(literal_column("value")).select_from(func.json_each(bindparam("senior_ids", type_=JSON)))
    ),
}
_LOADS = {dialect: _load_statements(named) for dialect, named in _NAMED.items()}
_PREVIOUS_SENIOR = (
    select(_SENIOR)
    .where(
        _TENANT_IS,
        col(SparringRequestRow.requester_id) == bindparam("requester_id"),
        col(SparringRequestRow.area) == bindparam("area"),
        col(SparringRequestRow.accepted_at).is_not(None),
    )
    .order_by(col(SparringRequestRow.accepted_at).desc())
    .limit(1)
    .cte("previous_senior")
)
_PREVIOUS, _OPEN, _HOURS = 0, 1, 2


def _routing_loads(named: ColumnElement[bool]) -> Executable:
    """Build routing's one read: rows (senior, value, kind) of the previous senior, open requests and hours.

    The previous senior's own load comes in aggregates of its own (a senior among the named ones
    then comes twice, alike): folded into the named ones with OR, neither database would look the
    seniors up in their index any more, and would scan all of the tenant's requests instead.
    """
    previous = select(_PREVIOUS_SENIOR.c.senior_id).scalar_subquery()
    open_of_named, hours_of_named = _load_statements(named)
    open_of_previous, hours_of_previous = _load_statements(previous == _SENIOR)
    return union_all(
        select(_PREVIOUS_SENIOR.c.senior_id, null(), literal_column(str(_PREVIOUS))),
        *(
            aggregate.add_columns(literal_column(str(_OPEN)))
            for aggregate in (open_of_named, open_of_previous)
        ),
        *(
            aggregate.add_columns(literal_column(str(_HOURS)))
            for aggregate in (hours_of_named, hours_of_previous)
        ),
    )


_ROUTING_LOADS = {dialect: _routing_loads(named) for dialect, named in _NAMED.items()}


# The statements every request runs, built once: they skip the ORM's per-call query building and
# identity map (about ten times cheaper per statement), and are read into domain types directly.
# A tenant is named by its id and the two stamps its cached copy depends on (see storage.directory).
_TENANT_STAMPS = select(TENANT.c.id, TENANT.c.updated_at, NETWORKS_STAMP.label("networks_stamp"))
_TENANT_BY_SLUG = _TENANT_STAMPS.where(TENANT.c.slug == bindparam("slug"))
_TENANT_BY_ID = _TENANT_STAMPS.where(TENANT.c.id == bindparam("tenant_id"))
_TENANT_BY_PLATFORM = {
    key: _TENANT_STAMPS.where(TENANT.c[key] == bindparam("key"))
    for key in ("slack_team_id", "teams_tenant_id")
}
_TENANTS_WITH_CHALLENGES = _TENANT_STAMPS.where(TENANT.c.challenges.is_not(None)).order_by(TENANT.c.id)
_TENANTS_WITH_ERFA = _TENANT_STAMPS.where(TENANT.c.erfa.is_not(None)).order_by(TENANT.c.id)
# A key, or one kept under it ("challenges:nordlys:2027-Q1:reminder:7" is under "…:reminder").
_QUEUED_UNDER = (
    select(literal(1))
    .where(
        OUTBOX.c.tenant_id == bindparam("tenant_id"),
        (OUTBOX.c.dedupe_key == bindparam("key")) | OUTBOX.c.dedupe_key.like(bindparam("under"), escape="\\"),
    )
    .limit(1)
)
_PERSON_BY_ID = select(PERSON).where(PERSON.c.id == bindparam("person_id"))
_NEXT_NUMBER = (
    update(TENANT)
    .where(TENANT.c.id == bindparam("tenant_id"))
    .values(next_number=TENANT.c.next_number + 1)
    .returning(TENANT.c.next_number)
)
_INSERT_REQUEST = insert(REQUEST).returning(REQUEST.c.id)
# Every column but the request's identity, from one prebuilt statement: building an UPDATE of only the
# changed columns each time cost more CPU than writing a few unchanged values.
_UPDATE_REQUEST = (
    update(REQUEST)
    .where(REQUEST.c.id == bindparam("b_id"))
    .values(
        {
            column.name: bindparam(f"b_{column.name}")
            for column in REQUEST.c
            if column.name not in ("id", "tenant_id", "number")
        }
    )
)
_REQUEST_FOR_UPDATE = (
    select(REQUEST)
    .where(REQUEST.c.tenant_id == bindparam("tenant_id"), REQUEST.c.number == bindparam("number"))
    .with_for_update()
)
_HOURS_HELD = select(func.coalesce(func.sum(REQUEST.c.hours), 0.0)).where(
    REQUEST.c.tenant_id == bindparam("tenant_id"),
    REQUEST.c.held_at >= bindparam("start", type_=UTCDateTime()),
    REQUEST.c.held_at < bindparam("end", type_=UTCDateTime()),
)
_EDIT = OUTBOX.alias("edit")
# The post and its edit in place in one statement, the edit found by its unique key.
_POSTED_MESSAGE = (
    select(
        func.coalesce(_EDIT.c.payload, OUTBOX.c.payload).label("payload"),
        OUTBOX.c.recipient_id,
        OUTBOX.c.channel,
        OUTBOX.c.ref,
    )
    .select_from(OUTBOX)
    .outerjoin(
        _EDIT,
        and_(
            _EDIT.c.dedupe_key == OUTBOX.c.dedupe_key + CURRENT_SUFFIX,
            _EDIT.c.tenant_id == OUTBOX.c.tenant_id,
        ),
    )
    .where(
        OUTBOX.c.tenant_id == bindparam("tenant_id"),
        OUTBOX.c.platform_message_id == bindparam("platform_message_id"),
    )
)
_QUEUE_MESSAGE = {
    dialect: dialect_insert(dialect, OUTBOX).on_conflict_do_nothing().returning(OUTBOX.c.id)
    for dialect in ("postgresql", "sqlite")
}


def _keep_current(dialect: str) -> Executable:
    """Build the upsert of an edit in place: one outbox row per dedupe key, armed with the latest content.

    An edit not sent yet gets the new content; one sent, given up on, or being sent is queued again
    as new (no attempts used, no claim): the claim token is cleared, so a dispatcher still sending the
    older content cannot settle the row (its claim no longer matches) and the newer content goes out
    after it. Only a row of the same tenant is taken over.
    """
    statement = dialect_insert(dialect, OUTBOX)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[OUTBOX.c.dedupe_key],
        set_={
            "recipient_id": new.recipient_id,
            "channel": new.channel,
            "payload": new.payload,
            "ref": new.ref,
            "state": new.state,
            "due_at": new.due_at,
            "attempts": 0,
            "claim_token": None,
            "lease_until": None,
            "sent_at": None,
            "last_error": None,
        },
        where=OUTBOX.c.tenant_id == new.tenant_id,
    )


_KEEP_CURRENT = {dialect: _keep_current(dialect) for dialect in ("postgresql", "sqlite")}


class SqlTenants:
    def __init__(self, session: Session, directory: DirectoryCache, seen: DirectorySeen) -> None:
        self._session = session
        self._directory = directory
        self._seen = seen

    def get(self, tenant_id: int) -> Tenant | None:
        """Return the tenant with the id."""
        return self._one(_TENANT_BY_ID, {"tenant_id": tenant_id})

    def get_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant with the slug."""
        return self._one(_TENANT_BY_SLUG, {"slug": slug})

    def find(self, *, slack_team_id: str | None = None, teams_tenant_id: str | None = None) -> Tenant | None:
        """Return the tenant connected to the Slack workspace or the Microsoft (Entra ID) tenant."""
        if slack_team_id is not None:
            return self._one(_TENANT_BY_PLATFORM["slack_team_id"], {"key": slack_team_id})
        if teams_tenant_id is not None:
            return self._one(_TENANT_BY_PLATFORM["teams_tenant_id"], {"key": teams_tenant_id})
        return None

    def with_challenge_cycle(self) -> list[Tenant]:
        """Return the tenants that run the quarterly challenge cycle (a ``challenges`` section), by id."""
        return self._all(_TENANTS_WITH_CHALLENGES)

    def with_erfa(self) -> list[Tenant]:
        """Return the tenants with ERFA meetings (an ``erfa`` section), by id, network meetings included."""
        return self._all(_TENANTS_WITH_ERFA)

    def _all(self, statement: Executable) -> list[Tenant]:
        connection = self._session.connection()
        rows = connection.execute(statement).all()
        found = (
            self._directory.tenant(connection, row.id, row.updated_at, row.networks_stamp) for row in rows
        )
        return [tenant for tenant in found if tenant is not None]

    def _one(self, statement: Executable, params: dict[str, Any]) -> Tenant | None:
        row = self._session.connection().execute(statement, params).first()
        if row is None:
            return None
        # Only the stamps are read here: they tell the directory cache, for the rest of this unit of
        # work, whether its copies of the tenant and its people are current.
        self._seen[row.id] = row.updated_at
        return self._directory.tenant(self._session.connection(), row.id, row.updated_at, row.networks_stamp)


class SqlPeople:
    def __init__(self, session: Session, directory: DirectoryCache, seen: DirectorySeen) -> None:
        self._session = session
        self._directory = directory
        self._seen = seen

    def get(self, person_id: int) -> Person | None:
        """Return the (active) person with the id (from the cache when their tenant was read)."""
        for tenant_id in self._seen:
            person = self._directory.person(self._session, tenant_id, person_id, self._seen)
            if person is not None:
                return person
        row = self._session.connection().execute(_PERSON_BY_ID, {"person_id": person_id}).first()
        return person_from_row(row) if row is not None and row.active else None

    def find(
        self,
        tenant_id: int,
        *,
        email: str | None = None,
        slack_id: str | None = None,
        teams_id: str | None = None,
    ) -> Person | None:
        """Return the active person in the tenant with one of these identities (platform ids first)."""
        return self._directory.find(
            self._session,
            tenant_id,
            self._seen,
            slack_id=slack_id,
            teams_id=teams_id,
            email=email.strip().lower() if email else None,
        )

    def with_role(self, tenant_id: int, role: str) -> Sequence[Person]:
        """Return the tenant's active people holding the role, by name (from the directory cache)."""
        return self._directory.with_role(self._session, tenant_id, role, self._seen)

    def seniors_for(self, tenant_id: int, area: str) -> Sequence[Person]:
        """Return the tenant's active seniors with expertise in the area, by name (from the cache)."""
        return self._directory.seniors_for(self._session, tenant_id, area, self._seen)

    def set_language(self, person_id: int, language: str) -> None:
        """Remember the person's preferred language (and mark the tenant's directory as changed)."""
        row = self._session.get(PersonRow, person_id)
        if row is None:
            return
        row.language = language
        tenant = self._session.get(TenantRow, row.tenant_id)
        if tenant is not None:
            tenant.updated_at = next_stamp(tenant.updated_at, datetime.now(UTC))
            self._seen.pop(tenant.id or 0, None)
        self._session.flush()


class SqlRequests:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The column values of every request read or saved in this unit of work, so that ``update``
        # writes only what changed.
        self._read: dict[int, dict[str, Any]] = {}

    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next request number with one atomic UPDATE … RETURNING."""
        return int(self._execute(_NEXT_NUMBER, {"tenant_id": tenant_id}).scalar_one()) - 1

    def save(self, request: SparringRequest) -> None:
        """Store a new request (giving it its id), or write back what changed in one read or saved here.

        A new request is inserted once it is decided (routed, or waiting for its area or an
        approval), not as soon as it is numbered: one INSERT instead of an INSERT and an UPDATE.
        """
        after = request_values(request)
        if request.id is None:
            request.id = int(self._execute(_INSERT_REQUEST, after).scalar_one())
            self._read[request.id] = after
            return
        before = self._read.get(request.id)
        if before is None:
            raise LookupError(f"request {request.ref} was never read or saved in this unit of work")
        if after != before:
            self._execute(_UPDATE_REQUEST, {"b_id": request.id, **{f"b_{k}": v for k, v in after.items()}})
            self._read[request.id] = after

    def get(self, tenant_id: int, number: int) -> SparringRequest | None:
        """Return the request, locked (FOR UPDATE on PostgreSQL; SQLite holds the write lock already)."""
        row = self._execute(_REQUEST_FOR_UPDATE, {"tenant_id": tenant_id, "number": number}).first()
        return self._remember(row) if row is not None else None

    def _execute(self, statement: Executable, params: dict[str, Any]) -> Result[Any]:
        return self._session.connection().execute(statement, params)

    def _remember(self, row: Any) -> SparringRequest:
        request = request_from_row(row)
        self._read[row.id] = request_values(request)
        return request

    def _list(self, *conditions: Any, order: Any, limit: int | None = None) -> list[SparringRequest]:
        query = select(REQUEST).where(*conditions).order_by(order).limit(limit)
        return [self._remember(row) for row in self._execute(query, {})]

    def of_requester(self, tenant_id: int, requester_id: int, limit: int) -> list[SparringRequest]:
        """Return the requester's newest requests."""
        return self._list(
            REQUEST.c.tenant_id == tenant_id,
            REQUEST.c.requester_id == requester_id,
            order=REQUEST.c.number.desc(),
            limit=limit,
        )

    def count_of_requester(self, tenant_id: int, requester_id: int) -> int:
        """Return how many requests the requester has made."""
        query = select(func.count()).where(
            REQUEST.c.tenant_id == tenant_id, REQUEST.c.requester_id == requester_id
        )
        return int(self._execute(query, {}).scalar_one())

    def of_senior(self, tenant_id: int, senior_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the senior's requests in the given statuses, oldest first."""
        return self._list(
            REQUEST.c.tenant_id == tenant_id,
            REQUEST.c.senior_id == senior_id,
            REQUEST.c.status.in_([s.value for s in statuses]),
            order=REQUEST.c.number,
        )

    def with_status(self, tenant_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the tenant's requests in the given statuses, oldest first."""
        return self._list(
            REQUEST.c.tenant_id == tenant_id,
            REQUEST.c.status.in_([s.value for s in statuses]),
            order=REQUEST.c.number,
        )

    def created_between(self, tenant_id: int, start: datetime, end: datetime) -> list[SparringRequest]:
        """Return the requests created in [start, end)."""
        return self._list(
            REQUEST.c.tenant_id == tenant_id,
            REQUEST.c.created_at >= start,
            REQUEST.c.created_at < end,
            order=REQUEST.c.number,
        )

    def loads(
        self, tenant_id: int, senior_ids: Sequence[int], month_start: datetime
    ) -> dict[int, SeniorLoad]:
        """Return open requests and hours logged since ``month_start`` for each senior.

        Routing runs this for every request, among up to a thousand seniors: the two statements are
        built once, answered from (partial, covering) indexes, and read as plain rows.
        """
        if not senior_ids:
            return {}
        connection = self._session.connection()
        open_per_senior, hours_per_senior = _LOADS[connection.dialect.name]
        params = {"tenant_id": tenant_id, "senior_ids": list(senior_ids), "month_start": month_start}
        counts = {row[0]: int(row[1]) for row in connection.execute(open_per_senior, params)}
        used = {row[0]: float(row[1] or 0) for row in connection.execute(hours_per_senior, params)}
        return {s: SeniorLoad(counts.get(s, 0), used.get(s, 0.0)) for s in senior_ids}

    def routing_loads(
        self,
        tenant_id: int,
        requester_id: int,
        area: str,
        senior_ids: Sequence[int],
        month_start: datetime,
    ) -> RoutingLoads:
        """Return who last accepted the requester's request in the area, and their and these seniors' loads.

        One statement, so one round trip to the database: on PostgreSQL that, not the work in it, is
        most of a routing's cost.
        """
        connection = self._session.connection()
        params = {
            "tenant_id": tenant_id,
            "requester_id": requester_id,
            "area": area,
            "senior_ids": list(senior_ids),
            "month_start": month_start,
        }
        previous: int | None = None
        counts: dict[int, int] = {}
        used: dict[int, float] = {}
        for senior_id, value, kind in connection.execute(_ROUTING_LOADS[connection.dialect.name], params):
            if kind == _PREVIOUS:
                previous = senior_id
            elif kind == _OPEN:
                counts[senior_id] = int(value)
            else:
                used[senior_id] = float(value or 0)
        named = [*senior_ids, *([previous] if previous is not None else [])]
        return RoutingLoads(previous, {s: SeniorLoad(counts.get(s, 0), used.get(s, 0.0)) for s in named})

    def hours_held(self, tenant_id: int, start: datetime, end: datetime) -> float:
        """Return the hours of sessions held in [start, end)."""
        params = {"tenant_id": tenant_id, "start": start, "end": end}
        return float(self._execute(_HOURS_HELD, params).scalar_one())

    def due_for_escalation(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """Return (tenant id, number) of offered requests whose answer time ran out, oldest first."""
        query = (
            select(REQUEST.c.tenant_id, REQUEST.c.number)
            .where(REQUEST.c.status == Status.OFFERED.value, REQUEST.c.escalate_at <= now)
            .order_by(REQUEST.c.escalate_at)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in self._session.execute(query)]


def _queued(tenant_id: int, message: Message, due_at: datetime) -> dict[str, Any]:
    """Return the outbox row of a message queued for ``due_at``."""
    return {
        "tenant_id": tenant_id,
        "recipient_id": message.to_person,
        "channel": message.to_channel,
        "payload": encode_message(message),
        "ref": message.ref,
        "dedupe_key": message.dedupe_key,
        "state": "pending",
        "due_at": due_at,
        "attempts": 0,
        "created_at": due_at,
    }


@dataclass(frozen=True, slots=True)
class _Claimed:
    delivery: Delivery
    lease_until: datetime


class SqlOutbox:
    def __init__(
        self, session: Session, directory: DirectoryCache, seen: DirectorySeen, handover: Handover
    ) -> None:
        self._session = session
        self._directory = directory
        self._seen = seen
        self._handover = handover
        self._claimed: list[tuple[Delivery, datetime]] = []
        self._others_queued = False

    def add(self, tenant_id: int, message: Message, due_at: datetime) -> bool:
        """Queue the message; a second message with the same dedupe key is ignored (ON CONFLICT).

        A message due now is queued claimed for this process's dispatcher when it has one, and handed
        to it when the transaction commits (see storage.handover).
        """
        connection = self._session.connection()
        values = _queued(tenant_id, message, due_at)
        claimed = self._claimable(tenant_id, message, due_at)
        if claimed is not None:
            values.update(
                state="sending", claim_token=claimed.delivery.claim, lease_until=claimed.lease_until
            )
        row = connection.execute(_QUEUE_MESSAGE[connection.dialect.name], values).first()
        if row is None:
            return False
        if claimed is None:
            self._others_queued = True
        else:
            self._claimed.append((replace(claimed.delivery, id=row.id), claimed.lease_until))
        return True

    def _claimable(self, tenant_id: int, message: Message, due_at: datetime) -> _Claimed | None:
        """Return the claim of a message the dispatcher can be handed as it is (not an edit, all known)."""
        if message.updates is not None:
            return None
        claim = self._handover.claim_for(due_at)
        tenant = self._directory.current_tenant(tenant_id, self._seen) if claim is not None else None
        if claim is None or tenant is None:
            return None
        recipient = None
        if message.to_person is not None:
            recipient = self._directory.person(self._session, tenant_id, message.to_person, self._seen)
            if recipient is None:
                return None
        delivery = Delivery(
            id=0, tenant=tenant, message=message, recipient=recipient, attempts=0, claim=claim[0]
        )
        return _Claimed(delivery, claim[1])

    def hand_over(self) -> None:
        """Hand what this transaction queued claimed to the dispatcher (it has just committed)."""
        if self._claimed or self._others_queued:
            self._handover.hand_over(self._claimed, others_queued=self._others_queued)
        self.forget()

    def forget(self) -> None:
        """Forget what this transaction queued (it was rolled back)."""
        self._claimed = []
        self._others_queued = False

    def keep_current(self, tenant_id: int, message: Message, due_at: datetime) -> None:
        """Queue the edit under its dedupe key, replacing or re-arming the row there (see :func:`_keep_current`)."""
        if message.updates is None or message.dedupe_key is None:
            raise ValueError("an edit in place names the post it updates and has a dedupe key of its own")
        self._others_queued = True
        connection = self._session.connection()
        connection.execute(_KEEP_CURRENT[connection.dialect.name], _queued(tenant_id, message, due_at))

    def has(self, tenant_id: int, dedupe_key: str) -> bool:
        """Tell whether a message with the key, or one keyed under it (``key:…``), was ever queued."""
        under = dedupe_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%"
        params = {"tenant_id": tenant_id, "key": dedupe_key, "under": under}
        return self._session.connection().execute(_QUEUED_UNDER, params).first() is not None

    def posted(self, tenant_id: int, platform_message_id: str) -> Message | None:
        """Return what the bot posted in the tenant under the platform's id for it (Slack: ``channel:ts``)."""
        params = {"tenant_id": tenant_id, "platform_message_id": platform_message_id}
        row = self._session.connection().execute(_POSTED_MESSAGE, params).first()
        if row is None:
            return None
        return decode_message(row.payload, to_person=row.recipient_id, to_channel=row.channel, ref=row.ref)


class SqlDialogues:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, person_id: int) -> dict[str, str] | None:
        """Return the state of the person's guided intake, if one is going on."""
        row = self._session.get(DialogueRow, person_id)
        return dict(row.state) if row else None

    def save(self, person_id: int, state: dict[str, str], now: datetime) -> None:
        """Store the state of the person's guided intake (a new dict, so the JSON column notices)."""
        row = self._session.get(DialogueRow, person_id)
        if row is None:
            self._session.add(DialogueRow(person_id=person_id, state=dict(state), updated_at=now))
        else:
            row.state = dict(state)
            row.updated_at = now
        self._session.flush()

    def clear(self, person_id: int) -> None:
        """Forget the person's guided intake."""
        row = self._session.get(DialogueRow, person_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()
