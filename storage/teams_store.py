"""What the Teams adapter keeps: where the bot can write to a Teams person or channel later.

The Bot Framework can only write to a conversation it was given a reference to. References are saved
on every turn and read by the messenger, both outside any use case, so each call has its own short
transaction (one prebuilt statement).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, Executable, bindparam
from sqlalchemy import select as core_select

from storage.db import dialect_insert
from storage.tables import TEAMS_REFERENCE

_REFERENCE_OF = {
    key: core_select(TEAMS_REFERENCE).where(
        TEAMS_REFERENCE.c.tenant_id == bindparam("tenant_id"), TEAMS_REFERENCE.c[key] == bindparam("key")
    )
    for key in ("teams_user_id", "channel_key")
}
# The personal chat linked to a person (by the roster's e-mail): for people configured without a
# teams_id, whose 29: id the bot only learns when they open the app. The latest, should there be more.
_REFERENCE_OF_PERSON = (
    core_select(TEAMS_REFERENCE)
    .where(
        TEAMS_REFERENCE.c.tenant_id == bindparam("tenant_id"),
        TEAMS_REFERENCE.c.person_id == bindparam("key"),
        TEAMS_REFERENCE.c.teams_user_id.is_not(None),
    )
    .order_by(TEAMS_REFERENCE.c.updated_at.desc(), TEAMS_REFERENCE.c.id.desc())
    .limit(1)
)
# A reference the bot stored itself is not written again while it is unchanged: every activity carries
# one, and rewriting an identical row cost a transaction per turn. Now and then it is refreshed anyway,
# so updated_at still tells an operator when the bot last heard from someone.
REFERENCE_REFRESH_SECONDS = 3600.0
REFERENCES_REMEMBERED = 10_000


@cache
def _reference_upsert(dialect: str, key: str, links_person: bool) -> Executable:
    statement = dialect_insert(dialect, TEAMS_REFERENCE)
    kept = {"id", "tenant_id", key} | (set() if links_person else {"person_id"})
    changes = {
        column.name: statement.excluded[column.name]
        for column in TEAMS_REFERENCE.c
        if column.name not in kept
    }
    return statement.on_conflict_do_update(index_elements=["tenant_id", key], set_=changes)


@dataclass(frozen=True, slots=True)
class TeamsReference:
    """Where the bot can write to a Teams person (``teams_user_id``) or channel (``channel_key``)."""

    tenant_id: int
    conversation_id: str
    service_url: str
    reference: dict[str, Any]
    person_id: int | None = None
    teams_user_id: str | None = None
    aad_object_id: str | None = None
    channel_key: str | None = None


class TeamsStore:
    """Teams conversation references, per tenant."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._saved_references: dict[tuple[Any, ...], tuple[dict[str, Any], float]] = {}

    def save_reference(self, reference: TeamsReference, now: datetime) -> None:
        """Store (or refresh) where a Teams person or channel can be written to."""
        if (reference.teams_user_id is None) == (reference.channel_key is None):
            raise ValueError("a conversation reference is either a person's or a channel's")
        values = {
            "tenant_id": reference.tenant_id,
            "person_id": reference.person_id,
            "channel_key": reference.channel_key,
            "teams_user_id": reference.teams_user_id,
            "aad_object_id": reference.aad_object_id,
            "conversation_id": reference.conversation_id,
            "service_url": reference.service_url,
            "reference": reference.reference,
        }
        memory_key = (reference.tenant_id, reference.teams_user_id, reference.channel_key)
        remembered = self._saved_references.get(memory_key)
        if remembered is not None and remembered[0] == values and remembered[1] > time.monotonic():
            return
        key = "teams_user_id" if reference.teams_user_id is not None else "channel_key"
        # A later message from someone unknown must not unlink a known person.
        links_person = reference.person_id is not None
        with self._engine.begin() as connection:
            statement = _reference_upsert(connection.dialect.name, key, links_person)
            connection.execute(statement, {**values, "updated_at": now})
        self._remember_saved(memory_key, values)

    def _remember_saved(self, memory_key: tuple[Any, ...], values: dict[str, Any]) -> None:
        self._saved_references.pop(memory_key, None)
        if len(self._saved_references) >= REFERENCES_REMEMBERED:
            self._saved_references.pop(next(iter(self._saved_references)))
        self._saved_references[memory_key] = (values, time.monotonic() + REFERENCE_REFRESH_SECONDS)

    def reference_of_user(self, tenant_id: int, teams_user_id: str) -> TeamsReference | None:
        """Return the stored reference of a person's personal chat with the bot."""
        return self._reference("teams_user_id", tenant_id, teams_user_id)

    def reference_of_person(self, tenant_id: int, person_id: int) -> TeamsReference | None:
        """Return the stored reference of the personal chat the bot linked to a person, if any."""
        return self._read(_REFERENCE_OF_PERSON, tenant_id, person_id)

    def reference_of_channel(self, tenant_id: int, channel_key: str) -> TeamsReference | None:
        """Return the stored reference of a channel the bot was added to."""
        return self._reference("channel_key", tenant_id, channel_key)

    def _reference(self, key: str, tenant_id: int, value: str) -> TeamsReference | None:
        return self._read(_REFERENCE_OF[key], tenant_id, value)

    def _read(self, statement: Executable, tenant_id: int, value: str | int) -> TeamsReference | None:
        with self._engine.connect() as connection:
            row = connection.execute(statement, {"tenant_id": tenant_id, "key": value}).first()
        if row is None:
            return None
        return TeamsReference(
            tenant_id=row.tenant_id,
            conversation_id=row.conversation_id,
            service_url=row.service_url,
            reference=dict(row.reference),
            person_id=row.person_id,
            teams_user_id=row.teams_user_id,
            aad_object_id=row.aad_object_id,
            channel_key=row.channel_key,
        )
