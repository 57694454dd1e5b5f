"""The messenger the server's dispatcher uses: each tenant's messages go to its own platform."""

from __future__ import annotations

from handlers.shared.ports import Delivery, Messenger, PermanentSendError, Sent
from handlers.shared.text import Text


class PlatformMessenger:
    """Routes a delivery to Slack when the tenant has a workspace, else to Teams."""

    def __init__(self, *, slack: Messenger | None = None, teams: Messenger | None = None) -> None:
        self._slack = slack
        self._teams = teams

    async def send(self, delivery: Delivery) -> Sent:
        """Send through the tenant's platform; refuse when no platform is configured for it."""
        tenant = delivery.tenant
        if tenant.slack_team_id and self._slack is not None:
            return await self._slack.send(delivery)
        if tenant.teams_tenant_id and self._teams is not None:
            return await self._teams.send(delivery)
        raise PermanentSendError(
            f"no chat platform is configured for {tenant.slug}", Text.of("undeliverable.no_platform")
        )
