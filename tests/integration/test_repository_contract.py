"""One contract for the storage ports, held by the in-memory fake and by the SQL repositories alike.

The unit tests stand on ``tests.fakes.FakeDatabase``; these tests keep it honest. Every test runs on
the fake (ids ``[fake]``), on SQLite and on PostgreSQL, each holding the sample client (Nordlys) as
``vpmo tenant apply`` stores it; the fake is filled with what the SQL repositories return for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import build_runtime
from bot.cli import SAMPLE_TENANT
from handlers.shared.model import Person, Role, SparringRequest, Status, Tenant
from handlers.shared.ports import UnitOfWork
from handlers.shared.text import Message, Text
from handlers.sparring.routing import SeniorLoad
from storage.tables import OutboxRow
from tests.conftest import _fresh_postgres_database
from tests.fakes import FakeDatabase, FakeUnitOfWorkFactory

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Backend:
    """A store behind the ports, with the one thing the ports cannot tell: what the outbox holds."""

    uow: Callable[[], UnitOfWork]
    queued: Callable[[], list[tuple[int, int | None, str | None, datetime]]]


@contextmanager
def _sql(url: str) -> Iterator[Backend]:
    runtime = build_runtime(url)
    apply_tenant(runtime.engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))

    def queued() -> list[tuple[int, int | None, str | None, datetime]]:
        with Session(runtime.engine) as session:
            rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
            return [(r.tenant_id, r.recipient_id, r.ref, _utc(r.due_at)) for r in rows]

    try:
        yield Backend(runtime.deps.uow, queued)
    finally:
        runtime.engine.dispose()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@contextmanager
def _fake(tmp_path: Path) -> Iterator[Backend]:
    # The same tenant and people the SQL side holds, read back through the SQL repositories.
    db = FakeDatabase()
    with _sql(f"sqlite:///{tmp_path}/seed.db") as seed, seed.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        db.add_tenant(tenant)
        for role in Role:
            for person in uow.people.with_role(tenant.id, role):
                db.add_person(person)
    yield Backend(
        FakeUnitOfWorkFactory(db),
        lambda: [(q.tenant_id, q.message.to_person, q.message.ref, q.due_at) for q in db.outbox],
    )


@pytest.fixture(
    params=[
        pytest.param("fake", id="fake"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "fake":
        with _fake(tmp_path) as backend:
            yield backend
    elif request.param == "sqlite":
        with _sql(f"sqlite:///{tmp_path}/vpmo.db") as backend:
            yield backend
    else:
        with _fresh_postgres_database() as url, _sql(url) as backend:
            yield backend


@dataclass(frozen=True)
class Nordlys:
    tenant: Tenant
    jonas: Person
    emma: Person
    anna: Person
    lars: Person
    sofie: Person


@pytest.fixture
def nordlys(store: Backend) -> Nordlys:
    with store.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None

        def by_email(email: str) -> Person:
            found = uow.people.find(tenant.id, email=email)
            assert found is not None, email
            return found

        return Nordlys(
            tenant,
            by_email("jonas.friis@nordlys.dk"),
            by_email("emma.larsen@nordlys.dk"),
            by_email("anna.berg@maximize.dk"),
            by_email("lars.kjaer@maximize.dk"),
            by_email("sofie.dahl@nordlys.dk"),
        )


def _request(uow: UnitOfWork, tenant_id: int, requester: Person, **fields: Any) -> SparringRequest:
    request = SparringRequest(
        tenant_id=tenant_id,
        number=uow.requests.next_number(tenant_id),
        requester_id=requester.id,
        text=fields.pop("text", "Budgettet er skredet"),
        created_at=fields.pop("created_at", T0),
        area=fields.pop("area", "budget"),
        **fields,
    )
    return uow.requests.add(request)


def _numbers(requests: list[SparringRequest]) -> list[int]:
    return [r.number for r in requests]


# --- tenants and people ----------------------------------------------------------------------------


def test_a_tenant_is_found_by_id_and_by_slug_and_an_unknown_one_is_not(store: Backend) -> None:
    with store.uow() as uow:
        by_slug = uow.tenants.get_by_slug("nordlys")
        assert by_slug is not None
        by_id = uow.tenants.get(by_slug.id)

        assert by_id == by_slug
        assert by_slug.name == "Nordlys Energi A/S"
        assert uow.tenants.get_by_slug("nobody") is None
        assert uow.tenants.get(by_slug.id + 1000) is None


def test_a_person_is_found_by_each_identity_and_e_mail_regardless_of_case(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        assert uow.people.get(nordlys.anna.id) == nordlys.anna
        assert uow.people.find(tenant, slack_id="U01ANB") == nordlys.anna
        assert uow.people.find(tenant, teams_id="29:1anb") == nordlys.anna
        assert uow.people.find(tenant, email="  Anna.Berg@Maximize.DK ") == nordlys.anna
        # A platform id decides before the e-mail.
        assert uow.people.find(tenant, email="anna.berg@maximize.dk", slack_id="U01JOF") == nordlys.jonas
        assert uow.people.find(tenant, email="nobody@nordlys.dk") is None
        assert uow.people.find(tenant) is None
        assert uow.people.find(tenant + 1000, slack_id="U01ANB") is None
        assert uow.people.get(max(nordlys.anna.id, nordlys.jonas.id) + 1000) is None


def test_people_with_a_role_and_seniors_for_an_area_come_by_name(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        seniors = [p.name for p in uow.people.with_role(tenant, Role.SENIOR)]
        budget = [p.name for p in uow.people.seniors_for(tenant, "budget")]
        nobody = list(uow.people.seniors_for(tenant, "no-such-area"))

    assert seniors == sorted(seniors)
    assert set(seniors) == {nordlys.anna.name, nordlys.lars.name, nordlys.sofie.name}
    assert budget == sorted([nordlys.anna.name, nordlys.sofie.name])
    assert nobody == []


def test_a_persons_language_is_kept_once_committed(store: Backend, nordlys: Nordlys) -> None:
    with store.uow() as uow:
        uow.people.set_language(nordlys.jonas.id, "en")  # not committed
    with store.uow() as uow:
        unchanged = uow.people.get(nordlys.jonas.id)
        uow.people.set_language(nordlys.jonas.id, "en")
        uow.commit()
    with store.uow() as uow:
        changed = uow.people.get(nordlys.jonas.id)
        found = uow.people.find(nordlys.tenant.id, slack_id="U01JOF")

    assert unchanged is not None
    assert unchanged.language == nordlys.jonas.language
    assert changed is not None
    assert changed.language == "en"
    assert found == changed


# --- requests --------------------------------------------------------------------------------------


def test_request_numbers_count_up_per_tenant_and_a_committed_one_is_never_handed_out_again(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        first, second = uow.requests.next_number(tenant), uow.requests.next_number(tenant)
        uow.commit()
    with store.uow() as uow:
        third = uow.requests.next_number(tenant)

    assert (first, second, third) == (1, 2, 3)


def test_a_request_reads_back_as_it_was_stored_and_only_committed(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        _request(uow, tenant, nordlys.jonas, text="forgotten")  # rolled back at the end of the block
    with store.uow() as uow:
        added = _request(
            uow,
            tenant,
            nordlys.jonas,
            status=Status.OFFERED,
            senior_id=nordlys.anna.id,
            offered_at=T0,
            escalate_at=T0 + timedelta(hours=8),
            tried_senior_ids=[nordlys.lars.id],
            routing_reasons=[Text.of("status.none")],
        )
        uow.commit()
    with store.uow() as uow:
        stored = uow.requests.get(tenant, added.number)
        missing = uow.requests.get(tenant, added.number + 1)
        elsewhere = uow.requests.get(tenant + 1000, added.number)

    assert added.id is not None
    assert stored == added
    assert missing is None
    assert elsewhere is None


def test_a_number_taken_in_the_tenant_cannot_be_stored_twice(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        first = _request(uow, tenant, nordlys.jonas)
        duplicate = SparringRequest(
            tenant_id=tenant, number=first.number, requester_id=nordlys.emma.id, text="igen", created_at=T0
        )

        with pytest.raises(Exception):  # noqa: B017 - the fake's ValueError, the database's IntegrityError
            uow.requests.add(duplicate)


def test_an_update_is_kept_once_committed(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        number = _request(uow, tenant, nordlys.jonas).number
        uow.commit()
    with store.uow() as uow:
        request = uow.requests.get(tenant, number)
        assert request is not None
        request.status = Status.ACCEPTED
        request.senior_id = nordlys.anna.id
        request.accepted_at = T0
        uow.requests.update(request)
        uow.commit()
    with store.uow() as uow:
        request = uow.requests.get(tenant, number)
        assert request is not None
        request.status = Status.CANCELLED
        uow.requests.update(request)  # not committed
    with store.uow() as uow:
        stored = uow.requests.get(tenant, number)

    assert stored is not None
    assert (stored.status, stored.senior_id, stored.accepted_at) == (Status.ACCEPTED, nordlys.anna.id, T0)


def test_an_update_of_a_request_this_unit_of_work_never_read_is_refused(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        request = _request(uow, tenant, nordlys.jonas)
        uow.commit()
    request.status = Status.CANCELLED

    with store.uow() as uow, pytest.raises(LookupError):
        uow.requests.update(request)  # read in another unit of work: not locked in this one


def test_a_requesters_newest_requests_come_first_and_are_counted(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        for requester in (nordlys.jonas, nordlys.emma, nordlys.jonas, nordlys.jonas):
            _request(uow, tenant, requester)
        uow.commit()
    with store.uow() as uow:
        newest = uow.requests.of_requester(tenant, nordlys.jonas.id, 2)
        everything = uow.requests.of_requester(tenant, nordlys.jonas.id, 10)
        counts = (
            uow.requests.count_of_requester(tenant, nordlys.jonas.id),
            uow.requests.count_of_requester(tenant, nordlys.emma.id),
            uow.requests.count_of_requester(tenant, nordlys.anna.id),
            uow.requests.count_of_requester(tenant + 1000, nordlys.jonas.id),
        )

    assert _numbers(newest) == [4, 3]
    assert _numbers(everything) == [4, 3, 1]
    assert counts == (3, 1, 0, 0)


def test_requests_by_status_and_by_senior_come_oldest_first(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    anna, lars = nordlys.anna.id, nordlys.lars.id
    with store.uow() as uow:
        _request(uow, tenant, nordlys.jonas, status=Status.OFFERED, senior_id=anna)  # 1
        _request(uow, tenant, nordlys.jonas, status=Status.ACCEPTED, senior_id=lars)  # 2
        _request(uow, tenant, nordlys.emma, status=Status.ACCEPTED, senior_id=anna)  # 3
        _request(uow, tenant, nordlys.emma, status=Status.CLOSED, senior_id=anna)  # 4
        uow.commit()
    with store.uow() as uow:
        open_ = uow.requests.with_status(tenant, [Status.OFFERED, Status.ACCEPTED])
        annas = uow.requests.of_senior(tenant, anna, [Status.ACCEPTED, Status.CLOSED])
        none = uow.requests.with_status(tenant, [Status.HELD])

    assert _numbers(open_) == [1, 2, 3]
    assert _numbers(annas) == [3, 4]
    assert none == []


def test_loads_count_open_requests_and_the_hours_held_since_the_month_began(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    anna, lars, sofie = nordlys.anna.id, nordlys.lars.id, nordlys.sofie.id
    month = datetime(2027, 3, 1, tzinfo=UTC)
    with store.uow() as uow:
        _request(uow, tenant, nordlys.jonas, status=Status.OFFERED, senior_id=anna)
        _request(uow, tenant, nordlys.jonas, status=Status.ACCEPTED, senior_id=anna)
        _request(uow, tenant, nordlys.jonas, status=Status.REQUESTED, senior_id=anna)
        held = {"status": Status.HELD, "hours": 1.5}
        _request(uow, tenant, nordlys.jonas, senior_id=anna, held_at=month, **held)  # the first moment counts
        _request(uow, tenant, nordlys.jonas, senior_id=anna, held_at=month - timedelta(seconds=1), **held)
        _request(uow, tenant, nordlys.emma, status=Status.CLOSED, senior_id=lars, held_at=T0, hours=2.0)
        uow.commit()
    with store.uow() as uow:
        loads = uow.requests.loads(tenant, [anna, lars, sofie], month)
        elsewhere = uow.requests.loads(tenant + 1000, [anna], month)
        nobody = uow.requests.loads(tenant, [], month)

    assert loads == {anna: SeniorLoad(2, 1.5), lars: SeniorLoad(0, 2.0), sofie: SeniorLoad(0, 0.0)}
    assert elsewhere == {anna: SeniorLoad(0, 0.0)}
    assert nobody == {}


def test_the_last_senior_is_who_last_accepted_the_requesters_request_in_the_area(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        accepted = {"status": Status.CLOSED}
        _request(uow, tenant, nordlys.jonas, senior_id=nordlys.lars.id, accepted_at=T0, **accepted)
        later = T0 + timedelta(days=1)
        _request(uow, tenant, nordlys.jonas, senior_id=nordlys.anna.id, accepted_at=later, **accepted)
        # Newer, but offered and never accepted; and someone else's; and another area.
        _request(uow, tenant, nordlys.jonas, senior_id=nordlys.sofie.id, status=Status.OFFERED)
        _request(uow, tenant, nordlys.emma, senior_id=nordlys.sofie.id, accepted_at=later, **accepted)
        _request(uow, tenant, nordlys.jonas, area="risk", senior_id=nordlys.sofie.id, accepted_at=later)
        uow.commit()
    with store.uow() as uow:
        last = uow.requests.last_senior(tenant, nordlys.jonas.id, "budget")
        none = uow.requests.last_senior(tenant, nordlys.jonas.id, "benefits")

    assert last == nordlys.anna.id
    assert none is None


def test_hours_held_and_requests_created_count_from_the_start_up_to_the_end(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    start, end = T0, T0 + timedelta(days=7)
    with store.uow() as uow:
        for moment, hours in ((start - timedelta(seconds=1), 1.0), (start, 2.0), (end, 4.0)):
            _request(uow, tenant, nordlys.jonas, created_at=moment, held_at=moment, hours=hours)
        _request(uow, tenant, nordlys.jonas, created_at=end - timedelta(seconds=1), held_at=None, hours=8.0)
        uow.commit()
    with store.uow() as uow:
        hours = uow.requests.hours_held(tenant, start, end)
        created = uow.requests.created_between(tenant, start, end)
        none = uow.requests.hours_held(tenant + 1000, start, end)

    assert hours == 2.0
    assert _numbers(created) == [2, 4]
    assert none == 0.0


def test_requests_due_for_escalation_are_the_offered_ones_whose_time_ran_out_oldest_first(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    now = T0 + timedelta(hours=8)
    with store.uow() as uow:
        offered = {"status": Status.OFFERED, "senior_id": nordlys.anna.id}
        _request(uow, tenant, nordlys.jonas, escalate_at=now - timedelta(minutes=1), **offered)  # 1
        _request(uow, tenant, nordlys.jonas, escalate_at=now - timedelta(hours=1), **offered)  # 2
        _request(uow, tenant, nordlys.jonas, escalate_at=now, **offered)  # 3: due at this very moment
        _request(uow, tenant, nordlys.jonas, escalate_at=now + timedelta(seconds=1), **offered)  # 4
        accepted = {"status": Status.ACCEPTED, "senior_id": nordlys.anna.id}
        _request(uow, tenant, nordlys.jonas, escalate_at=now - timedelta(hours=2), **accepted)  # 5
        uow.commit()
    with store.uow() as uow:
        due = uow.requests.due_for_escalation(now, 10)
        first_two = uow.requests.due_for_escalation(now, 2)

    assert due == [(tenant, 2), (tenant, 1), (tenant, 3)]
    assert first_two == [(tenant, 2), (tenant, 1)]


# --- outbox and dialogues --------------------------------------------------------------------------


def _message(person: Person, ref: str, dedupe_key: str | None = None) -> Message:
    return Message((Text.of("status.none"),), to_person=person.id, ref=ref, dedupe_key=dedupe_key)


def test_the_outbox_queues_a_dedupe_key_once_and_forgets_it_when_rolled_back(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, anna = nordlys.tenant.id, nordlys.anna
    with store.uow() as uow:
        assert uow.outbox.add(tenant, _message(anna, "S-9", "rolled-back"), T0)  # never committed
    with store.uow() as uow:
        answers = [
            uow.outbox.add(tenant, _message(anna, "S-1", "offer:S-1"), T0),
            uow.outbox.add(tenant, _message(anna, "S-1", "offer:S-1"), T0 + timedelta(hours=1)),
            uow.outbox.add(tenant, _message(anna, "S-2"), T0),
            uow.outbox.add(tenant, _message(anna, "S-2"), T0),
            uow.outbox.add(tenant, _message(anna, "S-9", "rolled-back"), T0),
        ]
        uow.commit()
    with store.uow() as uow:
        again = uow.outbox.add(tenant, _message(anna, "S-1", "offer:S-1"), T0)
        uow.commit()

    assert answers == [True, False, True, True, True]
    assert again is False
    assert store.queued() == [
        (tenant, anna.id, "S-1", T0),
        (tenant, anna.id, "S-2", T0),
        (tenant, anna.id, "S-2", T0),
        (tenant, anna.id, "S-9", T0),
    ]


def test_a_dialogue_is_saved_replaced_and_cleared_and_only_committed(
    store: Backend, nordlys: Nordlys
) -> None:
    jonas, emma = nordlys.jonas.id, nordlys.emma.id
    with store.uow() as uow:
        uow.dialogues.save(jonas, {"step": "area"}, T0)  # not committed
    with store.uow() as uow:
        never = uow.dialogues.get(jonas)
        uow.dialogues.save(jonas, {"step": "area"}, T0)
        uow.dialogues.save(jonas, {"step": "urgency", "area": "budget"}, T0)
        uow.dialogues.save(emma, {"step": "area"}, T0)
        uow.commit()
    with store.uow() as uow:
        replaced = uow.dialogues.get(jonas)
        assert replaced is not None
        replaced["step"] = "changed by the caller"  # a copy: the stored state stays
        still = uow.dialogues.get(jonas)
        uow.dialogues.clear(jonas)
        uow.dialogues.clear(jonas)  # clearing nothing is fine
        uow.commit()
    with store.uow() as uow:
        cleared = uow.dialogues.get(jonas)
        other = uow.dialogues.get(emma)

    assert never is None
    assert still == {"step": "urgency", "area": "budget"}
    assert cleared is None
    assert other == {"step": "area"}
