"""On SQLite and PostgreSQL: corrections of hours are kept, and ``tenant apply`` moves on the requests
of seniors who leave."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import TenantConfig, load_tenant_config
from bot.bootstrap import Runtime
from bot.cli import SAMPLE_TENANT
from handlers.service import Identity, handle
from handlers.shared.model import HoursCorrection, Role, Status
from handlers.sparring import commands
from handlers.sparring.offering import Rerouted
from storage.tables import OutboxRow

JONAS = "jonas.friis@nordlys.dk"
IDA = "ida.holm@nordlys.dk"
ANNA = "anna.berg@maximize.dk"
SOFIE = "sofie.dahl@nordlys.dk"
METTE = "mette.holm@nordlys.dk"


def say(runtime: Runtime, email: str, text: str) -> list[str]:
    outcome = handle(runtime.deps, "nordlys", Identity(email=email), commands.parse_text(text))
    return [line.key for message in outcome.replies for line in message.lines]


def sample() -> TenantConfig:
    return load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8"))


def without(config: TenantConfig, *emails: str) -> TenantConfig:
    return config.model_copy(update={"people": tuple(p for p in config.people if p.email not in emails)})


def request(runtime: Runtime, number: int) -> tuple[Status, str | None, list[HoursCorrection], float | None]:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        found = uow.requests.get(tenant.id, number)
        assert found is not None
        senior = uow.people.get(found.senior_id) if found.senior_id is not None else None
        return found.status, senior.email if senior else None, found.hours_corrections, found.hours


def outbox_to(runtime: Runtime, email: str) -> list[str | None]:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        person = uow.people.find(tenant.id, email=email)
        assert person is not None
    with Session(runtime.engine) as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.recipient_id == person.id)).all()
        return [row.dedupe_key for row in rows]


def test_a_correction_of_the_hours_is_stored_with_who_when_and_what(runtime: Runtime) -> None:
    say(runtime, JONAS, "sparring Hjælp til budgettet for fase 2")
    say(runtime, ANNA, "acceptér S-1")
    say(runtime, ANNA, "færdig S-1 12 bekræft")

    replies = say(runtime, ANNA, "ret S-1 1,5")

    assert replies == ["senior.hours_corrected", "quota.status"]
    status, _, corrections, hours = request(runtime, 1)
    assert (status, hours) == (Status.HELD, 1.5)
    [correction] = corrections
    assert (correction.old, correction.new) == (12.0, 1.5)
    assert correction.at.tzinfo is not None
    assert correction.at <= datetime.now(UTC)


def test_removing_a_senior_moves_their_open_requests_on_and_the_report_says_so(runtime: Runtime) -> None:
    say(runtime, JONAS, "sparring Hjælp til budgettet for fase 2")
    say(runtime, IDA, "sparring Hjælp til budgettet for næste år")
    assert say(runtime, ANNA, "acceptér S-2") == ["senior.accepted", "senior.done_hint"]
    assert request(runtime, 1)[:2] == (Status.OFFERED, ANNA)

    report = apply_tenant(runtime.engine, without(sample(), ANNA))

    assert report.deactivated == [ANNA]
    assert report.rerouted == [Rerouted("S-1", "Sofie Dahl"), Rerouted("S-2", "Sofie Dahl")]
    assert "passed on 2: S-1 to Sofie Dahl, S-2 to Sofie Dahl" in report.summary()
    assert request(runtime, 1)[:2] == (Status.OFFERED, SOFIE)
    assert request(runtime, 2)[:2] == (Status.OFFERED, SOFIE)
    assert sum(1 for key in outbox_to(runtime, SOFIE) if key and key.startswith("offer:")) == 2


def test_when_nobody_else_fits_the_request_goes_to_the_coordinator_and_applying_again_changes_nothing(
    runtime: Runtime,
) -> None:
    say(runtime, JONAS, "sparring Hjælp til budgettet for fase 2")
    config = without(sample(), ANNA, SOFIE)

    report = apply_tenant(runtime.engine, config)
    again = apply_tenant(runtime.engine, config)

    assert report.rerouted == [Rerouted("S-1", None)]
    assert "S-1 to the coordinator (nobody else fits)" in report.summary()
    assert request(runtime, 1)[:2] == (Status.REQUESTED, None)
    assert say(runtime, METTE, "venter") == ["waiting.head", "waiting.stranded"]
    assert (again.rerouted, again.summary()) == ([], "nordlys: no changes.")


def test_a_senior_who_loses_the_role_hands_on_their_requests(runtime: Runtime) -> None:
    say(runtime, JONAS, "sparring Hjælp til budgettet for fase 2")
    people = tuple(
        p.model_copy(update={"roles": (Role.PM.value,), "expertise": (), "capacity_hours_per_month": None})
        if p.email == ANNA
        else p
        for p in sample().people
    )

    report = apply_tenant(runtime.engine, sample().model_copy(update={"people": people}))

    assert report.updated == [ANNA]
    assert report.rerouted == [Rerouted("S-1", "Sofie Dahl")]
