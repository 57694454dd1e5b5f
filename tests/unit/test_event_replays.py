"""A platform event that carries a command is recorded in the command's own transaction."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.service import Identity, Outcome, handle
from handlers.shared.model import Tenant
from handlers.sparring.classify import Classifier
from handlers.sparring.commands import RequestSparring
from tests.fakes import BUDGET_QUESTION, Office, classifier_for, local

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
