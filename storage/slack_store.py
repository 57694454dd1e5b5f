"""What Slack's OAuth keeps: the workspaces the app is installed in, and one-time OAuth states.

Bolt's installation and state stores (bot/slack/oauth.py) sit on this; their calls come outside any use
case, so each method has its own short transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from storage.tables import SlackInstallationRow, SlackOAuthStateRow


class SlackStore:
    """Slack installations (the bot token encrypted by the caller) and OAuth states."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save_installation(self, values: dict[str, Any]) -> None:
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

    def find_installation(
        self, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallationRow | None:
        """Return the installation for a workspace (or an org-wide one for its enterprise)."""
        with Session(self._engine, expire_on_commit=False) as session:
            # == None compiles to IS NULL: an org-wide install (no team) never matches a workspace's.
            query = select(SlackInstallationRow).where(
                SlackInstallationRow.enterprise_id == enterprise_id, SlackInstallationRow.team_id == team_id
            )
            return session.exec(query.order_by(col(SlackInstallationRow.installed_at).desc())).first()

    def delete_installation(self, enterprise_id: str | None, team_id: str | None) -> int:
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
