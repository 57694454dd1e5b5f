"""The reaction reader the server's tick uses: each tenant's posts are read back on its own platform."""

from __future__ import annotations

from handlers.shared.model import Tenant
from handlers.shared.ports import ReactionReader


class PlatformReactionReader:
    """Reads reactions on Slack for a tenant with a workspace; Teams has no bot API for it (None)."""

    def __init__(self, *, slack: ReactionReader | None = None) -> None:
        self._slack = slack

    async def reactions(self, tenant: Tenant, platform_message_id: str) -> dict[str, list[str]] | None:
        """Return reaction name -> user ids on the bot's message; None when the platform cannot tell."""
        if tenant.slack_team_id and self._slack is not None:
            return await self._slack.reactions(tenant, platform_message_id)
        return None
