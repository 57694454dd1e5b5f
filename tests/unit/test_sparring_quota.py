"""The agreed level of hours: warnings to the coordinator, and approval once it is used."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from handlers.shared.model import OverQuota, Person, Status
from handlers.shared.text import Text
from tests.fakes import Office, action_ids, keys, local, reply_keys

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)
LAST_WEEK = local(2027, 2, 24, 10, 0)


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


def hours_used(office: Office, hours: float, when: datetime = LAST_WEEK) -> None:
    """Record a session held earlier (by Lars, so Anna and Sofie keep their monthly capacity)."""
    org = office.org
    office.seed(org.ida, Status.CLOSED, senior=org.lars, area="pid", hours=hours, held_at=when)


def accepted(office: Office, senior: Person) -> int:
    return office.seed(office.org.jonas, Status.ACCEPTED, senior=senior, accepted_at=LAST_WEEK).number


def warnings_to(office: Office, person: Person) -> list[str]:
    return [key for message in office.inbox(person) for key in keys(message) if key.startswith("quota.")]


# --- warnings ------------------------------------------------------------------------------------


def test_passing_80_percent_of_the_agreed_hours_warns_the_coordinator(office: Office) -> None:
    org = office.org
    hours_used(office, 40)
    number = accepted(office, org.anna)

    office.say(org.anna, f"done S-{number} 8")

    # At 80 % nothing needs approval yet: the policy line says what happens once the hours are used up.
    assert warnings_to(office, org.mette) == ["quota.warning_80", "quota.policy_ask_coordinator_left"]
    [warning] = office.inbox(org.mette)
    assert warning.lines[0].params["quarter"] == Text.of("quarter", number="1", year="2027")
    assert str(warning.dedupe_key).startswith("quota:2027-Q1:80:")  # the key keeps the stable label
    assert (warning.lines[0].params["used"], warning.lines[0].params["agreed"]) == (48.0, 60)
    assert warning.lines[0].params["percent"] == 80


def test_the_80_percent_warning_states_the_actual_percentage(office: Office) -> None:
    org = office.org
    hours_used(office, 45)
    number = accepted(office, org.anna)

    office.say(org.anna, f"done S-{number} 6")

    [warning] = office.inbox(org.mette)
    assert (warning.lines[0].key, warning.lines[0].params["percent"]) == ("quota.warning_80", 85)


def test_below_80_percent_nobody_is_warned(office: Office) -> None:
    org = office.org
    hours_used(office, 40)
    number = accepted(office, org.anna)

    office.say(org.anna, f"done S-{number} 7,5")

    assert office.inbox(org.mette) == []


def test_passing_100_percent_warns_once_and_the_80_percent_warning_is_not_repeated(office: Office) -> None:
    org = office.org
    hours_used(office, 40)
    first, second = accepted(office, org.anna), accepted(office, org.sofie)
    office.say(org.anna, f"done S-{first} 8")

    office.say(org.sofie, f"done S-{second} 12 bekræft")

    assert warnings_to(office, org.mette) == [
        "quota.warning_80",
        "quota.policy_ask_coordinator_left",
        "quota.warning_100",
        "quota.policy_ask_coordinator_used_up",
    ]


def test_more_sessions_over_the_level_do_not_repeat_the_warnings(office: Office) -> None:
    org = office.org
    hours_used(office, 60)
    first, second = accepted(office, org.anna), accepted(office, org.sofie)
    office.say(org.anna, f"done S-{first} 1")

    office.say(org.sofie, f"done S-{second} 1")

    assert warnings_to(office, org.mette) == ["quota.warning_100", "quota.policy_ask_coordinator_used_up"]


def test_a_jump_past_both_thresholds_sends_one_warning_about_the_higher(office: Office) -> None:
    org = office.org
    hours_used(office, 52)
    number = accepted(office, org.anna)

    office.say(org.anna, f"done S-{number} 8")

    assert [keys(m) for m in office.inbox(org.mette)] == [
        ["quota.warning_100", "quota.policy_ask_coordinator_used_up"]
    ]


def test_the_warnings_start_again_in_a_new_quarter(office: Office) -> None:
    org = office.org
    hours_used(office, 59)
    number = accepted(office, org.anna)
    office.say(org.anna, f"done S-{number} 1")
    office.clock.set(local(2027, 4, 7, 10, 0))
    hours_used(office, 50, when=local(2027, 4, 2, 10, 0))
    number = accepted(office, org.anna)

    office.say(org.anna, f"done S-{number} 8")

    quarters = [m.lines[0].params["quarter"] for m in office.inbox(org.mette)]
    first, second = Text.of("quarter", number="1", year="2027"), Text.of("quarter", number="2", year="2027")
    assert quarters == [first, second]


def test_the_warning_states_the_allow_policy_when_requests_still_go_ahead() -> None:
    office = Office(WEDNESDAY_MORNING, over_quota=OverQuota.ALLOW)
    org = office.org
    hours_used(office, 47)
    number = accepted(office, org.anna)

    office.say(org.anna, f"done S-{number} 1")

    assert warnings_to(office, org.mette) == ["quota.warning_80", "quota.policy_allow_left"]


# --- approval over the level ---------------------------------------------------------------------


def test_over_the_agreed_hours_a_new_request_waits_for_the_coordinator(office: Office) -> None:
    org = office.org
    hours_used(office, 60)

    outcome = office.say(org.jonas, "sparring Hjælp til budgettet for næste år")

    request = office.request(2)
    assert (request.status, request.senior_id) == (Status.AWAITING_APPROVAL, None)
    assert reply_keys(outcome) == ["ask.awaiting_approval"]
    [note] = office.inbox(org.mette)
    assert keys(note) == ["coordinator.approval_needed", "quote"]
    assert action_ids(note) == ["approve:S-2", "reject:S-2"]
    assert office.inbox(org.anna) == []


def test_hours_of_the_previous_quarter_do_not_count_against_this_one(office: Office) -> None:
    org = office.org
    hours_used(office, 60, when=local(2026, 12, 15, 10, 0))

    request = office.ask(org.jonas)

    assert (request.status, request.senior_id) == (Status.OFFERED, org.anna.id)


def test_cancelling_a_request_that_awaits_approval_tells_the_coordinator(office: Office) -> None:
    org = office.org
    hours_used(office, 60)
    office.say(org.jonas, "sparring Hjælp til budgettet for næste år")

    office.say(org.jonas, "annullér S-2")

    assert office.request(2).status is Status.CANCELLED
    assert keys(office.inbox(org.mette)[-1]) == ["coordinator.cancelled"]


def test_the_coordinator_approves_and_the_request_is_routed(office: Office) -> None:
    org = office.org
    hours_used(office, 60)
    office.ask(org.jonas)

    outcome = office.press(org.mette, "approve:S-2")

    request = office.request(2)
    assert (request.status, request.senior_id, request.approved) == (Status.OFFERED, org.anna.id, True)
    assert reply_keys(outcome) == ["coordinator.approved"]
    assert office.inbox_keys(org.jonas) == [["requester.approved", "requester.now_offered"]]
    assert keys(office.inbox(org.anna)[0])[0] == "offer.new"


def test_the_coordinator_rejects_and_the_requester_is_told(office: Office) -> None:
    org = office.org
    hours_used(office, 60)
    office.ask(org.jonas)

    outcome = office.say(org.mette, "afvis-kvote S-2")

    request = office.request(2)
    assert (request.status, request.closed_at) == (Status.REJECTED, WEDNESDAY_MORNING)
    assert reply_keys(outcome) == ["coordinator.rejected"]
    [told] = office.inbox(org.jonas)
    assert keys(told) == ["requester.rejected"]
    assert told.lines[0].params["coordinator"] == org.mette.name


@pytest.mark.parametrize("action", ["approve:S-2", "reject:S-2"])
def test_only_the_coordinator_decides_over_the_level(office: Office, action: str) -> None:
    org = office.org
    hours_used(office, 60)
    office.ask(org.jonas)

    outcome = office.press(org.anna, action)

    assert reply_keys(outcome) == ["error.coordinator_only"]
    assert office.request(2).status is Status.AWAITING_APPROVAL


def test_approving_a_request_that_is_not_waiting_is_refused(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)

    outcome = office.say(org.mette, "godkend S-1")

    assert reply_keys(outcome) == ["error.not_awaiting_approval", "state.offered"]
    assert office.request(1).status is Status.OFFERED


def test_with_the_allow_policy_requests_over_the_level_go_ahead() -> None:
    office = Office(WEDNESDAY_MORNING, over_quota=OverQuota.ALLOW)
    org = office.org
    hours_used(office, 75)

    request = office.ask(org.jonas)

    assert (request.status, request.senior_id) == (Status.OFFERED, org.anna.id)
    assert office.inbox(org.mette) == []


def test_training_in_the_method_waits_for_the_coordinator_and_then_goes_to_a_method_senior() -> None:
    office = Office(local(2027, 3, 3, 10))
    org = office.org
    lars = office.db.add_person(dataclasses.replace(org.lars, expertise=(*org.lars.expertise, "method")))

    asked = office.say(org.jonas, "uddannelse Hvordan bruger vi gevinstdiagrammet i metoden?")
    [request] = office.db.requests_of(office.tenant.id)
    waiting = office.say(org.mette, "venter")
    approved = office.say(org.mette, f"godkend {request.ref}")

    assert reply_keys(asked) == ["ask.training_awaiting_approval"]
    assert request.training
    assert request.area == "method"
    assert "waiting.training" in reply_keys(waiting)
    assert reply_keys(approved) == ["coordinator.approved"]
    offered = office.db.requests_of(office.tenant.id)[0]
    assert offered.status is Status.OFFERED
    assert offered.senior_id == lars.id
    offer = [q.message for q in office.db.state.outbox if q.message.to_person == offered.senior_id][-1]
    assert keys(offer)[:2] == ["offer.new", "offer.training"]


def test_training_needs_a_topic() -> None:
    office = Office(local(2027, 3, 3, 10))

    outcome = office.say(office.org.jonas, "uddannelse")

    assert reply_keys(outcome) == ["usage.training"]
