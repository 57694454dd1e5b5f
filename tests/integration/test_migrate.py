"""Start-up migrations: a database behind is brought to head, one at head costs a query, not Alembic."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import DatabaseSetupError, build_runtime
from bot.cli import SAMPLE_TENANT
from storage.db import make_engine
from storage.migrate import HEAD, alembic_config, current_revision, head_revision, upgrade

LOADS_ALEMBIC = """
import sys
from bot.bootstrap import build_runtime
build_runtime(sys.argv[1]).engine.dispose()
print("alembic" in sys.modules)
"""


def test_head_names_the_newest_migration_script(database_url: str) -> None:
    assert head_revision(make_engine(database_url)) == HEAD


def test_a_database_behind_is_brought_to_head_on_start(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0003")

    runtime = build_runtime(database_url)

    assert current_revision(runtime.engine) == HEAD
    engine.dispose()
    runtime.engine.dispose()


def test_a_start_on_an_up_to_date_database_does_not_load_alembic(database_url: str) -> None:
    upgrade(make_engine(database_url))

    loaded = subprocess.run(
        [sys.executable, "-c", LOADS_ALEMBIC, database_url], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == "False", loaded.stderr


def test_a_database_at_0007_gets_the_challenges_and_loses_the_reactions(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0007")
    before = set(inspect(engine).get_table_names())
    # Up to the revision before the ERFA tables, which come with 0011.
    upgrade(engine, "0010")
    after = set(inspect(engine).get_table_names())
    engine.dispose()

    assert "reaction" in before
    assert after - before == {"challenge", "challenge_vote"}
    assert before - after == {"reaction"}


def test_the_challenge_migrations_go_down_and_up_again_keeping_the_tenants(database_url: str) -> None:
    # With people and requests referring to the tenant (SQLite's foreign keys are on): a batch copy of
    # the tenant table could not replace it.
    runtime = build_runtime(database_url)
    apply_tenant(runtime.engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        assert uow.challenges.next_number(tenant.id) == 1
        assert uow.requests.next_number(tenant.id) == 1
        uow.commit()

    command.downgrade(alembic_config(runtime.engine), "0006")
    down = (current_revision(runtime.engine), set(inspect(runtime.engine).get_table_names()))
    upgrade(runtime.engine)
    runtime.engine.dispose()
    # A fresh runtime: nothing read from a cache of the schema before.
    again = build_runtime(database_url)
    with again.deps.uow() as uow:
        kept = uow.tenants.get_by_slug("nordlys")
        assert kept is not None
        person = uow.people.find(kept.id, email="jonas.friis@nordlys.dk")
        # The numbers start again at 1, as in any tenant stored before the revision (there are no challenges).
        number = uow.challenges.next_number(kept.id)
    again.engine.dispose()

    assert down[0] == "0006"
    assert {"reaction", "tenant"} <= down[1]
    assert not {"challenge", "challenge_vote"} & down[1]
    assert (kept.id, kept.name) == (tenant.id, tenant.name)
    assert person is not None
    assert number == 1


def test_the_erfa_migration_goes_down_and_up_again_in_place_keeping_the_tenant(database_url: str) -> None:
    runtime = build_runtime(database_url)
    config = load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8"))
    apply_tenant(runtime.engine, config)

    command.downgrade(alembic_config(runtime.engine), "0009")
    down = {column["name"] for column in inspect(runtime.engine).get_columns("tenant")}
    upgrade(runtime.engine)
    runtime.engine.dispose()
    again = build_runtime(database_url)
    with again.deps.uow() as uow:
        # As a tenant stored before the revision: no ERFA meetings, no settings.
        kept = uow.tenants.get_by_slug("nordlys")
    report = apply_tenant(again.engine, config)
    with again.deps.uow() as uow:
        applied = uow.tenants.get_by_slug("nordlys")
    again.engine.dispose()

    assert {"challenges", "quarterly_meetings"} <= down
    assert not {"erfa", "erfa_meetings"} & down
    assert kept is not None
    assert (kept.name, kept.erfa, kept.erfa_meetings) == ("Nordlys Energi A/S", None, ())
    assert report.tenant_changed
    assert applied is not None
    assert applied.erfa is not None
    assert [m.key for m in applied.erfa_meetings] == ["2027-spring", "2027-autumn"]


START = """
import sys
from bot.bootstrap import build_runtime
build_runtime(sys.argv[1]).engine.dispose()
"""


def test_replicas_started_at_once_on_a_fresh_postgresql_both_start_on_one_schema(postgres_url: str) -> None:
    starts = [
        subprocess.Popen([sys.executable, "-c", START, postgres_url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [start.communicate(timeout=120)[1] for start in starts]

    assert [start.returncode for start in starts] == [0, 0, 0], errors
    assert current_revision(make_engine(postgres_url)) == HEAD


def test_a_database_a_newer_vpmo_migrated_is_refused_with_a_sentence(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(DatabaseSetupError) as refused:
        build_runtime(database_url)

    assert str(refused.value) == (
        f"the database is at schema revision 9999, newer than this vpmo knows ({HEAD}); "
        "start the vpmo version that migrated it"
    )
