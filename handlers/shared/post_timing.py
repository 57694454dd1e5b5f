"""When a scheduled post of a meeting is due, and what to do with it: the rules every feature's posts share.

The quarterly challenges' call, reminder and agenda and the ERFA reminders are all "N days before a meeting"
(a calendar offset in the tenant's zone: the same wall-clock time, across DST) or "N hours before" (absolute),
and all are sent on time, sent late saying so, or dropped once the meeting has begun.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

LATE_AFTER = timedelta(hours=1)
"""A post sent more than this after its due time says that it is late."""
MISSED_WINDOW = timedelta(days=7)
"""How long after a meeting began its unsent posts are still noticed (and the coordinator told)."""


class Delivery(StrEnum):
    """What to do with a planned post at a given moment."""

    WAIT = "wait"
    ON_TIME = "on_time"
    LATE = "late"
    DROP = "drop"
    """The meeting has begun: not sent; the coordinator gets a note instead."""


def delivery(due_at: datetime, meeting_at: datetime, now: datetime) -> Delivery:
    """Tell whether a post is not due yet, due on time, late (over an hour), or to drop (meeting begun)."""
    if now >= meeting_at:
        return Delivery.DROP
    if now < due_at:
        return Delivery.WAIT
    if now - due_at > LATE_AFTER:
        return Delivery.LATE
    return Delivery.ON_TIME


def starts_at(at: datetime, zone: ZoneInfo) -> datetime:
    """Return a meeting's start, written as wall time in the zone, as aware UTC."""
    # A wall time in the spring gap (02:30 on the last Sunday of March) does not exist; zoneinfo reads it
    # with the offset before the change (fold=0), i.e. as 03:30 summer time. An autumn fold takes the first.
    return wall(at, zone).replace(tzinfo=zone).astimezone(UTC)


def days_before(at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Return the UTC moment ``days`` calendar days before a wall time in the zone, at the same wall-clock time."""
    return (wall(at, zone) - timedelta(days=days)).replace(tzinfo=zone).astimezone(UTC)


def wall(at: datetime, zone: ZoneInfo) -> datetime:
    """Return the naive wall-clock time in the zone."""
    return at if at.tzinfo is None else at.astimezone(zone).replace(tzinfo=None)
