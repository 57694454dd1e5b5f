"""Alembic environment: runs migrations on the engine handed over in the configuration."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from storage import tables  # noqa: F401 - registers the tables on SQLModel.metadata


def _render_item(kind: str, obj: Any, _context: Any) -> str | Literal[False]:
    # Autogenerate would write sqlmodel.sql.sqltypes.AutoString(...); the template imports the names.
    if kind == "type" and type(obj).__module__ == "sqlmodel.sql.sqltypes":
        return repr(obj)
    return False


engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through storage.migrate, which passes the engine")

# Any number below 2**63 that no other part of vpmo takes: the lock says "migrating vpmo's schema".
MIGRATION_LOCK = 0x76706D6F

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # Replicas started at once on a fresh database would each create the tables: the second one
        # waits here until the first has committed, and then finds nothing left to do. The lock is
        # the transaction's, so it ends with the commit (or with the connection of a killed process).
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
