"""Asking for sparring: routing a question, choosing an area, the guided intake, and cancelling."""

from __future__ import annotations

import pytest

from handlers.shared.model import Status
from handlers.shared.text import Bilingual, Text, Verbatim
from handlers.sparring.commands import SEND_PENDING_ACTION, FreeText, RequestSparring
from tests.fakes import (
    BUDGET_QUESTION,
    STEERING_QUESTION,
    Office,
    action_ids,
    keys,
    local,
    reply_keys,
)

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)
UNCLEAR_QUESTION = "Hvordan håndterer jeg risikoen i tidsplanen og budgettet"


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


# --- asking with free text -----------------------------------------------------------------------


def test_danish_budget_question_is_offered_to_the_budget_senior(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"/sparring {BUDGET_QUESTION}")

    request = office.request(1)
    assert (request.status, request.area, request.senior_id) == (Status.OFFERED, "budget", org.anna.id)
    [offer] = office.inbox(org.anna)
    assert keys(offer) == ["offer.new", "quote", "offer.answer_by"]
    assert action_ids(offer) == ["accept:S-1", "decline:S-1"]
    assert offer.ref == "S-1"
    assert reply_keys(outcome)[0] == "ask.routed"


def test_the_requester_is_told_which_senior_got_it_and_one_short_reason(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring {BUDGET_QUESTION}")

    [reply] = outcome.replies
    assert keys(reply) == ["ask.routed", "reason.strongest"]
    assert reply.lines[1].params["senior"] == "Anna"
    assert reply.lines[0].params["senior"] == org.anna.name
    assert reply.lines[0].params["area"] == Bilingual("Budgettering", "Budgeting")
    assert reply.to_person == org.jonas.id
    assert reply.ref == "S-1"


def test_english_question_is_routed_the_same_way(office: Office) -> None:
    org = office.org

    office.say(org.ida, "sparring How do I write a good PID?")

    request = office.request(1)
    assert (request.area, request.senior_id) == ("pid", org.lars.id)
    assert office.inbox_keys(org.lars)[0][0] == "offer.new"


def test_the_offer_names_the_requester_and_quotes_the_question(office: Office) -> None:
    org = office.org

    office.say(org.jonas, f"sparring {BUDGET_QUESTION}")

    [offer] = office.inbox(org.anna)
    assert offer.lines[0].params["requester"] == org.jonas.name
    assert offer.lines[1].params["text"] == Verbatim(BUDGET_QUESTION)


def test_the_senior_gets_the_response_hours_in_business_hours_to_answer(office: Office) -> None:
    org = office.org

    office.say(org.jonas, f"sparring {BUDGET_QUESTION}")

    request = office.request(1)
    assert request.offered_at == WEDNESDAY_MORNING
    assert request.escalate_at == local(2027, 3, 4, 10, 0)
    [offer] = office.inbox(org.anna)
    assert offer.lines[2].params["deadline"] == request.escalate_at


def test_references_count_up_within_a_tenant(office: Office) -> None:
    org = office.org

    first = office.ask(org.jonas)
    second = office.ask(org.ida)

    assert (first.ref, second.ref) == ("S-1", "S-2")


def test_two_tenants_number_their_requests_independently(office: Office) -> None:
    other = office.add_tenant("solsort")
    office.ask(office.org.jonas)
    office.ask(office.org.jonas)

    theirs = office.ask(other.jonas)

    assert theirs.ref == "S-1"
    assert theirs.tenant_id == other.tenant.id
    assert theirs.senior_id == other.anna.id


def test_the_preferred_senior_named_with_an_at_sign_gets_the_request(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring @Sofie {BUDGET_QUESTION}")

    request = office.request(1)
    assert (request.preferred_senior_id, request.senior_id) == (org.sofie.id, org.sofie.id)
    assert reply_keys(outcome) == ["ask.routed", "reason.preferred"]


def test_the_preferred_senior_is_named_as_the_reason_when_they_have_the_area(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring @Lars {STEERING_QUESTION}")

    request = office.request(1)
    assert (request.preferred_senior_id, request.senior_id) == (org.lars.id, org.lars.id)
    assert outcome.replies[0].lines[1] == Text.of("reason.preferred", senior=org.lars.name)
    assert office.request(1).routing_reasons[0] == Text.of("routing.preferred", senior=org.lars.name)


def test_a_named_senior_without_the_area_is_said_so_and_offered_anyway(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring @Lars {BUDGET_QUESTION}")

    request = office.request(1)
    assert (request.preferred_senior_id, request.senior_id) == (org.lars.id, org.anna.id)
    [reply] = outcome.replies
    assert keys(reply) == ["ask.routed", "reason.strongest", "ask.named_other_area"]
    assert reply.lines[2].params["senior"] == org.lars.name
    assert action_ids(reply) == [f"prefer:S-1:{org.lars.id}"]
    assert "routing.preferred_unavailable" not in [r.key for r in request.routing_reasons]
    assert (
        Text.of(
            "routing.preferred_other_area", senior=org.lars.name, area=Bilingual("Budgettering", "Budgeting")
        )
        in request.routing_reasons
    )


def test_pressing_the_named_senior_button_offers_the_request_to_them_and_releases_the_first(
    office: Office,
) -> None:
    org = office.org
    office.say(org.jonas, f"sparring @Lars {BUDGET_QUESTION}")

    outcome = office.press(org.jonas, f"prefer:S-1:{org.lars.id}")

    request = office.request(1)
    assert (request.status, request.senior_id) == (Status.OFFERED, org.lars.id)
    assert reply_keys(outcome) == ["requester.now_offered"]
    assert office.inbox_keys(org.lars)[-1] == ["offer.new", "quote", "offer.answer_by"]
    assert office.inbox_keys(org.anna)[-1] == ["senior.requester_chose"]


def test_the_named_senior_button_after_acceptance_changes_nothing(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring @Lars {BUDGET_QUESTION}")
    office.press(org.anna, "accept:S-1")

    outcome = office.press(org.jonas, f"prefer:S-1:{org.lars.id}")

    assert office.request(1).senior_id == org.anna.id
    assert reply_keys(outcome) == ["error.cannot_prefer", "state.accepted"]


def test_only_the_requester_can_choose_the_named_senior(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring @Lars {BUDGET_QUESTION}")

    outcome = office.press(org.ida, f"prefer:S-1:{org.lars.id}")

    assert office.request(1).senior_id == org.anna.id
    assert reply_keys(outcome) == ["error.unknown_ref"]


def test_an_at_sign_that_names_nobody_is_answered_and_the_topic_decides(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring @nogen {BUDGET_QUESTION}")

    request = office.request(1)
    assert (request.preferred_senior_id, request.senior_id) == (None, org.anna.id)
    assert outcome.replies[0].lines == (Text.of("ask.unknown_mention", name=Verbatim("nogen")),)
    assert keys(outcome.replies[1])[0] == "ask.routed"


def test_a_senior_a_platform_mention_names_is_the_one_asked_for_and_the_text_is_kept_as_written(
    office: Office,
) -> None:
    org = office.org
    written = f"<@U01LAR> {STEERING_QUESTION}"

    office.run(org.jonas, RequestSparring(written, plain=f" {STEERING_QUESTION}", mentions=(org.lars.email,)))

    request = office.request(1)
    assert request.preferred_senior_id == org.lars.id
    assert request.text == written


def test_a_platform_mention_of_nobody_known_is_named_as_unknown(office: Office) -> None:
    org = office.org

    outcome = office.run(
        org.jonas, RequestSparring(BUDGET_QUESTION, plain=BUDGET_QUESTION, mentions=("U01MET",))
    )

    assert office.request(1).preferred_senior_id is None
    assert outcome.replies[0].lines == (Text.of("ask.unknown_mention", name=Verbatim("U01MET")),)


def test_typed_text_kept_until_it_is_sent_keeps_its_mentions(office: Office) -> None:
    org = office.org
    typed = FreeText(f"<@U01LAR> {STEERING_QUESTION}", plain=STEERING_QUESTION, mentions=(org.lars.email,))

    office.run(org.jonas, typed)
    office.press(org.jonas, SEND_PENDING_ACTION)

    assert office.request(1).preferred_senior_id == org.lars.id
    assert office.request(1).text == typed.text


def test_an_e_mail_address_in_the_text_is_not_a_mention(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring {BUDGET_QUESTION}, svar gerne på jonas@nordlys.dk")

    assert office.request(1).preferred_senior_id is None
    assert reply_keys(outcome) == ["ask.routed", "reason.strongest"]


def test_a_senior_named_by_e_mail_gets_the_request(office: Office) -> None:
    org = office.org

    office.say(org.jonas, f"sparring @{org.sofie.email} {BUDGET_QUESTION}")

    assert office.request(1).senior_id == org.sofie.id


def test_a_question_nobody_can_take_goes_to_the_coordinator_with_assign_buttons(office: Office) -> None:
    org = office.org
    office.db.deactivate(org.anna.id)
    office.db.deactivate(org.sofie.id)

    outcome = office.say(org.jonas, f"sparring {BUDGET_QUESTION}")

    request = office.request(1)
    assert (request.status, request.senior_id) == (Status.REQUESTED, None)
    assert reply_keys(outcome) == ["ask.to_coordinator"]
    [note] = office.inbox(org.mette)
    assert keys(note)[:3] == ["coordinator.unrouted", "quote", "routing.nobody"]
    assert action_ids(note) == [f"assign:S-1:{org.lars.id}"]


# --- unclear questions ---------------------------------------------------------------------------


def test_an_unclear_question_asks_which_area_with_two_or_three_buttons(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, f"sparring {UNCLEAR_QUESTION}")

    request = office.request(1)
    assert (request.status, request.area, request.senior_id) == (Status.REQUESTED, None, None)
    [reply] = outcome.replies
    assert keys(reply) == ["ask.which_area"]
    assert 2 <= len(reply.actions) <= 3
    assert all(action_id.startswith("area:S-1:") for action_id in action_ids(reply))
    assert "area:S-1:budget" in action_ids(reply)
    assert office.db.outbox == []


def test_a_question_without_any_area_words_offers_every_area(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, "sparring Hvad gør jeg?")

    [reply] = outcome.replies
    assert keys(reply) == ["ask.which_area"]
    assert "area:S-1:budget" in action_ids(reply)
    assert "area:S-1:method" in action_ids(reply)


def test_choosing_the_area_routes_the_request(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring {UNCLEAR_QUESTION}")

    outcome = office.press(org.jonas, "area:S-1:budget")

    request = office.request(1)
    assert (request.status, request.area, request.senior_id) == (Status.OFFERED, "budget", org.anna.id)
    assert reply_keys(outcome)[0] == "ask.routed"
    assert office.inbox_keys(org.anna)[0][0] == "offer.new"


def test_choosing_the_area_a_second_time_is_refused(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring {UNCLEAR_QUESTION}")
    office.press(org.jonas, "area:S-1:budget")

    outcome = office.press(org.jonas, "area:S-1:risk")

    assert reply_keys(outcome) == ["error.area_already_set"]
    assert office.request(1).area == "budget"
    assert len(office.inbox(org.anna)) == 1


def test_choosing_an_unknown_area_is_refused(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring {UNCLEAR_QUESTION}")

    outcome = office.press(org.jonas, "area:S-1:astrology")

    assert reply_keys(outcome) == ["error.unknown_area"]
    assert office.request(1).status is Status.REQUESTED


def test_only_the_requester_can_choose_the_area(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring {UNCLEAR_QUESTION}")

    outcome = office.press(org.ida, "area:S-1:budget")

    assert reply_keys(outcome) == ["error.unknown_ref"]
    assert office.request(1).area is None


# --- text that cannot become a request -----------------------------------------------------------


def test_an_empty_request_gets_a_clear_reply_and_creates_nothing(office: Office) -> None:
    outcome = office.run(office.org.jonas, RequestSparring("   "))

    assert reply_keys(outcome) == ["ask.empty", "ask.example"]
    assert office.db.requests_of(office.tenant.id) == []


def test_a_five_thousand_character_request_gets_a_clear_reply_and_creates_nothing(office: Office) -> None:
    outcome = office.say(office.org.jonas, "sparring " + "budget " * 714 + "ok")

    [reply] = outcome.replies
    assert keys(reply) == ["ask.too_long"]
    assert reply.lines[0].params["length"] == 5000
    assert office.db.requests_of(office.tenant.id) == []
    assert office.db.outbox == []


def test_a_refused_request_does_not_use_up_a_reference(office: Office) -> None:
    office.run(office.org.jonas, RequestSparring(""))

    request = office.ask(office.org.jonas)

    assert request.ref == "S-1"


# --- cancelling ----------------------------------------------------------------------------------


def test_the_requester_can_cancel_and_the_senior_is_told(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.jonas, "annullér S-1")

    request = office.request(1)
    assert (request.status, request.closed_at, request.escalate_at) == (
        Status.CANCELLED,
        WEDNESDAY_MORNING,
        None,
    )
    assert reply_keys(outcome) == ["requester.cancelled"]
    assert office.inbox_keys(org.anna)[-1] == ["senior.cancelled"]


def test_a_cancelled_request_is_not_escalated(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.jonas, "cancel S-1")
    office.clock.advance(days=7)

    moved = office.escalate()

    assert moved == 0
    assert office.request(1).status is Status.CANCELLED


def test_cancelling_a_request_without_a_senior_tells_no_senior(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"sparring {UNCLEAR_QUESTION}")

    outcome = office.press(org.jonas, "cancel:S-1")

    assert reply_keys(outcome) == ["requester.cancelled"]
    assert office.request(1).status is Status.CANCELLED
    assert office.db.outbox == []


def test_someone_else_cannot_cancel_a_request(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.mette, "cancel S-1")

    assert reply_keys(outcome) == ["error.unknown_ref"]
    assert office.request(1).status is Status.OFFERED


def test_a_closed_request_cannot_be_cancelled(office: Office) -> None:
    org = office.org
    office.seed(org.jonas, Status.CLOSED, senior=org.anna)

    outcome = office.say(org.jonas, "cancel S-1")

    [reply] = outcome.replies
    assert keys(reply) == ["error.cannot_cancel", "state.closed"]
    assert office.request(1).status is Status.CLOSED


# --- plain words in a direct message -------------------------------------------------------------

PLAIN_NEED = "Jeg skal lave en PID, kan nogen hjælpe?"


def test_plain_danish_without_sparring_is_offered_as_a_request_with_a_button(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, PLAIN_NEED)

    [reply] = outcome.replies
    assert keys(reply) == ["ask.send_as_request", "quote", "ask.send_hint"]
    assert reply.lines[1] == Text.of("quote", text=Verbatim(PLAIN_NEED))
    assert action_ids(reply) == ["ask-sparring"]
    assert office.db.requests_of(office.tenant.id) == []


def test_pressing_the_button_sends_the_typed_text_as_a_request(office: Office) -> None:
    org = office.org
    office.say(org.jonas, PLAIN_NEED)

    outcome = office.press(org.jonas, "ask-sparring")

    request = office.request(1)
    assert (request.text, request.area, request.senior_id) == (PLAIN_NEED, "pid", org.lars.id)
    assert reply_keys(outcome)[0] == "ask.routed"
    assert office.db.dialogue(org.jonas.id) is None


def test_answering_yes_sends_the_typed_text_as_a_request(office: Office) -> None:
    org = office.org
    office.say(org.jonas, PLAIN_NEED)

    office.say(org.jonas, "ja tak")

    assert office.request(1).text == PLAIN_NEED


def test_the_button_pressed_twice_sends_one_request_and_then_says_so(office: Office) -> None:
    org = office.org
    office.say(org.jonas, PLAIN_NEED)
    office.press(org.jonas, "ask-sparring")

    outcome = office.press(org.jonas, "ask-sparring")

    assert len(office.db.requests_of(office.tenant.id)) == 1
    assert reply_keys(outcome) == ["ask.pending_gone", "ask.example"]


def test_the_button_pressed_after_a_day_gets_a_plain_answer_and_sends_nothing(office: Office) -> None:
    org = office.org
    office.say(org.jonas, PLAIN_NEED)
    office.clock.advance(hours=25)

    outcome = office.press(org.jonas, "ask-sparring")

    assert office.db.requests_of(office.tenant.id) == []
    assert reply_keys(outcome) == ["ask.pending_gone", "ask.example"]


def test_new_plain_words_replace_the_text_waiting_for_the_button(office: Office) -> None:
    org = office.org
    office.say(org.jonas, PLAIN_NEED)
    office.say(org.jonas, BUDGET_QUESTION)

    office.press(org.jonas, "ask-sparring")

    assert office.request(1).text == BUDGET_QUESTION


@pytest.mark.parametrize("typed", ["hej", "Hej!", "godmorgen", "hej med dig"])
def test_a_greeting_gets_a_friendly_short_answer_not_the_offer(office: Office, typed: str) -> None:
    outcome = office.say(office.org.jonas, typed)

    assert reply_keys(outcome) == ["chat.hello"]
    assert outcome.replies[0].lines[0].params["name"] == "Jonas"
    assert office.db.dialogue(office.org.jonas.id) is None


@pytest.mark.parametrize("typed", ["Hvad kan du?", "hvad kan du hjælpe med", "What can you do?"])
def test_a_question_about_the_bot_gets_the_help_list(office: Office, typed: str) -> None:
    outcome = office.say(office.org.jonas, typed)

    assert reply_keys(outcome)[0] == "help.head"
    assert office.db.dialogue(office.org.jonas.id) is None


@pytest.mark.parametrize("typed", ["tak", "Tusind tak!", "ok"])
def test_thanks_get_a_short_answer(office: Office, typed: str) -> None:
    outcome = office.say(office.org.jonas, typed)

    assert reply_keys(outcome) == ["chat.thanks", "help.short"]


def test_a_greeting_with_a_need_is_offered_as_a_request(office: Office) -> None:
    outcome = office.say(office.org.jonas, "Hej, kan nogen hjælpe mig med styregruppen?")

    assert action_ids(outcome.replies[0]) == ["ask-sparring"]


def test_a_senior_named_in_plain_words_is_kept_until_the_button(office: Office) -> None:
    org = office.org
    office.say(org.jonas, f"@Sofie {BUDGET_QUESTION}")

    office.press(org.jonas, "ask-sparring")

    assert office.request(1).senior_id == org.sofie.id
