"""The ERFA meetings' use cases on the fakes: reminders, answers, changes, feedback, the commands and the tick."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from handlers.erfa.commands import AnswerErfa
from handlers.erfa.rsvp import Answer
from handlers.erfa.schedule import run_for_tenant
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import InviteHolder, Person, Role, Tenant
from handlers.shared.text import Message
from scheduler.tick import run_erfa_cycle
from tests.fakes import COPENHAGEN, Office, action_ids, keys, local, render_all, reply_keys

KEY = "2027-spring"
SPRING = ErfaMeeting(
    KEY,
    "ERFA: Gevinstrealisering i praksis",
    datetime(2027, 4, 15, 9, 0, tzinfo=COPENHAGEN),
    timedelta(hours=3),
    "Nordlys, Kolding / Teams",
    ("pm", "tester", "steering", "participant"),
)
START = local(2027, 4, 15, 9)
ANNOUNCED_AT = local(2027, 3, 18, 9)  # -28d
WEEK_BEFORE = local(2027, 4, 8, 9)  # -7d
DAY_BEFORE = local(2027, 4, 14, 9)  # -1d
ATTENDING, MAYBE, NOT_ATTENDING = "attending", "maybe", "not_attending"
CHANNEL = "C0ERFA"


def office(
    meeting: ErfaMeeting = SPRING, *, reminders: tuple[str, ...] = ("-28d", "-7d", "-1d", "-2h")
) -> Office:
    """Return the sample office on Slack with one ERFA meeting, the clock just before its announcement."""
    o = Office(ANNOUNCED_AT - timedelta(minutes=5))
    tenant = dataclasses.replace(
        o.tenant,
        slack_team_id="T0NORDLYS",
        erfa=ErfaSettings(channel_slack=CHANNEL, reminders=reminders),
        erfa_meetings=(meeting,),
    )
    o.db.add_tenant(tenant)
    o.tenant = tenant
    return o


def set_meeting(o: Office, meeting: ErfaMeeting) -> None:
    """Change the meeting in the tenant file."""
    o.tenant = dataclasses.replace(o.tenant, erfa_meetings=(meeting,))
    o.db.add_tenant(o.tenant)


def tick(o: Office, at: datetime | None = None) -> list[Message]:
    """Run the ERFA work of the tenant (at a moment); return what it queued, rendered in both languages."""
    if at is not None:
        o.clock.set(at)
    # Not a slice: an edit in place replaces the one queued before it.
    before = list(o.db.state.outbox)
    run_for_tenant(o.deps, o.tenant.id)
    queued = [q.message for q in o.db.state.outbox if q not in before]
    for language in ("da", "en"):
        render_all(queued, language)
    return queued


def posts(o: Office) -> list[Message]:
    """Return the new posts in the ERFA channel (not the edits in place)."""
    return [
        q.message for q in o.db.state.outbox if q.message.to_channel == CHANNEL and q.message.updates is None
    ]


def edits(o: Office) -> list[Message]:
    return [q.message for q in o.db.state.outbox if q.message.updates is not None]


def answer(o: Office, person: Person, given: str, key: str = KEY) -> list[str]:
    return reply_keys(o.press(person, f"erfa:rsvp:{key}:{given}"))


def add_people(o: Office, count: int, role: Role = Role.PM, tenant_id: int | None = None) -> list[Person]:
    tenant = o.tenant.id if tenant_id is None else tenant_id
    added = []
    for n in range(count):
        person_id = o.db.next_person_id()
        added.append(
            o.db.add_person(
                Person(person_id, tenant, f"p{person_id}@x.dk", f"Person {n + 1:02d}", frozenset({role}))
            )
        )
    return added


def danish(messages: list[Message]) -> str:
    return "\n".join(render_all(messages, "da"))


def english(messages: list[Message]) -> str:
    return "\n".join(render_all(messages, "en"))


def announced(o: Office) -> Message:
    [first] = tick(o, ANNOUNCED_AT)
    return first


# --- the announcement ----------------------------------------------------------------------------


def test_the_first_reminder_is_the_announcement_with_time_place_audience_counts_buttons_and_invite() -> None:
    o = office()

    post = announced(o)

    assert post.to_channel == CHANNEL
    assert keys(post) == [
        "erfa.announce", "erfa.when", "erfa.place", "erfa.audience", "erfa.counts", "erfa.answer_how"
    ]  # fmt: skip
    assert action_ids(post) == [
        f"erfa:rsvp:{KEY}:attending",
        f"erfa:rsvp:{KEY}:maybe",
        f"erfa:rsvp:{KEY}:not_attending",
    ]
    assert post.invite is not None
    assert not post.invite.cancels
    assert post.invite.filename == "erfa-2027-spring.ics"
    assert o.db.state.invite_tokens[post.invite.token] == InviteHolder(o.tenant.id, KEY, None)
    assert post.dedupe_key == "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-28d"
    text = danish([post])
    assert "I er inviteret til »ERFA: Gevinstrealisering i praksis«" in text
    assert "Tid: torsdag den 15. april kl. 09:00 (3 timer)" in text
    assert "Sted: Nordlys, Kolding / Teams" in text
    assert "For: projektledere, testere, styregruppemedlemmer og projektdeltagere" in text
    assert "0 deltagere, 0 måske" in text
    assert render_all([post], "da")[-3:] == ["Deltager", "Måske", "Deltager ikke"]
    assert "Thursday 15 April at 09:00 (3 hours)" in english([post])


def test_the_announcement_is_recorded_once_and_a_second_tick_sends_nothing() -> None:
    o = office()
    post = announced(o)

    again = tick(o)

    assert again == []
    record = o.db.state.erfa_records[(o.tenant.id, KEY)]
    assert (record.start, record.place, record.sequence, record.announced) == (
        START, SPRING.place, 0, post.dedupe_key
    )  # fmt: skip


def test_nothing_is_posted_before_the_first_reminder_is_due() -> None:
    o = office()

    assert tick(o) == []
    assert o.db.state.erfa_records == {}


# --- answering -----------------------------------------------------------------------------------


def test_an_answer_is_confirmed_with_a_personal_invite_and_the_announcement_kept_current() -> None:
    o = office()
    post = announced(o)

    outcome = o.press(o.org.jonas, f"erfa:rsvp:{KEY}:attending")

    [reply] = outcome.replies
    assert keys(reply)[0] == "erfa.answered.attending"
    assert reply.invite is not None
    assert o.db.state.invite_tokens[reply.invite.token] == InviteHolder(o.tenant.id, KEY, o.org.jonas.id)
    [edit] = edits(o)
    assert edit.updates == post.dedupe_key
    assert edit.dedupe_key == f"{post.dedupe_key}:current"
    assert "1 deltager, 0 måske" in danish([edit])
    assert action_ids(edit) == action_ids(post)


def test_a_repeated_or_replayed_click_changes_nothing_and_tells_nothing_new() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    outbox = list(o.db.state.outbox)
    held = dict(o.db.state.erfa_answers)

    again = o.press(o.org.jonas, f"erfa:rsvp:{KEY}:attending")

    assert reply_keys(again) == ["erfa.again.attending"]
    assert again.replies[0].invite is None
    assert o.db.state.outbox == outbox
    assert o.db.state.erfa_answers == held


def test_an_older_click_arriving_late_changes_nothing() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)

    stale = o.run(o.org.jonas, AnswerErfa(KEY, Answer.MAYBE, at=ANNOUNCED_AT - timedelta(minutes=1)))

    assert reply_keys(stale) == ["erfa.again.attending"]
    assert "1 deltager, 0 måske" in danish([edits(o)[-1]])


def test_a_late_press_older_than_a_repeated_one_changes_nothing() -> None:
    o = office()
    announced(o)
    pressed = [ANNOUNCED_AT + timedelta(minutes=minute) for minute in (1, 2, 3)]
    o.run(o.org.jonas, AnswerErfa(KEY, Answer.ATTENDING, at=pressed[0]))
    o.run(o.org.jonas, AnswerErfa(KEY, Answer.ATTENDING, at=pressed[2]))

    late = o.run(o.org.jonas, AnswerErfa(KEY, Answer.MAYBE, at=pressed[1]))

    assert reply_keys(late) == ["erfa.again.attending"]
    assert "1 deltager, 0 måske" in danish([edits(o)[-1]])


def test_a_maybe_gets_an_invite_and_a_not_attending_none() -> None:
    o = office()
    announced(o)

    maybe = o.press(o.org.jonas, f"erfa:rsvp:{KEY}:maybe")
    declined = o.press(o.org.ida, f"erfa:rsvp:{KEY}:not_attending")

    assert keys(maybe.replies[0])[0] == "erfa.answered.maybe"
    assert maybe.replies[0].invite is not None
    assert keys(declined.replies[0])[0] == "erfa.answered.not_attending"
    assert declined.replies[0].invite is None
    assert "0 deltagere, 1 måske" in danish(edits(o))


def test_the_waiting_list_moves_up_when_a_seat_is_freed_and_the_one_moved_up_is_told() -> None:
    o = office(dataclasses.replace(SPRING, seats=1))
    announced(o)
    answer(o, o.org.jonas, ATTENDING)

    waiting = o.press(o.org.ida, f"erfa:rsvp:{KEY}:attending")
    assert keys(waiting.replies[0])[0] == "erfa.answered.waiting"
    assert waiting.replies[0].lines[0].params["position"] == 1
    assert waiting.replies[0].invite is None
    assert "1 deltager, 0 måske · 1 plads, ingen ledige · 1 på venteliste" in danish(edits(o))

    answer(o, o.org.jonas, NOT_ATTENDING)

    [told] = o.inbox(o.org.ida)
    assert keys(told) == ["erfa.moved_up"]
    assert told.invite is not None
    assert danish([edits(o)[-1]]).count("1 deltager, 0 måske · 1 plads, ingen ledige\n") == 1
    answer(o, o.org.jonas, NOT_ATTENDING)
    assert len(o.inbox(o.org.ida)) == 1


def test_someone_outside_the_audience_may_answer() -> None:
    o = office(dataclasses.replace(SPRING, audience=("steering",)))
    announced(o)

    assert answer(o, o.org.jonas, ATTENDING)[0] == "erfa.answered.attending"


def test_answers_for_a_begun_meeting_are_refused_in_a_sentence() -> None:
    o = office()
    announced(o)
    o.clock.set(START + timedelta(minutes=10))

    assert answer(o, o.org.jonas, ATTENDING) == ["erfa.answer_begun"]
    assert o.db.state.erfa_answers == {}


def test_an_answer_to_an_unknown_meeting_names_the_upcoming_ones() -> None:
    o = office()
    announced(o)

    outcome = o.press(o.org.jonas, "erfa:rsvp:2026-autumn:attending")

    assert reply_keys(outcome) == ["erfa.unknown"]
    assert outcome.replies[0].lines[0].params["keys"] == KEY


# --- later reminders, nudges and personal reminders ----------------------------------------------


def test_a_later_reminder_is_a_new_post_with_counts_and_buttons_and_the_unanswered_are_nudged_once() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)

    queued = tick(o, WEEK_BEFORE)

    [post] = [q for q in queued if q.to_channel == CHANNEL and q.updates is None]
    assert keys(post)[0] == "erfa.countdown.days"
    assert "erfa.counts" in keys(post)
    assert danish([post]).startswith("Om 7 dage: »ERFA: Gevinstrealisering i praksis«")
    assert len(action_ids(post)) == 3
    nudged = [q.to_person for q in queued if q.to_person is not None]
    assert nudged == [o.org.ida.id]  # not Jonas (answered), nor the coordinator or the seniors
    assert keys(o.inbox(o.org.ida)[0]) == ["erfa.nudge"]
    tick(o, DAY_BEFORE)
    assert [keys(m) for m in o.inbox(o.org.ida)] == [["erfa.nudge"]]


def test_no_nudge_with_the_announcement_four_weeks_ahead() -> None:
    o = office()

    queued = tick(o, ANNOUNCED_AT)

    assert [q.to_person for q in queued if q.to_person is not None] == []


def test_those_coming_are_reminded_personally_the_day_before_and_the_waiting_list_told_it_waits() -> None:
    o = office(dataclasses.replace(SPRING, seats=1))
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    answer(o, o.org.ida, ATTENDING)
    maybe, declined = add_people(o, 2)
    answer(o, maybe, MAYBE)
    answer(o, declined, NOT_ATTENDING)

    assert [
        m for m in tick(o, DAY_BEFORE - timedelta(minutes=1)) if keys(m)[0].startswith("erfa.tomorrow")
    ] == []
    tick(o, DAY_BEFORE)
    tick(o, DAY_BEFORE + timedelta(hours=1))

    for person, key in ((o.org.jonas, "erfa.tomorrow"), (maybe, "erfa.tomorrow_maybe")):
        [reminder] = [m for m in o.inbox(person) if keys(m)[0].startswith("erfa.tomorrow")]
        assert keys(reminder) == [key]  # a Måske holds no seat to give up: asked to settle instead
        assert reminder.invite is not None
    [waiting] = [m for m in o.inbox(o.org.ida) if keys(m)[0].startswith("erfa.tomorrow")]
    assert keys(waiting) == ["erfa.tomorrow_waiting"]
    assert waiting.invite is None
    assert not [m for m in o.inbox(declined) if keys(m)[0].startswith("erfa.tomorrow")]


# --- down over a reminder ------------------------------------------------------------------------


def test_a_reminder_missed_while_down_goes_out_once_marked_late_and_only_the_latest() -> None:
    o = office()

    queued = tick(o, WEEK_BEFORE + timedelta(hours=2))
    tick(o, WEEK_BEFORE + timedelta(hours=3))

    [post] = posts(o)
    assert keys(post)[:2] == ["erfa.late", "erfa.announce"]
    assert post.dedupe_key is not None
    assert post.dedupe_key.endswith(":-7d")
    assert "skulle have været sendt torsdag den 8. april kl. 09:00" in danish([post])
    assert post in queued


def test_a_reminder_within_the_hour_is_on_time_and_says_nothing_of_lateness() -> None:
    o = office()

    [post] = tick(o, ANNOUNCED_AT + timedelta(minutes=50))

    assert keys(post)[0] == "erfa.announce"


def test_reminders_missed_until_the_meeting_began_are_skipped_with_one_note_to_the_coordinator() -> None:
    o = office()

    queued = tick(o, START + timedelta(hours=1))
    tick(o, START + timedelta(hours=2))

    assert posts(o) == []
    [note] = o.inbox(o.org.mette)
    assert keys(note) == ["erfa.dropped"]
    assert note in queued
    assert "Mødet er begyndt" in danish([note])


def test_a_reminder_left_out_for_a_later_one_that_went_out_needs_no_note() -> None:
    o = office()
    tick(o, WEEK_BEFORE + timedelta(hours=2))  # the -28d is left out: the -7d says it all
    tick(o, DAY_BEFORE)
    tick(o, START - timedelta(hours=2))

    tick(o, START + timedelta(hours=1))

    assert o.inbox(o.org.mette) == []


# --- DST -----------------------------------------------------------------------------------------


def test_reminders_around_the_spring_dst_change_come_at_the_local_wall_time() -> None:
    monday = dataclasses.replace(SPRING, at=datetime(2027, 3, 29, 9, 0, tzinfo=COPENHAGEN))
    o = office(monday, reminders=("-7d", "-1d"))
    week = tick(o, datetime(2027, 3, 22, 8, 0, tzinfo=UTC))  # 09:00 CET
    assert tick(o, datetime(2027, 3, 28, 6, 59, tzinfo=UTC)) == []

    day = tick(o, datetime(2027, 3, 28, 7, 0, tzinfo=UTC))  # 09:00 CEST, the day after the change

    assert [p.dedupe_key for p in week if p.to_channel] == ["erfa:nordlys:2027-spring:2027-03-29T07:00Z:-7d"]
    assert [p.dedupe_key for p in day if p.to_channel] == ["erfa:nordlys:2027-spring:2027-03-29T07:00Z:-1d"]


def test_reminders_around_the_autumn_dst_change_come_at_the_local_wall_time() -> None:
    monday = dataclasses.replace(SPRING, at=datetime(2027, 11, 1, 9, 0, tzinfo=COPENHAGEN))
    o = office(monday, reminders=("-7d", "-1d"))
    week = tick(o, datetime(2027, 10, 25, 7, 0, tzinfo=UTC))  # 09:00 CEST
    assert tick(o, datetime(2027, 10, 31, 7, 59, tzinfo=UTC)) == []

    day = tick(o, datetime(2027, 10, 31, 8, 0, tzinfo=UTC))  # 09:00 CET

    assert [p.dedupe_key for p in week if p.to_channel] == ["erfa:nordlys:2027-spring:2027-11-01T08:00Z:-7d"]
    assert [p.dedupe_key for p in day if p.to_channel] == ["erfa:nordlys:2027-spring:2027-11-01T08:00Z:-1d"]


# --- changes -------------------------------------------------------------------------------------


def test_a_new_place_keeps_the_answers_sends_updated_invites_and_later_reminders_repeat_it() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    set_meeting(o, dataclasses.replace(SPRING, place="Hotel Koldingfjord"))

    queued = tick(o)
    assert tick(o) == []

    [post] = [q for q in queued if q.to_channel == CHANNEL and q.updates is None]
    assert keys(post)[:2] == ["erfa.changed", "erfa.changed_place"]
    assert "Nyt sted: Hotel Koldingfjord (før: Nordlys, Kolding / Teams)" in danish([post])
    [personal] = o.inbox(o.org.jonas)
    assert keys(personal)[-1] == "erfa.changed_personal"
    assert personal.invite is not None
    record = o.db.state.erfa_records[(o.tenant.id, KEY)]
    assert (record.place, record.sequence) == ("Hotel Koldingfjord", 1)
    assert "1 deltager" in danish([edits(o)[-1]])
    assert "Hotel Koldingfjord" in danish([edits(o)[-1]])
    week = tick(o, WEEK_BEFORE)
    assert "erfa.since.place" in keys(next(q for q in week if q.to_channel == CHANNEL))


def test_a_new_time_resets_the_answers_asks_again_and_replans_every_reminder() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    later = datetime(2027, 4, 22, 13, 0, tzinfo=COPENHAGEN)
    set_meeting(o, dataclasses.replace(SPRING, at=later))

    queued = tick(o, WEEK_BEFORE + timedelta(hours=5))  # the old time's -7d is overdue now

    channel = [q for q in queued if q.to_channel == CHANNEL and q.updates is None]
    assert [keys(p)[0] for p in channel] == ["erfa.moved_post"]
    assert "flyttet fra torsdag den 15. april kl. 09:00 til torsdag den 22. april kl. 13:00" in danish(
        channel
    )
    [personal] = o.inbox(o.org.jonas)
    assert keys(personal) == ["erfa.moved_personal"]
    assert personal.invite is not None
    assert len(action_ids(personal)) == 3
    record = o.db.state.erfa_records[(o.tenant.id, KEY)]
    assert (record.start, record.sequence) == (local(2027, 4, 22, 13), 1)
    assert "0 deltagere, 0 måske" in danish([edits(o)[-1]])
    assert not any(
        q.message.dedupe_key and "2027-04-15T07:00Z:-7d" in q.message.dedupe_key for q in o.db.state.outbox
    )
    # The answers are asked for again: the old Deltager does not count for the new time.
    assert answer(o, o.org.jonas, ATTENDING)[0] == "erfa.answered.attending"
    new_week = tick(o, local(2027, 4, 15, 13))
    assert [p.dedupe_key for p in new_week if p.to_channel == CHANNEL] == [
        "erfa:nordlys:2027-spring:2027-04-22T11:00Z:-7d"
    ]
    assert "erfa.since.moved" in keys(next(p for p in new_week if p.to_channel == CHANNEL))


def test_a_meeting_moved_back_to_an_earlier_time_asks_again_instead_of_counting_the_old_answers() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    answer(o, o.org.ida, ATTENDING)
    set_meeting(o, dataclasses.replace(SPRING, at=datetime(2027, 4, 22, 9, 0, tzinfo=COPENHAGEN)))
    tick(o, local(2027, 3, 25, 9))
    answer(o, o.org.ida, ATTENDING)
    set_meeting(o, SPRING)

    queued = tick(o, local(2027, 4, 1, 9))

    [channel] = [q for q in queued if q.to_channel == CHANNEL and q.updates is None]
    assert keys(channel)[0] == "erfa.moved_post"
    assert "0 deltagere, 0 måske" in danish([edits(o)[-1]])
    # Ida answered the time in between, Jonas only this time before it moved away.
    assert [keys(m) for m in o.inbox(o.org.ida)][-1] == ["erfa.moved_personal"]
    assert [keys(m) for m in o.inbox(o.org.jonas)][-1] == ["erfa.moved_back_personal"]
    assert danish([o.inbox(o.org.jonas)[-1]]).startswith(
        "Mødet »ERFA: Gevinstrealisering i praksis« er flyttet fra torsdag den 22. april kl. 09:00 tilbage til"
        " torsdag den 15. april kl. 09:00. Det svar, du gav til det tidspunkt før flytningen, gælder ikke"
        " længere, så svar igen herunder."
    )
    assert len(action_ids(o.inbox(o.org.jonas)[-1])) == 3
    assert answer(o, o.org.jonas, ATTENDING)[0] == "erfa.answered.attending"


def test_after_a_move_the_nudge_tells_those_who_answered_the_old_time_that_the_new_one_needs_an_answer() -> (
    None
):
    o = office()
    announced(o)
    answer(o, o.org.jonas, NOT_ATTENDING)
    set_meeting(o, dataclasses.replace(SPRING, at=datetime(2027, 4, 22, 9, 0, tzinfo=COPENHAGEN)))
    tick(o, local(2027, 4, 1, 11))

    tick(o, local(2027, 4, 15, 9))

    assert [keys(m) for m in o.inbox(o.org.jonas)] == [["erfa.nudge_moved"]]
    assert danish(o.inbox(o.org.jonas)).startswith(
        "Mødet »ERFA: Gevinstrealisering i praksis« er flyttet til torsdag den 22. april kl. 09:00"
        " (Nordlys, Kolding / Teams), og dit svar gjaldt det gamle tidspunkt."
    )
    assert [keys(m) for m in o.inbox(o.org.ida)] == [["erfa.nudge"]]  # she never answered


def test_a_cancellation_is_posted_once_sends_cancelling_invites_and_stops_the_reminders() -> None:
    o = office(dataclasses.replace(SPRING, seats=1))
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    answer(o, o.org.ida, ATTENDING)
    set_meeting(o, dataclasses.replace(SPRING, seats=1, cancelled=True))

    queued = tick(o)
    assert tick(o) == []

    [post] = [q for q in queued if q.to_channel == CHANNEL and q.updates is None]
    assert keys(post) == ["erfa.cancelled_post"]
    assert post.actions == ()
    assert post.invite is not None
    assert post.invite.cancels
    [to_jonas] = o.inbox(o.org.jonas)
    assert keys(to_jonas) == ["erfa.cancelled_personal"]
    assert to_jonas.invite is not None
    assert to_jonas.invite.cancels
    assert [keys(m) for m in o.inbox(o.org.ida)] == [["erfa.cancelled_waiting"]]
    edit = edits(o)[-1]
    assert keys(edit) == ["erfa.cancelled_announcement"]
    assert edit.actions == ()
    record = o.db.state.erfa_records[(o.tenant.id, KEY)]
    assert record.cancelled
    assert record.sequence == 1
    assert [q for q in tick(o, WEEK_BEFORE) if q.to_channel] == []
    assert answer(o, o.org.jonas, MAYBE) == ["erfa.answer_cancelled"]


def test_fewer_seats_tell_those_moved_down_and_more_seats_those_moved_up_once() -> None:
    o = office(dataclasses.replace(SPRING, seats=2))
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    o.clock.advance(seconds=1)
    answer(o, o.org.ida, ATTENDING)
    set_meeting(o, dataclasses.replace(SPRING, seats=1))

    tick(o)
    tick(o)

    assert [keys(m) for m in o.inbox(o.org.ida)] == [["erfa.moved_down"]]
    assert o.inbox(o.org.jonas) == []
    assert "1 plads, ingen ledige · 1 på venteliste" in danish([edits(o)[-1]])
    assert o.db.state.erfa_records[(o.tenant.id, KEY)].sequence == 0  # seats are not on the invite
    set_meeting(o, dataclasses.replace(SPRING, seats=3))
    tick(o)
    assert [keys(m) for m in o.inbox(o.org.ida)] == [["erfa.moved_down"], ["erfa.moved_up"]]


def test_a_seat_limit_set_on_a_meeting_without_one_tells_those_beyond_it_that_they_wait() -> None:
    o = office(dataclasses.replace(SPRING, seats=None))
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    o.clock.advance(seconds=1)
    answer(o, o.org.ida, ATTENDING)
    set_meeting(o, dataclasses.replace(SPRING, seats=1))

    tick(o)
    tick(o)

    assert [keys(m) for m in o.inbox(o.org.ida)] == [["erfa.moved_down"]]
    assert o.inbox(o.org.jonas) == []


def test_a_new_length_is_told_with_an_updated_invite_under_a_new_sequence() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, MAYBE)
    set_meeting(o, dataclasses.replace(SPRING, duration=timedelta(hours=2, minutes=30)))

    queued = tick(o)

    post = next(q for q in queued if q.to_channel == CHANNEL and q.updates is None)
    assert "Ny varighed: 2 timer og 30 minutter (før: 3 timer)" in danish([post])
    assert o.inbox(o.org.jonas)[0].invite is not None
    assert o.db.state.erfa_records[(o.tenant.id, KEY)].sequence == 1


# --- feedback ------------------------------------------------------------------------------------


def test_after_the_meeting_the_seated_are_asked_once_and_the_coordinator_summed_up_once() -> None:
    o = office()
    tenant = dataclasses.replace(
        o.tenant,
        challenges=ChallengeSettings(channel_slack="C0CHALL"),
        quarterly_meetings=(
            QuarterlyMeeting("2027-Q2", datetime(2027, 6, 8, 13, 0, tzinfo=COPENHAGEN), "Lokale 3"),
        ),
    )
    o.db.add_tenant(tenant)
    o.tenant = tenant
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    answer(o, o.org.ida, NOT_ATTENDING)
    end = START + timedelta(hours=3)

    tick(o, end + timedelta(minutes=5))
    tick(o, end + timedelta(minutes=10))

    [ask] = [m for m in o.inbox(o.org.jonas) if keys(m)[0] == "erfa.feedback.ask"]
    assert action_ids(ask) == [f"erfa:rate:{KEY}:{n}" for n in range(1, 6)]
    assert not [m for m in o.inbox(o.org.ida) if keys(m)[0] == "erfa.feedback.ask"]
    rated = o.press(o.org.jonas, f"erfa:rate:{KEY}:4")
    assert reply_keys(rated) == ["erfa.feedback.rated", "erfa.feedback.ask_takeaway"]
    took = o.say(o.org.jonas, "Vi prøver gevinstkort i styregruppen")
    assert reply_keys(took) == ["erfa.feedback.thanks", "erfa.feedback.as_challenge"]
    assert action_ids(took.replies[0]) == [f"erfa:challenge:{KEY}"]
    assert o.db.requests_of(o.tenant.id) == []  # the takeaway was not read as a sparring request

    tick(o, end + timedelta(minutes=15))
    tick(o, end + timedelta(days=4))

    [summary] = o.inbox(o.org.mette)[-1:]
    assert keys(summary)[:3] == ["erfa.summary.head", "erfa.summary.answers", "erfa.summary.rating"]
    assert [keys(m)[0] for m in o.inbox(o.org.mette)].count("erfa.summary.head") == 1
    text = danish([summary])
    assert "Bedømmelse: 4 ud af 5 i gennemsnit (1 svar)." in text
    assert "“Vi prøver gevinstkort i styregruppen”" in text
    submitted = o.press(o.org.jonas, f"erfa:challenge:{KEY}")
    assert reply_keys(submitted) == ["challenge.submitted"]
    assert o.db.challenges_of(o.tenant.id)[0].text == "Vi prøver gevinstkort i styregruppen"


def test_the_summary_comes_three_days_after_the_meeting_when_not_everyone_answered() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    end = START + timedelta(hours=3)
    tick(o, end + timedelta(minutes=1))

    tick(o, end + timedelta(days=2, hours=23))
    assert [m for m in o.inbox(o.org.mette) if keys(m)[0] == "erfa.summary.head"] == []
    tick(o, end + timedelta(days=3))

    [summary] = [m for m in o.inbox(o.org.mette) if keys(m)[0] == "erfa.summary.head"]
    assert "erfa.summary.no_rating" in keys(summary)


def test_feedback_is_for_the_seated_after_the_meeting_only() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)

    assert reply_keys(o.press(o.org.jonas, f"erfa:rate:{KEY}:5")) == ["erfa.feedback.not_yet"]
    o.clock.set(START + timedelta(hours=4))
    assert reply_keys(o.press(o.org.ida, f"erfa:rate:{KEY}:5")) == ["erfa.feedback.not_attended"]
    assert reply_keys(o.say(o.org.jonas, f"erfa tag-med {KEY} Gevinstkort")) == ["erfa.feedback.thanks"]


# --- commands ------------------------------------------------------------------------------------


def test_erfa_lists_the_upcoming_meetings_with_ones_answer_and_the_buttons() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, MAYBE)

    outcome = o.say(o.org.jonas, "erfa")

    head, meeting = outcome.replies
    assert keys(head) == ["erfa.list_head"]
    assert keys(meeting)[-1] == "erfa.yours.maybe"
    assert len(action_ids(meeting)) == 3
    assert "erfa.counts" not in keys(meeting)
    coordinator = o.say(o.org.mette, "/sparring erfa").replies[1]
    assert keys(coordinator)[-2:] == ["erfa.counts", "erfa.attendees_hint"]


def test_the_coordinator_sees_the_attendees_per_answer_and_long_lists_are_cut() -> None:
    o = office(dataclasses.replace(SPRING, seats=2))
    announced(o)
    people = add_people(o, 25)
    for person in people:
        answer(o, person, ATTENDING)
        o.clock.advance(seconds=1)
    answer(o, o.org.jonas, MAYBE)

    outcome = o.say(o.org.mette, f"erfa deltagere {KEY}")

    text = danish(outcome.replies)
    assert "Deltagere (2):" in text
    assert "Venteliste (23):" in text
    assert "Måske (1):" in text
    assert "1. Person 03" in text
    assert "… og 3 flere – se dem alle med vpmo erfa attendees nordlys 2027-spring --format csv" in text
    assert "• Jonas Krogh" in text


def test_others_asking_for_the_attendees_are_told_who_may_and_unknown_keys_name_the_upcoming() -> None:
    o = office()

    assert reply_keys(o.say(o.org.jonas, f"erfa attendees {KEY}")) == ["erfa.attendees_coordinator_only"]
    unknown = o.say(o.org.mette, "erfa deltagere 2030-x")
    assert reply_keys(unknown) == ["erfa.unknown"]
    assert "De kommende møder er: 2027-spring." in danish(unknown.replies)
    assert reply_keys(o.say(o.org.jonas, "erfa hvad")) == ["erfa.usage.list"]


def test_help_lists_the_erfa_commands_for_a_tenant_with_erfa() -> None:
    o = office()

    shown = reply_keys(o.say(o.org.mette, "hjælp"))

    assert {"help.command.erfa", "help.command.erfa_takeaway", "help.command.erfa_attendees"} <= set(shown)


def test_a_tenant_without_erfa_is_told_so() -> None:
    o = Office(ANNOUNCED_AT)

    assert reply_keys(o.say(o.org.jonas, "erfa")) == ["erfa.none_configured"]


def test_a_teams_tenant_gets_its_posts_in_the_teams_channel() -> None:
    o = office()
    o.tenant = dataclasses.replace(
        o.tenant,
        slack_team_id=None,
        teams_tenant_id="tid",
        erfa=ErfaSettings(channel_slack=CHANNEL, channel_teams="19:erfa@thread.tacv2"),
    )
    o.db.add_tenant(o.tenant)

    [post] = tick(o, ANNOUNCED_AT)

    assert post.to_channel == "19:erfa@thread.tacv2"


def test_the_takeaway_dialogue_ends_after_an_hour_so_a_later_question_stays_a_question() -> None:
    o = office()
    announced(o)
    answer(o, o.org.jonas, ATTENDING)
    o.clock.set(START + timedelta(hours=4))
    o.press(o.org.jonas, f"erfa:rate:{KEY}:3")
    o.clock.advance(hours=2)

    o.say(o.org.jonas, "Hjælp til budgettet for næste år")

    assert o.db.state.erfa_feedback[(o.tenant.id, KEY, o.org.jonas.id)].takeaway is None


# --- networks and the tick -----------------------------------------------------------------------


def test_a_network_meeting_is_seen_per_tenant_with_its_own_answers_and_seats() -> None:
    network = ErfaMeeting(
        "2027-network-1",
        "ERFA på tværs: Styregrupper der virker",
        datetime(2027, 5, 20, 13, 0, tzinfo=COPENHAGEN),
        timedelta(hours=4),
        "København",
        ("pm", "tester"),
        seats=1,
        network="maximize-network",
    )
    o = office(network)
    other = o.add_tenant("fjernvarme")
    o.db.add_tenant(_with_erfa(other.tenant, network))
    o.clock.set(local(2027, 4, 22, 13))
    tick(o)
    run_for_tenant(o.deps, other.tenant.id)

    answer(o, o.org.jonas, ATTENDING, network.key)
    there = reply_keys(o.press(other.jonas, f"erfa:rsvp:{network.key}:attending"))

    assert there[0] == "erfa.answered.attending"  # a seat of its own tenant's
    edit_here, edit_there = edits(o)
    assert "1 deltager, 0 måske · 1 plads, ingen ledige" in danish([edit_here])
    assert "1 deltager, 0 måske · 1 plads, ingen ledige" in danish([edit_there])
    assert (
        o.db.state.erfa_records[(o.tenant.id, network.key)].announced
        != o.db.state.erfa_records[(other.tenant.id, network.key)].announced
    )


def _with_erfa(tenant: Tenant, meeting: ErfaMeeting) -> Tenant:
    return dataclasses.replace(
        tenant, erfa=ErfaSettings(channel_teams="19:erfa@thread.tacv2"), erfa_meetings=(meeting,)
    )


def test_the_tick_runs_every_tenant_and_one_tenants_failure_does_not_stop_the_others() -> None:
    o = office()
    o.db.add_tenant(
        dataclasses.replace(o.tenant, erfa=ErfaSettings(channel_slack=CHANNEL, reminders=("soon",)))
    )
    other = o.add_tenant("vindkraft")
    o.db.add_tenant(
        dataclasses.replace(other.tenant, erfa=ErfaSettings(channel_slack=CHANNEL), erfa_meetings=(SPRING,))
    )
    o.clock.set(ANNOUNCED_AT)

    handled = asyncio.run(run_erfa_cycle(o.deps))

    assert handled == 1
    assert [q.tenant_id for q in o.db.state.outbox if q.message.to_channel == CHANNEL] == [other.tenant.id]
