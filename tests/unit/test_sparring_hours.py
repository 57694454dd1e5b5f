"""Hours are checked when a session is logged, and can be corrected afterwards with a kept history."""

from __future__ import annotations

import pytest

from handlers.shared.model import HoursCorrection, Status
from handlers.sparring.sessions import CONFIRM_ABOVE_HOURS, MAX_SESSION_HOURS
from tests.fakes import Office, action_ids, keys, local, render_all, reply_keys

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
    """The same office after Anna held the session for 1,5 hours."""
    office.say(office.org.anna, "done S-1 1,5")
    return office


# --- checks when the session is logged -----------------------------------------------------------


def test_the_limits_ask_before_refusing() -> None:
    assert 0 < CONFIRM_ABOVE_HOURS < MAX_SESSION_HOURS


def test_unusually_many_hours_are_not_logged_until_the_senior_confirms(office: Office) -> None:
    outcome = office.say(office.org.anna, "færdig S-1 12")

    assert reply_keys(outcome) == ["senior.confirm_hours", "senior.confirm_hint_held"]
    assert action_ids(outcome.replies[0]) == ["held:S-1:12"]
    request = office.request(1)
    assert (request.status, request.hours) == (Status.ACCEPTED, None)
    assert office.inbox(office.org.jonas)[-1].dedupe_key != f"feedback-please:{request.id}"


def test_the_confirm_button_logs_the_hours(office: Office) -> None:
    office.say(office.org.anna, "færdig S-1 12,5")

    outcome = office.press(office.org.anna, "held:S-1:12.5")

    assert reply_keys(outcome) == ["senior.held", "quota.status"]
    request = office.request(1)
    assert (request.status, request.hours) == (Status.HELD, 12.5)


def test_typing_the_confirming_word_logs_the_hours(office: Office) -> None:
    office.say(office.org.anna, "færdig S-1 12 bekræft")

    assert office.request(1).hours == 12.0


def test_pressing_the_confirm_button_twice_logs_the_hours_once(office: Office) -> None:
    office.say(office.org.anna, "færdig S-1 12")
    office.press(office.org.anna, "held:S-1:12")
    asked_for_feedback = len(office.inbox(office.org.jonas))

    outcome = office.press(office.org.anna, "held:S-1:12")

    assert reply_keys(outcome) == ["senior.already_held", "senior.correct_hint"]
    assert office.request(1).hours == 12.0
    assert len(office.inbox(office.org.jonas)) == asked_for_feedback


def test_more_hours_than_a_session_can_take_are_refused_even_when_confirmed(office: Office) -> None:
    outcome = office.say(office.org.anna, "færdig S-1 100 bekræft")

    assert reply_keys(outcome) == ["senior.hours_too_many"]
    assert office.request(1).status is Status.ACCEPTED
    [text] = render_all(outcome.replies, "da")
    assert text.startswith("100 timer er mere, end én sparring kan vare (højst 24 timer)")


def test_up_to_the_confirmation_limit_the_hours_are_logged_at_once(office: Office) -> None:
    outcome = office.say(office.org.anna, "færdig S-1 8")

    assert reply_keys(outcome) == ["senior.held", "quota.status"]


def test_a_second_done_says_it_is_held_already_in_plain_danish(held: Office) -> None:
    outcome = held.say(held.org.anna, "færdig S-1 3")

    assert render_all(outcome.replies, "da") == [
        "S-1 er allerede registreret som holdt med 1,5 timer; intet er ændret.",
        "Er timerne forkerte, så skriv: ret S-1 1,5 (det rigtige antal timer).",
    ]


# --- corrections ---------------------------------------------------------------------------------


def test_ret_corrects_the_hours_and_keeps_the_change_in_the_history(held: Office) -> None:
    held.clock.advance(hours=2)

    outcome = held.say(held.org.anna, "ret S-1 2")

    assert reply_keys(outcome) == ["senior.hours_corrected", "quota.status"]
    request = held.request(1)
    assert request.hours == 2.0
    assert request.hours_corrections == [
        HoursCorrection(at=local(2027, 3, 3, 12, 0), by_id=held.org.anna.id, old=1.5, new=2.0)
    ]
    assert request.status is Status.HELD


def test_the_quarters_figures_follow_a_correction(held: Office) -> None:
    outcome = held.say(held.org.anna, "correct S-1 3")

    assert outcome.replies[0].lines[1].params["used"] == 3.0
    kpis = held.say(held.org.mette, "kpi")
    values = [fact.value for section in kpis.replies[0].sections for fact in section.facts]
    assert [v.params["used"] for v in values if v.key == "kpi.value.hours"] == [3.0]


def test_why_shows_the_corrections(held: Office) -> None:
    held.say(held.org.anna, "ret S-1 2")

    outcome = held.say(held.org.mette, "hvorfor S-1")

    assert reply_keys(outcome)[-2:] == ["hours.corrected", "state.held"]
    assert render_all(outcome.replies, "da")[-2].startswith("Timerne er rettet fra 1,5 til 2 af Anna Berg, ")


def test_a_correction_by_the_coordinator_is_told_to_the_senior(held: Office) -> None:
    held.say(held.org.mette, "ret S-1 1")

    assert keys(held.inbox(held.org.anna)[-1]) == ["senior.hours_corrected_by"]
    assert held.request(1).hours_corrections[0].by_id == held.org.mette.id


def test_a_big_correction_asks_for_confirmation_and_its_button_corrects(held: Office) -> None:
    outcome = held.say(held.org.anna, "ret S-1 10")

    assert action_ids(outcome.replies[0]) == ["correct:S-1:10"]
    assert held.request(1).hours == 1.5
    held.press(held.org.anna, "correct:S-1:10")
    assert held.request(1).hours == 10.0


def test_the_same_hours_again_change_nothing(held: Office) -> None:
    outcome = held.say(held.org.anna, "ret S-1 1,5")

    assert reply_keys(outcome) == ["senior.hours_unchanged"]
    assert held.request(1).hours_corrections == []


def test_hours_cannot_be_corrected_before_the_session_is_held(office: Office) -> None:
    outcome = office.say(office.org.anna, "ret S-1 2")

    assert reply_keys(outcome) == ["error.cannot_correct", "state.accepted"]
    assert office.request(1).hours is None


def test_another_senior_cannot_correct_the_hours(held: Office) -> None:
    outcome = held.say(held.org.sofie, "ret S-1 2")

    assert reply_keys(outcome) == ["error.not_your_session"]
    assert held.request(1).hours == 1.5


def test_a_correction_up_past_80_percent_warns_the_coordinator() -> None:
    office = Office(WEDNESDAY_MORNING)
    org = office.org
    office.seed(org.ida, Status.CLOSED, senior=org.lars, area="pid", hours=45, held_at=local(2027, 2, 24))
    number = office.seed(org.jonas, Status.HELD, senior=org.anna, hours=1, held_at=WEDNESDAY_MORNING).number

    office.say(org.anna, f"ret S-{number} 4")

    [warning] = office.inbox(org.mette)
    assert (warning.lines[0].key, warning.lines[0].params["percent"]) == ("quota.warning_80", 81)
