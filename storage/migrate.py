"""Schema migrations (Alembic), applied by ``vpmo db upgrade`` and, when the schema is behind, on start.

Alembic is imported only when there is something to migrate: a start on an up-to-date database reads
the stored revision with one query and compares it with :data:`HEAD`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration's revision; a test checks it against the scripts in migrations/versions.
HEAD = "0013"
VERSION_TABLE = "alembic_version"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration that works on the given engine (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to the revision."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


class SchemaNewerError(Exception):
    """The database was migrated by a newer vpmo than this one; the message is one sentence."""


def ensure_current(engine: Engine) -> None:
    """Bring the schema up to date; when it already is, without loading Alembic.

    A database a newer vpmo migrated is refused rather than touched: during a rolling upgrade an old
    replica that starts again would otherwise fail inside Alembic on a revision it does not know.
    """
    current = current_revision(engine)
    # Revisions are zero-padded numbers, so their order is their strings' order.
    if current is not None and current > HEAD:
        raise SchemaNewerError(
            f"the database is at schema revision {current}, newer than this vpmo knows ({HEAD}); "
            "start the vpmo version that migrated it"
        )
    if current != HEAD:
        upgrade(engine)


def head_revision(engine: Engine) -> str | None:
    """Return the newest revision the migration scripts know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()  # noqa: S608
