"""One request, one write transaction: a Slack command's change and its replies (outbox included) commit together.

Transactions are counted on the server's own engine with SQLAlchemy events. The dispatcher's own
transactions (claiming and recording sends, on its ``vpmo-outbox`` thread) are not the request's.
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
from tests.platforms.slack_fakes import block_actions_from_message, interactive, message_event
from tests.platforms.slack_fakes import event as slack_event
from tests.platforms.test_slack_interactions import ask_by_slash_command, dms, settle

_WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Transactions:
    """The write transactions the request handling committed, each as the statements it ran."""

    committed: list[list[str]] = field(default_factory=list)
    _open: dict[int, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self) -> list[list[str]]:
        """Return the committed transactions that wrote something."""
        with self._lock:
            return [t for t in self.committed if any(s.lstrip().upper().startswith(_WRITES) for s in t)]

    def clear(self) -> None:
        with self._lock:
            self.committed.clear()


def _counted(engine: Engine) -> Iterator[Transactions]:
    seen = Transactions()

    def ours() -> bool:
        return not threading.current_thread().name.startswith("vpmo-outbox")

    def on_begin(connection: Any) -> None:
        if ours():
            with seen._lock:
                seen._open[id(connection)] = []

    def on_statement(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        with seen._lock:
            running = seen._open.get(id(connection))
            if running is not None:
                running.append(statement)

    def on_commit(connection: Any) -> None:
        with seen._lock:
            running = seen._open.pop(id(connection), None)
            if running is not None:
                seen.committed.append(running)

    def on_rollback(connection: Any) -> None:
        with seen._lock:
            seen._open.pop(id(connection), None)

    listeners = [
        ("begin", on_begin),
        ("before_cursor_execute", on_statement),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


@pytest.fixture
def transactions(slack_world: SlackWorld) -> Iterator[Transactions]:
    engine = slack_world.server.app[RUNTIME_KEY].runtime.engine  # type: ignore[index]
    yield from _counted(engine)


def _tables(transaction: list[str]) -> set[str]:
    """Return the tables a transaction wrote to."""
    written = set()
    for statement in transaction:
        words = statement.split()
        if words and words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            keyword = {"INSERT": 2, "UPDATE": 1, "DELETE": 2}[words[0].upper()]
            written.add(words[keyword].strip('"').lower())
    return written


def test_a_slash_command_request_is_one_write_transaction_with_its_offer_in_the_outbox(
    slack_world: SlackWorld, transactions: Transactions
) -> None:
    ask_by_slash_command(slack_world)
    settle(slack_world)
    [write] = transactions.writes()

    assert {"sparring_request", "outbox"} <= _tables(write)


def test_a_direct_message_command_writes_its_reply_to_the_outbox_in_the_commands_transaction(
    slack_world: SlackWorld, transactions: Transactions
) -> None:
    slack_world.send(slack_event(message_event(JONAS, "sparring Budgettet er skredet", f"D{JONAS}"), TEAM))
    dms(slack_world, JONAS)
    settle(slack_world)
    writes = [t for t in transactions.writes() if _tables(t) != {"processed_event"}]

    [write] = writes
    assert {"sparring_request", "outbox"} <= _tables(write)


def test_a_button_click_is_one_write_transaction(slack_world: SlackWorld, transactions: Transactions) -> None:
    offer = ask_by_slash_command(slack_world)
    settle(slack_world)
    transactions.clear()
    accept = block_actions_from_message(offer, "accept:S-1", ANNA, TEAM, slack_world.slack.response_url("a"))
    slack_world.send(interactive(accept))
    dms(slack_world, JONAS)
    settle(slack_world)
    [write] = transactions.writes()

    assert {"sparring_request", "outbox"} <= _tables(write)
