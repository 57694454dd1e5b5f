"""How the Slack adapters reach one tenant's workspace: a Web API client with its bot token, and whose it is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from handlers.shared.model import Tenant


@dataclass(frozen=True, slots=True)
class Workspace:
    """A client carrying the workspace's bot token, and the bot's own Slack user id there (if known)."""

    client: AsyncWebClient
    bot_user_id: str | None


ClientFor = Callable[[Tenant], Awaitable[AsyncWebClient | None]]
"""The client for a tenant's workspace; None when the app is not installed there."""

WorkspaceFor = Callable[[Tenant], Awaitable[Workspace | None]]
"""The client and the bot's user id for a tenant's workspace; None when the app is not installed there."""
