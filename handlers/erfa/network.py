"""ERFA across client organisations: the consultancy's network file, and the rules it must keep.

A network ERFA brings people of several clients together; clients that compete are never invited to the same
one. :func:`check_network` returns every problem of a network at once, each one sentence naming where it is
(``meetings[1]`` is the first meeting, as the tenant file's problems count); a network with problems is refused
whole, nothing applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

NETWORK_ZONE = ZoneInfo("Europe/Copenhagen")
"""The consultancy's zone: a network's meetings are written in it, whichever zone each client has."""
NETWORK_AUDIENCE = ("pm", "tester", "steering", "participant")
"""Everyone a tenant's own meeting may be for: a network meeting is for all of them."""


@dataclass(frozen=True, slots=True)
class NetworkMeeting:
    """One network ERFA meeting; `at` is local wall time in the consultancy's zone, as in the file."""

    key: str
    title: str
    at: datetime
    duration: timedelta
    place: str
    tenants: tuple[str, ...]
    """The slugs of the client tenants invited."""
    seats_per_tenant: int | None = None
    """Seats for each invited tenant (a waiting list per tenant beyond them); None: no limit."""
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Network:
    """A network of client tenants that may meet, who among them compete, and their meetings."""

    slug: str
    tenants: tuple[str, ...]
    competitors: tuple[tuple[str, str], ...]
    meetings: tuple[NetworkMeeting, ...]


def check_network(
    tenants: Sequence[str], competitors: Iterable[Sequence[str]], meetings: Sequence[NetworkMeeting]
) -> tuple[str, ...]:
    """Return the problems of a network, one sentence each; none means it may be applied."""
    members = set(tenants)
    problems = [f"{tenant} is listed twice in tenants" for tenant in _repeated(tenants)]
    pairs: list[tuple[str, str]] = []
    for number, pair in enumerate(competitors, start=1):
        if len(pair) != 2 or pair[0] == pair[1]:
            problems.append(
                f"competitors[{number}] must name two different tenants, such as [nordlys, vindkraft]"
            )
            continue
        pairs.append((pair[0], pair[1]))
        problems.extend(
            f"competitors[{number}] names {tenant}, which is not one of the network's tenants"
            for tenant in pair
            if tenant not in members
        )
    first_with_key: dict[str, int] = {}
    for number, meeting in enumerate(meetings, start=1):
        where = f"meetings[{number}] {meeting.key}"
        if meeting.key in first_with_key:
            problems.append(
                f"{where} uses the key of meetings[{first_with_key[meeting.key]}]; each meeting needs its own key"
            )
        first_with_key.setdefault(meeting.key, number)
        problems.extend(f"{tenant} is listed twice in {where}" for tenant in _repeated(meeting.tenants))
        problems.extend(
            f"{tenant} in {where} is not one of the network's tenants"
            for tenant in dict.fromkeys(meeting.tenants)
            if tenant not in members
        )
        invited = set(meeting.tenants)
        problems.extend(
            f"{one} and {other} compete and may not be invited to the same network ERFA ({where})"
            for one, other in pairs
            if one in invited and other in invited
        )
        if meeting.seats_per_tenant is not None and meeting.seats_per_tenant < 1:
            problems.append(f"{where} has seats_per_tenant {meeting.seats_per_tenant}; it must be at least 1")
    return tuple(problems)


def check(network: Network) -> tuple[str, ...]:
    """Return the problems of a network (see :func:`check_network`)."""
    return check_network(network.tenants, network.competitors, network.meetings)


def _repeated(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for item in items:
        if item in seen:
            repeated[item] = None
        seen.add(item)
    return list(repeated)
