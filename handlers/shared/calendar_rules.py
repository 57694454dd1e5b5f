"""Business hours, months and quarters in a tenant's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from handlers.shared.text import Text


class HolidayCalendar(Protocol):
    """Public holidays (for us: Danish ones); weekends are handled separately."""

    def is_holiday(self, day: date) -> bool:
        """Tell whether the day is a public holiday."""
        ...


class NamedHolidays(HolidayCalendar, Protocol):
    """Public holidays with their names, for sentences that say which holiday a day is."""

    def name_of(self, day: date) -> str | None:
        """Return the holiday's name (such as Kristi himmelfartsdag), or None on any other day."""
        ...


@dataclass(frozen=True, slots=True)
class WorkingDay:
    """The business hours of a tenant: a daily window in its time zone, Monday to Friday."""

    zone: ZoneInfo
    start: time
    end: time
    holidays: HolidayCalendar

    def is_business_day(self, day: date) -> bool:
        """Tell whether people work that day (not a weekend, not a public holiday)."""
        return day.weekday() < 5 and not self.holidays.is_holiday(day)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """Return the day's business window as aware datetimes in the tenant's zone."""
        return (datetime.combine(day, self.start, self.zone), datetime.combine(day, self.end, self.zone))


def add_business_hours(moment: datetime, hours: float, working_day: WorkingDay) -> datetime:
    """Return the UTC moment ``hours`` business hours after ``moment``.

    Time outside the daily window, weekends and holidays does not count, so a request sent on
    Friday afternoon with 8 hours to answer falls due on Monday afternoon (or Tuesday after Easter).
    """
    remaining = timedelta(hours=hours)
    local = moment.astimezone(working_day.zone)
    day = local.date()
    # Bounded: a year of holidays cannot hide every business day.
    for _ in range(3660):
        if working_day.is_business_day(day):
            opens, closes = working_day.window(day)
            begin = max(local, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        local = datetime.combine(day, time.min, working_day.zone)
    raise ValueError("no business day within ten years; check the holiday calendar")


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end) in UTC, with a label such as ``2027-Q1``."""

    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True, slots=True)
class Quarter(Period):
    """A calendar quarter; ``label`` (``2027-Q1``) is for keys, ``name`` for people."""

    year: int
    number: int

    @property
    def name(self) -> Text:
        """Return the quarter as people write it ("1. kvartal 2027", "Q1 2027")."""
        # Strings, not ints: the reader would group a year as a number ("2.027").
        return Text.of("quarter", number=str(self.number), year=str(self.year))


def quarter_of(moment: datetime, zone: ZoneInfo) -> Quarter:
    """Return the calendar quarter (in the tenant's zone) that contains the moment."""
    local = moment.astimezone(zone)
    first_month = 3 * ((local.month - 1) // 3) + 1
    start = datetime(local.year, first_month, 1, tzinfo=zone)
    end = _add_months(start, 3, zone)
    number = (first_month - 1) // 3 + 1
    label = f"{local.year}-Q{number}"
    return Quarter(start.astimezone(UTC), end.astimezone(UTC), label, local.year, number)


def month_of(moment: datetime, zone: ZoneInfo) -> Period:
    """Return the calendar month (in the tenant's zone) that contains the moment."""
    local = moment.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = _add_months(start, 1, zone)
    return Period(start.astimezone(UTC), end.astimezone(UTC), f"{local.year}-{local.month:02d}")


def _add_months(start: datetime, months: int, zone: ZoneInfo) -> datetime:
    index = start.month - 1 + months
    return datetime(start.year + index // 12, index % 12 + 1, 1, tzinfo=zone)
