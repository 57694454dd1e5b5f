"""A tenant and its people as the tenant configuration sets them: written, read back, listed.

The administration commands (``vpmo tenant apply/export/list``) come here outside any use case; the
translation from the configuration file to these values is bot/admin/tenant_admin.py's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from handlers.shared.model import Role, Status
from storage.directory import next_stamp
from storage.tables import PersonRow, SparringRequestRow, TenantRow


@dataclass(frozen=True, slots=True)
class TenantSettings:
    """What the configuration sets on a tenant (everything but its slug and bookkeeping)."""

    name: str
    language: str
    timezone: str
    agreed_hours_per_quarter: float
    response_hours: float
    over_quota: str
    business_start: str
    business_end: str
    slack_team_id: str | None
    teams_tenant_id: str | None
    extra_areas: list[dict[str, Any]]
    quarterly_meetings: list[dict[str, str]] = field(default_factory=list)
    challenges: dict[str, Any] | None = None
    erfa_meetings: list[dict[str, Any]] = field(default_factory=list)
    erfa: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PersonSettings:
    """What the configuration sets on a person, who is known by their e-mail within the tenant."""

    email: str
    name: str
    roles: list[str]
    language: str | None
    external: bool
    expertise: list[str]
    capacity_hours_per_month: float
    absences: list[dict[str, str]]
    slack_id: str | None
    teams_id: str | None


@dataclass(slots=True)
class AppliedRows:
    """What writing the settings changed."""

    created: bool = False
    tenant_changed: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Tell whether any row changed."""
        return self.created or self.tenant_changed or bool(self.added or self.updated or self.deactivated)


def _values(settings: TenantSettings | PersonSettings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def apply_tenant_rows(
    engine: Engine, slug: str, tenant: TenantSettings, people: Sequence[PersonSettings], moment: datetime
) -> AppliedRows:
    """Create or update the tenant and its people in one transaction; people not listed are deactivated."""
    applied = AppliedRows()
    with Session(engine) as session:
        row = session.exec(select(TenantRow).where(TenantRow.slug == slug)).first()
        if row is None:
            row = TenantRow(slug=slug, created_at=moment, updated_at=moment, **_values(tenant))
            session.add(row)
            session.flush()
            applied.created = True
        elif _assign(row, _values(tenant)):
            applied.tenant_changed = True
        assert row.id is not None, "flushed rows have ids"
        _apply_people(session, row.id, people, applied)
        if applied.changed:
            # The stamp tells every process's directory cache to reload this tenant's people.
            row.updated_at = next_stamp(row.updated_at, moment)
        session.commit()
    return applied


def _apply_people(
    session: Session, tenant_id: int, people: Sequence[PersonSettings], applied: AppliedRows
) -> None:
    rows = {row.email: row for row in session.exec(select(PersonRow).where(PersonRow.tenant_id == tenant_id))}
    for person in people:
        values = _values(person) | {"active": True}
        row = rows.pop(person.email, None)
        if row is None:
            session.add(PersonRow(tenant_id=tenant_id, **values))
            applied.added.append(person.email)
        elif _assign(row, values):
            applied.updated.append(person.email)
    for email, row in rows.items():
        if row.active:
            row.active = False
            applied.deactivated.append(email)


def departed_seniors(engine: Engine, slug: str) -> dict[int, str]:
    """Return (id → name) of people holding an offered or accepted request who are no longer active seniors."""
    with Session(engine) as session:
        tenant = session.exec(select(TenantRow).where(TenantRow.slug == slug)).first()
        if tenant is None or tenant.id is None:
            return {}
        holders = set(
            session.exec(
                select(SparringRequestRow.senior_id).where(
                    SparringRequestRow.tenant_id == tenant.id,
                    col(SparringRequestRow.status).in_([Status.OFFERED.value, Status.ACCEPTED.value]),
                )
            ).all()
        )
        return {
            row.id: row.name
            for row in session.exec(select(PersonRow).where(PersonRow.tenant_id == tenant.id))
            if row.id is not None
            and row.id in holders
            and (not row.active or Role.SENIOR.value not in row.roles)
        }


def stored_tenant(engine: Engine, slug: str) -> tuple[TenantSettings, list[PersonSettings]] | None:
    """Return the tenant's settings and its active people (oldest first), as stored."""
    with Session(engine) as session:
        tenant = session.exec(select(TenantRow).where(TenantRow.slug == slug)).first()
        if tenant is None:
            return None
        people = session.exec(
            select(PersonRow)
            .where(PersonRow.tenant_id == tenant.id, col(PersonRow.active).is_(True))
            .order_by(col(PersonRow.id))
        ).all()
        settings = TenantSettings(
            **{f.name: getattr(tenant, f.name) for f in dataclasses.fields(TenantSettings)}
        )
        return settings, [
            PersonSettings(**{f.name: getattr(row, f.name) for f in dataclasses.fields(PersonSettings)})
            for row in people
        ]


def tenant_summaries(engine: Engine) -> list[tuple[str, str, int]]:
    """Return (slug, name, active people) for every tenant, by slug."""
    with Session(engine) as session:
        tenants = session.exec(select(TenantRow).order_by(col(TenantRow.slug))).all()
        return [
            (
                t.slug,
                t.name,
                len(
                    session.exec(
                        select(PersonRow.id).where(PersonRow.tenant_id == t.id, col(PersonRow.active))
                    ).all()
                ),
            )
            for t in tenants
        ]
