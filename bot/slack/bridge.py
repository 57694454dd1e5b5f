"""What the Slack listeners share: tenant and person lookup, running use cases off the event loop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Reader
from bot.render import reader_for
from handlers import commands
from handlers.context import Deps
from handlers.model import Tenant
from handlers.service import Identity, IntakeOptions, Outcome, find_person, handle, intake_options
from handlers.text import Message
from storage.outbox_store import OutboxStore
from storage.platform_store import PlatformStore

log = logging.getLogger(__name__)

EMAIL_CACHE_SECONDS = 3600.0
TENANT_CACHE_SECONDS = 60.0


@dataclass(slots=True)
class SlackBridge:
    """The Slack adapter's access to the core: every listener goes through here."""

    deps: Deps
    store: PlatformStore
    outbox: OutboxStore
    kick: Callable[[], None]
    default_language: str = "da"
    default_zone: str = "Europe/Copenhagen"
    _emails: dict[tuple[str, str], tuple[str | None, float]] = field(default_factory=dict)
    _tenants: dict[str, tuple[Tenant | None, float]] = field(default_factory=dict)

    def default_reader(self) -> Reader:
        """Return the reader for someone in no known tenant (the installation's defaults)."""
        return Reader(self.default_language, ZoneInfo(self.default_zone))

    async def tenant(self, team_id: str | None) -> Tenant | None:
        """Return the tenant of a Slack workspace (cached for a minute: workspaces rarely move)."""
        if not team_id:
            return None
        cached = self._tenants.get(team_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        tenant = await asyncio.to_thread(self.store.tenant_for_slack_team, team_id)
        self._tenants[team_id] = (tenant, time.monotonic() + TENANT_CACHE_SECONDS)
        return tenant

    def cached_identity(self, team_id: str, user_id: str) -> Identity:
        """Return what we know of a Slack user without asking Slack."""
        email, _ = self._emails.get((team_id, user_id), (None, 0.0))
        return Identity(slack_id=user_id, email=email)

    async def is_known(self, tenant: Tenant, identity: Identity) -> bool:
        """Tell whether the tenant knows the person by this identity."""
        return await asyncio.to_thread(find_person, self.deps, tenant.slug, identity) is not None

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

    async def run(
        self, tenant: Tenant, identity: Identity, command: commands.Command, *, unknown_is_final: bool = True
    ) -> Outcome:
        """Run a command through the use cases (in a worker thread) and start sending what it queued."""
        outcome = await asyncio.to_thread(
            partial(handle, unknown_is_final=unknown_is_final), self.deps, tenant.slug, identity, command
        )
        self.kick()
        return outcome

    async def reader_of(self, tenant: Tenant, identity: Identity) -> Reader:
        """Return the reader profile of a person (the tenant's defaults for someone unknown)."""
        person = await asyncio.to_thread(find_person, self.deps, tenant.slug, identity)
        return reader_for(tenant, person)

    async def intake_options(self, tenant: Tenant) -> IntakeOptions:
        """Return the areas and seniors the intake form offers."""
        return await asyncio.to_thread(intake_options, self.deps, tenant.slug)

    def reader(self, outcome: Outcome) -> Reader:
        """Return the reader of an outcome's replies."""
        if outcome.tenant is None:
            return self.default_reader()
        return reader_for(outcome.tenant, outcome.reader)

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
                    # Posting to a user id lands in the app's DM with that account.
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

    async def record_reaction(self, platform_message_id: str, user: str, emoji: str, *, added: bool) -> bool:
        """Add or remove a reaction on a message the bot posted; others' messages are ignored."""
        posted = await asyncio.to_thread(self.store.posted_message, platform_message_id)
        if posted is None or not user or not emoji:
            return False
        if added:
            return await asyncio.to_thread(self.store.add_reaction, posted, user, emoji, datetime.now(UTC))
        return await asyncio.to_thread(self.store.remove_reaction, posted, user, emoji)

    async def first_time(self, event_id: str | None) -> bool:
        """Tell whether an event is new; Slack's retries and duplicate deliveries get False."""
        if not event_id:
            return True
        return await asyncio.to_thread(self.store.first_time, "slack", event_id, datetime.now(UTC))

    async def forget(self, event_id: str | None) -> None:
        """Forget an event whose handling failed, so that Slack's retry is handled after all."""
        if event_id:
            await asyncio.to_thread(self.store.forget_event, "slack", event_id)
