"""Applying the consultancy's network file, and the counts of a network's meetings across its tenants.

Only the consultancy sees counts across tenants (``vpmo network status``, a command on the server); each
tenant's numbers come from its own people's answers alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from bot.admin.network_config import NetworkConfig, NetworkConfigError
from bot.bootstrap import DanishHolidays
from handlers.erfa.calendar_warnings import APPLIED_ANYWAY, meeting_warnings
from handlers.erfa.network import NETWORK_ZONE, Network, NetworkMeeting
from handlers.erfa.rsvp import Counts, seating, settle
from handlers.shared import post_timing
from handlers.shared.ports import UnitOfWork
from storage.network_store import (
    ErfaTenant,
    all_networks,
    announced_meetings,
    erfa_tenants,
)
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory


@dataclass(slots=True)
class TenantChanges:
    """What an apply changed in the network meetings one tenant is invited to, by meeting key."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.cancelled or self.removed)

    def summary(self) -> str:
        """Return "added a, b; cancelled c"."""
        parts = [
            f"{label} {', '.join(keys)}"
            for label, keys in (
                ("added", self.added),
                ("changed", self.changed),
                ("cancelled", self.cancelled),
                ("removed", self.removed),
            )
            if keys
        ]
        return "; ".join(parts)


@dataclass(slots=True)
class NetworkReport:
    """What applying a network file changed, per tenant, and what it warns about."""

    slug: str
    created: bool = False
    members_changed: bool = False
    """The tenants or the competitors changed."""
    tenants: dict[str, TenantChanges] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Applied all the same: said on every apply while the meeting is ahead, each line "warning: …"."""

    @property
    def changed(self) -> bool:
        """Tell whether anything changed at all."""
        return self.created or self.members_changed or any(self.tenants.values())

    def summary(self) -> str:
        """Return a line for the network, one per tenant whose meetings changed, then one per warning."""
        if not self.changed:
            return "\n".join([f"{self.slug}: no changes.", *self.warnings])
        head = (
            "created" if self.created else ("tenants or competitors updated" if self.members_changed else "")
        )
        lines = [f"{self.slug}: {head or 'meetings updated'}."]
        lines += [
            f"{slug}: {changes.summary()}." for slug, changes in sorted(self.tenants.items()) if changes
        ]
        return "\n".join([*lines, *self.warnings])


def apply_network(engine: Engine, config: NetworkConfig, now: datetime) -> NetworkReport:
    """Store the network the file describes, or refuse it whole (:class:`NetworkConfigError`).

    Refused besides the file's own mistakes: a tenant that does not exist, an invited tenant without an
    ERFA channel (no erfa section), a meeting key an invited tenant already uses (its own or another
    network's), and an announced meeting dropped for a tenant instead of cancelled. The same file twice
    changes nothing.
    """
    network = config.network()
    with SqlUnitOfWorkFactory(engine)() as uow:
        held = uow.networks.get(network.slug)
        problems = _refusals(uow, network, held, now)
        if problems:
            raise NetworkConfigError(problems)
        report = _report(held, network)
        if report.changed:
            uow.networks.save(network)
            uow.commit()
    report.warnings = network_warnings(network, now)
    return report


def network_warnings(network: Network, now: datetime) -> list[str]:
    """Say which meetings still ahead fall on a Danish public holiday or in the common school holidays."""
    holidays = DanishHolidays()
    return [
        f"warning: {sentence} {APPLIED_ANYWAY}"
        for meeting in network.meetings
        if not meeting.cancelled and _end(meeting) > now
        for sentence in meeting_warnings(meeting, NETWORK_ZONE, holidays)
    ]


def _refusals(uow: SqlUnitOfWork, network: Network, held: Network | None, now: datetime) -> list[str]:
    tenants = erfa_tenants(uow.session, network.tenants)
    problems = [
        f"tenants: there is no tenant {slug!r}; apply its tenant file first (vpmo tenant apply FILE.yaml) "
        "or correct the slug"
        for slug in network.tenants
        if slug not in tenants
    ]
    invited = dict.fromkeys(slug for m in network.meetings for slug in m.tenants if slug in tenants)
    problems += [problem for slug in invited if (problem := _channel_problem(tenants[slug]))]
    problems += _key_collisions(uow, network, tenants)
    problems += _dropped_announcements(uow, network, held, now)
    return problems


def _channel_problem(tenant: ErfaTenant) -> str | None:
    """Say why the tenant's people would not see the network's meetings: it has no ERFA channel."""
    # The tenant file holds an erfa section to a channel on each platform the tenant is on.
    if tenant.erfa is not None:
        return None
    return (
        f"{tenant.slug} is invited to a meeting but has no ERFA channel: add an erfa section to its "
        "tenant file (erfa: {channel: {slack: C0ERFA}}) and apply it with vpmo tenant apply"
    )


def _key_collisions(uow: SqlUnitOfWork, network: Network, tenants: dict[str, ErfaTenant]) -> list[str]:
    # Each tenant knows its meetings by key alone: the reminders, answers and invites hang on it.
    others = [other for other in all_networks(uow.session) if other.slug != network.slug]
    problems = []
    for number, meeting in enumerate(network.meetings, start=1):
        where = f"meetings[{number}] {meeting.key}"
        for slug in meeting.tenants:
            if slug in tenants and meeting.key in tenants[slug].own_meetings:
                problems.append(
                    f"{where} has the key of {slug}'s own ERFA meeting {meeting.key} (its tenant file's "
                    "erfa_meetings); give the network meeting another key"
                )
            problems += [
                f"{where} and network {other.slug}'s meeting {meeting.key} both invite {slug}; "
                "give the network meeting another key"
                for other in others
                for theirs in other.meetings
                if theirs.key == meeting.key and slug in theirs.tenants
            ]
    return problems


def _dropped_announcements(
    uow: SqlUnitOfWork, network: Network, held: Network | None, now: datetime
) -> list[str]:
    if held is None:
        return []
    kept = {(m.key, slug) for m in network.meetings for slug in m.tenants}
    dropped = [(m.key, slug) for m in held.meetings for slug in m.tenants if (m.key, slug) not in kept]
    tenants = erfa_tenants(uow.session, {slug for _, slug in dropped})
    announced = {slug: announced_meetings(uow.session, tenant.id, now) for slug, tenant in tenants.items()}
    return [
        f"{key} was already announced to {slug}, so it may not simply disappear for them: keep it in the "
        "file (with cancelled: true to call it off) so the people who answered are told"
        for key, slug in dropped
        if key in announced.get(slug, set())
    ]


def _report(held: Network | None, network: Network) -> NetworkReport:
    report = NetworkReport(network.slug, created=held is None)
    if held is not None:
        report.members_changed = (held.tenants, held.competitors) != (network.tenants, network.competitors)
    before, after = _by_tenant(held), _by_tenant(network)
    for slug in sorted({*before, *after}):
        changes = TenantChanges()
        old, new = before.get(slug, {}), after.get(slug, {})
        for key, meeting in new.items():
            if key not in old:
                changes.added.append(key)
            elif meeting.cancelled and not old[key].cancelled:
                changes.cancelled.append(key)
            elif meeting != old[key]:
                changes.changed.append(key)
        changes.removed = [key for key in old if key not in new]
        report.tenants[slug] = changes
    return report


def _by_tenant(network: Network | None) -> dict[str, dict[str, NetworkMeeting]]:
    """Return each tenant's meetings by key, as the tenant sees them (without the other invitees)."""
    seen: dict[str, dict[str, NetworkMeeting]] = {}
    for meeting in network.meetings if network else ():
        for slug in meeting.tenants:
            seen.setdefault(slug, {})[meeting.key] = dataclasses.replace(meeting, tenants=())
    return seen


def _end(meeting: NetworkMeeting) -> datetime:
    return post_timing.starts_at(meeting.at, NETWORK_ZONE) + meeting.duration


# --- status ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TenantCounts:
    """One tenant's answers to a network meeting, from its own people only."""

    slug: str
    counts: Counts | None
    """None: the tenant no longer exists."""


@dataclass(frozen=True, slots=True)
class MeetingStatus:
    """A network meeting and each invited tenant's counts."""

    meeting: NetworkMeeting
    tenants: tuple[TenantCounts, ...]


def network_status(uow: UnitOfWork, slug: str) -> tuple[MeetingStatus, ...] | None:
    """Return the counts of every meeting of the network, per tenant (None: there is no such network).

    Answers stand for the meeting's current start only (after a move people are asked again).
    """
    network = uow.networks.get(slug)
    if network is None:
        return None
    return tuple(
        MeetingStatus(meeting, tuple(_tenant_counts(uow, meeting, tenant) for tenant in meeting.tenants))
        for meeting in network.meetings
    )


def _tenant_counts(uow: UnitOfWork, meeting: NetworkMeeting, slug: str) -> TenantCounts:
    tenant = uow.tenants.get_by_slug(slug)
    if tenant is None:
        return TenantCounts(slug, None)
    start = post_timing.starts_at(meeting.at, NETWORK_ZONE)
    standing = settle(uow.erfa.answers(tenant.id, meeting.key), start)
    return TenantCounts(slug, seating(standing, meeting.seats_per_tenant).counts)


_STATUS_COLUMNS = ("tenant", "seated", "waiting", "maybe", "not attending", "seats")


def status_text(slug: str, meetings: tuple[MeetingStatus, ...]) -> str:
    """Return the status as plain text: per meeting a heading, then a table row per tenant."""
    if not meetings:
        return f"{slug}: no meetings yet.\n"
    lines = [slug]
    for status in meetings:
        meeting = status.meeting
        mark = " (cancelled)" if meeting.cancelled else ""
        lines += [
            "",
            f"{meeting.key}{mark}: {meeting.title}, {meeting.at:%Y-%m-%d %H:%M} {NETWORK_ZONE.key}, {meeting.place}",
        ]
        rows = [_STATUS_COLUMNS, *(_status_cells(t.slug, t.counts) for t in status.tenants)]
        rows.append(_status_cells("all", _total(status.tenants)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(_STATUS_COLUMNS))]
        lines += [
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    return "\n".join(lines) + "\n"


def _total(tenants: tuple[TenantCounts, ...]) -> Counts:
    """Return the counts of all tenants together: for the consultancy's room, not for any one client."""
    held = [tenant.counts for tenant in tenants if tenant.counts is not None]
    seats = [counts.seats for counts in held]
    limited = all(seat is not None for seat in seats)
    return Counts(
        attending=sum(counts.attending for counts in held),
        waiting=sum(counts.waiting for counts in held),
        maybe=sum(counts.maybe for counts in held),
        not_attending=sum(counts.not_attending for counts in held),
        seats=sum(seat or 0 for seat in seats) if limited else None,
        free=sum(counts.free or 0 for counts in held) if limited else None,
    )


def _status_cells(name: str, counts: Counts | None) -> tuple[str, ...]:
    if counts is None:
        return (name, "-", "-", "-", "-", "(no such tenant)")
    seats = "no limit" if counts.seats is None else f"{counts.seats} ({counts.free} free)"
    return (
        name,
        str(counts.attending),
        str(counts.waiting),
        str(counts.maybe),
        str(counts.not_attending),
        seats,
    )
