"""Calendar warnings: a meeting on a Danish public holiday, in week 7 or 42, or in July is warned about."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.bootstrap import DanishHolidays
from handlers.erfa.calendar_warnings import calendar_warnings, meeting_warnings
from handlers.erfa.network import NetworkMeeting
from handlers.shared.erfa_settings import ErfaMeeting
from tests.fakes import COPENHAGEN, Holidays, NoHolidays

THREE_HOURS = timedelta(hours=3)
MEETING = ErfaMeeting(
    key="2027-spring",
    title="ERFA: Gevinstrealisering i praksis",
    at=datetime(2027, 4, 15, 9, 0, tzinfo=COPENHAGEN),
    duration=THREE_HOURS,
    place="Nordlys, Kolding / Teams",
    audience=("pm",),
)


def warnings_at(year: int, month: int, day: int, hour: int = 9) -> tuple[str, ...]:
    at = datetime(year, month, day, hour, 0, tzinfo=COPENHAGEN)
    return calendar_warnings("2027-x", at, THREE_HOURS, COPENHAGEN, DanishHolidays())


def test_an_ordinary_working_day_has_no_warning() -> None:
    assert meeting_warnings(MEETING, COPENHAGEN, DanishHolidays()) == ()


def test_a_meeting_on_ascension_day_is_warned_about_as_a_public_holiday() -> None:
    assert warnings_at(2027, 5, 6) == (
        "2027-x falls on Kristi himmelfartsdag (Thursday 6 May 2027), a Danish public holiday, when most people are off",
    )


def test_the_abolished_great_prayer_day_is_a_working_day() -> None:
    # Store bededag was abolished from 2024: Friday 23 April 2027 is an ordinary day.
    assert warnings_at(2027, 4, 23) == ()


def test_a_meeting_in_week_7_is_warned_about_as_the_winter_school_holiday() -> None:
    assert warnings_at(2027, 2, 17) == (
        "2027-x falls in week 7 (2027-02-15 to 2027-02-21), the winter school holiday (vinterferie) in most of Denmark, "
        "when many people are away",
    )


def test_a_meeting_in_week_42_is_warned_about_as_the_autumn_school_holiday() -> None:
    (warning,) = warnings_at(2027, 10, 20)

    assert "week 42 (2027-10-18 to 2027-10-24)" in warning
    assert "autumn school holiday" in warning


def test_the_weeks_around_the_school_holidays_have_no_warning() -> None:
    assert warnings_at(2027, 2, 12) == ()
    assert warnings_at(2027, 2, 22) == ()
    assert warnings_at(2027, 10, 25) == ()


def test_a_meeting_in_july_is_warned_about_as_the_summer_holiday() -> None:
    (first,) = warnings_at(2027, 7, 1)
    (last,) = warnings_at(2027, 7, 31)

    assert (
        first
        == last
        == "2027-x falls in July, the common summer holiday (sommerferie) in Denmark, when many people are away"
    )
    assert warnings_at(2027, 6, 30) == ()
    assert warnings_at(2027, 8, 2) == ()


def test_the_holiday_calendar_is_the_one_given() -> None:
    at = datetime(2027, 4, 15, 9, 0, tzinfo=COPENHAGEN)

    assert calendar_warnings("m", at, THREE_HOURS, COPENHAGEN, Holidays([date(2027, 4, 15)])) != ()
    assert (
        calendar_warnings(
            "m", datetime(2027, 5, 6, 9, tzinfo=COPENHAGEN), THREE_HOURS, COPENHAGEN, NoHolidays()
        )
        == ()
    )


def test_a_meeting_running_past_midnight_into_a_holiday_is_warned_about_and_one_ending_at_midnight_is_not() -> (
    None
):
    evening = datetime(2027, 5, 5, 21, 0, tzinfo=COPENHAGEN)

    assert len(calendar_warnings("m", evening, timedelta(hours=4), COPENHAGEN, DanishHolidays())) == 1
    assert calendar_warnings("m", evening, THREE_HOURS, COPENHAGEN, DanishHolidays()) == ()


def test_the_day_is_the_local_one_whatever_zone_the_start_is_written_in() -> None:
    # 23:30 UTC on 5 May is 01:30 on Ascension Day in Copenhagen.
    late = datetime(2027, 5, 5, 23, 30, tzinfo=UTC)

    assert len(calendar_warnings("m", late, timedelta(hours=1), COPENHAGEN, DanishHolidays())) == 1


def test_several_reasons_each_get_their_own_sentence() -> None:
    both = Holidays([date(2027, 2, 17)])

    warnings = calendar_warnings(
        "m", datetime(2027, 2, 17, 9, tzinfo=COPENHAGEN), THREE_HOURS, COPENHAGEN, both
    )

    assert len(warnings) == 2


def test_network_meetings_are_warned_about_by_their_key() -> None:
    network = NetworkMeeting(
        key="2027-network-1",
        title="ERFA på tværs",
        at=datetime(2027, 5, 17, 13, 0, tzinfo=COPENHAGEN),  # Whit Monday
        duration=timedelta(hours=4),
        place="København",
        tenants=("nordlys", "fjernvarme"),
    )

    (warning,) = meeting_warnings(network, COPENHAGEN, DanishHolidays())

    assert warning.startswith("2027-network-1 falls on Anden pinsedag (Monday 17 May 2027)")


def test_a_tenant_meeting_is_named_by_its_key() -> None:
    july = replace(MEETING, at=datetime(2027, 7, 8, 9, 0, tzinfo=COPENHAGEN))

    assert meeting_warnings(july, COPENHAGEN, NoHolidays())[0].startswith("2027-spring falls in July")
