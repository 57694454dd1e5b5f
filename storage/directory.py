"""A per-process cache of each tenant and its people: identities and routing among a thousand seniors stay fast.

A tenant and its people change only when a tenant configuration is applied (or someone picks a
language), and both move the tenant's ``updated_at`` forward; a unit of work reads that stamp first,
so every process sees changes made by any other process on its next request. A tenant also holds the
network ERFA meetings it is invited to: the networks' stamp (:data:`NETWORKS_STAMP`, the latest
``updated_at`` of any network) is read in the same statement, and a tenant is decoded again when
either stamp moved.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, ScalarSelect, bindparam, func, select
from sqlmodel import Session

from handlers.shared.model import Person, Role, Tenant
from storage.mapping import person_from_row, tenant_from_row
from storage.tables import NETWORK, PERSON, TENANT

# The tenant stamps a unit of work has read, by tenant id: its view of which directory is current.
DirectorySeen = dict[int, datetime]

_VERSION = select(TENANT.c.updated_at).where(TENANT.c.id == bindparam("tenant_id"))
_TENANT = select(TENANT).where(TENANT.c.id == bindparam("tenant_id"))
_NETWORKS = select(NETWORK)
NETWORKS_STAMP: ScalarSelect[datetime | None] = select(func.max(NETWORK.c.updated_at)).scalar_subquery()
"""When any network last changed (NULL: there are none); select it with a tenant's stamp."""
_ACTIVE_PEOPLE = (
    select(PERSON)
    .where(PERSON.c.tenant_id == bindparam("tenant_id"), PERSON.c.active.is_(True))
    .order_by(PERSON.c.name)
)


def next_stamp(previous: datetime, now: datetime) -> datetime:
    """Return a tenant stamp later than the previous one, even when the clock says otherwise."""
    return max(now, previous + timedelta(microseconds=1))


@dataclass(frozen=True, slots=True)
class _Entry:
    version: datetime
    by_id: dict[int, Person]
    by_identity: dict[tuple[str, str], Person]
    by_role: dict[str, tuple[Person, ...]]
    seniors_by_area: dict[str, tuple[Person, ...]]


class DirectoryCache:
    """Active people per tenant, by id, identity, role and area; reloaded when the tenant's stamp moves."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._tenants: dict[int, tuple[datetime, datetime | None, Tenant]] = {}
        self._lock = threading.Lock()

    def tenant(
        self, connection: Connection, tenant_id: int, version: datetime, networks: datetime | None
    ) -> Tenant | None:
        """Return the tenant as it is at its stamp and the networks' (read, and decoded, once per stamps)."""
        cached = self._tenants.get(tenant_id)
        if cached is not None and cached[:2] == (version, networks):
            return cached[2]
        row = connection.execute(_TENANT, {"tenant_id": tenant_id}).first()
        if row is None:
            return None
        network_rows = connection.execute(_NETWORKS).all()
        tenant = tenant_from_row(row, network_rows)
        # The stamps of what was read, not the ones asked for: a copy is never marked newer than it is.
        read = max((network.updated_at for network in network_rows), default=None)
        with self._lock:
            self._tenants[tenant_id] = (row.updated_at, read, tenant)
        return tenant

    def current_tenant(self, tenant_id: int, seen: DirectorySeen) -> Tenant | None:
        """Return the cached tenant if it is as a unit of work read its stamp (None when it did not)."""
        cached = self._tenants.get(tenant_id)
        if cached is None or seen.get(tenant_id) != cached[0]:
            return None
        return cached[2]

    def person(self, session: Session, tenant_id: int, person_id: int, seen: DirectorySeen) -> Person | None:
        """Return the tenant's active person with the id (None also when they belong to another tenant)."""
        entry = self._entry(session, tenant_id, seen)
        return entry.by_id.get(person_id) if entry else None

    def find(
        self,
        session: Session,
        tenant_id: int,
        seen: DirectorySeen,
        *,
        slack_id: str | None,
        teams_id: str | None,
        email: str | None,
    ) -> Person | None:
        """Return the tenant's active person with one of these identities (platform ids first)."""
        entry = self._entry(session, tenant_id, seen)
        if entry is None:
            return None
        for kind, value in (("slack", slack_id), ("teams", teams_id), ("email", email)):
            if value and (person := entry.by_identity.get((kind, value))) is not None:
                return person
        return None

    def with_role(
        self, session: Session, tenant_id: int, role: str, seen: DirectorySeen
    ) -> tuple[Person, ...]:
        """Return the tenant's active people with the role, by name."""
        entry = self._entry(session, tenant_id, seen)
        return entry.by_role.get(role, ()) if entry else ()

    def seniors_for(
        self, session: Session, tenant_id: int, area: str, seen: DirectorySeen
    ) -> tuple[Person, ...]:
        """Return the tenant's active seniors with expertise in the area, by name."""
        entry = self._entry(session, tenant_id, seen)
        return entry.seniors_by_area.get(area, ()) if entry else ()

    def _entry(self, session: Session, tenant_id: int, seen: DirectorySeen) -> _Entry | None:
        version = seen.get(tenant_id)
        if version is None:
            version = session.connection().execute(_VERSION, {"tenant_id": tenant_id}).scalar()
            if version is None:
                return None
            seen[tenant_id] = version
        entry = self._entries.get(tenant_id)
        if entry is None or entry.version != version:
            entry = self._load(session, tenant_id, version)
            with self._lock:
                self._entries[tenant_id] = entry
        return entry

    @staticmethod
    def _load(session: Session, tenant_id: int, version: datetime) -> _Entry:
        rows = session.connection().execute(_ACTIVE_PEOPLE, {"tenant_id": tenant_id})
        people = [person_from_row(row) for row in rows]
        by_identity: dict[tuple[str, str], Person] = {}
        by_role: dict[str, list[Person]] = {}
        by_area: dict[str, list[Person]] = {}
        for person in people:
            for kind, value in (
                ("slack", person.slack_id),
                ("teams", person.teams_id),
                ("email", person.email),
            ):
                if value:
                    by_identity.setdefault((kind, value), person)
            for role in person.roles:
                by_role.setdefault(role, []).append(person)
            if Role.SENIOR in person.roles:
                for area in person.expertise:
                    by_area.setdefault(area, []).append(person)
        return _Entry(
            version,
            {person.id: person for person in people},
            by_identity,
            {role: tuple(members) for role, members in by_role.items()},
            {area: tuple(members) for area, members in by_area.items()},
        )
