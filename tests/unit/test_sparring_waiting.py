"""What waits for the coordinator and the seniors, wrong-role answers, and seniors who leave."""

from __future__ import annotations

import pytest

from handlers.shared.context import TenantContext
from handlers.shared.model import Status
from handlers.sparring.offering import Rerouted, reroute_stranded
from handlers.sparring.overview import LIST_LIMIT
from tests.fakes import Office, action_ids, keys, local, render_all, reply_keys

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)
LAST_WEEK = local(2027, 2, 24, 10, 0)


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


def over_the_level(office: Office) -> int:
    """Use up the quarter's hours and let Jonas ask: his request waits for approval; return its number."""
    org = office.org
    office.seed(org.ida, Status.CLOSED, senior=org.lars, area="pid", hours=60, held_at=LAST_WEEK)
    return office.ask(org.jonas).number


def remove(office: Office, *seniors_ids: int) -> list[Rerouted]:
    """Deactivate seniors, as ``tenant apply`` does, and move their open requests on."""
    departed = {}
    for senior_id in seniors_ids:
        departed[senior_id] = office.db.person(senior_id).name
        office.db.deactivate(senior_id)
    with office.deps.uow() as uow:
        moved = reroute_stranded(TenantContext(uow, office.tenant, office.clock.now(), office.deps), departed)
        uow.commit()
    return moved


def waiting_kinds(office: Office) -> list[str]:
    outcome = office.say(office.org.mette, "venter")
    return [keys(m)[0] for m in outcome.replies[1:]]


# --- the coordinator's list ----------------------------------------------------------------------


def test_nothing_waiting_says_so(office: Office) -> None:
    outcome = office.say(office.org.mette, "venter")

    assert reply_keys(outcome) == ["waiting.none"]


def test_a_request_over_the_agreed_hours_waits_with_approve_and_reject_buttons(office: Office) -> None:
    number = over_the_level(office)
    office.clock.advance(days=3)

    outcome = office.say(office.org.mette, "venter")

    head, item = outcome.replies
    assert (keys(head), keys(item)) == (["waiting.head"], ["waiting.approval"])
    assert action_ids(item) == [f"approve:S-{number}", f"reject:S-{number}"]
    assert render_all([item], "da")[0] == (
        "S-2 · Budgettering · fra Jonas Krogh · har ventet 3 dage: kvartalets aftalte timer er brugt, "
        "så den venter på din godkendelse. Skriv godkend S-2 eller afvis S-2."
    )


def test_a_request_every_fitting_senior_declined_waits_with_assign_buttons(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.say(org.anna, "afvis S-1")
    office.say(org.sofie, "afvis S-1")

    outcome = office.say(org.mette, "waiting")

    assert reply_keys(outcome) == ["waiting.head", "waiting.declined"]
    assert action_ids(outcome.replies[1]) == [f"assign:S-1:{org.lars.id}"]


def test_a_request_nobody_could_take_waits(office: Office) -> None:
    org = office.org
    office.db.deactivate(org.anna.id)
    office.db.deactivate(org.sofie.id)
    office.ask(org.jonas)

    assert waiting_kinds(office) == ["waiting.nobody"]


def test_a_long_list_shows_the_oldest_and_says_how_many_more_wait(office: Office) -> None:
    org = office.org
    for _ in range(LIST_LIMIT + 3):
        office.seed(org.jonas, Status.REQUESTED, created_at=LAST_WEEK)

    outcome = office.say(org.mette, "venter")

    assert [keys(m)[0] for m in outcome.replies] == [
        "waiting.head",
        *["waiting.nobody"] * LIST_LIMIT,
        "waiting.more",
    ]
    assert outcome.replies[0].lines[0].params["count"] == LIST_LIMIT + 3
    assert outcome.replies[1].ref == "S-1"
    assert outcome.replies[-1].lines[0].params["count"] == 3


def test_a_long_queue_shows_the_oldest_and_says_how_many_more_wait(office: Office) -> None:
    org = office.org
    for _ in range(LIST_LIMIT + 2):
        office.seed(org.jonas, Status.ACCEPTED, senior=org.anna, accepted_at=LAST_WEEK)

    outcome = office.say(org.anna, "kø")

    assert [keys(m)[0] for m in outcome.replies] == [
        "queue.head",
        *["queue.accepted"] * LIST_LIMIT,
        "queue.more",
    ]


def test_an_escalated_request_waits_with_the_senior_it_went_to(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.clock.advance(days=1)
    office.escalate()

    outcome = office.say(org.mette, "venter")

    assert reply_keys(outcome) == ["waiting.head", "waiting.escalated"]
    assert outcome.replies[1].lines[0].params["senior"] == org.sofie.name


def test_an_escalated_request_nobody_else_fits_waits(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.clock.advance(days=1)
    office.escalate()
    office.clock.advance(days=1)
    office.escalate()

    assert waiting_kinds(office) == ["waiting.escalated_nobody"]


def test_requests_on_their_way_wait_for_nobody(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.ask(org.ida)
    office.say(org.anna, "accept S-2")

    assert reply_keys(office.say(org.mette, "venter")) == ["waiting.none"]


def test_a_request_whose_senior_left_without_it_moving_on_waits_for_the_coordinator(office: Office) -> None:
    org = office.org
    office.seed(org.jonas, Status.ACCEPTED, senior=org.lars, area="pid", accepted_at=LAST_WEEK)
    office.db.deactivate(org.lars.id)

    outcome = office.say(org.mette, "venter")

    assert reply_keys(outcome) == ["waiting.head", "waiting.senior_gone"]
    assert render_all(outcome.replies, "en")[1].endswith("Write assign S-1 name-or-email.")


def test_a_senior_sees_their_queue_as_what_waits_for_them(office: Office) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(office.org.anna, "venter")

    assert reply_keys(outcome) == ["queue.head", "queue.offered"]


def test_a_project_manager_is_told_the_waiting_list_is_not_for_them(office: Office) -> None:
    outcome = office.say(office.org.jonas, "venter")

    assert reply_keys(outcome) == ["error.waiting_not_for_you"]


# --- wrong role, wrong state ---------------------------------------------------------------------


def test_the_coordinators_afvis_on_a_request_awaiting_approval_rejects_it(office: Office) -> None:
    number = over_the_level(office)

    outcome = office.say(office.org.mette, f"afvis S-{number}")

    assert reply_keys(outcome) == ["coordinator.rejected"]
    assert office.request(number).status is Status.REJECTED
    assert keys(office.inbox(office.org.jonas)[-1]) == ["requester.rejected"]


def test_the_coordinators_accept_on_a_request_awaiting_approval_approves_it(office: Office) -> None:
    number = over_the_level(office)

    outcome = office.say(office.org.mette, f"acceptér S-{number}")

    assert reply_keys(outcome) == ["coordinator.approved"]
    assert office.request(number).status is Status.OFFERED


def test_a_second_reject_is_harmless_and_says_where_the_request_is(office: Office) -> None:
    number = over_the_level(office)
    office.say(office.org.mette, f"afvis S-{number}")

    outcome = office.press(office.org.mette, f"reject:S-{number}")

    assert reply_keys(outcome) == ["error.not_awaiting_approval", "state.rejected"]
    assert [keys(m) for m in office.inbox(office.org.jonas)].count(["requester.rejected"]) == 1


def test_a_project_manager_who_accepts_is_told_that_the_senior_accepts(office: Office) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(office.org.ida, "acceptér S-1")

    assert render_all(outcome.replies, "da") == [
        "Det er seniorprojektlederen, der får S-1 tilbudt, som accepterer den.",
        "Du får besked, når der sker noget. Skriv status for at se, hvor dine forespørgsler er.",
    ]
    assert office.request(1).status is Status.OFFERED


def test_a_second_afvis_by_the_coordinator_after_the_rejection_says_it_was_rejected(office: Office) -> None:
    number = over_the_level(office)
    office.say(office.org.mette, f"afvis S-{number}")

    outcome = office.say(office.org.mette, f"afvis S-{number}")

    assert reply_keys(outcome) == ["error.not_awaiting_approval", "state.rejected"]


def test_a_project_manager_who_accepts_an_accepted_request_hears_who_has_it(office: Office) -> None:
    office.ask(office.org.jonas)
    office.say(office.org.anna, "accept S-1")

    outcome = office.say(office.org.jonas, "acceptér S-1")

    assert render_all(outcome.replies, "da") == [
        "S-1 venter ikke på dit svar.",
        "S-1 er accepteret af Anna Berg.",
    ]


def test_the_coordinator_who_declines_an_offered_request_is_shown_how_to_assign_it(office: Office) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(office.org.mette, "afvis S-1")

    assert reply_keys(outcome) == ["error.senior_declines", "coordinator.reassign_hint"]
    assert office.request(1).senior_id == office.org.anna.id


def test_a_senior_answering_a_request_waiting_for_approval_hears_where_it_is(office: Office) -> None:
    number = over_the_level(office)

    outcome = office.say(office.org.anna, f"acceptér S-{number}")

    text = render_all(outcome.replies, "da")
    assert text == [
        f"S-{number} venter ikke på dit svar.",
        f"S-{number} venter på koordinatorens godkendelse, fordi kvartalets aftalte timer er brugt.",
    ]
    assert "(den er" not in " ".join(text)


def test_the_senior_who_accepted_and_now_declines_is_told_to_ask_the_coordinator(office: Office) -> None:
    office.ask(office.org.jonas)
    office.say(office.org.anna, "accept S-1")

    outcome = office.say(office.org.anna, "afvis S-1")

    assert reply_keys(outcome) == ["error.already_accepted_decline"]
    assert office.request(1).status is Status.ACCEPTED


# --- a senior leaves -----------------------------------------------------------------------------


def test_the_open_requests_of_a_removed_senior_move_on_to_the_next_best_senior(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.ask(org.ida)
    office.say(org.anna, "accept S-2")

    moved = remove(office, org.anna.id)

    assert moved == [Rerouted("S-1", org.sofie.name), Rerouted("S-2", org.sofie.name)]
    for number in (1, 2):
        request = office.request(number)
        assert (request.status, request.senior_id, request.accepted_at) == (
            Status.OFFERED,
            org.sofie.id,
            None,
        )
        assert org.anna.id in request.tried_senior_ids
    assert [m.ref for m in office.inbox(org.sofie)] == ["S-1", "S-2"]
    assert keys(office.inbox(org.ida)[-1]) == ["requester.senior_left_accepted", "requester.now_offered"]


def test_when_nobody_fits_the_request_of_a_removed_senior_goes_on_the_coordinators_list(
    office: Office,
) -> None:
    org = office.org
    office.ask(org.jonas)

    moved = remove(office, org.anna.id, org.sofie.id)

    assert moved == [Rerouted("S-1", None)]
    [note] = office.inbox(org.mette)
    assert keys(note)[0] == "coordinator.senior_removed"
    assert waiting_kinds(office) == ["waiting.stranded"]
    stranded = office.say(org.mette, "venter").replies[1]
    assert stranded.lines[0].params["senior"] == org.anna.name
    assert action_ids(stranded) == [f"assign:S-1:{org.lars.id}"]


def test_moving_the_requests_of_a_removed_senior_twice_changes_nothing(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    remove(office, org.anna.id)
    outbox = list(office.db.outbox)

    moved = remove(office, org.anna.id)

    assert moved == []
    assert office.db.outbox == outbox
    assert office.request(1).senior_id == org.sofie.id
