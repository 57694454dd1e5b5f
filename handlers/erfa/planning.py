"""When an ERFA meeting's channel reminders fall due, and what to do with one that is due (or overdue).

The plan is recomputed from the tenant's meetings every time. "-7d" is a calendar offset in the tenant's zone
(the same wall-clock time, across DST); "-2h" is absolute. A reminder's idempotency key holds the meeting's
start, so a new place keeps every key (nothing is sent twice) while a new time gives every reminder a new key
(each is planned again, and the keys of the old time are never planned, so nothing goes out for it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.erfa.settings import OffsetUnit, ReminderOffset, parse_reminders
from handlers.shared import post_timing as timing
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings

# One decision for every feature's scheduled posts: ERFA reminders and challenge posts alike.
from handlers.shared.post_timing import LATE_AFTER, MISSED_WINDOW, Delivery

__all__ = [
    "LATE_AFTER",
    "MISSED_WINDOW",
    "Delivery",
    "PlannedReminder",
    "decide",
    "due_at",
    "missed",
    "plan",
    "starts_at",
    "superseded",
]


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One channel reminder to put in the outbox."""

    meeting: str
    offset: ReminderOffset
    due_at: datetime
    """Aware UTC."""
    meeting_at: datetime
    """Aware UTC: the meeting's start, after which the reminder is dropped."""
    dedupe_key: str
    """``erfa:{tenant}:{meeting}:{start, UTC}:{offset}``, e.g. ``erfa:acme:2027-spring:2027-04-15T07:00Z:-7d``."""


def starts_at(meeting: ErfaMeeting, zone: ZoneInfo) -> datetime:
    """Return the meeting's start as aware UTC."""
    return timing.starts_at(meeting.at, zone)


def due_at(meeting: ErfaMeeting, offset: ReminderOffset, zone: ZoneInfo) -> datetime:
    """Return the UTC moment of a reminder: calendar days at the same wall-clock time, or absolute hours."""
    if offset.unit is OffsetUnit.HOURS:
        return starts_at(meeting, zone) - timedelta(hours=offset.amount)
    return timing.days_before(meeting.at, offset.amount, zone)


def plan(
    tenant: str,
    zone: ZoneInfo,
    meetings: Iterable[ErfaMeeting],
    settings: ErfaSettings,
    now: datetime,
) -> tuple[PlannedReminder, ...]:
    """Return the reminders of every meeting not begun at ``now``, in due order.

    Overdue reminders are included (a bot that was down posts them when it comes back; see :func:`decide`
    and :func:`superseded`); the outbox's idempotency key keeps one already sent from going out again.
    """
    ahead = (m for m in meetings if starts_at(m, zone) > now)
    return _reminders(tenant, zone, ahead, settings)


def missed(
    tenant: str,
    zone: ZoneInfo,
    meetings: Iterable[ErfaMeeting],
    settings: ErfaSettings,
    now: datetime,
    window: timedelta = MISSED_WINDOW,
) -> tuple[PlannedReminder, ...]:
    """Return the reminders of the meetings that began within ``window`` before ``now``.

    Any of them never sent was missed while the bot was down: :func:`decide` drops it, and the
    coordinator is told instead (once, under the reminder's own key).
    """
    begun = (m for m in meetings if now - window <= starts_at(m, zone) <= now)
    return _reminders(tenant, zone, begun, settings)


def decide(reminder: PlannedReminder, now: datetime) -> Delivery:
    """Tell whether a reminder is not due yet, due on time, late (over an hour), or to drop (meeting begun)."""
    return timing.delivery(reminder.due_at, reminder.meeting_at, now)


def superseded(reminders: Iterable[PlannedReminder], now: datetime) -> frozenset[str]:
    """Return the keys of due reminders that a later due reminder of the same meeting makes redundant.

    After downtime, or when a meeting is added or moved close to its date, several reminders of one meeting
    may be due at once; the channel then gets only the latest of them, not "in 28 days" and "in 7 days"
    together. Reminders already sent are the outbox's business: skip a superseded one only if it is unsent.
    """
    due = [r for r in reminders if decide(r, now) in (Delivery.ON_TIME, Delivery.LATE)]
    latest: dict[tuple[str, datetime], PlannedReminder] = {}
    for reminder in due:
        held = latest.get((reminder.meeting, reminder.meeting_at))
        if held is None or reminder.due_at > held.due_at:
            latest[(reminder.meeting, reminder.meeting_at)] = reminder
    kept = {reminder.dedupe_key for reminder in latest.values()}
    return frozenset(reminder.dedupe_key for reminder in due if reminder.dedupe_key not in kept)


def _reminders(
    tenant: str, zone: ZoneInfo, meetings: Iterable[ErfaMeeting], settings: ErfaSettings
) -> tuple[PlannedReminder, ...]:
    reminders = []
    for meeting in meetings:
        start = starts_at(meeting, zone)
        for offset in parse_reminders(settings.reminders):
            reminders.append(
                PlannedReminder(
                    meeting=meeting.key,
                    offset=offset,
                    due_at=due_at(meeting, offset, zone),
                    meeting_at=start,
                    dedupe_key=f"erfa:{tenant}:{meeting.key}:{start:%Y-%m-%dT%H:%MZ}:{offset.text}",
                )
            )
    reminders.sort(key=lambda reminder: (reminder.due_at, reminder.meeting, reminder.offset.text))
    return tuple(reminders)
