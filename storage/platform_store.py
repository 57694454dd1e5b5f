"""What the platform adapters keep: events seen, reactions, Slack installations and OAuth states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from handlers.model import Tenant
from storage.mapping import tenant_from_row
from storage.tables import (
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
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = session.execute(insert(table).values(**values).on_conflict_do_nothing().returning(1))
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
