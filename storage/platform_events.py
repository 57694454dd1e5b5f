"""What the platforms tell the bot happened, per tenant: the events already seen.

They sit on the unit of work's session, so an event id is recorded in the same transaction as what the
event does (a failure forgets it, and the platform's retry runs). Each call is one prebuilt statement:
the Slack event check runs on every event. Reactions are votes now: see ``storage.challenge_store``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Executable, bindparam, delete, literal
from sqlmodel import Session

from storage.db import dialect_insert
from storage.tables import PROCESSED_EVENT

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
