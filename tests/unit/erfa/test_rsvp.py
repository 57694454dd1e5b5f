"""RSVPs: one answer per person, replays change nothing, seats and the waiting list, resets on a new time."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from handlers.erfa.rsvp import (
    Answer,
    Counts,
    Rsvp,
    answer,
    answers_after_change,
    keeps_answers,
    merge,
    moved_down,
    moved_up,
    seating,
    settle,
    unanswered,
)
from handlers.shared.erfa_settings import ErfaMeeting
from tests.fakes import COPENHAGEN

START = datetime(2027, 4, 15, 7, 0, tzinfo=UTC)
T0 = datetime(2027, 3, 18, 8, 0, tzinfo=UTC)
MEETING = ErfaMeeting(
    key="2027-spring",
    title="ERFA: Gevinstrealisering i praksis",
    at=datetime(2027, 4, 15, 9, 0, tzinfo=COPENHAGEN),
    duration=timedelta(hours=3),
    place="Nordlys, Kolding / Teams",
    audience=("pm", "participant"),
    seats=2,
)

A, M, N = Answer.ATTENDING, Answer.MAYBE, Answer.NOT_ATTENDING


def click(person: str, choice: Answer, minute: int, start: datetime = START) -> Rsvp:
    return Rsvp(person, choice, T0 + timedelta(minutes=minute), start)


# --- one answer per person ------------------------------------------------------------------------


def test_the_latest_answer_of_a_person_stands() -> None:
    answers = settle([click("anna", A, 1), click("anna", N, 2)], START)

    assert answers["anna"].answer is N


def test_a_repeated_click_keeps_the_first_answer_and_its_time() -> None:
    answers = settle([click("anna", A, 1), click("anna", A, 5)], START)

    assert answers == {"anna": replace(click("anna", A, 1), pressed=click("anna", A, 5).at)}


def test_the_answers_do_not_depend_on_the_order_the_clicks_arrive_in() -> None:
    clicks = [
        click("anna", A, 1),
        click("anna", N, 2),
        click("anna", A, 3),
        click("bo", M, 2),
        click("bo", A, 4),
    ]

    results = {tuple(sorted(settle(order, START).items())) for order in itertools.permutations(clicks)}

    assert len(results) == 1
    assert dict(results.pop()) == {"anna": click("anna", A, 3), "bo": click("bo", A, 4)}


def test_a_replayed_click_changes_nothing() -> None:
    recorded = [click("anna", A, 1), click("bo", A, 2)]

    outcome = answer(recorded, click("anna", A, 1), seats=None)

    assert not outcome.changed
    assert outcome.standing == click("anna", A, 1)
    assert outcome.moved_up == ()


def test_a_stale_click_older_than_the_standing_answer_changes_nothing() -> None:
    outcome = answer([click("anna", N, 5)], click("anna", A, 1), seats=None)

    assert not outcome.changed
    assert outcome.standing.answer is N


def test_two_different_answers_at_the_same_moment_settle_on_the_more_cautious() -> None:
    same = [click("anna", A, 1), click("anna", N, 1)]

    assert settle(same, START)["anna"].answer is N
    assert settle(reversed(same), START)["anna"].answer is N


def test_merging_into_one_stored_row_follows_the_same_rules() -> None:
    held = click("anna", A, 1)

    assert merge(None, held) == held
    assert merge(held, click("anna", A, 9)) == replace(held, pressed=click("anna", A, 9).at)
    assert merge(held, click("anna", M, 2)) == click("anna", M, 2)
    assert merge(click("anna", M, 2), held) == click("anna", M, 2)


def test_the_last_press_in_time_stands_whatever_order_the_presses_reach_one_stored_row_in() -> None:
    presses = [click("anna", A, 1), click("anna", A, 3), click("anna", M, 2)]

    standing = set()
    for order in itertools.permutations(presses):
        held = None
        for press in order:
            held = merge(held, press)
        assert held is not None
        standing.add(held.answer)

    assert standing == {A}


def test_a_late_press_older_than_a_repeat_of_the_held_answer_changes_nothing() -> None:
    recorded = [merge(click("anna", A, 1), click("anna", A, 3))]

    outcome = answer(recorded, click("anna", M, 2), seats=None)

    assert not outcome.changed
    assert outcome.standing.answer is A
    assert outcome.standing.at == click("anna", A, 1).at


def test_a_repeat_of_the_held_answer_is_no_change_though_it_moves_the_latest_press_on() -> None:
    outcome = answer([click("anna", A, 1)], click("anna", A, 3), seats=None)

    assert not outcome.changed
    assert outcome.standing.at == click("anna", A, 1).at
    assert outcome.standing.last_press == click("anna", A, 3).at


# --- seats and the waiting list -------------------------------------------------------------------


def test_without_seats_everyone_attending_is_seated_and_nobody_waits() -> None:
    answers = settle([click(p, A, i) for i, p in enumerate(["anna", "bo", "carl"])], START)

    placed = seating(answers, None)

    assert placed.seated == ("anna", "bo", "carl")
    assert placed.waiting == ()
    assert placed.counts.free is None


def test_attendees_beyond_the_seats_wait_in_the_order_they_answered() -> None:
    clicks = [click("dora", A, 4), click("anna", A, 1), click("carl", A, 3), click("bo", A, 2)]

    placed = seating(settle(clicks, START), seats=2)

    assert placed.seated == ("anna", "bo")
    assert placed.waiting == ("carl", "dora")


def test_maybe_holds_no_seat() -> None:
    clicks = [click("anna", M, 1), click("bo", A, 2), click("carl", A, 3)]

    placed = seating(settle(clicks, START), seats=2)

    assert placed.seated == ("bo", "carl")
    assert placed.maybe == ("anna",)
    assert placed.counts.free == 0


def test_not_attending_frees_the_seat_for_the_first_on_the_waiting_list_who_is_named() -> None:
    recorded = [click("anna", A, 1), click("bo", A, 2), click("carl", A, 3), click("dora", A, 4)]

    outcome = answer(recorded, click("bo", N, 10), seats=2)

    assert outcome.changed
    assert outcome.moved_up == ("carl",)
    assert outcome.seating.seated == ("anna", "carl")
    assert outcome.seating.waiting == ("dora",)


def test_attendance_changed_to_maybe_also_frees_the_seat() -> None:
    recorded = [click("anna", A, 1), click("bo", A, 2), click("carl", A, 3)]

    outcome = answer(recorded, click("anna", M, 10), seats=2)

    assert outcome.moved_up == ("carl",)


def test_a_repeated_attending_click_keeps_the_place_on_the_waiting_list() -> None:
    recorded = [click("anna", A, 1), click("bo", A, 2), click("carl", A, 3), click("dora", A, 4)]

    outcome = answer(recorded, click("carl", A, 20), seats=2)

    assert not outcome.changed
    assert outcome.seating.waiting == ("carl", "dora")


def test_withdrawing_and_coming_back_queues_from_the_new_answer() -> None:
    recorded = [click("anna", A, 1), click("bo", A, 2), click("carl", A, 3), click("anna", N, 4)]

    outcome = answer(recorded, click("anna", A, 5), seats=2)

    assert outcome.seating.seated == ("bo", "carl")
    assert outcome.seating.waiting == ("anna",)
    assert outcome.moved_up == ()


def test_a_freed_seat_without_a_waiting_list_moves_nobody_up() -> None:
    outcome = answer([click("anna", A, 1)], click("anna", N, 2), seats=2)

    assert outcome.moved_up == ()
    assert outcome.seating.counts.free == 2


def test_more_seats_move_people_up_and_fewer_move_the_last_seated_down() -> None:
    answers = settle([click(p, A, i) for i, p in enumerate(["anna", "bo", "carl", "dora"])], START)

    two, three, one = seating(answers, 2), seating(answers, 3), seating(answers, 1)

    assert moved_up(two, three) == ("carl",)
    assert moved_down(two, one) == ("bo",)


def test_counts_for_a_post_name_attending_maybe_seats_and_free_seats() -> None:
    clicks = [click(f"p{i}", A, i) for i in range(12)]
    clicks += [click(f"m{i}", M, 20 + i) for i in range(3)]
    clicks += [click("nej", N, 30)]

    counts = seating(settle(clicks, START), seats=40).counts

    assert counts == Counts(attending=12, waiting=0, maybe=3, not_attending=1, seats=40, free=28)


# --- changes to the meeting -----------------------------------------------------------------------


def test_a_new_place_keeps_the_answers() -> None:
    recorded = (click("anna", A, 1),)
    moved = replace(MEETING, place="København", title="Nyt sted", duration=timedelta(hours=4), seats=10)

    assert keeps_answers(MEETING, moved, COPENHAGEN)
    assert answers_after_change(recorded, MEETING, moved, COPENHAGEN) == recorded


def test_a_new_time_resets_the_answers() -> None:
    later = replace(MEETING, at=datetime(2027, 4, 15, 10, 0, tzinfo=COPENHAGEN))

    assert not keeps_answers(MEETING, later, COPENHAGEN)
    assert answers_after_change([click("anna", A, 1)], MEETING, later, COPENHAGEN) == ()


def test_the_same_start_written_in_utc_is_not_a_new_time() -> None:
    same = replace(MEETING, at=datetime(2027, 4, 15, 7, 0, tzinfo=UTC))

    assert keeps_answers(MEETING, same, COPENHAGEN)


def test_answers_given_for_an_earlier_start_do_not_stand() -> None:
    earlier = START - timedelta(days=7)

    answers = settle([click("anna", A, 1, start=earlier), click("bo", M, 2)], START)

    assert set(answers) == {"bo"}


def test_the_invited_without_an_answer_are_the_ones_to_nudge_once() -> None:
    answers = settle([click("anna", A, 1), click("bo", N, 2)], START)

    assert unanswered(["anna", "bo", "carl", "dora", "carl"], answers) == ("carl", "dora")
