"""What the platforms tell the bot happened, per tenant: events already seen, reactions on its messages.

Both sit on the unit of work's session, so a use case can read them in the same transaction as its
other changes (the vote tally will). Each call is one prebuilt statement: the Slack event check runs
on every event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Executable, bindparam, delete, literal
from sqlalchemy import select as core_select
from sqlmodel import Session

from storage.db import dialect_insert
from storage.tables import OUTBOX, PROCESSED_EVENT, REACTION

_DIALECTS = ("postgresql", "sqlite")

_FIRST_TIME: dict[str, Executable] = {
    dialect: dialect_insert(dialect, PROCESSED_EVENT).on_conflict_do_nothing().returning(literal(1))
    for dialect in _DIALECTS
}
_FORGET_EVENT = delete(PROCESSED_EVENT).where(
    PROCESSED_EVENT.c.tenant_id == bindparam("tenant_id"),
    PROCESSED_EVENT.c.platform == bindparam("platform"),
    PROCESSED_EVENT.c.event_id == bindparam("event_id"),
)

# The bot's message is looked up within the tenant the reaction came from: a platform message id alone
# could name another tenant's message (Teams' local mode, or a forged request).
_POSTED_ID = (
    core_select(OUTBOX.c.id)
    .where(
        OUTBOX.c.tenant_id == bindparam("tenant_id"),
        OUTBOX.c.platform_message_id == bindparam("platform_message_id"),
    )
    .limit(1)
    .scalar_subquery()
)


def _add_reaction(dialect: str) -> Executable:
    # INSERT … SELECT: finding the message and recording the reaction is one statement, and a
    # message that is not the bot's (no outbox row) inserts nothing.
    # Typed parameters: PostgreSQL does not infer a type for a bare parameter in a SELECT list.
    found = core_select(
        bindparam("tenant_id", type_=REACTION.c.tenant_id.type),
        OUTBOX.c.id,
        bindparam("user_key", type_=REACTION.c.user_key.type),
        bindparam("emoji", type_=REACTION.c.emoji.type),
        bindparam("created_at", type_=REACTION.c.created_at.type),
    ).where(
        OUTBOX.c.tenant_id == bindparam("tenant_id"),
        OUTBOX.c.platform_message_id == bindparam("platform_message_id"),
    )
    columns = ["tenant_id", "outbox_id", "user_key", "emoji", "created_at"]
    statement = dialect_insert(dialect, REACTION).from_select(columns, found.limit(1))
    return statement.on_conflict_do_nothing().returning(literal(1))


_ADD_REACTION = {dialect: _add_reaction(dialect) for dialect in _DIALECTS}
_REMOVE_REACTION = (
    delete(REACTION)
    .where(
        REACTION.c.tenant_id == bindparam("tenant_id"),
        REACTION.c.outbox_id == _POSTED_ID,
        REACTION.c.user_key == bindparam("user_key"),
        REACTION.c.emoji == bindparam("emoji"),
    )
    .returning(REACTION.c.id)
)


class SqlProcessedEvents:
    def __init__(self, session: Session) -> None:
        self._session = session

    def first_time(self, tenant_id: int, platform: str, event_id: str, now: datetime) -> bool:
        """Record a platform event of the tenant; True only the first time (redeliveries get False)."""
        connection = self._session.connection()
        values = {"tenant_id": tenant_id, "platform": platform, "event_id": event_id, "received_at": now}
        return connection.execute(_FIRST_TIME[connection.dialect.name], values).first() is not None

    def forget(self, tenant_id: int, platform: str, event_id: str) -> None:
        """Forget an event (its handling failed, so a redelivery should be handled)."""
        params = {"tenant_id": tenant_id, "platform": platform, "event_id": event_id}
        self._session.connection().execute(_FORGET_EVENT, params)


class SqlReactions:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, tenant_id: int, platform_message_id: str, user_key: str, emoji: str, now: datetime) -> bool:
        """Record a reaction on the tenant's message; False if it is not the bot's or was there already."""
        connection = self._session.connection()
        values = {
            "tenant_id": tenant_id,
            "platform_message_id": platform_message_id,
            "user_key": user_key,
            "emoji": emoji,
            "created_at": now,
        }
        return connection.execute(_ADD_REACTION[connection.dialect.name], values).first() is not None

    def remove(self, tenant_id: int, platform_message_id: str, user_key: str, emoji: str) -> bool:
        """Forget a reaction on the tenant's message; False if there was none."""
        params = {
            "tenant_id": tenant_id,
            "platform_message_id": platform_message_id,
            "user_key": user_key,
            "emoji": emoji,
        }
        return self._session.connection().execute(_REMOVE_REACTION, params).first() is not None
