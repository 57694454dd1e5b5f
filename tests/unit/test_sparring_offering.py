"""Offering a request: accept, decline, the coordinator's assignment, and escalation on silence."""

from __future__ import annotations

import pytest

from handlers.shared.model import Status
from handlers.shared.ports import Delivery
from handlers.shared.text import Text
from handlers.sparring.escalation import report_undeliverable
from tests.fakes import Office, action_ids, keys, local, reply_keys

NOT_INSTALLED = Text.of("undeliverable.teams_not_installed")
INACTIVE = Text.of("undeliverable.inactive")

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)
FRIDAY_AFTERNOON = local(2027, 3, 5, 14, 0)


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


# --- accept --------------------------------------------------------------------------------------


def test_the_offered_senior_accepts_and_the_requester_is_told(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.anna, "acceptér S-1")

    request = office.request(1)
    assert (request.status, request.accepted_at, request.escalate_at) == (
        Status.ACCEPTED,
        WEDNESDAY_MORNING,
        None,
    )
    assert reply_keys(outcome) == ["senior.accepted", "senior.done_hint"]
    [told] = office.inbox(org.jonas)
    assert keys(told) == ["requester.accepted"]
    assert told.lines[0].params["senior"] == org.anna.name


def test_the_accept_button_works_like_the_typed_command(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    office.press(org.anna, "accept:S-1")

    assert office.request(1).status is Status.ACCEPTED


def test_a_second_accept_gets_a_friendly_reply_and_changes_nothing(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.press(org.anna, "accept:S-1")
    office.clock.advance(hours=1)

    outcome = office.press(org.anna, "accept:S-1")

    [reply] = outcome.replies
    assert keys(reply) == ["error.already_accepted_accept"]
    assert office.request(1).accepted_at == WEDNESDAY_MORNING
    assert len(office.inbox(org.jonas)) == 1


def test_a_senior_the_request_was_not_offered_to_cannot_accept_it(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.press(org.sofie, "accept:S-1")

    assert reply_keys(outcome) == ["error.not_waiting_for_you", "state.offered"]
    assert outcome.replies[0].lines[1].params["senior"] == org.anna.name
    request = office.request(1)
    assert (request.status, request.senior_id) == (Status.OFFERED, org.anna.id)


def test_the_requester_cannot_accept_their_own_request(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.jonas, "accept S-1")

    assert reply_keys(outcome) == ["error.senior_accepts", "error.see_status"]
    assert office.request(1).status is Status.OFFERED


def test_accepting_an_unknown_reference_says_so(office: Office) -> None:
    outcome = office.say(office.org.anna, "accept S-99")

    assert reply_keys(outcome) == ["error.unknown_ref"]
    assert outcome.replies[0].lines[0].params["ref"] == "S-99"


# --- decline -------------------------------------------------------------------------------------


def test_a_declined_request_is_offered_to_the_next_best_senior(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.press(org.anna, "decline:S-1")

    request = office.request(1)
    assert (request.status, request.senior_id, request.tried_senior_ids) == (
        Status.OFFERED,
        org.sofie.id,
        [org.anna.id],
    )
    assert reply_keys(outcome) == ["senior.declined"]
    [offer] = office.inbox(org.sofie)
    assert keys(offer)[0] == "offer.new"
    assert action_ids(offer) == ["accept:S-1", "decline:S-1"]


def test_the_requester_is_told_who_declined_and_who_has_it_now(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    office.say(org.anna, "afvis S-1")

    [told] = office.inbox(org.jonas)
    assert keys(told) == ["requester.declined", "requester.now_offered"]
    assert told.lines[0].params["senior"] == org.anna.name
    assert told.lines[1].params["senior"] == org.sofie.name


def test_a_senior_who_declined_is_not_offered_the_request_again(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "decline S-1")

    office.say(org.sofie, "decline S-1")

    assert len(office.inbox(org.anna)) == 1
    assert office.request(1).senior_id != org.anna.id


def test_when_every_senior_declined_the_coordinator_gets_it_with_assign_buttons(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "decline S-1")

    office.say(org.sofie, "decline S-1")

    request = office.request(1)
    assert (request.status, request.senior_id, request.escalate_at) == (Status.REQUESTED, None, None)
    [note] = office.inbox(org.mette)
    assert keys(note)[0] == "coordinator.declined_by_all"
    assert "routing.all_tried" in keys(note)
    assert "routing.nobody" not in keys(note)
    assert keys(note)[-1] == "coordinator.assign_hint"
    assert action_ids(note) == [f"assign:S-1:{org.lars.id}"]
    assert keys(office.inbox(org.jonas)[-1]) == ["requester.declined", "requester.with_coordinator"]


# --- assign --------------------------------------------------------------------------------------


def test_the_coordinator_assigns_a_request_nobody_took(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "decline S-1")
    office.say(org.sofie, "decline S-1")

    outcome = office.press(org.mette, f"assign:S-1:{org.lars.id}")

    request = office.request(1)
    assert (request.status, request.senior_id) == (Status.OFFERED, org.lars.id)
    assert request.routing_reasons == [Text.of("routing.assigned", senior=org.lars.name)]
    assert reply_keys(outcome) == ["coordinator.assigned"]
    assert action_ids(office.inbox(org.lars)[0]) == ["accept:S-1", "decline:S-1"]
    assert keys(office.inbox(org.jonas)[-1]) == ["requester.now_offered"]


def test_the_coordinator_can_assign_by_typing_a_first_name(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    office.say(org.mette, "tildel S-1 Sofie")

    assert office.request(1).senior_id == org.sofie.id


def test_reassigning_an_offered_request_tells_the_senior_it_was_offered_to(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    office.say(org.mette, "tildel S-1 Sofie")

    assert keys(office.inbox(org.anna)[-1]) == ["senior.reassigned"]
    assert reply_keys(office.say(org.anna, "accept S-1")) == ["error.not_waiting_for_you", "state.offered"]


def test_only_the_coordinator_can_assign(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.anna, "assign S-1 Sofie")

    assert reply_keys(outcome) == ["error.coordinator_only"]
    assert office.request(1).senior_id == org.anna.id


def test_assigning_to_someone_who_is_not_a_senior_is_refused(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.mette, "assign S-1 Ida")

    assert reply_keys(outcome) == ["error.unknown_senior"]
    assert office.request(1).senior_id == org.anna.id


def test_an_accepted_request_can_be_given_to_another_senior_who_then_gets_the_offer(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "accept S-1")

    outcome = office.say(org.mette, "assign S-1 Sofie")

    request = office.request(1)
    assert (request.status, request.senior_id, request.accepted_at) == (Status.OFFERED, org.sofie.id, None)
    assert reply_keys(outcome) == ["coordinator.assigned"]
    assert keys(office.inbox(org.anna)[-1]) == ["senior.reassigned"]


def test_a_held_request_cannot_be_assigned_and_the_answer_says_where_it_is(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "accept S-1")
    office.say(org.anna, "done S-1 1")

    outcome = office.say(org.mette, "assign S-1 Sofie")

    assert reply_keys(outcome) == ["error.cannot_assign", "state.held"]
    assert office.request(1).senior_id == org.anna.id


# --- escalation ----------------------------------------------------------------------------------


@pytest.fixture
def friday_office() -> Office:
    office = Office(FRIDAY_AFTERNOON)
    office.ask(office.org.jonas)
    return office


def test_nothing_escalates_before_the_response_hours_have_passed(friday_office: Office) -> None:
    office = friday_office
    office.clock.set(local(2027, 3, 8, 13, 59))

    moved = office.escalate()

    assert moved == 0
    request = office.request(1)
    assert (request.status, request.senior_id, request.escalations) == (Status.OFFERED, office.org.anna.id, 0)


def test_a_silent_senior_is_passed_over_after_the_response_hours_across_a_weekend(
    friday_office: Office,
) -> None:
    office, org = friday_office, friday_office.org
    office.clock.set(local(2027, 3, 8, 14, 0))

    moved = office.escalate()

    assert moved == 1
    request = office.request(1)
    assert (request.status, request.senior_id, request.escalations) == (Status.OFFERED, org.sofie.id, 1)
    assert request.tried_senior_ids == [org.anna.id]
    assert keys(office.inbox(org.sofie)[0])[0] == "offer.new"


def test_the_coordinator_requester_and_silent_senior_hear_about_an_escalation(
    friday_office: Office,
) -> None:
    office, org = friday_office, friday_office.org
    office.clock.set(local(2027, 3, 8, 14, 5))

    office.escalate()

    assert office.inbox_keys(org.mette) == [["coordinator.escalated", "requester.now_offered"]]
    assert office.inbox_keys(org.jonas) == [["requester.escalated", "requester.now_offered"]]
    assert office.inbox_keys(org.anna)[-1] == ["senior.offer_lapsed"]
    assert office.inbox(org.mette)[0].lines[0].params["senior"] == org.anna.name


def test_the_silent_senior_can_no_longer_accept_after_an_escalation(friday_office: Office) -> None:
    office, org = friday_office, friday_office.org
    office.clock.set(local(2027, 3, 8, 15, 0))
    office.escalate()

    outcome = office.press(org.anna, "accept:S-1")

    assert reply_keys(outcome) == ["error.already_passed_on"]
    assert office.request(1).senior_id == org.sofie.id


def test_running_the_escalation_twice_changes_nothing_the_second_time(friday_office: Office) -> None:
    office = friday_office
    office.clock.set(local(2027, 3, 8, 14, 0))
    office.escalate()
    after_first = (office.request(1), office.db.outbox)

    moved = office.escalate()

    assert moved == 0
    assert (office.request(1), office.db.outbox) == after_first


def test_the_next_senior_gets_a_fresh_response_time(friday_office: Office) -> None:
    office = friday_office
    office.clock.set(local(2027, 3, 8, 14, 0))

    office.escalate()

    assert office.request(1).escalate_at == local(2027, 3, 9, 14, 0)


def test_when_nobody_is_left_an_escalated_request_goes_to_the_coordinator(friday_office: Office) -> None:
    office, org = friday_office, friday_office.org
    office.clock.set(local(2027, 3, 8, 14, 0))
    office.escalate()
    office.clock.set(local(2027, 3, 9, 14, 0))

    moved = office.escalate()

    assert moved == 1
    request = office.request(1)
    assert (request.status, request.senior_id, request.tried_senior_ids) == (
        Status.REQUESTED,
        None,
        [org.anna.id, org.sofie.id],
    )
    # One escalation, one message: the note that hands it over says it was escalated.
    first, second = office.inbox(org.mette)
    assert keys(first) == ["coordinator.escalated", "requester.now_offered"]
    assert keys(second)[:3] == ["coordinator.escalated", "coordinator.nobody_else", "quote"]
    assert keys(second)[-1] == "coordinator.assign_hint"
    assert second.lines[0].params["senior"] == org.sofie.name
    assert action_ids(second) == [f"assign:S-1:{org.lars.id}"]


def test_escalation_looks_at_every_tenant(office: Office) -> None:
    other = office.add_tenant("solsort")
    office.ask(office.org.jonas)
    office.ask(other.jonas)
    office.clock.advance(days=1)

    moved = office.escalate()

    assert moved == 2
    assert office.request(1).senior_id == office.org.sofie.id
    assert office.request(1, tenant_id=other.tenant.id).senior_id == other.sofie.id


def test_the_coordinator_lists_the_open_escalated_requests(friday_office: Office) -> None:
    office, org = friday_office, friday_office.org
    office.clock.set(local(2027, 3, 8, 15, 0))
    office.escalate()

    outcome = office.say(org.mette, "eskaleringer")

    assert reply_keys(outcome) == ["waiting.head", "waiting.escalated"]
    line = outcome.replies[1].lines[0]
    assert (line.params["ref"], line.params["senior"]) == ("S-1", org.sofie.name)


def test_only_the_coordinator_and_the_seniors_have_a_waiting_list(friday_office: Office) -> None:
    outcome = friday_office.say(friday_office.org.jonas, "escalations")

    assert reply_keys(outcome) == ["error.waiting_not_for_you"]


def test_an_offer_that_cannot_reach_its_senior_moves_on_to_the_next_senior(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    [offer] = office.inbox(org.anna)

    report_undeliverable(office.deps, Delivery(1, office.tenant, offer, org.anna, 0), NOT_INSTALLED)

    request = office.request(1)
    assert (request.status, request.senior_id) == (Status.OFFERED, org.sofie.id)
    assert request.tried_senior_ids == [org.anna.id]
    assert keys(office.inbox(org.mette)[-1])[0] == "coordinator.undeliverable"
    assert keys(office.inbox(org.jonas)[-1]) == ["requester.now_offered"]
    assert action_ids(office.inbox(org.sofie)[0]) == ["accept:S-1", "decline:S-1"]


def test_an_undeliverable_note_about_anything_but_an_offer_changes_no_request(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "accept S-1")
    [told] = [m for m in office.inbox(org.jonas) if keys(m)[0] == "requester.accepted"]

    report_undeliverable(office.deps, Delivery(2, office.tenant, told, org.jonas, 0), INACTIVE)

    assert office.request(1).status is Status.ACCEPTED
    assert keys(office.inbox(org.mette)[-1]) == ["coordinator.undeliverable"]
