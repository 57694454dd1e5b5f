"""ERFA storage under what the contract cannot show: two processes at once on PostgreSQL, the dispatcher
racing an edit in place, network meetings in a tenant's own time zone, and migration 0011 down and up.

The behaviour each port promises, on the fake too, is in test_repository_contract.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, update
from sqlmodel import Session

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_runtime
from bot.cli import SAMPLE_TENANT
from handlers.erfa.rsvp import Answer, Rsvp
from handlers.shared.model import ErfaRecord, Person, Tenant
from handlers.shared.text import Message, Text
from storage.migrate import alembic_config, current_revision, upgrade
from storage.tables import ERFA_ANSWER, ERFA_INVITE, NETWORK, OUTBOX, NetworkRow
from tests.tenants import other_tenant_config

T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)
START = datetime(2027, 4, 15, 7, tzinfo=UTC)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
EDIT_KEY = "erfa:nordlys:2027-spring:post:current"
ROUNDS = 12
ERFA_TABLES = {"erfa_record", "erfa_answer", "erfa_invite", "erfa_feedback", "network"}


@pytest.fixture
def pg_runtime(postgres_url: str) -> Iterator[Runtime]:
    """Return a runtime on a fresh PostgreSQL database holding the sample client."""
    built = build_runtime(postgres_url)
    apply_tenant(built.engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))
    yield built
    built.engine.dispose()


def _nordlys(runtime: Runtime) -> tuple[Tenant, Person]:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, email="jonas.friis@nordlys.dk")
        assert jonas is not None
        return tenant, jonas


def _together(*work: Callable[[], Any]) -> list[Any]:
    """Run each piece of work in a thread of its own, all released at the same moment; return the results."""
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        start.wait()
        try:
            results[number] = work[number]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _answer(runtime: Runtime, tenant_id: int, key: str, rsvp: Rsvp) -> bool:
    with runtime.deps.uow() as uow:
        changed = uow.erfa.answer(tenant_id, key, rsvp)
        uow.commit()
    return changed


@pytest.mark.postgres
def test_the_same_click_from_two_processes_at_once_is_kept_once(pg_runtime: Runtime) -> None:
    tenant, jonas = _nordlys(pg_runtime)
    click = Rsvp(str(jonas.id), Answer.ATTENDING, T0, START)

    changed = [
        _together(*[partial(_answer, pg_runtime, tenant.id, f"round-{n}", click)] * 2) for n in range(ROUNDS)
    ]
    with pg_runtime.deps.uow() as uow:
        held = [uow.erfa.answers(tenant.id, f"round-{n}") for n in range(ROUNDS)]

    assert all(sorted(pair) == [False, True] for pair in changed)
    assert held == [[click]] * ROUNDS


@pytest.mark.postgres
def test_two_different_clicks_at_once_settle_on_the_later_whichever_commits_first(
    pg_runtime: Runtime,
) -> None:
    tenant, jonas = _nordlys(pg_runtime)
    earlier = Rsvp(str(jonas.id), Answer.ATTENDING, T0, START)
    later = Rsvp(str(jonas.id), Answer.MAYBE, T0 + timedelta(seconds=1), START)

    changed = [
        _together(
            partial(_answer, pg_runtime, tenant.id, f"round-{n}", earlier),
            partial(_answer, pg_runtime, tenant.id, f"round-{n}", later),
        )
        for n in range(ROUNDS)
    ]
    with pg_runtime.deps.uow() as uow:
        held = [uow.erfa.answers(tenant.id, f"round-{n}") for n in range(ROUNDS)]
    with pg_runtime.engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(ERFA_ANSWER)).scalar_one()

    # The later click always changes the answer; the earlier one only when it came first.
    assert all(later_changed for _, later_changed in changed)
    assert held == [[later]] * ROUNDS
    assert rows == ROUNDS


@pytest.mark.postgres
def test_a_first_invite_token_asked_for_by_two_processes_at_once_is_one_token(pg_runtime: Runtime) -> None:
    tenant, jonas = _nordlys(pg_runtime)

    def token(key: str, person_id: int | None) -> str:
        with pg_runtime.deps.uow() as uow:
            made = uow.erfa.invite_token(tenant.id, key, person_id)
            uow.commit()
        return made

    pairs = [
        _together(*[partial(token, f"round-{n}", person)] * 2)
        for n in range(ROUNDS)
        for person in (None, jonas.id)
    ]
    with pg_runtime.engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(ERFA_INVITE)).scalar_one()

    assert all(one == other for one, other in pairs)
    assert len({one for one, _ in pairs}) == 2 * ROUNDS
    assert stored == 2 * ROUNDS
    # Unguessable: 24 random bytes, URL-safe.
    assert all(len(one) == 32 and one.replace("-", "").replace("_", "").isalnum() for one, _ in pairs)


def _raise_sequence(runtime: Runtime, tenant_id: int) -> None:
    with runtime.deps.uow() as uow:
        record = uow.erfa.get(tenant_id, "2027-spring")
        assert record is not None
        record.sequence += 1
        uow.erfa.save(record)
        uow.commit()


def test_a_record_read_for_a_change_is_locked_so_two_changes_at_once_both_count(runtime: Runtime) -> None:
    tenant, _ = _nordlys(runtime)
    with runtime.deps.uow() as uow:
        uow.erfa.save(ErfaRecord(tenant.id, "2027-spring", START, "Kolding", "ERFA"))
        uow.commit()

    for _ in range(ROUNDS):
        _together(*[partial(_raise_sequence, runtime, tenant.id)] * 2)
    with runtime.deps.uow() as uow:
        record = uow.erfa.get(tenant.id, "2027-spring")

    assert record is not None
    assert record.sequence == 2 * ROUNDS


def _edit(version: str) -> Message:
    return Message(
        (Text.of("status.none"),),
        to_channel="C0ERFA",
        ref=version,
        dedupe_key=EDIT_KEY,
        updates="erfa:nordlys:2027-spring:post",
    )


def _keep_current(runtime: Runtime, tenant_id: int, version: str, due_at: datetime) -> None:
    with runtime.deps.uow() as uow:
        uow.outbox.keep_current(tenant_id, _edit(version), due_at)
        uow.commit()


def _edit_row(runtime: Runtime) -> Any:
    with runtime.engine.connect() as connection:
        [row] = connection.execute(select(OUTBOX).where(OUTBOX.c.dedupe_key == EDIT_KEY)).all()
    return row


def test_an_edit_being_sent_when_newer_content_arrives_is_sent_again_with_it(runtime: Runtime) -> None:
    tenant, _ = _nordlys(runtime)
    lease = timedelta(seconds=30)
    _keep_current(runtime, tenant.id, "v1", T0)
    [sending] = runtime.outbox.claim(T0, lease, 10)

    _keep_current(runtime, tenant.id, "v2", T0 + timedelta(minutes=1))
    settled = runtime.outbox.mark_sent(sending, T0 + timedelta(seconds=1), "C0ERFA:1.1")
    rearmed = _edit_row(runtime)
    [again] = runtime.outbox.claim(T0 + timedelta(minutes=1), lease, 10)
    sent = runtime.outbox.mark_sent(again, T0 + timedelta(minutes=1), "C0ERFA:1.1")
    _keep_current(runtime, tenant.id, "v3", T0 + timedelta(minutes=2))
    after_sent = _edit_row(runtime)

    assert sending.message.ref == "v1"
    # The older content's claim was taken away: it cannot mark the newer content as sent.
    assert settled is False
    assert (rearmed.state, rearmed.ref, rearmed.attempts, rearmed.claim_token, rearmed.lease_until) == (
        "pending",
        "v2",
        0,
        None,
        None,
    )
    assert rearmed.due_at == T0 + timedelta(minutes=1)
    assert (again.message.ref, sent) == ("v2", True)
    assert (after_sent.state, after_sent.ref, after_sent.sent_at) == ("pending", "v3", None)
    assert after_sent.id == rearmed.id


def test_a_failed_edit_is_armed_again_by_newer_content(runtime: Runtime) -> None:
    tenant, _ = _nordlys(runtime)
    _keep_current(runtime, tenant.id, "v1", T0)
    [sending] = runtime.outbox.claim(T0, timedelta(seconds=30), 10)
    assert runtime.outbox.fail(sending, "channel_not_found")

    _keep_current(runtime, tenant.id, "v2", T0 + timedelta(hours=1))
    row = _edit_row(runtime)

    assert (row.state, row.ref, row.attempts, row.last_error) == ("pending", "v2", 0, None)


@pytest.mark.postgres
def test_edits_kept_current_by_two_processes_at_once_leave_one_pending_row(pg_runtime: Runtime) -> None:
    tenant, _ = _nordlys(pg_runtime)

    _together(
        partial(_keep_current, pg_runtime, tenant.id, "one", T0),
        partial(_keep_current, pg_runtime, tenant.id, "other", T0),
    )
    row = _edit_row(pg_runtime)

    assert (row.state, row.ref in {"one", "other"}) == ("pending", True)


def _network(meetings: list[dict[str, Any]], moment: datetime) -> dict[str, Any]:
    return {"tenants": ["nordlys", "birk"], "competitors": [], "meetings": meetings, "updated_at": moment}


NETWORK_MEETING: dict[str, Any] = {
    "key": "2027-network-1",
    "title": "ERFA på tværs: Styregrupper der virker",
    "at": "2027-05-20T13:00",
    "duration_minutes": 240,
    "place": "København",
    "tenants": ["nordlys", "birk"],
    "seats_per_tenant": 8,
    "cancelled": False,
}


def test_a_network_meeting_is_at_its_copenhagen_time_in_each_tenants_zone_and_changes_are_seen_at_once(
    runtime: Runtime,
) -> None:
    # Birk keeps its clocks in Reykjavik (UTC all year): the same meeting, another wall time.
    apply_tenant(runtime.engine, other_tenant_config().model_copy(update={"timezone": "Atlantic/Reykjavik"}))
    with Session(runtime.engine) as session:
        session.add(NetworkRow(slug="maximize-network", **_network([NETWORK_MEETING], T0)))
        session.commit()
    first = _erfa_tenants(runtime)
    moved = {**NETWORK_MEETING, "at": "2027-05-27T09:30", "place": "Aarhus"}
    with runtime.engine.begin() as connection:
        # Written at the same moment as before: the cached tenants must still notice the change.
        connection.execute(
            update(NETWORK).values(meetings=[moved], updated_at=T0 + timedelta(microseconds=1))
        )
    second = _erfa_tenants(runtime)
    [delivered] = _delivered_tenant(runtime, first["nordlys"])

    [nordlys_first] = [m for m in first["nordlys"].erfa_meetings if m.network]
    [birk_first] = [m for m in first["birk"].erfa_meetings if m.network]
    assert nordlys_first.at == birk_first.at == datetime(2027, 5, 20, 11, tzinfo=UTC)
    assert (nordlys_first.at.tzinfo, birk_first.at.tzinfo) == (COPENHAGEN, ZoneInfo("Atlantic/Reykjavik"))
    assert birk_first.at.hour == 11  # Reykjavik's wall time for 13:00 in Copenhagen
    [nordlys_second] = [m for m in second["nordlys"].erfa_meetings if m.network]
    assert (nordlys_second.at, nordlys_second.place) == (
        datetime(2027, 5, 27, 9, 30, tzinfo=COPENHAGEN),
        "Aarhus",
    )
    # The dispatcher's copy of the tenant, from the same cache, is as current.
    assert delivered.erfa_meetings == second["nordlys"].erfa_meetings


def _erfa_tenants(runtime: Runtime) -> dict[str, Tenant]:
    with runtime.deps.uow() as uow:
        return {tenant.slug: tenant for tenant in uow.tenants.with_erfa()}


def _delivered_tenant(runtime: Runtime, tenant: Tenant) -> list[Tenant]:
    with runtime.deps.uow() as uow:
        uow.outbox.add(tenant.id, Message((Text.of("status.none"),), to_channel="C0ERFA"), T0)
        uow.commit()
    return [delivery.tenant for delivery in runtime.outbox.claim(T0, timedelta(seconds=30), 10)]


def test_the_erfa_tables_go_down_and_up_again_keeping_the_tenant(runtime: Runtime) -> None:
    tenant, jonas = _nordlys(runtime)
    with runtime.deps.uow() as uow:
        uow.erfa.answer(tenant.id, "2027-spring", Rsvp(str(jonas.id), Answer.ATTENDING, T0, START))
        uow.commit()

    command.downgrade(alembic_config(runtime.engine), "0010")
    down = (current_revision(runtime.engine), set(inspect(runtime.engine).get_table_names()))
    upgrade(runtime.engine)
    up = set(inspect(runtime.engine).get_table_names())
    again = build_runtime(str(runtime.engine.url.render_as_string(hide_password=False)))
    with again.deps.uow() as uow:
        kept = uow.tenants.get_by_slug("nordlys")
        answers = uow.erfa.answers(tenant.id, "2027-spring")
        token = uow.erfa.invite_token(tenant.id, "2027-spring", None)
        uow.commit()
    again.engine.dispose()

    assert down[0] == "0010"
    assert not ERFA_TABLES & down[1]
    assert "tenant" in down[1]
    assert up >= ERFA_TABLES
    assert kept is not None
    assert [m.key for m in kept.erfa_meetings] == ["2027-spring", "2027-autumn"]
    # The answers went with the tables; the new ones work as on a fresh database.
    assert answers == []
    assert token
