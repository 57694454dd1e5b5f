"""Warnings (not errors) for an ERFA meeting set when many people are off: public holidays and school holidays.

Danish schools mostly close in ISO week 7 (winter), week 42 (autumn) and through July (summer); a meeting
then is applied all the same, with a sentence saying why it may be thinly attended. The public holidays, by
name, come from a :class:`~handlers.shared.calendar_rules.NamedHolidays` (the app's Danish one is
``bot.bootstrap.DanishHolidays``), so this stays pure. Both the tenant file and the network file warn with it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.erfa.network import NetworkMeeting
from handlers.shared.calendar_rules import NamedHolidays
from handlers.shared.erfa_settings import ErfaMeeting

SCHOOL_HOLIDAY_WEEKS = {7: ("winter", "vinterferie"), 42: ("autumn", "efterårsferie")}
"""ISO week numbers of the common Danish school holidays: the season, and the name people know it by."""
SUMMER_HOLIDAY_MONTH = 7
APPLIED_ANYWAY = "(applied all the same; move it if that was not meant)"
"""What a configuration file's apply adds to each warning: the meeting is kept as written."""
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def calendar_warnings(
    label: str, at: datetime, duration: timedelta, zone: ZoneInfo, holidays: NamedHolidays
) -> tuple[str, ...]:
    """Return a sentence for each public holiday or school-holiday week or month the meeting falls on.

    ``label`` names the meeting in the sentences (its key, or the file's ``erfa_meetings[2] (2027-autumn)``);
    ``at`` is read at its wall-clock time in ``zone`` and the meeting covers every local day it runs into.
    """
    warnings: list[str] = []
    days = _local_days(at, duration, zone)
    for day in days:
        holiday = holidays.name_of(day)
        if holiday:
            warnings.append(
                f"{label} falls on {holiday} ({_shown(day)}), a Danish public holiday, when most people are off"
            )
    weeks = dict.fromkeys(day.isocalendar()[:2] for day in days)
    for year, week in weeks:
        if week in SCHOOL_HOLIDAY_WEEKS:
            monday = date.fromisocalendar(year, week, 1)
            season, known_as = SCHOOL_HOLIDAY_WEEKS[week]
            warnings.append(
                f"{label} falls in week {week} ({monday.isoformat()} to {(monday + timedelta(days=6)).isoformat()}), "
                f"the {season} school holiday ({known_as}) in most of Denmark, when many people are away"
            )
    if any(day.month == SUMMER_HOLIDAY_MONTH for day in days):
        warnings.append(
            f"{label} falls in July, the common summer holiday (sommerferie) in Denmark, when many people are away"
        )
    return tuple(warnings)


def _shown(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def meeting_warnings(
    meeting: ErfaMeeting | NetworkMeeting, zone: ZoneInfo, holidays: NamedHolidays
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
