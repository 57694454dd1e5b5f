"""The consultancy's ERFA networks (``vpmo network apply``), and what the applies check against.

A network is one row; its meetings are JSON as storage/tables.py describes them. Saving a network that
changed moves its stamp (``updated_at``), which tells each process's cached tenants to read their network
meetings afresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from handlers.erfa.network import NETWORK_ZONE, Network, NetworkMeeting
from storage.directory import next_stamp
from storage.mapping import network_meeting_from_json
from storage.tables import ErfaRecordRow, NetworkRow, TenantRow


class SqlNetworks:
    """The networks, on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, network: Network) -> None:
        """Store a network whole (insert or replace by slug); its meetings replace the ones stored before."""
        values = network_values(network)
        row = self._row(network.slug)
        if row is not None and all(getattr(row, name) == value for name, value in values.items()):
            return
        # The cached tenants watch the newest stamp of all networks, so a change must pass that one,
        # whatever this machine's clock says.
        newest = self._session.exec(select(func.max(NetworkRow.updated_at))).one()
        stamp = datetime.now(UTC) if newest is None else next_stamp(newest, datetime.now(UTC))
        if row is None:
            self._session.add(NetworkRow(slug=network.slug, updated_at=stamp, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = stamp
        self._session.flush()

    def get(self, slug: str) -> Network | None:
        """Return the network with the slug."""
        row = self._row(slug)
        return None if row is None else network_from_row(row)

    def _row(self, slug: str) -> NetworkRow | None:
        return self._session.exec(select(NetworkRow).where(NetworkRow.slug == slug)).first()


def network_values(network: Network) -> dict[str, Any]:
    """Return the row's values for a network: its lists, and its meetings by time."""
    return {
        "tenants": list(network.tenants),
        "competitors": [list(pair) for pair in network.competitors],
        "meetings": [
            _meeting_values(m) for m in sorted(network.meetings, key=lambda m: (_wall(m.at), m.key))
        ],
    }


def network_from_row(row: NetworkRow) -> Network:
    """Return the network a row holds."""
    return Network(
        slug=row.slug,
        tenants=tuple(row.tenants),
        competitors=tuple((pair[0], pair[1]) for pair in row.competitors),
        meetings=tuple(network_meeting_from_json(values) for values in row.meetings),
    )


def all_networks(session: Session) -> list[Network]:
    """Return every network, by slug."""
    return [network_from_row(row) for row in session.exec(select(NetworkRow).order_by(col(NetworkRow.slug)))]


@dataclass(frozen=True, slots=True)
class ErfaTenant:
    """What a network apply must know of an invited tenant: its ERFA settings and own meetings."""

    id: int
    slug: str
    erfa: dict[str, Any] | None
    """The ``erfa`` section's values (its channels); None: the tenant has none."""
    own_meetings: tuple[str, ...]
    """The keys of the tenant's own ERFA meetings (its file's ``erfa_meetings``)."""


def erfa_tenants(session: Session, slugs: Iterable[str]) -> dict[str, ErfaTenant]:
    """Return the tenants with the slugs that exist, by slug."""
    rows = session.exec(select(TenantRow).where(col(TenantRow.slug).in_(set(slugs))))
    return {
        row.slug: ErfaTenant(
            id=row.id,
            slug=row.slug,
            erfa=row.erfa,
            own_meetings=tuple(meeting["key"] for meeting in row.erfa_meetings),
        )
        for row in rows
        if row.id is not None
    }


def announced_meetings(session: Session, tenant_id: int, now: datetime) -> set[str]:
    """Return the keys of the tenant's ERFA meetings announced, not cancelled and not begun at ``now``.

    Such a meeting has people who may have answered: it may be called off (``cancelled: true``), so they
    are told, but not silently dropped from a file.
    """
    rows = session.exec(
        select(ErfaRecordRow).where(
            ErfaRecordRow.tenant_id == tenant_id, col(ErfaRecordRow.cancelled).is_(False)
        )
    )
    return {row.meeting for row in rows if row.start > now}


def _meeting_values(meeting: NetworkMeeting) -> dict[str, Any]:
    return {
        "key": meeting.key,
        "title": meeting.title,
        "at": _wall(meeting.at).isoformat(timespec="minutes"),
        "duration_minutes": int(meeting.duration.total_seconds()) // 60,
        "place": meeting.place,
        "tenants": list(meeting.tenants),
        "seats_per_tenant": meeting.seats_per_tenant,
        "cancelled": meeting.cancelled,
    }


def _wall(at: datetime) -> datetime:
    """Return the local wall time in the consultancy's zone, without an offset, as the row keeps it."""
    return at if at.tzinfo is None else at.astimezone(NETWORK_ZONE).replace(tzinfo=None)
