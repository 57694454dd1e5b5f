"""What the platform adapters keep: events seen, reactions, Slack installations and OAuth states."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, Executable, Table, bindparam, delete, literal
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from handlers.model import Tenant
from handlers.text import Message
from storage.codec import decode_message
from storage.db import dialect_insert
from storage.mapping import tenant_from_row
from storage.tables import (
    OUTBOX,
    PROCESSED_EVENT,
    REACTION,
    TEAMS_REFERENCE,
    OutboxRow,
    ProcessedEventRow,
    ReactionRow,
    SlackInstallationRow,
    SlackOAuthStateRow,
    TenantRow,
)

_REFERENCE_OF = {
    key: core_select(TEAMS_REFERENCE).where(
        TEAMS_REFERENCE.c.tenant_id == bindparam("tenant_id"), TEAMS_REFERENCE.c[key] == bindparam("key")
    )
    for key in ("teams_user_id", "channel_key")
}
_POSTED = core_select(OUTBOX.c.id, OUTBOX.c.tenant_id, OUTBOX.c.ref).where(
    OUTBOX.c.platform_message_id == bindparam("platform_message_id")
)
# A reference the bot stored itself is not written again while it is unchanged: every activity carries
# one, and rewriting an identical row cost a transaction per turn. Now and then it is refreshed anyway,
# so updated_at still tells an operator when the bot last heard from someone.
REFERENCE_REFRESH_SECONDS = 3600.0
REFERENCES_REMEMBERED = 10_000


@cache
def _insert_new(dialect: str, table: Table) -> Executable:
    return dialect_insert(dialect, table).on_conflict_do_nothing().returning(literal(1))


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
class PostedMessage:
    """A message the bot posted, found again by the platform's id for it."""

    outbox_id: int
    tenant_id: int
    ref: str | None


class PlatformStore:
    """Small, single-purpose queries for the Slack and Teams adapters."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._saved_references: dict[tuple[Any, ...], tuple[dict[str, Any], float]] = {}

    def _insert_new(self, table: Table, values: dict[str, Any]) -> bool:
        with self._engine.begin() as connection:
            inserted = connection.execute(_insert_new(connection.dialect.name, table), values).first()
        return inserted is not None

    def tenant_for_slack_team(self, team_id: str) -> Tenant | None:
        """Return the tenant configured for the Slack workspace."""
        with Session(self._engine) as session:
            row = session.exec(select(TenantRow).where(TenantRow.slack_team_id == team_id)).first()
            return tenant_from_row(row) if row else None

    def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event id; True only the first time it is seen (retries and duplicates get False)."""
        return self._insert_new(
            PROCESSED_EVENT, {"platform": platform, "event_id": event_id, "received_at": now}
        )

    def forget_event(self, platform: str, event_id: str) -> None:
        """Forget an event id (its handling failed; a redelivery should be handled)."""
        with Session(self._engine) as session:
            session.execute(
                delete(ProcessedEventRow).where(
                    col(ProcessedEventRow.platform) == platform, col(ProcessedEventRow.event_id) == event_id
                )
            )
            session.commit()

    def posted_message(self, platform_message_id: str) -> PostedMessage | None:
        """Return the bot's message with this platform id (Slack: ``channel:ts``)."""
        with self._engine.connect() as connection:
            row = connection.execute(_POSTED, {"platform_message_id": platform_message_id}).first()
        return PostedMessage(row.id, row.tenant_id, row.ref) if row is not None else None

    def add_reaction(self, message: PostedMessage, user_key: str, emoji: str, now: datetime) -> bool:
        """Record a reaction; adding one that is already there changes nothing."""
        values = {
            "tenant_id": message.tenant_id,
            "outbox_id": message.outbox_id,
            "user_key": user_key,
            "emoji": emoji,
            "created_at": now,
        }
        return self._insert_new(REACTION, values)

    def remove_reaction(self, message: PostedMessage, user_key: str, emoji: str) -> bool:
        """Forget a reaction; removing one that is not there changes nothing."""
        with Session(self._engine) as session:
            result = session.execute(
                delete(ReactionRow)
                .where(
                    col(ReactionRow.outbox_id) == message.outbox_id,
                    col(ReactionRow.user_key) == user_key,
                    col(ReactionRow.emoji) == emoji,
                )
                .returning(col(ReactionRow.id))
            )
            removed = result.first() is not None
            session.commit()
        return removed

    def reactions(self, outbox_id: int) -> list[tuple[str, str]]:
        """Return (user, emoji) of every reaction on a message."""
        with Session(self._engine) as session:
            rows = session.exec(
                select(ReactionRow).where(ReactionRow.outbox_id == outbox_id).order_by(col(ReactionRow.id))
            )
            return [(row.user_key, row.emoji) for row in rows]

    def save_slack_installation(self, values: dict[str, Any]) -> None:
        """Store (or replace) the installation for its workspace."""
        with Session(self._engine) as session:
            existing = session.exec(
                select(SlackInstallationRow).where(
                    SlackInstallationRow.enterprise_id == values.get("enterprise_id"),
                    SlackInstallationRow.team_id == values.get("team_id"),
                )
            ).first()
            if existing is None:
                session.add(SlackInstallationRow(**values))
            else:
                for name, value in values.items():
                    setattr(existing, name, value)
            session.commit()

    def find_slack_installation(
        self, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallationRow | None:
        """Return the installation for a workspace (or an org-wide one for its enterprise)."""
        with Session(self._engine, expire_on_commit=False) as session:
            # == None compiles to IS NULL: an org-wide install (no team) never matches a workspace's.
            query = select(SlackInstallationRow).where(
                SlackInstallationRow.enterprise_id == enterprise_id, SlackInstallationRow.team_id == team_id
            )
            return session.exec(query.order_by(col(SlackInstallationRow.installed_at).desc())).first()

    def delete_slack_installation(self, enterprise_id: str | None, team_id: str | None) -> int:
        """Forget a workspace's installation (tokens revoked, app uninstalled); return how many went."""
        with Session(self._engine) as session:
            query = delete(SlackInstallationRow).where(
                col(SlackInstallationRow.enterprise_id) == enterprise_id
            )
            if team_id is not None:
                query = query.where(col(SlackInstallationRow.team_id) == team_id)
            removed = session.execute(query.returning(col(SlackInstallationRow.id))).all()
            session.commit()
        return len(removed)

    def issue_oauth_state(self, state: str, expires_at: datetime) -> None:
        """Remember a one-time OAuth state."""
        with Session(self._engine) as session:
            session.add(SlackOAuthStateRow(state=state, expires_at=expires_at))
            session.commit()

    def consume_oauth_state(self, state: str, now: datetime) -> bool:
        """Use up an OAuth state; True only once, and only before it expires."""
        with Session(self._engine) as session:
            result = session.execute(
                delete(SlackOAuthStateRow)
                .where(col(SlackOAuthStateRow.state) == state, col(SlackOAuthStateRow.expires_at) > now)
                .returning(col(SlackOAuthStateRow.state))
            )
            valid = result.first() is not None
            session.commit()
        return valid

    def tenant_for_teams_tenant(self, teams_tenant_id: str) -> Tenant | None:
        """Return the tenant configured for the Microsoft (Entra ID) tenant."""
        with Session(self._engine) as session:
            row = session.exec(select(TenantRow).where(TenantRow.teams_tenant_id == teams_tenant_id)).first()
            return tenant_from_row(row) if row else None

    def save_teams_reference(self, reference: TeamsReference, now: datetime) -> None:
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

    def teams_reference_of_user(self, tenant_id: int, teams_user_id: str) -> TeamsReference | None:
        """Return the stored reference of a person's personal chat with the bot."""
        return self._teams_reference("teams_user_id", tenant_id, teams_user_id)

    def teams_reference_of_channel(self, tenant_id: int, channel_key: str) -> TeamsReference | None:
        """Return the stored reference of a channel the bot was added to."""
        return self._teams_reference("channel_key", tenant_id, channel_key)

    def _teams_reference(self, key: str, tenant_id: int, value: str) -> TeamsReference | None:
        with self._engine.connect() as connection:
            row = connection.execute(_REFERENCE_OF[key], {"tenant_id": tenant_id, "key": value}).first()
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

    def posted_message_content(self, platform_message_id: str) -> Message | None:
        """Return what the bot posted under this platform id (Teams re-renders a clicked card from it)."""
        with Session(self._engine) as session:
            row = session.exec(
                select(OutboxRow).where(OutboxRow.platform_message_id == platform_message_id)
            ).first()
            if row is None:
                return None
            return decode_message(
                row.payload, to_person=row.recipient_id, to_channel=row.channel, ref=row.ref
            )


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
