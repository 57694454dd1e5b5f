"""What the Slack listeners need beyond the shared bridge: Slack identities and DM replies."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.bridge import PlatformBridge
from handlers import commands
from handlers.model import Tenant
from handlers.service import Identity, Outcome
from handlers.text import Message
from storage.slack_store import SlackStore

log = logging.getLogger(__name__)

EMAIL_CACHE_SECONDS = 3600.0


@dataclass(slots=True)
class SlackBridge(PlatformBridge[SlackStore]):
    """The Slack adapter's access to the core: every listener goes through here."""

    _emails: dict[tuple[str, str], tuple[str | None, float]] = field(default_factory=dict)

    platform = "slack"

    def _find_tenant(self, platform_tenant_id: str) -> Tenant | None:
        with self.deps.uow() as uow:
            return uow.tenants.find(slack_team_id=platform_tenant_id)

    def cached_identity(self, team_id: str, user_id: str) -> Identity:
        """Return what we know of a Slack user without asking Slack."""
        email, _ = self._emails.get((team_id, user_id), (None, 0.0))
        return Identity(slack_id=user_id, email=email)

    async def run_as(
        self, client: AsyncWebClient, tenant: Tenant, team_id: str, user_id: str, command: commands.Command
    ) -> Outcome:
        """Run a command as a Slack user: by their Slack id, and only if that is unknown by their e-mail.

        A known person costs one transaction; ``users.info`` is asked only for someone unknown.
        """
        identity = self.cached_identity(team_id, user_id)
        outcome = await self.run(tenant, identity, command, unknown_is_final=False)
        if outcome.reader is not None:
            return outcome
        email = identity.email or await self._email_of(client, team_id, user_id)
        return await self.run(tenant, Identity(slack_id=user_id, email=email), command)

    async def identity(self, client: AsyncWebClient, tenant: Tenant, team_id: str, user_id: str) -> Identity:
        """Return the user's identity, asking Slack for their e-mail when the Slack id alone is unknown."""
        identity = self.cached_identity(team_id, user_id)
        if identity.email is not None or await self.is_known(tenant, identity):
            return identity
        email = await self._email_of(client, team_id, user_id)
        return Identity(slack_id=user_id, email=email)

    async def _email_of(self, client: AsyncWebClient, team_id: str, user_id: str) -> str | None:
        cached = self._emails.get((team_id, user_id))
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            answer = await client.users_info(user=user_id)
            profile = (answer.get("user") or {}).get("profile") or {}
            email = profile.get("email")
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            email = None
        self._emails[(team_id, user_id)] = (email, time.monotonic() + EMAIL_CACHE_SECONDS)
        return email

    async def queue_replies(self, outcome: Outcome, slack_user: str) -> None:
        """Answer in the DM of the Slack account that wrote (known or not), through the outbox."""
        if outcome.tenant is None or not outcome.replies:
            return
        tenant_id = outcome.tenant.id
        person_id = outcome.reader.id if outcome.reader else None
        now = datetime.now(UTC)

        def queue() -> None:
            with self.deps.uow() as uow:
                for reply in outcome.replies:
                    # Addressed to the user id: the messenger opens that account's DM with the app.
                    addressed = Message(
                        reply.lines,
                        to_person=person_id,
                        to_channel=slack_user,
                        actions=reply.actions,
                        ref=reply.ref,
                    )
                    uow.outbox.add(tenant_id, addressed, now)
                uow.commit()

        await asyncio.to_thread(queue)
        self.kick()
