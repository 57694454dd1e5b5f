"""The sends of every process, kept by PostgreSQL: each send checked and recorded at once, by one clock.

Two stores on two engines stand for two processes. The limits are short here (a window of a second or
less) so that the tests wait little; the check is the same for Teams' hour.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from storage.db import make_engine
from storage.migrate import upgrade
from storage.pace_store import PaceStore, shared_sends
from storage.tables import PACE_SEND

ONE_A_SECOND = ((1, 1.0),)


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    migrated = make_engine(postgres_url)
    upgrade(migrated)
    yield migrated
    migrated.dispose()


@pytest.fixture
def two(engine: Engine, postgres_url: str) -> Iterator[tuple[PaceStore, PaceStore]]:
    """Two processes' stores: an engine each."""
    other = make_engine(postgres_url)
    stores = (PaceStore(engine, "slack"), PaceStore(other, "slack"))
    yield stores
    for store in stores:
        store.dispose()
    other.dispose()


def test_a_send_another_process_made_holds_the_channel_for_a_second_after_its_answer(
    two: tuple[PaceStore, PaceStore],
) -> None:
    one, other = two
    assert one.admit(1, [("C-one", ONE_A_SECOND)]) == 0.0
    one.answered([(1, 0.0)])

    wait = other.admit(2, [("C-one", ONE_A_SECOND)])

    assert 0.5 < wait <= 1.0


def test_a_send_under_way_counts_as_if_answered_at_every_check(two: tuple[PaceStore, PaceStore]) -> None:
    one, other = two
    one.admit(1, [("C-one", ONE_A_SECOND)])
    time.sleep(0.3)  # no answer yet: the send may still arrive at the platform

    wait = other.admit(2, [("C-one", ONE_A_SECOND)])

    assert wait == pytest.approx(1.0, abs=0.05)


def test_other_channels_and_other_platforms_are_paced_apart(engine: Engine) -> None:
    slack, teams = PaceStore(engine, "slack"), PaceStore(engine, "teams")
    slack.admit(1, [("C-one", ONE_A_SECOND)])

    waits = [slack.admit(2, [("C-two", ONE_A_SECOND)]), teams.admit(3, [("C-one", ONE_A_SECOND)])]
    slack.dispose()
    teams.dispose()

    assert waits == [0.0, 0.0]


def test_a_shared_counter_refuses_the_send_when_full_whichever_conversation_it_is_for(
    two: tuple[PaceStore, PaceStore],
) -> None:
    one, other = two
    workspace = ("workspace:1", ((2, 1.0),))
    assert one.admit(1, [("C-one", ONE_A_SECOND), workspace]) == 0.0
    assert other.admit(2, [("C-two", ONE_A_SECOND), workspace]) == 0.0

    wait = one.admit(3, [("C-three", ONE_A_SECOND), workspace])

    assert wait > 0.9
    with one._engine.connect() as connection:  # the refused send left no row
        keys = connection.execute(select(PACE_SEND.c.key).where(PACE_SEND.c.send == 3)).all()
    assert keys == []


def test_an_answer_given_with_the_next_admission_is_recorded(two: tuple[PaceStore, PaceStore]) -> None:
    one, other = two
    one.admit(1, [("C-one", ONE_A_SECOND)])
    one.admit(2, [("C-two", ONE_A_SECOND)], answered=[(1, 0.0)])
    time.sleep(0.3)

    wait = other.admit(3, [("C-one", ONE_A_SECOND)])

    assert wait == pytest.approx(0.7, abs=0.1)  # a second after the answer, not after this check


def test_an_answer_counts_from_when_it_came_not_from_when_it_was_written(
    two: tuple[PaceStore, PaceStore],
) -> None:
    one, other = two
    one.admit(1, [("C-one", ONE_A_SECOND)])
    time.sleep(0.5)
    one.answered([(1, 0.4)])  # it came 0.1 s after the send, and is written 0.4 s later

    wait = other.admit(2, [("C-one", ONE_A_SECOND)])

    assert wait == pytest.approx(0.6, abs=0.1)


def test_a_hold_after_a_429_holds_every_process(two: tuple[PaceStore, PaceStore]) -> None:
    one, other = two
    one.hold("C-one", 2.0)
    one.hold("C-one", 1.0)  # a shorter hold does not end the longer one

    wait = other.admit(1, [("C-one", ONE_A_SECOND)])

    assert wait == pytest.approx(2.0, abs=0.1)


def test_sends_older_than_the_longest_window_are_removed(engine: Engine) -> None:
    store = PaceStore(engine, "slack")
    for send in range(1, 6):
        assert store.admit(send, [("C-one", ((1, 0.05),))]) == 0.0
        store.answered([(send, 0.0)])
        time.sleep(0.07)

    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(PACE_SEND)).scalar_one()
    store.dispose()

    assert rows == 1


def test_two_processes_admitting_at_once_keep_the_limit_between_them(
    two: tuple[PaceStore, PaceStore],
) -> None:
    limits = ((3, 0.5), (10_000, 60.0))  # the long window keeps every send of the test in the table
    numbers = iter(range(1, 1_000_000))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def hammer(store: PaceStore) -> None:
        deadline = time.monotonic() + 1.5
        try:
            while time.monotonic() < deadline:
                with lock:
                    send = next(numbers)
                if store.admit(send, [("C-busy", limits)]) == 0.0:
                    store.answered([(send, 0.0)])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(store,)) for store in (*two, *two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    with two[0]._engine.connect() as connection:
        sends = connection.execute(
            select(PACE_SEND.c.started_at, PACE_SEND.c.answered_at)
            .where(PACE_SEND.c.key == "slack/C-busy")
            .order_by(PACE_SEND.c.started_at)
        ).all()

    assert errors == []
    assert len(sends) >= 3
    # No send began while three others had been answered less than half a second before.
    for index in range(3, len(sends)):
        answered = sorted(end for _, end in sends[:index] if end is not None)
        assert answered[-3] <= sends[index].started_at - timedelta(seconds=0.5)


def test_sqlite_has_no_shared_pace(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/vpmo.db")

    assert shared_sends(engine, "slack") is None
    engine.dispose()


def test_the_shared_pace_migration_goes_down_and_up_again(engine: Engine) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    command.downgrade(alembic_config(engine), "0011")
    with engine.connect() as connection:
        functions = connection.execute(
            text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'vpmo_pace_%'")
        ).scalar_one()
    upgrade(engine)
    store = PaceStore(engine, "slack")
    wait = store.admit(1, [("C-one", ONE_A_SECOND)])
    store.dispose()

    assert functions == 0
    assert wait == 0.0
