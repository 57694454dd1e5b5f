"""The guided intake: area, description and urgency, one question at a time."""

from __future__ import annotations

import pytest

from handlers.shared.model import Status, Urgency
from handlers.shared.text import Text
from handlers.sparring.commands import SubmitIntake
from tests.fakes import Office, action_ids, keys, local, reply_keys

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


def start_intake(office: Office, description: str = "Vi løber tør for penge i Q3") -> None:
    jonas = office.org.jonas
    office.say(jonas, "sparring")
    office.press(jonas, "intake-area:budget")
    office.say(jonas, description)


# --- the guided intake ---------------------------------------------------------------------------


def test_sparring_alone_starts_the_intake_with_area_buttons(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, "sparring")

    [reply] = outcome.replies
    assert keys(reply) == ["intake.area"]
    assert "intake-area:budget" in action_ids(reply)
    assert all(action_id.startswith("intake-area:") for action_id in action_ids(reply))
    assert office.db.dialogue(org.jonas.id) == {"step": "area"}


def test_choosing_an_intake_area_asks_for_a_description(office: Office) -> None:
    org = office.org
    office.say(org.jonas, "sparring")

    outcome = office.press(org.jonas, "intake-area:budget")

    assert reply_keys(outcome) == ["intake.description"]
    assert office.db.dialogue(org.jonas.id) == {"step": "description", "area": "budget"}


def test_typing_the_area_during_the_intake_works_like_the_button(office: Office) -> None:
    org = office.org
    office.say(org.jonas, "sparring")

    outcome = office.say(org.jonas, "budgettet")

    assert reply_keys(outcome) == ["intake.description"]
    assert office.db.dialogue(org.jonas.id) == {"step": "description", "area": "budget"}


def test_an_unrecognisable_area_during_the_intake_asks_again(office: Office) -> None:
    org = office.org
    office.say(org.jonas, "sparring")

    outcome = office.say(org.jonas, "noget helt andet")

    assert reply_keys(outcome) == ["intake.area_again"]
    assert office.db.dialogue(org.jonas.id) == {"step": "area"}


def test_the_description_in_the_intake_leads_to_the_urgency_question(office: Office) -> None:
    org = office.org
    office.say(org.jonas, "sparring")
    office.press(org.jonas, "intake-area:budget")

    outcome = office.say(org.jonas, "Vi løber tør for penge i Q3")

    [reply] = outcome.replies
    assert keys(reply) == ["intake.urgency"]
    assert action_ids(reply) == ["intake-urgency:normal", "intake-urgency:urgent"]
    assert office.db.dialogue(org.jonas.id) == {
        "step": "urgency",
        "area": "budget",
        "text": "Vi løber tør for penge i Q3",
    }


def test_choosing_the_urgency_creates_the_request_with_the_intake_answers(office: Office) -> None:
    org = office.org
    # The description talks about testing, but the area chosen in the intake wins.
    start_intake(office, "Vi skal teste systemet inden go-live")

    outcome = office.press(org.jonas, "intake-urgency:urgent")

    request = office.request(1)
    assert (request.area, request.urgency, request.text) == (
        "budget",
        Urgency.URGENT,
        "Vi skal teste systemet inden go-live",
    )
    assert (request.status, request.senior_id) == (Status.OFFERED, org.anna.id)
    assert reply_keys(outcome)[0] == "ask.routed"
    assert office.db.dialogue(org.jonas.id) is None


@pytest.mark.parametrize(("typed", "urgency"), [("haster", Urgency.URGENT), ("nej", Urgency.NORMAL)])
def test_the_urgency_can_be_typed(office: Office, typed: str, urgency: Urgency) -> None:
    org = office.org
    start_intake(office)

    office.say(org.jonas, typed)

    assert office.request(1).urgency is urgency
    assert office.db.dialogue(org.jonas.id) is None


def test_an_unclear_urgency_answer_asks_again(office: Office) -> None:
    org = office.org
    start_intake(office)

    outcome = office.say(org.jonas, "måske")

    assert reply_keys(outcome) == ["intake.urgency"]
    assert office.db.requests_of(office.tenant.id) == []


def test_an_urgency_button_without_an_intake_has_expired(office: Office) -> None:
    outcome = office.press(office.org.jonas, "intake-urgency:urgent")

    assert reply_keys(outcome) == ["intake.expired"]
    assert office.db.requests_of(office.tenant.id) == []


def test_cancel_without_a_reference_stops_the_intake(office: Office) -> None:
    org = office.org
    office.say(org.jonas, "sparring")

    outcome = office.say(org.jonas, "annullér")

    assert reply_keys(outcome) == ["intake.cancelled"]
    assert office.db.dialogue(org.jonas.id) is None


def test_cancel_without_a_reference_and_without_an_intake_explains_the_usage(office: Office) -> None:
    outcome = office.say(office.org.jonas, "cancel")

    assert reply_keys(outcome) == ["usage.cancel"]


# --- urgency -------------------------------------------------------------------------------------


def test_an_urgent_request_escalates_after_half_the_response_hours(office: Office) -> None:
    org = office.org
    start_intake(office)

    office.press(org.jonas, "intake-urgency:urgent")

    assert office.request(1).escalate_at == local(2027, 3, 3, 14, 0)
    assert office.inbox(org.anna)[0].lines[0].params["urgency"] == Text.of("urgency.urgent")


def test_the_lapse_notice_of_an_urgent_request_states_the_hours_it_really_had(office: Office) -> None:
    org = office.org
    start_intake(office)
    office.press(org.jonas, "intake-urgency:urgent")
    office.clock.set(local(2027, 3, 3, 14, 0))

    office.escalate()

    lapsed = office.inbox(org.anna)[-1]
    assert lapsed.lines[0] == Text.of("senior.offer_lapsed", ref="S-1", hours=4.0)


def test_a_filled_in_intake_form_creates_the_request_with_its_area_urgency_and_senior() -> None:
    office = Office(local(2027, 3, 3, 10, 0))
    org = office.org

    office.run(org.jonas, SubmitIntake("budget", "Budgettet for fase 2 skrider", "urgent", "Sofie"))

    request = office.request(1)
    assert (request.area, request.urgency, request.senior_id) == ("budget", Urgency.URGENT, org.sofie.id)
    assert request.status is Status.OFFERED


def test_an_intake_form_with_an_unknown_urgency_asks_again() -> None:
    office = Office(local(2027, 3, 3, 10, 0))

    outcome = office.run(office.org.jonas, SubmitIntake("budget", "Budgettet", "whenever"))

    assert reply_keys(outcome) == ["intake.urgency"]
