"""After the session: the senior logs the hours, the requester rates it, and the request closes."""

from __future__ import annotations

import pytest

from handlers.shared.model import Status
from handlers.shared.text import Text, Verbatim
from tests.fakes import Office, action_ids, keys, local, reply_keys

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)


@pytest.fixture
def office() -> Office:
    """An office where Anna has accepted Jonas's request S-1."""
    office = Office(WEDNESDAY_MORNING)
    office.ask(office.org.jonas)
    office.say(office.org.anna, "accept S-1")
    return office


@pytest.fixture
def held(office: Office) -> Office:
    """The same office after Anna held the session."""
    office.say(office.org.anna, "done S-1 1,5")
    return office


# --- done ----------------------------------------------------------------------------------------


def test_the_senior_marks_the_session_held_with_its_hours(office: Office) -> None:
    org = office.org
    office.clock.advance(days=2)

    outcome = office.say(org.anna, "færdig S-1 1,5")

    request = office.request(1)
    assert (request.status, request.hours, request.held_at) == (Status.HELD, 1.5, office.clock.now())
    assert reply_keys(outcome) == ["senior.held", "quota.status"]
    assert outcome.replies[0].lines[1] == Text.of("quota.status", used=1.5, agreed=60)


def test_the_requester_is_asked_for_feedback_with_five_rating_buttons(office: Office) -> None:
    org = office.org

    office.say(org.anna, "done S-1 2")

    feedback = office.inbox(org.jonas)[-1]
    assert keys(feedback) == ["requester.feedback_please", "requester.feedback_hint"]
    assert action_ids(feedback) == [f"rate:S-1:{n}" for n in range(1, 6)]


def test_the_coordinator_can_mark_a_session_held(office: Office) -> None:
    outcome = office.say(office.org.mette, "done S-1 1")

    assert reply_keys(outcome)[0] == "senior.held"
    assert office.request(1).status is Status.HELD


@pytest.mark.parametrize("who", ["sofie", "jonas"])
def test_only_the_requests_senior_or_a_coordinator_can_mark_it_held(office: Office, who: str) -> None:
    outcome = office.say(getattr(office.org, who), "done S-1 1")

    assert reply_keys(outcome) == ["error.not_your_session"]
    assert office.request(1).status is Status.ACCEPTED


def test_a_session_that_was_not_accepted_cannot_be_marked_held() -> None:
    office = Office(WEDNESDAY_MORNING)
    office.ask(office.org.jonas)

    outcome = office.say(office.org.anna, "done S-1 1")

    [reply] = outcome.replies
    assert keys(reply) == ["error.cannot_mark_held", "state.offered"]
    assert office.request(1).status is Status.OFFERED


def test_a_second_done_says_the_session_is_held_already_with_its_hours(held: Office) -> None:
    outcome = held.say(held.org.anna, "done S-1 3")

    assert reply_keys(outcome) == ["senior.already_held", "senior.correct_hint"]
    assert outcome.replies[0].lines[0].params["hours"] == 1.5
    assert held.request(1).hours == 1.5


def test_hours_held_count_against_the_senior_in_routing(held: Office) -> None:
    org = held.org

    held.say(org.ida, "sparring Hjælp til budgettet for næste år")

    load = held.request(2).routing_reasons[-1]
    assert load == Text.of("routing.load", senior=org.anna.name, open=0, left=10.5, capacity=12.0)


# --- feedback ------------------------------------------------------------------------------------


def test_a_rating_alone_thanks_and_offers_to_add_a_comment(held: Office) -> None:
    outcome = held.press(held.org.jonas, "rate:S-1:4")

    request = held.request(1)
    assert (request.status, request.rating) == (Status.FEEDBACK, 4)
    [reply] = outcome.replies
    assert keys(reply) == ["requester.thanks_rating", "requester.comment_hint"]
    assert action_ids(reply) == ["comment:S-1", "no-comment:S-1"]


def test_a_comment_after_the_rating_closes_the_request_and_tells_the_senior(held: Office) -> None:
    org = held.org
    held.press(org.jonas, "rate:S-1:4")

    outcome = held.say(org.jonas, "feedback S-1 Gode råd om risikologgen")

    request = held.request(1)
    assert (request.status, request.rating, request.comment) == (
        Status.CLOSED,
        4,
        "Gode råd om risikologgen",
    )
    assert reply_keys(outcome) == ["requester.thanks_closed"]
    [told] = [m for m in held.inbox(org.anna) if keys(m)[0] == "senior.feedback"]
    assert told.lines == (
        Text.of("senior.feedback", ref="S-1", rating=4),
        Text.of("quote", text=Verbatim("Gode råd om risikologgen")),
    )


def test_a_rating_with_a_comment_in_one_go_closes_the_request(held: Office) -> None:
    outcome = held.say(held.org.jonas, "feedback S-1 5 Meget brugbart")

    request = held.request(1)
    assert (request.status, request.rating, request.comment, request.closed_at) == (
        Status.CLOSED,
        5,
        "Meget brugbart",
        WEDNESDAY_MORNING,
    )
    assert reply_keys(outcome) == ["requester.thanks_closed"]


def test_no_comment_closes_the_request_and_the_senior_gets_only_the_rating(held: Office) -> None:
    org = held.org
    held.press(org.jonas, "rate:S-1:3")

    held.press(org.jonas, "no-comment:S-1")

    request = held.request(1)
    assert (request.status, request.rating, request.comment) == (Status.CLOSED, 3, None)
    assert held.inbox_keys(org.anna)[-1] == ["senior.feedback"]


def test_a_comment_without_a_rating_explains_how_to_give_feedback(held: Office) -> None:
    outcome = held.say(held.org.jonas, "feedback S-1 Tak for hjælpen")

    assert reply_keys(outcome) == ["usage.feedback"]
    assert held.request(1).status is Status.HELD


def test_an_overlong_comment_is_refused(held: Office) -> None:
    held.press(held.org.jonas, "rate:S-1:4")

    outcome = held.say(held.org.jonas, "feedback S-1 " + "x" * 1001)

    assert reply_keys(outcome) == ["ask.too_long"]
    assert held.request(1).status is Status.FEEDBACK


def test_only_the_requester_can_give_feedback(held: Office) -> None:
    outcome = held.press(held.org.ida, "rate:S-1:1")

    assert reply_keys(outcome) == ["error.unknown_ref"]
    assert held.request(1).rating is None


def test_feedback_before_the_session_is_held_is_refused(office: Office) -> None:
    outcome = office.press(office.org.jonas, "rate:S-1:5")

    assert reply_keys(outcome) == ["error.no_feedback_now", "state.accepted"]
    assert office.request(1).rating is None


def test_feedback_on_a_closed_request_is_refused(held: Office) -> None:
    held.say(held.org.jonas, "feedback S-1 5 Super")

    outcome = held.press(held.org.jonas, "rate:S-1:1")

    assert reply_keys(outcome) == ["error.no_feedback_now", "state.closed"]
    assert held.request(1).rating == 5


def test_asking_to_add_a_comment_explains_how_where_there_is_no_form(held: Office) -> None:
    held.press(held.org.jonas, "rate:S-1:4")

    outcome = held.press(held.org.jonas, "comment:S-1")

    assert reply_keys(outcome) == ["requester.comment_hint"]
    assert held.request(1).status is Status.FEEDBACK
