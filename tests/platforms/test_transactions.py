"""One request, one write transaction: what a user does is stored together with the messages it causes.

The server's engine is watched with SQLAlchemy's connection events. A write transaction is one that
committed at least one INSERT, UPDATE or DELETE. The dispatcher's own work (claiming and settling
outbox rows, in its ``vpmo-outbox`` thread) is not the request's and is left out; everything else
the server commits while handling the request is counted, the outbox rows it queues included.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot.server import RUNTIME_KEY
from tests.platforms.conftest import ANNA, JONAS, TEAM, SlackWorld
from tests.platforms.slack_fakes import (
    block_actions_from_message,
    interactive,
    message_event,
    retry_headers,
    slash_command,
)
from tests.platforms.slack_fakes import event as slack_event
from tests.platforms.test_slack_interactions import settle

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Transactions:
    """The write transactions committed on an engine, each as its statements' first words."""

    committed: list[list[str]] = field(default_factory=list)
    _open: dict[int, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "before_cursor_execute", self._execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._end)

    def forget(self, engine: Engine) -> None:
        event.remove(engine, "begin", self._begin)
        event.remove(engine, "before_cursor_execute", self._execute)
        event.remove(engine, "commit", self._commit)
        event.remove(engine, "rollback", self._end)

    def clear(self) -> None:
        with self._lock:
            self.committed.clear()

    @staticmethod
    def _ours() -> bool:
        return not threading.current_thread().name.startswith("vpmo-outbox")

    def _begin(self, connection: Any) -> None:
        with self._lock:
            self._open[id(connection)] = []

    def _execute(self, connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split(None, 3)
        if not self._ours() or not words:
            return
        with self._lock:
            self._open.setdefault(id(connection), []).append(" ".join(words[:3]).upper())

    def _commit(self, connection: Any) -> None:
        with self._lock:
            statements = self._open.pop(id(connection), [])
            if any(s.startswith(WRITES) for s in statements):
                self.committed.append([s for s in statements if s.startswith(WRITES)])

    def _end(self, connection: Any) -> None:
        with self._lock:
            self._open.pop(id(connection), None)


@pytest.fixture
def transactions(slack_world: SlackWorld) -> Iterator[Transactions]:
    engine = slack_world.server.app[RUNTIME_KEY].runtime.engine  # type: ignore[index]
    watched = Transactions()
    watched.watch(engine)
    yield watched
    watched.forget(engine)


def _ask(world: SlackWorld) -> Any:
    assert world.send(slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?")).status_code == 200
    settle(world)
    [offer] = world.dms_to(ANNA)
    return offer


def test_a_sparring_slash_command_is_one_write_transaction_with_its_outbox_rows(
    slack_world: SlackWorld, transactions: Transactions
) -> None:
    _ask(slack_world)

    assert len(transactions.committed) == 1, transactions.committed
    [request] = transactions.committed
    assert any(s.startswith("INSERT INTO SPARRING_REQUEST") for s in request)
    assert any(s.startswith("INSERT INTO OUTBOX") for s in request)  # the offer, queued with it
    assert not any(s.startswith("UPDATE SPARRING_REQUEST") for s in request)  # stored once routed


# The event id (processed_event), the request, its offer and the reply to the requester, together.
def test_a_direct_message_command_is_one_write_transaction_with_its_outbox_rows(
    slack_world: SlackWorld, transactions: Transactions
) -> None:
    text = "sparring Budgettet er skredet, hvad gør jeg?"
    response = slack_world.send(slack_event(message_event(JONAS, text, f"D{JONAS}"), TEAM))
    assert response.status_code == 200
    settle(slack_world)
    assert len(slack_world.dms_to(ANNA)) == 1

    assert len(transactions.committed) == 1, transactions.committed
    [request] = transactions.committed
    assert any(s.startswith("INSERT INTO SPARRING_REQUEST") for s in request)
    assert any(s.startswith("INSERT INTO OUTBOX") for s in request)


def test_a_redelivered_direct_message_runs_its_command_once_and_writes_nothing(
    slack_world: SlackWorld, transactions: Transactions
) -> None:
    delivery = slack_event(
        message_event(JONAS, "sparring Budgettet er skredet, hvad gør jeg?", f"D{JONAS}"), TEAM
    )
    assert slack_world.send(delivery).status_code == 200
    settle(slack_world)
    transactions.clear()

    assert slack_world.send(delivery, headers=retry_headers(1)).status_code == 200
    settle(slack_world)

    assert len(slack_world.dms_to(ANNA)) == 1  # one offer
    assert len(slack_world.dms_to(JONAS)) == 1  # one reply
    assert transactions.committed == []


def test_an_accept_click_is_one_write_transaction_with_its_outbox_rows(
    slack_world: SlackWorld, transactions: Transactions
) -> None:
    offer = _ask(slack_world)
    transactions.clear()
    accept = block_actions_from_message(offer, "accept:S-1", ANNA, TEAM, slack_world.slack.response_url("a"))

    assert slack_world.send(interactive(accept)).status_code == 200
    settle(slack_world)
    assert len(slack_world.dms_to(JONAS)) == 1  # the requester heard of it

    assert len(transactions.committed) == 1, transactions.committed
    [click] = transactions.committed
    assert any(s.startswith("UPDATE SPARRING_REQUEST") for s in click)
    assert any(s.startswith("INSERT INTO OUTBOX") for s in click)
