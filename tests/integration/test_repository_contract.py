"""One contract for the storage ports, held by the in-memory fake and by the SQL repositories alike.

The unit tests stand on ``tests.fakes.FakeDatabase``; these tests keep it honest. Every test runs on
the fake (ids ``[fake]``), on SQLite and on PostgreSQL, each holding the sample client (Nordlys) as
``vpmo tenant apply`` stores it; the fake is filled with what the SQL repositories return for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import build_runtime
from bot.cli import SAMPLE_TENANT
from handlers.challenges.tally import Mark
from handlers.erfa.network import Network
from handlers.erfa.rsvp import Answer, Rsvp
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.model import (
    ChallengeState,
    Decision,
    EarlierRound,
    ErfaFeedback,
    ErfaRecord,
    InviteHolder,
    Person,
    Role,
    SparringRequest,
    Status,
    SubmittedChallenge,
    Tenant,
    challenge_post_key,
)
from handlers.shared.ports import UnitOfWork
from handlers.shared.text import Message, Text
from handlers.sparring.routing import SeniorLoad
from storage.mapping import network_meeting_from_json
from storage.tables import OUTBOX, NetworkRow, OutboxRow
from tests.conftest import _fresh_postgres_database
from tests.fakes import FakeDatabase, FakeUnitOfWorkFactory
from tests.tenants import OTHER_SLUG, other_tenant_config

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Backend:
    """A store behind the ports, with what the ports cannot do or tell.

    ``queued`` is what the outbox holds; ``sent`` marks the queued message with a dedupe key as sent
    under a platform message id (as the dispatcher does); ``add_other_tenant`` stores Birk, the sample
    client's twin, and returns it; ``add_network`` stores a network (``vpmo network apply``) with its
    meetings as the network row holds them.
    """

    uow: Callable[[], UnitOfWork]
    queued: Callable[[], list[tuple[int, int | None, str | None, datetime]]]
    sent: Callable[[int, str, str], None]
    add_other_tenant: Callable[[], Tenant]
    add_network: Callable[[str, list[dict[str, Any]]], None]


def _other_tenant(uow: UnitOfWork) -> Tenant:
    tenant = uow.tenants.get_by_slug(OTHER_SLUG)
    assert tenant is not None
    return tenant


@contextmanager
def _sql(url: str) -> Iterator[Backend]:
    runtime = build_runtime(url)
    apply_tenant(runtime.engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))

    def queued() -> list[tuple[int, int | None, str | None, datetime]]:
        with Session(runtime.engine) as session:
            rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
            return [(r.tenant_id, r.recipient_id, r.ref, _utc(r.due_at)) for r in rows]

    def sent(tenant_id: int, dedupe_key: str, platform_message_id: str) -> None:
        with runtime.engine.begin() as connection:
            mine = (OUTBOX.c.tenant_id == tenant_id) & (OUTBOX.c.dedupe_key == dedupe_key)
            marked = update(OUTBOX).where(mine).values(state="sent", platform_message_id=platform_message_id)
            assert connection.execute(marked).rowcount == 1, dedupe_key

    def add_other_tenant() -> Tenant:
        apply_tenant(runtime.engine, other_tenant_config())
        with runtime.deps.uow() as uow:
            return _other_tenant(uow)

    def add_network(slug: str, meetings: list[dict[str, Any]]) -> None:
        tenants = sorted({tenant for meeting in meetings for tenant in meeting["tenants"]})
        row = NetworkRow(slug=slug, tenants=tenants, competitors=[], meetings=meetings, updated_at=T0)
        with Session(runtime.engine) as session:
            session.add(row)
            session.commit()

    try:
        yield Backend(runtime.deps.uow, queued, sent, add_other_tenant, add_network)
    finally:
        runtime.engine.dispose()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _people(uow: UnitOfWork, tenant: Tenant) -> set[Person]:
    return {person for role in Role for person in uow.people.with_role(tenant.id, role)}


@contextmanager
def _fake(tmp_path: Path) -> Iterator[Backend]:
    # The same tenants and people the SQL side holds, read back through the SQL repositories (Birk is
    # stored second there too, so the ids agree).
    db = FakeDatabase()
    with _sql(f"sqlite:///{tmp_path}/seed.db") as seed:
        seed.add_other_tenant()
        with seed.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
            db.add_tenant(tenant)
            for person in _people(uow, tenant):
                db.add_person(person)
            other = _other_tenant(uow)
            others = _people(uow, other)

    def sent(tenant_id: int, dedupe_key: str, platform_message_id: str) -> None:
        [message] = [
            q.message for q in db.outbox if q.tenant_id == tenant_id and q.message.dedupe_key == dedupe_key
        ]
        db.post(tenant_id, platform_message_id, message)

    def add_other_tenant() -> Tenant:
        db.add_tenant(other)
        for person in others:
            db.add_person(person)
        return other

    def add_network(slug: str, meetings: list[dict[str, Any]]) -> None:
        held = tuple(network_meeting_from_json(meeting) for meeting in meetings)
        tenants = tuple(sorted({tenant for meeting in held for tenant in meeting.tenants}))
        db.state.networks[slug] = Network(slug, tenants, (), held)

    yield Backend(
        FakeUnitOfWorkFactory(db),
        lambda: [(q.tenant_id, q.message.to_person, q.message.ref, q.due_at) for q in db.outbox],
        sent,
        add_other_tenant,
        add_network,
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
    uow.requests.save(request)
    return request


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
            uow.requests.save(duplicate)


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
        uow.requests.save(request)
        uow.commit()
    with store.uow() as uow:
        request = uow.requests.get(tenant, number)
        assert request is not None
        request.status = Status.CANCELLED
        uow.requests.save(request)  # not committed
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
        uow.requests.save(request)  # read in another unit of work: not locked in this one


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


def test_routing_loads_name_who_last_accepted_the_requesters_request_in_the_area(
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
        last = uow.requests.routing_loads(tenant, nordlys.jonas.id, "budget", [], T0)
        none = uow.requests.routing_loads(tenant, nordlys.jonas.id, "benefits", [], T0)

    assert last.previous_senior_id == nordlys.anna.id
    assert none.previous_senior_id is None


def test_routing_loads_count_the_named_seniors_and_the_previous_one_as_loads_do(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    anna, lars, sofie = nordlys.anna.id, nordlys.lars.id, nordlys.sofie.id
    month = datetime(2027, 3, 1, tzinfo=UTC)
    with store.uow() as uow:
        _request(uow, tenant, nordlys.jonas, status=Status.OFFERED, senior_id=anna)
        held = {"status": Status.CLOSED, "hours": 1.5, "held_at": month}
        _request(uow, tenant, nordlys.jonas, senior_id=lars, accepted_at=T0, **held)
        _request(uow, tenant, nordlys.emma, status=Status.ACCEPTED, senior_id=lars, accepted_at=T0)
        uow.commit()
    with store.uow() as uow:
        read = uow.requests.routing_loads(tenant, nordlys.jonas.id, "budget", [anna, sofie], month)
        elsewhere = uow.requests.routing_loads(tenant + 1000, nordlys.jonas.id, "budget", [anna], month)

    assert read.previous_senior_id == lars
    assert read.loads == {anna: SeniorLoad(1, 0.0), sofie: SeniorLoad(0, 0.0), lars: SeniorLoad(1, 1.5)}
    assert elsewhere.previous_senior_id is None
    assert elsewhere.loads == {anna: SeniorLoad(0, 0.0)}


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


# --- challenges and votes --------------------------------------------------------------------------

Q1, Q2 = "2027-Q1", "2027-Q2"
POST_ID = "C0CHALL:1700000000.000100"


def _challenge(uow: UnitOfWork, tenant_id: int, submitter: Person, **fields: Any) -> SubmittedChallenge:
    challenge = SubmittedChallenge(
        tenant_id=tenant_id,
        number=fields.pop("number", None) or uow.challenges.next_number(tenant_id),
        submitter_id=submitter.id,
        text=fields.pop("text", "Skabelonen til risikologgen mangler en ejer"),
        submitted_at=fields.pop("submitted_at", T0),
        meeting=fields.pop("meeting", Q1),
        **fields,
    )
    return uow.challenges.add(challenge)


def _queue_post(uow: UnitOfWork, challenge: SubmittedChallenge) -> None:
    """Queue the challenge's own message in its channel, as the submission does."""
    post = Message(
        (Text.of("status.none"),),
        to_channel="C0CHALL",
        ref=challenge.ref("da"),
        dedupe_key=challenge_post_key(challenge.tenant_id, challenge.number),
    )
    assert uow.outbox.add(challenge.tenant_id, post, T0)


def _mark(
    voter: str, at: datetime, *, present: bool = True, person: Person | None = None, **fields: Any
) -> Mark:
    return Mark(
        challenge=fields.pop("challenge", "1"),
        voter=voter,
        ballot=fields.pop("ballot", "+1"),
        at=at,
        present=present,
        person=str(person.id) if person is not None else None,
        **fields,
    )


def _challenge_numbers(challenges: list[SubmittedChallenge]) -> list[int]:
    return [c.number for c in challenges]


def test_challenge_numbers_count_up_per_tenant_apart_from_request_numbers(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    birk = store.add_other_tenant().id
    with store.uow() as uow:
        uow.challenges.next_number(tenant)  # rolled back: handed out again
    with store.uow() as uow:
        first, second = uow.challenges.next_number(tenant), uow.challenges.next_number(tenant)
        uow.commit()
    with store.uow() as uow:
        third = uow.challenges.next_number(tenant)
        elsewhere = uow.challenges.next_number(birk)
        request = uow.requests.next_number(tenant)

    assert (first, second, third) == (1, 2, 3)
    assert elsewhere == 1
    assert request == 1


def test_a_challenge_reads_back_with_every_field_and_only_committed(store: Backend, nordlys: Nordlys) -> None:
    tenant = nordlys.tenant.id
    copenhagen = timezone(timedelta(hours=1))
    with store.uow() as uow:
        _challenge(uow, tenant, nordlys.jonas, text="forgotten")  # rolled back at the end of the block
    with store.uow() as uow:
        added = _challenge(uow, tenant, nordlys.jonas, submitted_at=T0.astimezone(copenhagen))
        uow.commit()
    with store.uow() as uow:
        stored = uow.challenges.get(tenant, added.number)
        assert stored is not None
        stored.meeting = Q2
        stored.state = ChallengeState.DECIDED
        stored.merged_into = 7
        stored.counted_from = T0 + timedelta(days=1)
        stored.decision = Decision.ADOPTED
        stored.reason = "Risikologgen får en ejer i skabelonen"
        stored.decided_at = T0 + timedelta(days=90)
        stored.decided_by_id = nordlys.emma.id
        stored.sparring_number = 12
        stored.method_version = "Metode 2027.2 / risikolog v4"
        stored.method_done_at = T0 + timedelta(days=120)
        stored.earlier = [
            EarlierRound(Q1, 3, "Udskudt: mangler data", T0.astimezone(copenhagen)),
            EarlierRound("2026-Q4", 0, "", T0 - timedelta(days=90)),
        ]
        uow.challenges.update(stored)
        uow.commit()
    with store.uow() as uow:
        changed = uow.challenges.get(tenant, added.number)
        assert changed is not None
        changed.state = ChallengeState.WITHDRAWN
        changed.earlier.append(EarlierRound(Q2, 1, "not committed", T0))
        uow.challenges.update(changed)  # not committed
    with store.uow() as uow:
        final = uow.challenges.get(tenant, added.number)
        missing = uow.challenges.get(tenant, added.number + 1)
        elsewhere = uow.challenges.get(tenant + 1000, added.number)

    assert added.id is not None
    assert final == stored
    assert final.submitted_at == T0
    assert [r.at.utcoffset() for r in final.earlier] == [timedelta(0), timedelta(0)]  # aware UTC
    assert final.state is ChallengeState.DECIDED
    assert missing is None
    assert elsewhere is None


def test_a_challenge_number_is_stored_once_and_an_unread_challenge_is_not_written_back(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    with store.uow() as uow:
        first = _challenge(uow, tenant, nordlys.jonas)
        uow.commit()
    first.state = ChallengeState.WITHDRAWN

    with store.uow() as uow, pytest.raises(LookupError):
        uow.challenges.update(first)  # read in another unit of work: not locked in this one
    with store.uow() as uow:
        duplicate = replace(first, id=None, submitter_id=nordlys.emma.id)
        with pytest.raises(Exception):  # noqa: B017 - the fake's ValueError, the database's IntegrityError
            uow.challenges.add(duplicate)


def test_challenges_of_a_meeting_in_states_and_adopted_without_version_come_by_number(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas = nordlys.tenant.id, nordlys.jonas
    birk = store.add_other_tenant()
    with store.uow() as uow:
        numbers = [uow.challenges.next_number(tenant) for _ in range(6)]
        adopted = {"state": ChallengeState.DECIDED, "decision": Decision.ADOPTED}
        # Stored out of order: every list comes by number all the same.
        _challenge(uow, tenant, jonas, number=numbers[4], meeting=Q2, **adopted)  # 5
        _challenge(uow, tenant, jonas, number=numbers[0])  # 1
        _challenge(uow, tenant, jonas, number=numbers[2], state=ChallengeState.MERGED, merged_into=1)  # 3
        _challenge(uow, tenant, jonas, number=numbers[1], **adopted)  # 2
        _challenge(uow, tenant, jonas, number=numbers[3], method_version="v2", **adopted)  # 4
        rejected = {"state": ChallengeState.DECIDED, "decision": Decision.REJECTED}
        _challenge(uow, tenant, jonas, number=numbers[5], **rejected)  # 6
        birk_jonas = uow.people.find(birk.id, email=jonas.email)
        assert birk_jonas is not None
        _challenge(uow, birk.id, birk_jonas, **adopted)  # Birk's 1
        uow.commit()
    with store.uow() as uow:
        q1 = uow.challenges.of_meeting(tenant, Q1)
        q2 = uow.challenges.of_meeting(tenant, Q2)
        nowhere = uow.challenges.of_meeting(tenant, "2099-Q1")
        decided = uow.challenges.in_state(tenant, [ChallengeState.DECIDED])
        open_or_merged = uow.challenges.in_state(tenant, [ChallengeState.MERGED, ChallengeState.OPEN])
        no_states = uow.challenges.in_state(tenant, [])
        unversioned = uow.challenges.adopted_without_version(tenant)
        birks = uow.challenges.adopted_without_version(birk.id)

    assert _challenge_numbers(q1) == [1, 2, 3, 4, 6]
    assert _challenge_numbers(q2) == [5]
    assert nowhere == []
    assert _challenge_numbers(decided) == [2, 4, 5, 6]
    assert _challenge_numbers(open_or_merged) == [1, 3]
    assert no_states == []
    assert _challenge_numbers(unversioned) == [2, 5]
    assert [(c.tenant_id, c.number) for c in birks] == [(birk.id, 1)]


def test_a_challenge_is_found_by_its_own_sent_post_in_its_own_tenant_only(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    birk = store.add_other_tenant()
    with store.uow() as uow:
        first = _challenge(uow, tenant, nordlys.jonas)
        second = _challenge(uow, tenant, nordlys.jonas)
        unsent = _challenge(uow, tenant, nordlys.jonas, meeting=Q2)
        for challenge in (first, second, unsent):
            _queue_post(uow, challenge)
        # Another message about U-1 (a note to a voter), sent too: it is no post of the challenge.
        note = Message(
            (Text.of("status.none"),), to_person=nordlys.jonas.id, ref="U-1", dedupe_key="note:U-1"
        )
        assert uow.outbox.add(tenant, note, T0)
        birk_jonas = uow.people.find(birk.id, email=nordlys.jonas.email)
        assert birk_jonas is not None
        birks = _challenge(uow, birk.id, birk_jonas)
        _queue_post(uow, birks)
        uow.commit()
    store.sent(tenant, challenge_post_key(tenant, 1), POST_ID)
    store.sent(tenant, challenge_post_key(tenant, 2), "C0CHALL:1700000000.000200")
    store.sent(tenant, "note:U-1", "D01JOF:1700000000.000300")
    store.sent(birk.id, challenge_post_key(birk.id, 1), "C0BIRK:1700000000.000100")
    with store.uow() as uow:
        found = uow.challenges.posted_as(tenant, POST_ID)
        found_second = uow.challenges.posted_as(tenant, "C0CHALL:1700000000.000200")
        the_note = uow.challenges.posted_as(tenant, "D01JOF:1700000000.000300")
        unknown = uow.challenges.posted_as(tenant, "C0CHALL:1700000000.999900")
        from_birk = uow.challenges.posted_as(birk.id, POST_ID)
        birks_id_here = uow.challenges.posted_as(tenant, "C0BIRK:1700000000.000100")
        birks_own = uow.challenges.posted_as(birk.id, "C0BIRK:1700000000.000100")
        posts = uow.challenges.posts(tenant, Q1)
        unsent_posts = uow.challenges.posts(tenant, Q2)
        birks_posts = uow.challenges.posts(birk.id, Q1)

    assert found == first
    assert found_second == second
    assert the_note is None
    assert unknown is None
    assert from_birk is None
    assert birks_id_here is None
    assert birks_own == birks
    assert posts == [(1, POST_ID), (2, "C0CHALL:1700000000.000200")]
    assert unsent_posts == []
    assert birks_posts == [(1, "C0BIRK:1700000000.000100")]


def test_a_vote_is_kept_only_when_it_is_the_later_event_of_its_key(store: Backend, nordlys: Nordlys) -> None:
    tenant, jonas = nordlys.tenant.id, nordlys.jonas
    voter = "slack:U01JOF"
    with store.uow() as uow:
        challenge = _challenge(uow, tenant, jonas)
        uow.commit()
    assert challenge.id is not None
    cid = challenge.id
    later = T0 + timedelta(seconds=5)

    def record(mark: Mark) -> tuple[bool, list[Mark]]:
        with store.uow() as uow:
            changed = uow.votes.record(tenant, cid, mark)
            uow.commit()
        with store.uow() as uow:
            return changed, uow.votes.of_meeting(tenant, Q1)

    added = _mark(voter, T0, person=jonas)
    withdrawn = _mark(voter, later, present=False, person=jonas)
    assert record(added) == (True, [added])  # first
    assert record(added) == (False, [added])  # an exact replay
    assert record(_mark(voter, T0 - timedelta(seconds=1), present=False, person=jonas)) == (False, [added])
    assert record(withdrawn) == (True, [withdrawn])  # a newer removal
    assert record(_mark(voter, T0, person=jonas)) == (False, [withdrawn])  # an add older than the removal
    # A tie: an add and a removal at the same event time keep the vote, whichever came first.
    readded = _mark(voter, later, person=jonas)
    assert record(readded) == (True, [readded])
    assert record(_mark(voter, later, present=False, person=jonas)) == (False, [readded])


def test_the_same_event_recorded_again_with_its_person_names_the_voter_and_changes_nothing_else(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas = nordlys.tenant.id, nordlys.jonas
    with store.uow() as uow:
        challenge = _challenge(uow, tenant, jonas)
        uow.commit()
    assert challenge.id is not None
    cid = challenge.id

    def record(mark: Mark) -> tuple[bool, list[Mark]]:
        with store.uow() as uow:
            changed = uow.votes.record(tenant, cid, mark)
            uow.commit()
        with store.uow() as uow:
            return changed, uow.votes.of_meeting(tenant, Q1)

    stranger = _mark("slack:U9IDA", T0)
    theirs = _mark("slack:U9IDA", T0, person=jonas)
    assert record(stranger) == (True, [stranger])
    assert record(theirs) == (True, [theirs])  # found by the e-mail looked up afterwards
    assert record(stranger) == (False, [theirs])  # never made unknown again
    assert record(_mark("slack:U9IDA", T0, present=False, person=jonas)) == (False, [theirs])


def test_votes_are_a_set_per_challenge_voter_and_ballot_and_only_committed(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas, emma = nordlys.tenant.id, nordlys.jonas, nordlys.emma
    copenhagen = timezone(timedelta(hours=1))
    with store.uow() as uow:
        first = _challenge(uow, tenant, jonas)
        second = _challenge(uow, tenant, jonas)
        later = _challenge(uow, tenant, jonas, meeting=Q2)
        uow.commit()
    assert first.id is not None
    assert second.id is not None
    assert later.id is not None
    with store.uow() as uow:
        assert uow.votes.record(tenant, first.id, _mark("slack:U01JOF", T0, person=jonas))  # not committed
    with store.uow() as uow:
        never = uow.votes.of_meeting(tenant, Q1)
        recorded = [
            uow.votes.record(
                tenant, second.id, _mark("slack:U01JOF", T0.astimezone(copenhagen), person=jonas)
            ),
            uow.votes.record(tenant, second.id, _mark("slack:U01JOF", T0, ballot="thumbsup", person=jonas)),
            uow.votes.record(tenant, second.id, _mark("person:9", T0, ballot="button", person=jonas)),
            uow.votes.record(tenant, first.id, _mark("slack:U01EML", T0, present=False, person=emma)),
            uow.votes.record(
                tenant, first.id, _mark("slack:U0STRANGER", T0)
            ),  # the tenant does not know them
            uow.votes.record(tenant, first.id, _mark("slack:UBOT", T0, is_bot=True)),
            uow.votes.record(tenant, later.id, _mark("slack:U01JOF", T0, person=jonas)),
        ]
        uow.commit()
    with store.uow() as uow:
        q1 = uow.votes.of_meeting(tenant, Q1)
        q2 = uow.votes.of_meeting(tenant, Q2)

    assert never == []
    assert recorded == [True] * 7
    assert q1 == [
        _mark("slack:U01EML", T0, present=False, person=emma),
        _mark("slack:U0STRANGER", T0),
        _mark("slack:UBOT", T0, is_bot=True),
        _mark("person:9", T0, challenge="2", ballot="button", person=jonas),
        _mark("slack:U01JOF", T0, challenge="2", person=jonas),
        _mark("slack:U01JOF", T0, challenge="2", ballot="thumbsup", person=jonas),
    ]
    assert all(m.at.utcoffset() == timedelta(0) for m in q1)
    assert q2 == [_mark("slack:U01JOF", T0, challenge="3", person=jonas)]


def test_votes_stay_in_their_tenant(store: Backend, nordlys: Nordlys) -> None:
    tenant, jonas = nordlys.tenant.id, nordlys.jonas
    birk = store.add_other_tenant()
    with store.uow() as uow:
        ours = _challenge(uow, tenant, jonas)
        birk_jonas = uow.people.find(birk.id, email=jonas.email)
        assert birk_jonas is not None
        theirs = _challenge(uow, birk.id, birk_jonas)
        uow.commit()
    assert ours.id is not None
    assert theirs.id is not None
    with store.uow() as uow:
        recorded = [
            uow.votes.record(tenant, ours.id, _mark("slack:U01JOF", T0, person=jonas)),
            uow.votes.record(birk.id, theirs.id, _mark("slack:U01JOF", T0, person=birk_jonas)),
            # Birk's challenge named from Nordlys (and the other way round) records nothing.
            uow.votes.record(tenant, theirs.id, _mark("slack:U01EML", T0)),
            uow.votes.record(birk.id, ours.id, _mark("slack:U01EML", T0)),
        ]
        uow.commit()
    with store.uow() as uow:
        nordlys_votes = uow.votes.of_meeting(tenant, Q1)
        birk_votes = uow.votes.of_meeting(birk.id, Q1)

    assert recorded == [True, True, False, False]
    assert nordlys_votes == [_mark("slack:U01JOF", T0, person=jonas)]
    assert birk_votes == [_mark("slack:U01JOF", T0, person=birk_jonas)]


# --- ERFA meetings -----------------------------------------------------------------------------------

SPRING = "2027-spring"
SPRING_START = datetime(2027, 4, 15, 7, tzinfo=UTC)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _rsvp(person: Person, answer: Answer, at: datetime, start: datetime = SPRING_START) -> Rsvp:
    return Rsvp(str(person.id), answer, at, start)


def test_an_erfa_record_is_stored_replaced_and_read_back_in_utc_only_committed(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    told = ErfaRecord(tenant, SPRING, datetime(2027, 4, 15, 9, tzinfo=COPENHAGEN), "Kolding", "ERFA")
    with store.uow() as uow:
        uow.erfa.save(told)  # never committed
    with store.uow() as uow:
        assert uow.erfa.get(tenant, SPRING) is None
        uow.erfa.save(told)
        uow.commit()
    with store.uow() as uow:
        first = uow.erfa.get(tenant, SPRING)
        moved = replace(told, start=SPRING_START + timedelta(days=7), sequence=1, announced="erfa:post")
        uow.erfa.save(moved)
        uow.erfa.save(replace(told, key="2027-autumn", cancelled=True))
        uow.commit()
    with store.uow() as uow:
        second = uow.erfa.get(tenant, SPRING)
        autumn = uow.erfa.get(tenant, "2027-autumn")

    assert first == told
    assert first is not None
    assert first.start.utcoffset() == timedelta(0)
    assert second == moved
    assert autumn == replace(told, key="2027-autumn", cancelled=True)


def test_a_tenants_erfa_records_locked_at_once_read_as_saved_and_afresh_after_the_transaction(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant = nordlys.tenant.id
    spring = ErfaRecord(tenant, SPRING, SPRING_START, "Kolding", "ERFA", announced="erfa:post")
    with store.uow() as uow:
        uow.erfa.save(spring)
        uow.commit()
    with store.uow() as uow:
        uow.erfa.lock_tenant(tenant)
        locked = uow.erfa.get(tenant, SPRING), uow.erfa.get(tenant, "2027-autumn")
        reminded = replace(spring, reminded_until=datetime(2027, 4, 8, 9, tzinfo=COPENHAGEN))
        uow.erfa.save(reminded)
        saved = uow.erfa.get(tenant, SPRING)
        uow.commit()
        uow.erfa.save(replace(reminded, key="2027-autumn"))
        uow.commit()
        autumn_afterwards = uow.erfa.get(tenant, "2027-autumn")
    with store.uow() as uow:
        again = uow.erfa.get(tenant, SPRING)

    assert locked == (spring, None)
    assert saved == again == reminded
    assert again is not None
    assert again.reminded_until == datetime(2027, 4, 8, 7, tzinfo=UTC)
    assert again.reminded_until.utcoffset() == timedelta(0)
    assert autumn_afterwards == replace(reminded, key="2027-autumn")


def test_an_answer_is_kept_as_merge_decides_and_repeated_or_older_clicks_change_nothing(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas, emma = nordlys.tenant.id, nordlys.jonas, nordlys.emma
    minute = timedelta(minutes=1)
    with store.uow() as uow:
        assert uow.erfa.answer(tenant, SPRING, _rsvp(jonas, Answer.MAYBE, T0))  # never committed
    clicks = [
        _rsvp(jonas, Answer.ATTENDING, T0),
        _rsvp(jonas, Answer.ATTENDING, T0),  # replayed
        _rsvp(jonas, Answer.ATTENDING, T0 + minute),  # the same answer again keeps its place
        _rsvp(jonas, Answer.MAYBE, T0 - minute),  # older than the held answer
        _rsvp(jonas, Answer.MAYBE, T0 + 2 * minute),
        _rsvp(jonas, Answer.NOT_ATTENDING, T0 + 2 * minute),  # a tie: the more cautious answer stands
        _rsvp(jonas, Answer.ATTENDING, T0 + 2 * minute),
        _rsvp(emma, Answer.ATTENDING, T0 + minute),
        _rsvp(emma, Answer.MAYBE, T0, start=SPRING_START + timedelta(days=7)),  # for another start
    ]
    changed = []
    for click in clicks:
        with store.uow() as uow:
            changed.append(uow.erfa.answer(tenant, SPRING, click))
            uow.commit()
    with store.uow() as uow:
        held = uow.erfa.answers(tenant, SPRING)
        other_meeting = uow.erfa.answers(tenant, "2027-autumn")

    assert changed == [True, False, False, False, True, True, False, True, True]
    assert held == [
        _rsvp(emma, Answer.MAYBE, T0, start=SPRING_START + timedelta(days=7)),
        _rsvp(emma, Answer.ATTENDING, T0 + minute),
        _rsvp(jonas, Answer.NOT_ATTENDING, T0 + 2 * minute),
    ]
    assert all(r.at.utcoffset() == r.start.utcoffset() == timedelta(0) for r in held)
    assert other_meeting == []


def test_the_last_press_in_time_stands_whatever_order_the_presses_arrive_in(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas = nordlys.tenant.id, nordlys.jonas
    minute = timedelta(minutes=1)
    first, again, between = (
        _rsvp(jonas, Answer.ATTENDING, T0),
        _rsvp(jonas, Answer.ATTENDING, T0 + 2 * minute),
        _rsvp(jonas, Answer.MAYBE, T0 + minute),  # arrives last, older than the repeat
    )
    changed = []
    for press in (first, again, between):
        with store.uow() as uow:
            changed.append(uow.erfa.answer(tenant, SPRING, press))
            uow.commit()
    with store.uow() as uow:
        held = uow.erfa.answers(tenant, SPRING)

    assert changed == [True, False, False]
    assert [(r.answer, r.at, r.last_press) for r in held] == [(Answer.ATTENDING, T0, T0 + 2 * minute)]


def test_forgetting_the_answers_for_one_start_keeps_those_for_another_and_other_meetings(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas, emma = nordlys.tenant.id, nordlys.jonas, nordlys.emma
    later = SPRING_START + timedelta(days=7)
    with store.uow() as uow:
        uow.erfa.answer(tenant, SPRING, _rsvp(jonas, Answer.ATTENDING, T0))
        uow.erfa.answer(tenant, SPRING, _rsvp(emma, Answer.MAYBE, T0))
        uow.erfa.answer(tenant, SPRING, _rsvp(jonas, Answer.NOT_ATTENDING, T0, start=later))
        uow.erfa.answer(tenant, "2027-autumn", _rsvp(jonas, Answer.ATTENDING, T0))
        uow.commit()
    with store.uow() as uow:
        uow.erfa.forget_answers(tenant, SPRING, SPRING_START.astimezone(COPENHAGEN))
        uow.commit()
    with store.uow() as uow:
        spring, autumn = uow.erfa.answers(tenant, SPRING), uow.erfa.answers(tenant, "2027-autumn")

    assert spring == [_rsvp(jonas, Answer.NOT_ATTENDING, T0, start=later)]
    assert autumn == [_rsvp(jonas, Answer.ATTENDING, T0)]


def test_answers_stay_in_their_tenant(store: Backend, nordlys: Nordlys) -> None:
    tenant, jonas = nordlys.tenant.id, nordlys.jonas
    birk = store.add_other_tenant()
    with store.uow() as uow:
        birk_jonas = uow.people.find(birk.id, email=jonas.email)
        assert birk_jonas is not None
        uow.erfa.answer(tenant, SPRING, _rsvp(jonas, Answer.ATTENDING, T0))
        uow.erfa.answer(birk.id, SPRING, _rsvp(birk_jonas, Answer.NOT_ATTENDING, T0))
        uow.commit()
    with store.uow() as uow:
        ours, theirs = uow.erfa.answers(tenant, SPRING), uow.erfa.answers(birk.id, SPRING)

    assert ours == [_rsvp(jonas, Answer.ATTENDING, T0)]
    assert theirs == [_rsvp(birk_jonas, Answer.NOT_ATTENDING, T0)]


def test_an_invite_token_is_made_once_per_holder_and_leads_back_to_it_across_tenants(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, jonas, emma = nordlys.tenant.id, nordlys.jonas, nordlys.emma
    birk = store.add_other_tenant()
    with store.uow() as uow:
        channel = uow.erfa.invite_token(tenant, SPRING, None)
        mine = uow.erfa.invite_token(tenant, SPRING, jonas.id)
        uow.commit()
    with store.uow() as uow:
        again = [uow.erfa.invite_token(tenant, SPRING, None), uow.erfa.invite_token(tenant, SPRING, jonas.id)]
        others = [
            uow.erfa.invite_token(tenant, SPRING, emma.id),
            uow.erfa.invite_token(tenant, "2027-autumn", None),
            uow.erfa.invite_token(birk.id, SPRING, None),
        ]
        uow.commit()
    with store.uow() as uow:
        holders = [uow.erfa.invite_holder(token) for token in (channel, mine, others[2], "not-a-token")]

    assert again == [channel, mine]
    assert len({channel, mine, *others}) == 5
    assert holders == [
        InviteHolder(tenant, SPRING, None),
        InviteHolder(tenant, SPRING, jonas.id),
        InviteHolder(birk.id, SPRING, None),
        None,
    ]


def test_feedback_keeps_what_was_given_before_and_comes_by_time(store: Backend, nordlys: Nordlys) -> None:
    tenant, jonas, emma = nordlys.tenant.id, nordlys.jonas, nordlys.emma
    later = T0 + timedelta(hours=1)
    with store.uow() as uow:
        uow.erfa.give_feedback(tenant, SPRING, ErfaFeedback(jonas.id, 4, None, T0))
        uow.erfa.give_feedback(
            tenant, SPRING, ErfaFeedback(emma.id, None, "Gevinstkort", T0 + timedelta(minutes=5))
        )
        uow.commit()
    with store.uow() as uow:
        uow.erfa.give_feedback(tenant, SPRING, ErfaFeedback(jonas.id, None, "Færre møder", later))
        uow.erfa.give_feedback(tenant, SPRING, ErfaFeedback(emma.id, 5, None, later + timedelta(minutes=1)))
        uow.commit()
    with store.uow() as uow:
        given = uow.erfa.feedback(tenant, SPRING)
        elsewhere = uow.erfa.feedback(tenant, "2027-autumn")

    assert given == [
        ErfaFeedback(jonas.id, 4, "Færre møder", later),
        ErfaFeedback(emma.id, 5, "Gevinstkort", later + timedelta(minutes=1)),
    ]
    assert all(f.at.utcoffset() == timedelta(0) for f in given)
    assert elsewhere == []


def _edit(ref: str, key: str = "erfa:post:current") -> Message:
    return Message(
        (Text.of("status.none"),), to_channel="C0ERFA", ref=ref, dedupe_key=key, updates="erfa:post"
    )


def test_an_edit_in_place_is_one_queued_message_per_key_replaced_where_it_stands_even_once_sent(
    store: Backend, nordlys: Nordlys
) -> None:
    tenant, anna = nordlys.tenant.id, nordlys.anna
    hour = timedelta(hours=1)
    birk = store.add_other_tenant()
    with store.uow() as uow:
        uow.outbox.keep_current(tenant, _edit("v1"), T0)
        uow.outbox.add(tenant, _message(anna, "S-1", "offer:S-1"), T0)
        uow.outbox.keep_current(tenant, _edit("v2"), T0 + hour)
        uow.commit()
    pending = store.queued()
    store.sent(tenant, "erfa:post:current", "C0ERFA:1700000000.000100")
    with store.uow() as uow:
        uow.outbox.keep_current(tenant, _edit("v3"), T0 + 2 * hour)
        # Another tenant's edit never takes over this tenant's message under the same key.
        uow.outbox.keep_current(birk.id, _edit("birk"), T0)
        uow.commit()
    with store.uow() as uow, pytest.raises(ValueError, match="edit in place"):
        uow.outbox.keep_current(tenant, replace(_edit("v4"), updates=None), T0)

    assert pending == [(tenant, None, "v2", T0 + hour), (tenant, anna.id, "S-1", T0)]
    assert store.queued() == [(tenant, None, "v3", T0 + 2 * hour), (tenant, anna.id, "S-1", T0)]


NETWORK_MEETING: dict[str, Any] = {
    "key": "2027-network-1",
    "title": "ERFA på tværs: Styregrupper der virker",
    "at": "2027-05-20T13:00",
    "duration_minutes": 240,
    "place": "København",
    "tenants": ["nordlys", "sundhedsdata"],
    "seats_per_tenant": 8,
    "cancelled": False,
}


def test_a_tenant_holds_its_own_erfa_meetings_and_the_network_meetings_it_is_invited_to(
    store: Backend, nordlys: Nordlys
) -> None:
    birk = store.add_other_tenant()
    with store.uow() as uow:
        before = uow.tenants.get(nordlys.tenant.id)  # read once, so a cached copy must notice the network
    store.add_network(
        "maximize-network",
        [
            NETWORK_MEETING,
            {
                **NETWORK_MEETING,
                "key": "2027-network-2",
                "at": "2027-03-02T10:00",
                "tenants": ["birk"],
                "cancelled": True,
            },
        ],
    )
    with store.uow() as uow:
        after = uow.tenants.get(nordlys.tenant.id)
        by_slug = uow.tenants.get_by_slug("nordlys")
        listed = uow.tenants.with_erfa()

    assert before is not None
    assert after is not None
    network = ErfaMeeting(
        key="2027-network-1",
        title="ERFA på tværs: Styregrupper der virker",
        at=datetime(2027, 5, 20, 13, tzinfo=COPENHAGEN),
        duration=timedelta(hours=4),
        place="København",
        audience=("pm", "tester", "steering", "participant"),
        seats=8,
        network="maximize-network",
    )
    # By time: between the sample's spring and autumn meetings.
    assert after.erfa_meetings == (before.erfa_meetings[0], network, before.erfa_meetings[1])
    assert by_slug == after
    assert [t.slug for t in listed] == ["nordlys", "birk"]
    [birk_listed] = [t for t in listed if t.id == birk.id]
    assert birk_listed.erfa_meetings[0] == replace(
        network, key="2027-network-2", at=datetime(2027, 3, 2, 10, tzinfo=COPENHAGEN), cancelled=True
    )
