"""Business hours, months and quarters in the tenant's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from handlers.shared.calendar_rules import WorkingDay, add_business_hours, month_of, quarter_of
from tests.fakes import COPENHAGEN, Holidays, NoHolidays, local

OFFICE_HOURS = WorkingDay(COPENHAGEN, time(8, 0), time(16, 0), NoHolidays())
EASTER_MONDAY_2027 = date(2027, 3, 29)


def in_copenhagen(moment: datetime) -> tuple[date, time]:
    wall = moment.astimezone(COPENHAGEN)
    return wall.date(), wall.time()


# --- add_business_hours --------------------------------------------------------------------------


def test_hours_within_the_same_day_are_added_directly() -> None:
    due = add_business_hours(local(2027, 3, 3, 9, 0), 4, OFFICE_HOURS)

    assert due == local(2027, 3, 3, 13, 0)


def test_hours_that_do_not_fit_spill_into_the_next_day() -> None:
    due = add_business_hours(local(2027, 3, 3, 14, 0), 4, OFFICE_HOURS)

    assert due == local(2027, 3, 4, 10, 0)


def test_friday_afternoon_plus_a_working_day_falls_due_on_monday_afternoon() -> None:
    due = add_business_hours(local(2027, 3, 5, 14, 0), 8, OFFICE_HOURS)

    assert in_copenhagen(due) == (date(2027, 3, 8), time(14, 0))


def test_hours_can_be_fractions() -> None:
    due = add_business_hours(local(2027, 3, 3, 9, 0), 1.5, OFFICE_HOURS)

    assert due == local(2027, 3, 3, 10, 30)


def test_before_opening_time_counts_from_opening() -> None:
    due = add_business_hours(local(2027, 3, 3, 6, 30), 2, OFFICE_HOURS)

    assert due == local(2027, 3, 3, 10, 0)


def test_after_closing_time_counts_from_the_next_days_opening() -> None:
    due = add_business_hours(local(2027, 3, 3, 18, 45), 2, OFFICE_HOURS)

    assert due == local(2027, 3, 4, 10, 0)


def test_a_request_at_the_weekend_counts_from_monday_morning() -> None:
    due = add_business_hours(local(2027, 3, 6, 11, 0), 3, OFFICE_HOURS)

    assert due == local(2027, 3, 8, 11, 0)


def test_a_public_holiday_is_skipped() -> None:
    with_easter = WorkingDay(COPENHAGEN, time(8, 0), time(16, 0), Holidays({EASTER_MONDAY_2027}))

    due = add_business_hours(local(2027, 3, 26, 14, 0), 8, with_easter)

    assert in_copenhagen(due) == (date(2027, 3, 30), time(14, 0))


def test_the_change_to_summer_time_keeps_wall_clock_hours() -> None:
    # Clocks go forward on Sunday 2027-03-28: Friday 14:00 is 13:00Z, Monday 14:00 is 12:00Z.
    due = add_business_hours(local(2027, 3, 26, 14, 0), 8, OFFICE_HOURS)

    assert in_copenhagen(due) == (date(2027, 3, 29), time(14, 0))
    assert due == datetime(2027, 3, 29, 12, 0, tzinfo=UTC)


def test_the_change_to_winter_time_keeps_wall_clock_hours() -> None:
    # Clocks go back on Sunday 2027-10-31.
    due = add_business_hours(local(2027, 10, 29, 12, 0), 8, OFFICE_HOURS)

    assert in_copenhagen(due) == (date(2027, 11, 1), time(12, 0))


def test_the_result_is_an_aware_utc_datetime() -> None:
    start = datetime(2027, 3, 3, 9, 0, tzinfo=COPENHAGEN)

    due = add_business_hours(start, 1, OFFICE_HOURS)

    assert due.tzinfo is UTC
    assert due == datetime(2027, 3, 3, 9, 0, tzinfo=UTC)


def test_a_calendar_without_business_days_is_refused() -> None:
    class EveryDayOff:
        def is_holiday(self, day: date) -> bool:
            return True

    closed = WorkingDay(COPENHAGEN, time(8, 0), time(16, 0), EveryDayOff())

    with pytest.raises(ValueError, match="no business day"):
        add_business_hours(local(2027, 3, 3, 9, 0), 1, closed)


# --- quarters and months -------------------------------------------------------------------------


def test_a_late_evening_on_the_last_of_march_in_copenhagen_is_still_the_first_quarter() -> None:
    moment = datetime(2027, 3, 31, 23, 30, tzinfo=COPENHAGEN)

    quarter = quarter_of(moment, COPENHAGEN)

    assert quarter.label == "2027-Q1"
    assert quarter.start == local(2027, 1, 1)
    assert quarter.end == local(2027, 4, 1)


def test_a_utc_moment_that_is_already_april_in_copenhagen_is_the_second_quarter() -> None:
    moment = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)

    quarter = quarter_of(moment, COPENHAGEN)

    assert quarter.label == "2027-Q2"
    assert quarter.start == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    assert quarter.end == datetime(2027, 6, 30, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (local(2027, 1, 1), "2027-Q1"),
        (local(2027, 6, 30, 23, 59), "2027-Q2"),
        (local(2027, 7, 1), "2027-Q3"),
        (local(2027, 12, 31, 23, 59), "2027-Q4"),
    ],
)
def test_quarters_are_labelled_by_year_and_number(moment: datetime, label: str) -> None:
    quarter = quarter_of(moment, COPENHAGEN)

    assert quarter.label == label


def test_the_fourth_quarter_ends_at_new_year_local_time() -> None:
    quarter = quarter_of(local(2027, 11, 15), COPENHAGEN)

    assert quarter.end == local(2028, 1, 1)
    assert quarter.end == datetime(2027, 12, 31, 23, 0, tzinfo=UTC)


def test_a_month_runs_from_local_midnight_to_local_midnight() -> None:
    month = month_of(datetime(2027, 3, 31, 22, 30, tzinfo=UTC), COPENHAGEN)

    assert month.label == "2027-04"
    assert month.start == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    assert month.end == datetime(2027, 4, 30, 22, 0, tzinfo=UTC)


def test_december_rolls_over_into_the_next_year() -> None:
    month = month_of(local(2027, 12, 10), COPENHAGEN)

    assert month.label == "2027-12"
    assert month.end == local(2028, 1, 1)


def test_periods_are_in_utc() -> None:
    quarter = quarter_of(local(2027, 5, 5), COPENHAGEN)

    assert quarter.start.tzinfo is UTC
    assert quarter.end.tzinfo is UTC
