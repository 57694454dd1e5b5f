"""Alembic environment: runs migrations on the engine handed over in the configuration."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine
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

with engine.connect() as connection:
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
