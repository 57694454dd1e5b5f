"""The bolt AsyncApp for one workspace (HTTP or Socket Mode) or many (OAuth), with our listeners."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.secrets import SecretBox
from bot.slack.bridge import SlackBridge
from bot.slack.listeners import register
from bot.slack.manifest import BOT_SCOPES, OAUTH_REDIRECT_PATH
from bot.slack.oauth import DatabaseOAuthStateStore, EncryptedInstallationStore
from bot.slack.payloads import MalformedRequestError, check_shape
from bot.slack.settings import SlackMode, SlackSettings, forget_blank_variables
from bot.slack.workspace import Workspace
from handlers.shared.model import Tenant

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
DEFAULT_API_URL = "https://slack.com/api/"


class SocketModeError(Exception):
    """Slack would not open the Socket Mode connection at start-up; the message is one sentence."""


class _CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, refusing envelopes whose payload Slack would never send.

    Over HTTP such a body gets a 400 before bolt reads it; over the socket bolt would index into it
    and log a traceback. Here it is acknowledged (so it is not sent again) with one log line.
    """

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # as bolt's own handler, which takes the aiohttp client only
        try:
            check_shape(req.payload)
        except MalformedRequestError as error:
            log.warning("Slack Socket Mode envelope %s refused: %s", req.envelope_id, error)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)


@dataclass(frozen=True, slots=True)
class SlackApp:
    """The bolt app and how to reach each tenant's workspace."""

    app: AsyncApp
    settings: SlackSettings
    installations: EncryptedInstallationStore | None
    # What Slack said of the environment's bot token (auth.test): it never changes while the process runs.
    _own: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def web_client(self, token: str | None = None) -> AsyncWebClient:
        """Return a Web API client on the configured base URL (a fake one in tests), sharing connections."""
        return AsyncWebClient(
            token=token, base_url=self.settings.api_url or DEFAULT_API_URL, session=self.app.client.session
        )

    async def open(self) -> None:
        """Share one HTTP connection pool for every call to Slack (bolt hands it to each request's client)."""
        self.app.client.session = aiohttp.ClientSession()

    async def connect_socket_mode(self) -> AsyncSocketModeHandler:
        """Open the Socket Mode connection; raise SocketModeError when Slack refuses or cannot be reached.

        The handler is built here, on the running loop, because it opens an aiohttp session when created.
        The first WebSocket URL is asked for here too: the SDK would retry a refused token for ever.
        """
        handler = _CheckedSocketModeHandler(self.app, self.settings.app_token, web_client=self.web_client())
        try:
            handler.client.wss_uri = await self._socket_mode_url(handler.client.web_client)
        except SocketModeError:
            await handler.close_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
            raise
        await handler.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        return handler

    async def _socket_mode_url(self, client: AsyncWebClient) -> str:
        try:
            opened = await client.apps_connections_open(app_token=self.settings.app_token)
        except SlackApiError as error:
            raise SocketModeError(
                f"Slack refused to open a Socket Mode connection ({error.response.get('error')}): check "
                "SLACK_APP_TOKEN (an app-level token xapp-… with the connections:write scope)."
            ) from error
        except (aiohttp.ClientError, OSError) as error:
            raise SocketModeError(
                f"cannot reach Slack at {self.settings.api_url or DEFAULT_API_URL}: {error}"
            ) from error
        return str(opened["url"])

    async def close(self) -> None:
        """Close the shared connection pool."""
        if self.app.client.session is not None:
            await self.app.client.session.close()

    async def client_for(self, tenant: Tenant) -> AsyncWebClient | None:
        """Return a client with the bot token of the tenant's workspace (None when not installed)."""
        if self.installations is None:
            return self.app.client
        bot = await self._installed_bot(tenant)
        return self.web_client(bot.bot_token) if bot is not None else None

    async def workspace_for(self, tenant: Tenant) -> Workspace | None:
        """Return the client of the tenant's workspace and the bot's own user id there (None: not installed).

        With one workspace's token from the environment, Slack is asked once whose token it is
        (``auth.test``); with OAuth the installation holds the bot's user id.
        """
        if self.installations is None:
            return Workspace(self.app.client, await self._own_user_id())
        bot = await self._installed_bot(tenant)
        return Workspace(self.web_client(bot.bot_token), bot.bot_user_id or None) if bot is not None else None

    async def _installed_bot(self, tenant: Tenant) -> Bot | None:
        assert self.installations is not None  # only asked for in OAuth mode
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=tenant.slack_team_id)
        return bot if bot is not None and bot.bot_token else None

    async def _own_user_id(self) -> str | None:
        if "user_id" not in self._own:
            answer = await self.app.client.auth_test()
            self._own["user_id"] = str(answer.get("user_id") or "")
        return self._own["user_id"] or None


def build_slack_app(settings: SlackSettings, bridge: SlackBridge, secret_key: str | None) -> SlackApp:
    """Build the bolt app for the configured mode and register every listener."""
    forget_blank_variables(os.environ)
    client = AsyncWebClient(token=settings.bot_token or None, base_url=settings.api_url or DEFAULT_API_URL)
    installations: EncryptedInstallationStore | None = None
    if settings.mode is SlackMode.OAUTH:
        installations = EncryptedInstallationStore(bridge.store, SecretBox.from_setting(secret_key))
        app = AsyncApp(
            signing_secret=settings.signing_secret,
            client=client,
            process_before_response=True,
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=installations,
                installation_store_bot_only=True,
                state_store=DatabaseOAuthStateStore(bridge.store),
                install_path=INSTALL_PATH,
                redirect_uri_path=OAUTH_REDIRECT_PATH,
            ),
        )
        app.enable_token_revocation_listeners()
    elif settings.mode is SlackMode.SOCKET_MODE:
        app = AsyncApp(client=client, process_before_response=True)
    else:
        # The bot token travels in the client (bolt takes it from there for authorization).
        app = AsyncApp(signing_secret=settings.signing_secret, client=client, process_before_response=True)
        _log_uninstalls(app)
    register(app, bridge)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # One hook for every listener: log with context; bolt has already answered Slack.
        log.error(
            "Slack request failed (%s): %s", body.get("type") or body.get("command"), error, exc_info=error
        )

    return SlackApp(app, settings, installations)


def _log_uninstalls(app: AsyncApp) -> None:
    # With one workspace's token from the environment there is nothing stored to clean up.
    async def on_revoked(event: dict[str, Any]) -> None:
        log.warning("Slack says the app's tokens were revoked or it was uninstalled: %s", event.get("type"))

    app.event("tokens_revoked")(on_revoked)
    app.event("app_uninstalled")(on_revoked)
