"""The planning of ERFA reminders: calendar days and absolute hours, DST, moves, cancellations, lateness."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from handlers.erfa.planning import (
    Delivery,
    PlannedReminder,
    decide,
    missed,
    plan,
    superseded,
)
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from tests.fakes import COPENHAGEN, local

SETTINGS = ErfaSettings(channel_slack="C0ERFA", reminders=("-28d", "-7d", "-1d", "-2h"))
SPRING = ErfaMeeting(
    key="2027-spring",
    title="ERFA: Gevinstrealisering i praksis",
    at=datetime(2027, 4, 15, 9, 0, tzinfo=COPENHAGEN),
    duration=timedelta(hours=3),
    place="Nordlys, Kolding / Teams",
    audience=("pm", "tester", "steering", "participant"),
    seats=40,
)
EARLY = local(2027, 1, 1, 9, 0)


def due_by_offset(reminders: tuple[PlannedReminder, ...]) -> dict[str, datetime]:
    return {reminder.offset.text: reminder.due_at for reminder in reminders}


def wall(moment: datetime) -> tuple[int, int, int, int]:
    at = moment.astimezone(COPENHAGEN)
    return (at.month, at.day, at.hour, at.minute)


# --- due times --------------------------------------------------------------------------------------


def test_each_meeting_gets_a_reminder_per_offset_in_due_order_in_utc() -> None:
    reminders = plan("nordlys", COPENHAGEN, [SPRING], SETTINGS, EARLY)

    assert [(r.offset.text, wall(r.due_at)) for r in reminders] == [
        ("-28d", (3, 18, 9, 0)),
        ("-7d", (4, 8, 9, 0)),
        ("-1d", (4, 14, 9, 0)),
        ("-2h", (4, 15, 7, 0)),
    ]
    assert all(r.due_at.tzinfo is UTC for r in reminders)
    assert {r.meeting_at for r in reminders} == {datetime(2027, 4, 15, 7, 0, tzinfo=UTC)}


def test_a_day_before_a_meeting_just_after_the_spring_change_is_at_the_same_local_time() -> None:
    monday = replace(SPRING, at=datetime(2027, 3, 29, 9, 0, tzinfo=COPENHAGEN))

    due = due_by_offset(plan("nordlys", COPENHAGEN, [monday], SETTINGS, EARLY))

    # Sunday 28 March 09:00 CEST; the meeting itself is 07:00 UTC on the Monday.
    assert due["-1d"] == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    # A week earlier is still winter time: 09:00 CET.
    assert due["-7d"] == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


def test_hours_before_are_absolute_across_the_spring_change() -> None:
    early_monday = replace(SPRING, at=datetime(2027, 3, 28, 4, 0, tzinfo=COPENHAGEN))

    due = due_by_offset(plan("nordlys", COPENHAGEN, [early_monday], SETTINGS, EARLY))

    # 04:00 CEST is 02:00 UTC; two real hours earlier is 00:00 UTC, which is 01:00 CET on the clock.
    assert due["-2h"] == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    assert wall(due["-2h"]) == (3, 28, 1, 0)


def test_a_day_before_a_meeting_just_after_the_autumn_change_is_at_the_same_local_time() -> None:
    monday = replace(SPRING, at=datetime(2027, 11, 1, 9, 0, tzinfo=COPENHAGEN))

    due = due_by_offset(plan("nordlys", COPENHAGEN, [monday], SETTINGS, EARLY))

    # Sunday 31 October 09:00 CET (08:00 UTC); a week earlier is 09:00 CEST (07:00 UTC).
    assert due["-1d"] == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)
    assert due["-7d"] == datetime(2027, 10, 25, 7, 0, tzinfo=UTC)


def test_hours_before_are_absolute_across_the_autumn_change() -> None:
    early_sunday = replace(SPRING, at=datetime(2027, 10, 31, 4, 0, tzinfo=COPENHAGEN))

    due = due_by_offset(plan("nordlys", COPENHAGEN, [early_sunday], SETTINGS, EARLY))

    # 04:00 CET is 03:00 UTC; two real hours earlier is 01:00 UTC, i.e. 02:00 on the clock the second time.
    assert due["-2h"] == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)


def test_a_day_reminder_that_falls_in_the_spring_gap_goes_out_after_the_change() -> None:
    night = replace(SPRING, at=datetime(2027, 3, 29, 2, 30, tzinfo=COPENHAGEN))

    due = due_by_offset(plan("nordlys", COPENHAGEN, [night], SETTINGS, EARLY))

    assert wall(due["-1d"]) == (3, 28, 3, 30)


def test_a_day_reminder_that_falls_in_the_autumn_fold_goes_out_at_the_first_of_the_two() -> None:
    night = replace(SPRING, at=datetime(2027, 11, 1, 2, 30, tzinfo=COPENHAGEN))

    due = due_by_offset(plan("nordlys", COPENHAGEN, [night], SETTINGS, EARLY))

    # 02:30 happens twice on 31 October; the first (summer time, +02:00) is 00:30 UTC.
    assert due["-1d"] == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_a_meeting_written_as_utc_is_read_at_its_local_wall_time() -> None:
    as_utc = replace(SPRING, at=datetime(2027, 4, 15, 7, 0, tzinfo=UTC))

    assert plan("nordlys", COPENHAGEN, [as_utc], SETTINGS, EARLY) == plan(
        "nordlys", COPENHAGEN, [SPRING], SETTINGS, EARLY
    )


# --- keys, moves and cancellations ----------------------------------------------------------------


def test_every_reminder_has_a_key_per_tenant_meeting_start_and_offset() -> None:
    reminders = plan("nordlys", COPENHAGEN, [SPRING], SETTINGS, EARLY)

    assert [r.dedupe_key for r in reminders] == [
        "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-28d",
        "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-7d",
        "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-1d",
        "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-2h",
    ]


def test_a_new_place_keeps_every_reminder_and_its_key() -> None:
    moved = replace(SPRING, place="Vindkraft, Esbjerg", title="ERFA: Nyt sted")

    assert plan("nordlys", COPENHAGEN, [moved], SETTINGS, EARLY) == plan(
        "nordlys", COPENHAGEN, [SPRING], SETTINGS, EARLY
    )


def test_a_new_time_replans_every_reminder_under_new_keys_and_none_for_the_old_time() -> None:
    later = replace(SPRING, at=datetime(2027, 4, 22, 13, 0, tzinfo=COPENHAGEN))

    before = plan("nordlys", COPENHAGEN, [SPRING], SETTINGS, EARLY)
    after = plan("nordlys", COPENHAGEN, [later], SETTINGS, EARLY)

    assert {r.dedupe_key for r in before}.isdisjoint({r.dedupe_key for r in after})
    assert all("2027-04-22T11:00Z" in r.dedupe_key for r in after)
    assert wall(due_by_offset(after)["-1d"]) == (4, 21, 13, 0)


def test_a_meeting_removed_from_the_file_has_no_reminders() -> None:
    assert plan("nordlys", COPENHAGEN, [], SETTINGS, EARLY) == ()


def test_a_meeting_that_has_begun_gets_no_reminders() -> None:
    assert plan("nordlys", COPENHAGEN, [SPRING], SETTINGS, local(2027, 4, 15, 9, 0)) == ()


def test_the_reminders_of_a_tenant_follow_its_configured_offsets() -> None:
    two = ErfaSettings(reminders=("-14d", "-3h"))

    reminders = plan("nordlys", COPENHAGEN, [SPRING], two, EARLY)

    assert [r.offset.text for r in reminders] == ["-14d", "-3h"]


# --- missed while down ----------------------------------------------------------------------------


def test_the_reminders_of_a_meeting_begun_within_the_window_are_listed_as_missed_and_dropped() -> None:
    now = local(2027, 4, 16, 9, 0)

    begun = missed("nordlys", COPENHAGEN, [SPRING], SETTINGS, now)

    assert len(begun) == 4
    assert {decide(r, now) for r in begun} == {Delivery.DROP}


def test_a_meeting_begun_before_the_window_or_not_begun_has_nothing_missed() -> None:
    assert missed("nordlys", COPENHAGEN, [SPRING], SETTINGS, local(2027, 4, 22, 9, 1)) == ()
    assert missed("nordlys", COPENHAGEN, [SPRING], SETTINGS, local(2027, 4, 15, 8, 59)) == ()


# --- deciding a due reminder ----------------------------------------------------------------------


def reminder(offset: str) -> PlannedReminder:
    return next(r for r in plan("nordlys", COPENHAGEN, [SPRING], SETTINGS, EARLY) if r.offset.text == offset)


def test_a_reminder_before_its_due_time_waits() -> None:
    week = reminder("-7d")

    assert decide(week, week.due_at - timedelta(seconds=1)) is Delivery.WAIT


def test_a_reminder_within_the_hour_goes_out_on_time() -> None:
    week = reminder("-7d")

    assert decide(week, week.due_at) is Delivery.ON_TIME
    assert decide(week, week.due_at + timedelta(hours=1)) is Delivery.ON_TIME


def test_a_reminder_over_an_hour_late_goes_out_marked_late() -> None:
    week = reminder("-7d")

    assert decide(week, week.due_at + timedelta(hours=1, seconds=1)) is Delivery.LATE


def test_a_reminder_whose_meeting_has_begun_is_dropped() -> None:
    last = reminder("-2h")

    assert decide(last, last.meeting_at) is Delivery.DROP


# --- several due at once -------------------------------------------------------------------------


def test_after_downtime_only_the_latest_due_reminder_of_a_meeting_is_posted() -> None:
    now = local(2027, 4, 14, 10, 0)  # -28d, -7d and -1d are all due
    reminders = plan("nordlys", COPENHAGEN, [SPRING], SETTINGS, now)

    skipped = superseded(reminders, now)

    assert skipped == {
        "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-28d",
        "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-7d",
    }


def test_a_single_due_reminder_and_reminders_not_yet_due_are_never_superseded() -> None:
    now = local(2027, 3, 18, 9, 30)
    other = replace(SPRING, key="2027-autumn", at=datetime(2027, 10, 7, 9, 0, tzinfo=COPENHAGEN))

    assert superseded(plan("nordlys", COPENHAGEN, [SPRING, other], SETTINGS, now), now) == frozenset()
