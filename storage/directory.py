"""A per-process cache of each tenant's people, so routing among a thousand seniors stays fast.

People change only when a tenant configuration is applied (or someone picks a language), and both
bump the tenant's ``updated_at``; each lookup compares that stamp, so every process sees changes
made by any other process on its next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from handlers.model import Person, Role
from storage.mapping import person_from_row
from storage.tables import PersonRow, TenantRow

# Built once: this runs for every routing decision, so it skips the ORM.
_VERSION = select(col(TenantRow.updated_at)).where(col(TenantRow.id) == bindparam("tenant_id"))


@dataclass(frozen=True, slots=True)
class _Entry:
    version: datetime
    by_role: dict[str, tuple[Person, ...]]
    seniors_by_area: dict[str, tuple[Person, ...]]


class DirectoryCache:
    """Active people per tenant and role, reloaded when the tenant's stamp changes."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.Lock()

    def with_role(self, session: Session, tenant_id: int, role: str) -> tuple[Person, ...]:
        """Return the tenant's active people with the role, by name."""
        entry = self._entry(session, tenant_id)
        return entry.by_role.get(role, ()) if entry else ()

    def seniors_for(self, session: Session, tenant_id: int, area: str) -> tuple[Person, ...]:
        """Return the tenant's active seniors with expertise in the area, by name."""
        entry = self._entry(session, tenant_id)
        return entry.seniors_by_area.get(area, ()) if entry else ()

    def _entry(self, session: Session, tenant_id: int) -> _Entry | None:
        version = session.connection().execute(_VERSION, {"tenant_id": tenant_id}).scalar()
        if version is None:
            return None
        entry = self._entries.get(tenant_id)
        if entry is None or entry.version != version:
            entry = self._load(session, tenant_id, version)
            with self._lock:
                self._entries[tenant_id] = entry
        return entry

    @staticmethod
    def _load(session: Session, tenant_id: int, version: datetime) -> _Entry:
        rows = session.exec(
            select(PersonRow)
            .where(PersonRow.tenant_id == tenant_id, col(PersonRow.active).is_(True))
            .order_by(col(PersonRow.name))
        )
        by_role: dict[str, list[Person]] = {}
        by_area: dict[str, list[Person]] = {}
        for row in rows:
            person = person_from_row(row)
            for role in person.roles:
                by_role.setdefault(role, []).append(person)
            if Role.SENIOR in person.roles:
                for area in person.expertise:
                    by_area.setdefault(area, []).append(person)
        return _Entry(
            version,
            {role: tuple(people) for role, people in by_role.items()},
            {area: tuple(people) for area, people in by_area.items()},
        )
