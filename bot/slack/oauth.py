"""Slack OAuth storage for bolt: installations with the bot token encrypted, and one-time states.

Both stores sit on the synchronous :class:`SlackStore`, so every database call runs in a worker
thread to keep the event loop free. The app is bot-only: user tokens are never stored.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy.exc import SQLAlchemyError

from bot.secrets import SecretBox
from storage.slack_store import SlackStore
from storage.tables import SlackInstallationRow

log = logging.getLogger(__name__)

# The column holding a state is this long; anything longer cannot have been issued here.
_MAX_STATE_LENGTH = 200


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EncryptedInstallationStore(AsyncInstallationStore):
    """Slack installations (one per workspace or org) in the database, bot token encrypted at rest."""

    def __init__(self, store: SlackStore, box: SecretBox, *, logger: logging.Logger | None = None) -> None:
        self._store = store
        self._box = box
        self._logger = logger or log

    @property
    def logger(self) -> logging.Logger:
        """Return the logger bolt and this store write to."""
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        """Store (or replace) the workspace's bot installation; user tokens are dropped."""
        if installation.user_token:
            self._logger.info(
                "Slack installation for team %s carries a user token: it is not kept (bot-only app)",
                installation.team_id,
            )
        if not installation.bot_token:
            # BoltError makes bolt show its failure page instead of a bare 500.
            raise BoltError("the Slack installation carries no bot token: the app needs bot scopes")
        values = self._bot_values(
            app_id=installation.app_id,
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            team_name=installation.team_name,
            bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id,
            bot_scopes=installation.bot_scopes,
            bot_token=installation.bot_token,
            bot_refresh_token=installation.bot_refresh_token,
            is_enterprise_install=installation.is_enterprise_install,
            installed_at=installation.installed_at,
        )
        values["installer_user_id"] = installation.user_id
        await self._save(values)

    async def async_save_bot(self, bot: Bot) -> None:
        """Store (or replace) the workspace's bot; the recorded installer is left as it was."""
        values = self._bot_values(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_token=bot.bot_token,
            bot_refresh_token=bot.bot_refresh_token,
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )
        await self._save(values)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """Return the bot for a workspace (or org-wide install) with its token decrypted."""
        row = await self._find_row(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=self._box.decrypt(row.bot_token_encrypted),
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes or "",
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """Return the installation for a workspace (or org) with the bot token decrypted.

        With ``user_id`` it is returned only if that user installed the app: bolt asks this way for a
        user's own installation, and there are none besides the installer's.
        """
        row = await self._find_row(enterprise_id, team_id, is_enterprise_install)
        if row is None or (user_id is not None and user_id != row.installer_user_id):
            return None
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=self._box.decrypt(row.bot_token_encrypted),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes or "",
            # Installation requires an installer; a bot saved via async_save_bot may have none.
            user_id=row.installer_user_id or "",
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot (its token was revoked)."""
        await self._delete(enterprise_id, team_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        """Forget the workspace's installation; a single user's revocation changes nothing."""
        if user_id is not None:
            # bolt calls this for each user listed in tokens_revoked; those are user tokens, which are
            # never stored, and the bot token stays valid.
            self._logger.debug(
                "Slack user %s revoked a user token in team %s: nothing stored", user_id, team_id
            )
            return
        await self._delete(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything stored for the workspace (the app was uninstalled)."""
        await self._delete(enterprise_id, team_id)

    def _bot_values(
        self,
        *,
        app_id: str | None,
        enterprise_id: str | None,
        team_id: str | None,
        team_name: str | None,
        bot_id: str | None,
        bot_user_id: str | None,
        bot_scopes: str | Sequence[str] | None,
        bot_token: str,
        bot_refresh_token: str | None,
        is_enterprise_install: bool,
        installed_at: float,
    ) -> dict[str, Any]:
        if bot_refresh_token:
            # There is no column for a refresh token: a rotating token would stop working in 12 hours.
            self._logger.warning(
                "Slack team %s uses token rotation, which is not supported: turn it off in the app "
                "settings, or the bot token will expire",
                team_id,
            )
        scopes = bot_scopes if isinstance(bot_scopes, str) else ",".join(bot_scopes or ())
        return {
            "app_id": app_id,
            "enterprise_id": enterprise_id,
            "team_id": team_id,
            "team_name": team_name,
            "bot_id": bot_id,
            "bot_user_id": bot_user_id,
            "bot_scopes": scopes,
            "bot_token_encrypted": self._box.encrypt(bot_token),
            "is_enterprise_install": bool(is_enterprise_install),
            "installed_at": datetime.fromtimestamp(installed_at, tz=UTC),
        }

    async def _save(self, values: dict[str, Any]) -> None:
        try:
            await asyncio.to_thread(self._store.save_installation, values)
        except SQLAlchemyError as error:
            self._logger.exception("could not store the Slack installation for team %s", values["team_id"])
            raise BoltError("could not store the Slack installation") from error

    async def _find_row(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> SlackInstallationRow | None:
        # An org-wide install is stored without a team; requests from any of its workspaces use it.
        team = None if is_enterprise_install else team_id
        if enterprise_id is None and team is None:
            # SlackStore reads a missing team as "any team": this would pick some other workspace.
            return None
        row = await asyncio.to_thread(self._store.find_installation, enterprise_id, team)
        if row is None or row.team_id != team:
            # Same reason: a lookup for the org-wide install must not return one workspace's install.
            return None
        return row

    async def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        if enterprise_id is None and team_id is None:
            # SlackStore would delete every workspace outside an enterprise.
            self._logger.warning("refusing to delete Slack installations with neither enterprise nor team")
            return
        removed = await asyncio.to_thread(self._store.delete_installation, enterprise_id, team_id)
        self._logger.info(
            "forgot %d Slack installation(s) for enterprise %s team %s", removed, enterprise_id, team_id
        )


class DatabaseOAuthStateStore(AsyncOAuthStateStore):
    """One-time OAuth ``state`` values in the database, so any process can finish an install."""

    def __init__(
        self,
        store: SlackStore,
        *,
        expiration_seconds: int = 600,
        clock: Callable[[], datetime] = _utc_now,
        logger: logging.Logger | None = None,
    ) -> None:
        self._store = store
        self._lifetime = timedelta(seconds=expiration_seconds)
        self._clock = clock
        self._logger = logger or log

    @property
    def logger(self) -> logging.Logger:
        """Return the logger bolt and this store write to."""
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """Issue a new random state, valid until the expiration time."""
        state = secrets.token_urlsafe(32)
        await asyncio.to_thread(self._store.issue_oauth_state, state, self._clock() + self._lifetime)
        return state

    async def async_consume(self, state: str) -> bool:
        """Use up a state: True only the first time, and only before it expires."""
        if not state or len(state) > _MAX_STATE_LENGTH:
            return False
        return await asyncio.to_thread(self._store.consume_oauth_state, state, self._clock())
