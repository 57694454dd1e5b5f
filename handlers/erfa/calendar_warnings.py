"""Warnings (not errors) for an ERFA meeting set when many people are off: public holidays and school holidays.

Danish schools mostly close in ISO week 7 (winter), week 42 (autumn) and through July (summer); a meeting
then is applied all the same, with a sentence saying why it may be thinly attended. The public holidays come
from a :class:`~handlers.shared.calendar_rules.HolidayCalendar` (the app's Danish one is ``bot.bootstrap.
DanishHolidays``), so this stays pure.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.erfa.network import NetworkMeeting
from handlers.shared.calendar_rules import HolidayCalendar
from handlers.shared.erfa_settings import ErfaMeeting

SCHOOL_HOLIDAY_WEEKS = {7: "winter", 42: "autumn"}
"""ISO week numbers of the common Danish school holidays, with their season."""
SUMMER_HOLIDAY_MONTH = 7


def calendar_warnings(
    label: str, at: datetime, duration: timedelta, zone: ZoneInfo, holidays: HolidayCalendar
) -> tuple[str, ...]:
    """Return a sentence for each public holiday or school-holiday week or month the meeting falls on.

    ``label`` names the meeting in the sentences (its key, or the file's ``erfa_meetings[2] 2027-autumn``);
    ``at`` is read at its wall-clock time in ``zone`` and the meeting covers every local day it runs into.
    """
    warnings: list[str] = []
    days = _local_days(at, duration, zone)
    for day in days:
        if holidays.is_holiday(day):
            warnings.append(
                f"{label} falls on {day.isoformat()}, a Danish public holiday, when most people are off"
            )
    weeks = dict.fromkeys(day.isocalendar()[:2] for day in days)
    for year, week in weeks:
        if week in SCHOOL_HOLIDAY_WEEKS:
            monday = date.fromisocalendar(year, week, 1)
            warnings.append(
                f"{label} falls in week {week} ({monday.isoformat()} to {(monday + timedelta(days=6)).isoformat()}), "
                f"the {SCHOOL_HOLIDAY_WEEKS[week]} school holiday in most of Denmark, when many people are away"
            )
    if any(day.month == SUMMER_HOLIDAY_MONTH for day in days):
        warnings.append(
            f"{label} falls in July, the common summer holiday in Denmark, when many people are away"
        )
    return tuple(warnings)


def meeting_warnings(
    meeting: ErfaMeeting | NetworkMeeting, zone: ZoneInfo, holidays: HolidayCalendar
) -> tuple[str, ...]:
    """Return the calendar warnings of a tenant or network meeting, named by its key."""
    return calendar_warnings(meeting.key, meeting.at, meeting.duration, zone, holidays)


def _local_days(at: datetime, duration: timedelta, zone: ZoneInfo) -> list[date]:
    """Return the local days from the start to the end (a meeting ending at midnight does not touch the next)."""
    wall = at if at.tzinfo is None else at.astimezone(zone).replace(tzinfo=None)
    start = wall.replace(tzinfo=zone)
    last = (start + max(duration, timedelta()) - timedelta(microseconds=1)).astimezone(zone).date()
    first = start.date()
    return [first + timedelta(days=offset) for offset in range(max((last - first).days, 0) + 1)]
