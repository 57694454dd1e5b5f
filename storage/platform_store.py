"""What the platform adapters keep: events seen, reactions, Slack installations and OAuth states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from handlers.model import Tenant
from handlers.text import Message
from storage.codec import decode_message
from storage.db import upsert_insert
from storage.mapping import tenant_from_row
from storage.tables import (
    ConversationReferenceRow,
    OutboxRow,
    ProcessedEventRow,
    ReactionRow,
    SlackInstallationRow,
    SlackOAuthStateRow,
    TenantRow,
)


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

    def _insert_ignoring_duplicates(self, session: Session, table: type[Any], values: dict[str, Any]) -> bool:
        statement = upsert_insert(session, table).values(**values).on_conflict_do_nothing().returning(1)
        result = session.execute(statement)
        return result.first() is not None

    def tenant_for_slack_team(self, team_id: str) -> Tenant | None:
        """Return the tenant configured for the Slack workspace."""
        with Session(self._engine) as session:
            row = session.exec(select(TenantRow).where(TenantRow.slack_team_id == team_id)).first()
            return tenant_from_row(row) if row else None

    def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event id; True only the first time it is seen (retries and duplicates get False)."""
        with Session(self._engine) as session:
            fresh = self._insert_ignoring_duplicates(
                session, ProcessedEventRow, {"platform": platform, "event_id": event_id, "received_at": now}
            )
            session.commit()
        return fresh

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
        with Session(self._engine) as session:
            row = session.exec(
                select(OutboxRow).where(OutboxRow.platform_message_id == platform_message_id)
            ).first()
            if row is None or row.id is None:
                return None
            return PostedMessage(row.id, row.tenant_id, row.ref)

    def add_reaction(self, message: PostedMessage, user_key: str, emoji: str, now: datetime) -> bool:
        """Record a reaction; adding one that is already there changes nothing."""
        values = {
            "tenant_id": message.tenant_id,
            "outbox_id": message.outbox_id,
            "user_key": user_key,
            "emoji": emoji,
            "created_at": now,
        }
        with Session(self._engine) as session:
            added = self._insert_ignoring_duplicates(session, ReactionRow, values)
            session.commit()
        return added

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
            "updated_at": now,
        }
        key = ["tenant_id", "teams_user_id" if reference.teams_user_id is not None else "channel_key"]
        changes = {name: value for name, value in values.items() if name not in key}
        if reference.person_id is None:
            changes.pop("person_id")  # a later message from someone unknown must not unlink a known person
        with Session(self._engine) as session:
            statement = upsert_insert(session, ConversationReferenceRow).values(**values)
            session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))
            session.commit()

    def teams_reference_of_user(self, tenant_id: int, teams_user_id: str) -> TeamsReference | None:
        """Return the stored reference of a person's personal chat with the bot."""
        query = select(ConversationReferenceRow).where(
            ConversationReferenceRow.tenant_id == tenant_id,
            ConversationReferenceRow.teams_user_id == teams_user_id,
        )
        return self._teams_reference(query)

    def teams_reference_of_channel(self, tenant_id: int, channel_key: str) -> TeamsReference | None:
        """Return the stored reference of a channel the bot was added to."""
        query = select(ConversationReferenceRow).where(
            ConversationReferenceRow.tenant_id == tenant_id,
            ConversationReferenceRow.channel_key == channel_key,
        )
        return self._teams_reference(query)

    def _teams_reference(self, query: Any) -> TeamsReference | None:
        with Session(self._engine) as session:
            row = session.exec(query).first()
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
