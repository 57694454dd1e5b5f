"""Start-up migrations: a database behind is brought to head, one at head costs a query, not Alembic."""

from __future__ import annotations

import subprocess
import sys

from bot.bootstrap import build_runtime
from storage.db import make_engine
from storage.migrate import HEAD, current_revision, head_revision, upgrade

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
