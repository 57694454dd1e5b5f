"""Storage on SQLite and PostgreSQL: migrations, time, tenants apart, and no lost updates."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import inspect

from bot.bootstrap import Runtime
from handlers.challenges.tally import Mark
from handlers.shared.model import SparringRequest, Status, SubmittedChallenge
from handlers.shared.text import Message, Since, Text
from storage.migrate import current_revision, head_revision
from storage.uow import SqlUnitOfWork

WORKERS = 4
PER_WORKER = 25


def _tenant_and_people(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, email="jonas.friis@nordlys.dk")
        anna = uow.people.find(tenant.id, email="anna.berg@maximize.dk")
        assert jonas is not None
        assert anna is not None
        return tenant.id, jonas.id, anna.id


def _reserved_at_once(runtime: Runtime, reserve: Callable[[SqlUnitOfWork], int]) -> list[int]:
    """Return the numbers WORKERS threads reserved at once, PER_WORKER each, a unit of work a number."""

    def reserve_some(_: int) -> list[int]:
        numbers = []
        for _ in range(PER_WORKER):
            with runtime.deps.uow() as uow:
                numbers.append(reserve(uow))
                uow.commit()
        return numbers

    with ThreadPoolExecutor(WORKERS) as pool:
        return [n for batch in pool.map(reserve_some, range(WORKERS)) for n in batch]


def _add_request(uow: SqlUnitOfWork, tenant_id: int, requester_id: int, **changes: object) -> SparringRequest:
    request = SparringRequest(
        tenant_id=tenant_id,
        number=uow.requests.next_number(tenant_id),
        requester_id=requester_id,
        text="Budgettet",
        created_at=datetime(2027, 3, 3, 9, tzinfo=UTC),
        area="budget",
    )
    for name, value in changes.items():
        setattr(request, name, value)
    uow.requests.save(request)
    return request


def test_migrations_bring_the_schema_to_head(runtime: Runtime) -> None:
    tables = set(inspect(runtime.engine).get_table_names())

    assert current_revision(runtime.engine) == head_revision(runtime.engine)
    assert {"tenant", "person", "sparring_request", "outbox", "dialogue", "alembic_version"} <= tables


def test_datetimes_come_back_as_aware_utc(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    copenhagen_morning = datetime(2027, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    with runtime.deps.uow() as uow:
        _add_request(uow, tenant_id, jonas, created_at=copenhagen_morning)
        uow.commit()

    with runtime.deps.uow() as uow:
        stored = uow.requests.get(tenant_id, 1)

    assert stored is not None
    assert stored.created_at == copenhagen_morning
    assert stored.created_at.utcoffset() == timedelta(0)


def test_concurrent_requests_never_get_the_same_number(runtime: Runtime) -> None:
    tenant_id, _, _ = _tenant_and_people(runtime)

    numbers = _reserved_at_once(runtime, lambda uow: uow.requests.next_number(tenant_id))

    assert sorted(numbers) == list(range(1, WORKERS * PER_WORKER + 1))


def test_concurrent_read_modify_write_loses_no_update(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    with runtime.deps.uow() as uow:
        _add_request(uow, tenant_id, jonas)
        uow.commit()

    def bump(_: int) -> None:
        for _ in range(PER_WORKER):
            with runtime.deps.uow() as uow:
                request = uow.requests.get(tenant_id, 1)
                assert request is not None
                request.escalations += 1
                uow.requests.save(request)
                uow.commit()

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(bump, range(WORKERS)))

    with runtime.deps.uow() as uow:
        final = uow.requests.get(tenant_id, 1)
    assert final is not None
    assert final.escalations == WORKERS * PER_WORKER


def test_concurrent_challenges_never_get_the_same_number(runtime: Runtime) -> None:
    tenant_id, _, _ = _tenant_and_people(runtime)

    numbers = _reserved_at_once(runtime, lambda uow: uow.challenges.next_number(tenant_id))

    assert sorted(numbers) == list(range(1, WORKERS * PER_WORKER + 1))


def test_concurrent_add_and_remove_events_of_a_vote_end_in_the_latest_events_state(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    moment = datetime(2027, 3, 3, 9, tzinfo=UTC)
    with runtime.deps.uow() as uow:
        number = uow.challenges.next_number(tenant_id)
        challenge = uow.challenges.add(
            SubmittedChallenge(tenant_id, number, jonas, "Risikologgen", moment, "2027-Q1")
        )
        uow.commit()
    assert challenge.id is not None
    challenge_id = challenge.id

    # In each round two workers record an event of Jonas's vote at the same time, each in its own
    # transaction as reaction events come: an add or a removal, a little apart or at the same moment.
    # After the round the vote holds the later of the two (on a tie, the add), and so at the end.
    rng = random.Random(11)
    rounds = [
        tuple(
            Mark(
                str(number),
                "slack:U01JOF",
                "+1",
                moment + timedelta(milliseconds=10 * r + rng.randrange(3)),
                rng.random() < 0.5,
                str(jonas),
            )
            for _ in range(2)
        )
        for r in range(100)
    ]
    expected = [max(pair, key=lambda m: (m.at, m.present)) for pair in rounds]
    held_after: list[list[Mark]] = []
    together, done = threading.Barrier(2), threading.Barrier(2)

    def record(worker: int) -> None:
        for pair in rounds:
            together.wait()
            with runtime.deps.uow() as uow:
                uow.votes.record(tenant_id, challenge_id, pair[worker])
                uow.commit()
            done.wait()
            if worker == 0:  # the other waits at the next round's start meanwhile
                with runtime.deps.uow() as uow:
                    held_after.append(uow.votes.of_meeting(tenant_id, "2027-Q1"))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(record, range(2)))

    assert held_after == [[mark] for mark in expected]
    assert {m.present for m in expected} == {True, False}


def test_outbox_keeps_one_message_per_dedupe_key(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    message = Message((Text.of("status.none"),), to_person=jonas, dedupe_key="quota:2027-Q1:80:1")
    now = datetime(2027, 3, 3, tzinfo=UTC)
    with runtime.deps.uow() as uow:
        first = uow.outbox.add(tenant_id, message, now)
        second = uow.outbox.add(tenant_id, message, now)
        uow.commit()

    assert (first, second) == (True, False)
    assert runtime.outbox.counts() == {"pending": 1}


def test_a_rolled_back_unit_of_work_leaves_no_trace(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    with runtime.deps.uow() as uow:
        _add_request(uow, tenant_id, jonas)
        uow.outbox.add(tenant_id, Message((Text.of("status.none"),), to_person=jonas), datetime.now(UTC))

    with runtime.deps.uow() as uow:
        assert uow.requests.get(tenant_id, 1) is None
    assert runtime.outbox.counts() == {}


def test_tenants_are_kept_apart(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    with runtime.deps.uow() as uow:
        _add_request(uow, tenant_id, jonas)
        uow.commit()
    from bot.admin.tenant_admin import apply_tenant
    from bot.admin.tenant_config import load_tenant_config

    other = load_tenant_config(
        "slug: fjord\nname: Fjord Bank\npeople:\n"
        "  - {email: jonas.friis@nordlys.dk, name: Jonas Friis, roles: [coordinator]}\n"
    )
    apply_tenant(runtime.engine, other)

    with runtime.deps.uow() as uow:
        fjord = uow.tenants.get_by_slug("fjord")
        assert fjord is not None
        assert uow.requests.get(fjord.id, 1) is None
        assert uow.requests.next_number(fjord.id) == 1
        namesake = uow.people.find(fjord.id, email="jonas.friis@nordlys.dk")
        assert namesake is not None
        assert namesake.id != jonas
        assert uow.people.find(fjord.id, email="anna.berg@maximize.dk") is None
        assert uow.requests.of_requester(fjord.id, jonas, 10) == []


def test_the_requests_of_a_requester_are_counted_beyond_the_newest_listed(runtime: Runtime) -> None:
    tenant_id, jonas, anna = _tenant_and_people(runtime)
    with runtime.deps.uow() as uow:
        for _ in range(3):
            _add_request(uow, tenant_id, jonas)
        _add_request(uow, tenant_id, anna)
        uow.commit()

    with runtime.deps.uow() as uow:
        assert [r.number for r in uow.requests.of_requester(tenant_id, jonas, 2)] == [3, 2]
        assert uow.requests.count_of_requester(tenant_id, jonas) == 3


def test_a_moment_relative_to_now_survives_the_outbox(runtime: Runtime) -> None:
    tenant_id, jonas, _ = _tenant_and_people(runtime)
    now = datetime(2027, 3, 3, 12, tzinfo=UTC)
    line = Text.of("status.now.cancelled", since=Since(now - timedelta(hours=2), now))
    with runtime.deps.uow() as uow:
        uow.outbox.add(tenant_id, Message((line,), to_person=jonas), now)
        uow.commit()

    [delivery] = runtime.outbox.claim(now, timedelta(minutes=1), 10)

    assert delivery.message.lines == (line,)


def test_load_queries_count_open_requests_and_this_months_hours(runtime: Runtime) -> None:
    tenant_id, jonas, anna = _tenant_and_people(runtime)
    month_start = datetime(2027, 3, 1, tzinfo=UTC)
    with runtime.deps.uow() as uow:
        _add_request(uow, tenant_id, jonas, status=Status.OFFERED, senior_id=anna)
        _add_request(
            uow,
            tenant_id,
            jonas,
            status=Status.CLOSED,
            senior_id=anna,
            accepted_at=datetime(2027, 3, 2, tzinfo=UTC),
            held_at=datetime(2027, 3, 2, 12, tzinfo=UTC),
            hours=2.5,
        )
        _add_request(
            uow,
            tenant_id,
            jonas,
            status=Status.CLOSED,
            senior_id=anna,
            held_at=datetime(2027, 2, 27, tzinfo=UTC),
            hours=4,
        )
        uow.commit()

    with runtime.deps.uow() as uow:
        loads = uow.requests.loads(tenant_id, [anna], month_start)
        last = uow.requests.routing_loads(tenant_id, jonas, "budget", [], month_start).previous_senior_id
        held = uow.requests.hours_held(tenant_id, month_start, datetime(2027, 4, 1, tzinfo=UTC))

    assert loads[anna].open_requests == 1
    assert loads[anna].hours_this_month == 2.5
    assert last == anna
    assert held == 2.5


def test_only_overdue_offers_are_due_for_escalation(runtime: Runtime) -> None:
    tenant_id, jonas, anna = _tenant_and_people(runtime)
    now = datetime(2027, 3, 8, 13, tzinfo=UTC)
    with runtime.deps.uow() as uow:
        _add_request(
            uow,
            tenant_id,
            jonas,
            status=Status.OFFERED,
            senior_id=anna,
            escalate_at=now - timedelta(minutes=1),
        )
        _add_request(
            uow,
            tenant_id,
            jonas,
            status=Status.OFFERED,
            senior_id=anna,
            escalate_at=now + timedelta(minutes=1),
        )
        _add_request(
            uow,
            tenant_id,
            jonas,
            status=Status.ACCEPTED,
            senior_id=anna,
            escalate_at=now - timedelta(hours=1),
        )
        uow.commit()

    with runtime.deps.uow() as uow:
        due = uow.requests.due_for_escalation(now, 10)

    assert due == [(tenant_id, 1)]


def test_the_migrations_create_exactly_the_tables_the_code_declares(runtime: Runtime) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with runtime.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert differences == []
