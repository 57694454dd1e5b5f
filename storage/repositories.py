"""Repositories: the core's storage ports, implemented with SQLModel on one session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Executable, Integer, any_, bindparam, func, update
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from handlers.model import Person, SparringRequest, Status, Tenant
from handlers.routing import SeniorLoad
from handlers.text import Message
from storage.codec import encode_message
from storage.db import upsert_insert
from storage.directory import DirectoryCache
from storage.mapping import person_from_row, request_from_row, request_values, tenant_from_row
from storage.tables import OPEN_FOR_ROUTING, DialogueRow, OutboxRow, PersonRow, SparringRequestRow, TenantRow

_SENIOR = col(SparringRequestRow.senior_id)


def _load_statements(seniors: ColumnElement[bool]) -> tuple[Executable, Executable]:
    """Build the two routing-load aggregates for one way of naming the seniors."""
    tenant = col(SparringRequestRow.tenant_id) == bindparam("tenant_id")
    open_per_senior = select(_SENIOR, func.count()).where(tenant, seniors, OPEN_FOR_ROUTING).group_by(_SENIOR)
    held = col(SparringRequestRow.held_at) >= bindparam("month_start", type_=UTCDateTime())
    hours_per_senior = select(_SENIOR, func.sum(SparringRequestRow.hours)).where(tenant, seniors, held)
    return open_per_senior, hours_per_senior.group_by(_SENIOR)


# PostgreSQL gets one array parameter, so each statement has one text and psycopg prepares it once
# (planning cost more than running); SQLite has no arrays and gets an expanding IN list.
_LOADS = {
    "postgresql": _load_statements(any_(bindparam("senior_ids", type_=ARRAY(Integer))) == _SENIOR),
    "sqlite": _load_statements(_SENIOR.in_(bindparam("senior_ids", expanding=True))),
}
_LAST_SENIOR = (
    select(_SENIOR)
    .where(
        col(SparringRequestRow.tenant_id) == bindparam("tenant_id"),
        col(SparringRequestRow.requester_id) == bindparam("requester_id"),
        col(SparringRequestRow.area) == bindparam("area"),
        col(SparringRequestRow.accepted_at).is_not(None),
    )
    .order_by(col(SparringRequestRow.accepted_at).desc())
    .limit(1)
)


class SqlTenants:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, tenant_id: int) -> Tenant | None:
        """Return the tenant with the id."""
        row = self._session.get(TenantRow, tenant_id)
        return tenant_from_row(row) if row else None

    def get_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant with the slug."""
        row = self._session.exec(select(TenantRow).where(TenantRow.slug == slug)).first()
        return tenant_from_row(row) if row else None


class SqlPeople:
    def __init__(self, session: Session, directory: DirectoryCache) -> None:
        self._session = session
        self._directory = directory

    def get(self, person_id: int) -> Person | None:
        """Return the (active) person with the id."""
        row = self._session.get(PersonRow, person_id)
        return person_from_row(row) if row and row.active else None

    def find(
        self,
        tenant_id: int,
        *,
        email: str | None = None,
        slack_id: str | None = None,
        teams_id: str | None = None,
    ) -> Person | None:
        """Return the active person in the tenant with one of these identities (platform ids first)."""
        conditions = [
            (PersonRow.slack_id, slack_id),
            (PersonRow.teams_id, teams_id),
            (PersonRow.email, email.strip().lower() if email else None),
        ]
        for column, value in conditions:
            if value:
                query = select(PersonRow).where(
                    PersonRow.tenant_id == tenant_id, column == value, col(PersonRow.active).is_(True)
                )
                row = self._session.exec(query).first()
                if row is not None:
                    return person_from_row(row)
        return None

    def with_role(self, tenant_id: int, role: str) -> Sequence[Person]:
        """Return the tenant's active people holding the role, by name (from the directory cache)."""
        return self._directory.with_role(self._session, tenant_id, role)

    def seniors_for(self, tenant_id: int, area: str) -> Sequence[Person]:
        """Return the tenant's active seniors with expertise in the area, by name (from the cache)."""
        return self._directory.seniors_for(self._session, tenant_id, area)

    def set_language(self, person_id: int, language: str) -> None:
        """Remember the person's preferred language (and mark the tenant's directory as changed)."""
        row = self._session.get(PersonRow, person_id)
        if row is None:
            return
        row.language = language
        tenant = self._session.get(TenantRow, row.tenant_id)
        if tenant is not None:
            tenant.updated_at = datetime.now(UTC)
        self._session.flush()


class SqlRequests:
    def __init__(self, session: Session) -> None:
        self._session = session

    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next request number with one atomic UPDATE … RETURNING."""
        statement = (
            update(TenantRow)
            .where(col(TenantRow.id) == tenant_id)
            .values(next_number=TenantRow.next_number + 1)
            .returning(col(TenantRow.next_number))
        )
        return int(self._session.execute(statement).scalar_one()) - 1

    def add(self, request: SparringRequest) -> SparringRequest:
        """Store a new request and return it with its id."""
        row = SparringRequestRow(**request_values(request))
        self._session.add(row)
        self._session.flush()
        request.id = row.id
        return request

    def get(self, tenant_id: int, number: int) -> SparringRequest | None:
        """Return the request, locked (FOR UPDATE on PostgreSQL; SQLite holds the write lock already)."""
        query = (
            select(SparringRequestRow)
            .where(SparringRequestRow.tenant_id == tenant_id, SparringRequestRow.number == number)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        row = self._session.exec(query).first()
        return request_from_row(row) if row else None

    def update(self, request: SparringRequest) -> None:
        """Write the request's changed fields back (the row is in this session since ``add`` or ``get``)."""
        row = self._session.get(SparringRequestRow, request.id)
        if row is None:
            raise LookupError(f"request {request.ref} was never read or added in this unit of work")
        for name, value in request_values(request).items():
            if getattr(row, name) != value:
                setattr(row, name, value)

    def _list(self, *conditions: Any, order: Any, limit: int | None = None) -> list[SparringRequest]:
        query = select(SparringRequestRow).where(*conditions).order_by(order).limit(limit)
        return [request_from_row(row) for row in self._session.exec(query)]

    def of_requester(self, tenant_id: int, requester_id: int, limit: int) -> list[SparringRequest]:
        """Return the requester's newest requests."""
        return self._list(
            SparringRequestRow.tenant_id == tenant_id,
            SparringRequestRow.requester_id == requester_id,
            order=col(SparringRequestRow.number).desc(),
            limit=limit,
        )

    def of_senior(self, tenant_id: int, senior_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the senior's requests in the given statuses, oldest first."""
        return self._list(
            SparringRequestRow.tenant_id == tenant_id,
            SparringRequestRow.senior_id == senior_id,
            col(SparringRequestRow.status).in_([s.value for s in statuses]),
            order=col(SparringRequestRow.number),
        )

    def with_status(self, tenant_id: int, statuses: Sequence[Status]) -> list[SparringRequest]:
        """Return the tenant's requests in the given statuses, oldest first."""
        return self._list(
            SparringRequestRow.tenant_id == tenant_id,
            col(SparringRequestRow.status).in_([s.value for s in statuses]),
            order=col(SparringRequestRow.number),
        )

    def created_between(self, tenant_id: int, start: datetime, end: datetime) -> list[SparringRequest]:
        """Return the requests created in [start, end)."""
        return self._list(
            SparringRequestRow.tenant_id == tenant_id,
            col(SparringRequestRow.created_at) >= start,
            col(SparringRequestRow.created_at) < end,
            order=col(SparringRequestRow.number),
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

    def last_senior(self, tenant_id: int, requester_id: int, area: str) -> int | None:
        """Return the senior who last accepted a request from this requester in this area."""
        params = {"tenant_id": tenant_id, "requester_id": requester_id, "area": area}
        return self._session.connection().execute(_LAST_SENIOR, params).scalar()

    def hours_held(self, tenant_id: int, start: datetime, end: datetime) -> float:
        """Return the hours of sessions held in [start, end)."""
        query = select(func.coalesce(func.sum(SparringRequestRow.hours), 0.0)).where(
            SparringRequestRow.tenant_id == tenant_id,
            col(SparringRequestRow.held_at) >= start,
            col(SparringRequestRow.held_at) < end,
        )
        return float(self._session.execute(query).scalar_one())

    def due_for_escalation(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """Return (tenant id, number) of offered requests whose answer time ran out, oldest first."""
        query = (
            select(SparringRequestRow.tenant_id, SparringRequestRow.number)
            .where(
                SparringRequestRow.status == Status.OFFERED.value,
                col(SparringRequestRow.escalate_at) <= now,
            )
            .order_by(col(SparringRequestRow.escalate_at))
            .limit(limit)
        )
        return [(row[0], row[1]) for row in self._session.execute(query)]


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, tenant_id: int, message: Message, due_at: datetime) -> bool:
        """Queue the message; a second message with the same dedupe key is ignored (ON CONFLICT)."""
        values = {
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
        statement = (
            upsert_insert(self._session, OutboxRow)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(col(OutboxRow.id))
        )
        return self._session.execute(statement).first() is not None


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
