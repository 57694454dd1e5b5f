"""A platform event that carries a command or a reaction is recorded in that one's own transaction."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.challenges.tally import Mark
from handlers.challenges.voting import Reaction
from handlers.service import Identity, Outcome, handle, react
from handlers.shared.challenge_settings import ChallengeSettings
from handlers.shared.model import SubmittedChallenge, Tenant
from handlers.sparring.classify import Classifier
from handlers.sparring.commands import RequestSparring
from tests.fakes import BUDGET_QUESTION, FakeVotes, Office, classifier_for, local

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)
EVENT = ("slack", "Ev0DM1")


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


def _ask(office: Office) -> Outcome:
    identity = Identity(email=office.org.jonas.email)
    return handle(office.deps, office.tenant.slug, identity, RequestSparring(BUDGET_QUESTION), event=EVENT)


def test_a_redelivered_event_runs_nothing_and_answers_nothing(office: Office) -> None:
    first = _ask(office)
    outbox = len(office.db.state.outbox)

    again = _ask(office)

    assert (first.replayed, bool(first.replies)) == (False, True)
    assert (again.replayed, again.replies) == (True, [])
    assert len(office.db.state.requests) == 1
    assert len(office.db.state.outbox) == outbox


def test_an_event_whose_command_failed_is_forgotten_so_the_retry_runs(office: Office) -> None:
    failing = {"left": 1}

    def flaky(tenant: Tenant) -> Classifier:
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("the classifier fell over")
        return classifier_for(tenant)

    office.deps = dataclasses.replace(office.deps, classifier_for=flaky)
    with pytest.raises(RuntimeError):
        _ask(office)

    retried = _ask(office)

    assert not retried.replayed
    assert len(office.db.state.requests) == 1


# --- reactions: votes on a challenge's post, recorded with their event id ------------------------

POST_ID = "C0CHALL:1700000000.000100"
VOTE_EVENT = ("slack", "Ev0VOTE1")


def _posted_challenge(office: Office) -> None:
    """Give the tenant a challenge cycle and challenge 1, its own message sent under POST_ID."""
    office.tenant = office.db.add_tenant(
        dataclasses.replace(office.tenant, challenges=ChallengeSettings(channel_slack="C0CHALL"))
    )
    office.db.add_challenge(
        SubmittedChallenge(
            office.tenant.id, 1, office.org.jonas.id, "Risikologgen", WEDNESDAY_MORNING, "2027-Q1"
        )
    )
    office.db.post_challenge(office.tenant.id, 1, POST_ID)


def _thumbsup(office: Office, *, added: bool = True) -> bool:
    reaction = Reaction("slack", POST_ID, "U0JONAS", (("thumbsup", added),), at=WEDNESDAY_MORNING)
    return react(
        office.deps, office.tenant.slug, Identity(email=office.org.jonas.email), reaction, event=VOTE_EVENT
    )


def test_a_redelivered_reaction_event_records_nothing(office: Office) -> None:
    _posted_challenge(office)

    first = _thumbsup(office)
    again = _thumbsup(office, added=False)  # the same event id: a replay, whatever it carries

    assert (first, again) == (True, False)
    assert [(m.challenge, m.voter, m.present, m.person) for m in office.db.marks_of(office.tenant.id)] == [
        ("1", "slack:U0JONAS", True, str(office.org.jonas.id))
    ]


def test_a_reaction_event_whose_vote_failed_is_forgotten_so_the_retry_records_it(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    _posted_challenge(office)
    failing = {"left": 1}
    record = FakeVotes.record

    def flaky(self: FakeVotes, tenant_id: int, challenge_id: int, mark: Mark) -> bool:
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("the database fell over")
        return record(self, tenant_id, challenge_id, mark)

    monkeypatch.setattr(FakeVotes, "record", flaky)
    with pytest.raises(RuntimeError):
        _thumbsup(office)
    stored_after_failure = office.db.marks_of(office.tenant.id)

    retried = _thumbsup(office)

    assert stored_after_failure == []
    assert retried
    assert [m.present for m in office.db.marks_of(office.tenant.id)] == [True]
