"""A per-process cache of each tenant's people, so routing among a thousand seniors stays fast.

People change only when a tenant configuration is applied (or someone picks a language), and both
bump the tenant's ``updated_at``; each lookup compares that stamp, so every process sees changes
made by any other process on its next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from handlers.model import Person
from storage.mapping import person_from_row
from storage.tables import PersonRow, TenantRow


@dataclass(frozen=True, slots=True)
class _Entry:
    version: datetime
    by_role: dict[str, tuple[Person, ...]]


class DirectoryCache:
    """Active people per tenant and role, reloaded when the tenant's stamp changes."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.Lock()

    def with_role(self, session: Session, tenant_id: int, role: str) -> tuple[Person, ...]:
        """Return the tenant's active people with the role, by name."""
        version = session.exec(select(TenantRow.updated_at).where(TenantRow.id == tenant_id)).first()
        if version is None:
            return ()
        entry = self._entries.get(tenant_id)
        if entry is None or entry.version != version:
            entry = _Entry(version, self._load(session, tenant_id))
            with self._lock:
                self._entries[tenant_id] = entry
        return entry.by_role.get(role, ())

    @staticmethod
    def _load(session: Session, tenant_id: int) -> dict[str, tuple[Person, ...]]:
        rows = session.exec(
            select(PersonRow)
            .where(PersonRow.tenant_id == tenant_id, col(PersonRow.active).is_(True))
            .order_by(col(PersonRow.name))
        )
        by_role: dict[str, list[Person]] = {}
        for row in rows:
            person = person_from_row(row)
            for role in person.roles:
                by_role.setdefault(role, []).append(person)
        return {role: tuple(people) for role, people in by_role.items()}
