"""The planning of the challenges' posts: calendar offsets in the tenant's zone, moves, cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.challenges.planning import (
    Delivery,
    PlannedPost,
    PostKind,
    closes_at,
    decide,
    plan,
    submission_meeting,
)
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting, quarter_key
from tests.fakes import COPENHAGEN, local

SCHEDULE = ChallengeSettings(call_days_before=21, remind_days_before=5, close_days_before=2)
Q1 = QuarterlyMeeting("2027-Q1", datetime(2027, 3, 9, 13, 0), "Aarhus")
Q2 = QuarterlyMeeting("2027-Q2", datetime(2027, 6, 8, 13, 0), "Odense")
EARLY = local(2027, 1, 1, 9, 0)


def due(posts: tuple[PlannedPost, ...], meeting: str, kind: PostKind) -> datetime:
    return next(post.due_at for post in posts if post.meeting == meeting and post.kind == kind)


def wall(moment: datetime) -> tuple[int, int, int, int]:
    at = moment.astimezone(COPENHAGEN)
    return (at.month, at.day, at.hour, at.minute)


# --- due times --------------------------------------------------------------------------------------


def test_each_meeting_gets_a_call_a_reminder_and_an_agenda_at_the_configured_offsets() -> None:
    posts = plan("acme", COPENHAGEN, [Q1], SCHEDULE, EARLY)

    assert [(post.kind, wall(post.due_at)) for post in posts] == [
        (PostKind.CALL, (2, 16, 13, 0)),
        (PostKind.REMINDER, (3, 4, 13, 0)),
        (PostKind.AGENDA, (3, 7, 13, 0)),
    ]
    assert all(post.due_at.tzinfo is UTC for post in posts)


def test_every_post_has_an_idempotency_key_per_tenant_meeting_and_kind() -> None:
    posts = plan("acme", COPENHAGEN, [Q1], SCHEDULE, EARLY)

    assert [post.dedupe_key for post in posts] == [
        "challenges:acme:2027-Q1:call",
        "challenges:acme:2027-Q1:reminder",
        "challenges:acme:2027-Q1:agenda",
    ]


def test_days_before_keep_the_wall_clock_time_across_the_spring_change() -> None:
    meeting = QuarterlyMeeting("2027-Q1", datetime(2027, 3, 30, 13, 0))

    posts = plan("acme", COPENHAGEN, [meeting], SCHEDULE, EARLY)

    assert due(posts, "2027-Q1", PostKind.REMINDER) == datetime(2027, 3, 25, 12, 0, tzinfo=UTC)
    assert due(posts, "2027-Q1", PostKind.AGENDA) == datetime(2027, 3, 28, 11, 0, tzinfo=UTC)
    assert posts[0].meeting_at == datetime(2027, 3, 30, 11, 0, tzinfo=UTC)


def test_days_before_keep_the_wall_clock_time_across_the_autumn_change() -> None:
    meeting = QuarterlyMeeting("2027-Q4", datetime(2027, 11, 2, 9, 0))

    posts = plan("acme", COPENHAGEN, [meeting], SCHEDULE, EARLY)

    assert due(posts, "2027-Q4", PostKind.REMINDER) == datetime(2027, 10, 28, 7, 0, tzinfo=UTC)
    assert due(posts, "2027-Q4", PostKind.AGENDA) == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)


def test_a_post_due_in_the_spring_gap_goes_out_after_the_change() -> None:
    meeting = QuarterlyMeeting("2027-Q1", datetime(2027, 3, 30, 2, 30))

    posts = plan("acme", COPENHAGEN, [meeting], SCHEDULE, EARLY)

    assert wall(due(posts, "2027-Q1", PostKind.AGENDA)) == (3, 28, 3, 30)


def test_the_zone_is_the_tenants() -> None:
    posts = plan("acme", ZoneInfo("America/New_York"), [Q1], SCHEDULE, EARLY)

    assert due(posts, "2027-Q1", PostKind.AGENDA) == datetime(2027, 3, 7, 18, 0, tzinfo=UTC)


# --- moved and cancelled meetings ------------------------------------------------------------------


def test_a_moved_meeting_moves_its_posts_and_keeps_its_keys() -> None:
    moved = QuarterlyMeeting("2027-Q1", datetime(2027, 3, 16, 13, 0), "Aarhus")

    before = plan("acme", COPENHAGEN, [Q1], SCHEDULE, EARLY)
    after = plan("acme", COPENHAGEN, [moved], SCHEDULE, EARLY)

    assert [post.dedupe_key for post in after] == [post.dedupe_key for post in before]
    assert [post.due_at - timedelta(days=7) for post in after] == [post.due_at for post in before]


def test_a_cancelled_meeting_has_no_posts() -> None:
    before = plan("acme", COPENHAGEN, [Q1, Q2], SCHEDULE, EARLY)
    after = plan("acme", COPENHAGEN, [Q2], SCHEDULE, EARLY)

    assert {post.meeting for post in before} == {"2027-Q1", "2027-Q2"}
    assert {post.meeting for post in after} == {"2027-Q2"}


def test_a_meeting_that_has_begun_gets_no_posts() -> None:
    posts = plan("acme", COPENHAGEN, [Q1, Q2], SCHEDULE, local(2027, 3, 9, 13, 0))

    assert {post.meeting for post in posts} == {"2027-Q2"}


def test_the_meeting_key_is_its_quarter_so_a_move_within_it_keeps_the_key() -> None:
    assert quarter_key(datetime(2027, 3, 9, 13, 0)) == "2027-Q1"
    assert quarter_key(datetime(2027, 3, 30, 13, 0)) == "2027-Q1"


# --- deciding a due post ---------------------------------------------------------------------------


def reminder() -> PlannedPost:
    return due_post(PostKind.REMINDER)


def due_post(kind: PostKind) -> PlannedPost:
    return next(post for post in plan("acme", COPENHAGEN, [Q1], SCHEDULE, EARLY) if post.kind == kind)


def test_a_post_before_its_due_time_waits() -> None:
    assert decide(reminder(), reminder().due_at - timedelta(seconds=1)) is Delivery.WAIT


def test_a_post_within_the_hour_goes_out_on_time() -> None:
    assert decide(reminder(), reminder().due_at + timedelta(hours=1)) is Delivery.ON_TIME


def test_a_post_over_an_hour_late_goes_out_marked_late() -> None:
    assert decide(reminder(), reminder().due_at + timedelta(hours=1, seconds=1)) is Delivery.LATE


def test_a_post_whose_meeting_has_begun_is_dropped() -> None:
    agenda = due_post(PostKind.AGENDA)

    assert decide(agenda, agenda.meeting_at) is Delivery.DROP
    assert decide(agenda, agenda.meeting_at + timedelta(days=30)) is Delivery.DROP


# --- which meeting a submission goes to ------------------------------------------------------------


def test_a_submission_before_the_close_goes_to_the_coming_meeting() -> None:
    assert submission_meeting(local(2027, 3, 7, 12, 59), [Q2, Q1], SCHEDULE, COPENHAGEN) == Q1


def test_a_submission_at_the_close_still_counts_for_the_coming_meeting() -> None:
    assert submission_meeting(closes_at(Q1, SCHEDULE, COPENHAGEN), [Q1, Q2], SCHEDULE, COPENHAGEN) == Q1


def test_a_submission_after_the_close_goes_to_the_next_meeting() -> None:
    assert submission_meeting(local(2027, 3, 7, 13, 1), [Q1, Q2], SCHEDULE, COPENHAGEN) == Q2


def test_a_submission_with_no_meeting_ahead_has_none() -> None:
    assert submission_meeting(local(2027, 3, 8, 9, 0), [Q1], SCHEDULE, COPENHAGEN) is None
    assert submission_meeting(EARLY, [], SCHEDULE, COPENHAGEN) is None
