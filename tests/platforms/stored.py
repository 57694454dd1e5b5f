"""What the bot stored, read straight from the database (the platform tests look, the bot never does)."""

from __future__ import annotations

from sqlalchemy import select

from bot.admin.tenant_admin import apply_tenant
from storage.db import make_engine
from storage.tables import OUTBOX, REACTION
from tests.tenants import other_tenant_config


def add_other_tenant(url: str) -> None:
    """Apply a second tenant (Birk) beside the sample client."""
    engine = make_engine(url)
    try:
        apply_tenant(engine, other_tenant_config())
    finally:
        engine.dispose()


def posted_outbox_id(url: str, platform_message_id: str) -> int | None:
    """Return the outbox id of the bot's message with this platform id."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(OUTBOX.c.id).where(OUTBOX.c.platform_message_id == platform_message_id)
            return connection.execute(query).scalar()
    finally:
        engine.dispose()


def reactions(url: str) -> list[tuple[int, int, str, str]]:
    """Return every stored reaction as (tenant id, outbox id, user, emoji), oldest first."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(REACTION.c.tenant_id, REACTION.c.outbox_id, REACTION.c.user_key, REACTION.c.emoji)
            rows = connection.execute(query.order_by(REACTION.c.id))
            return [(row.tenant_id, row.outbox_id, row.user_key, row.emoji) for row in rows]
    finally:
        engine.dispose()
