"""What the Teams activity handler shares with the core: tenants, people, references, reactions.

Nothing here imports botbuilder: activities are reduced to plain values before they get here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Reader
from bot.render import reader_for
from handlers import commands
from handlers.context import Deps
from handlers.model import Tenant
from handlers.service import Identity, IntakeOptions, Outcome, find_person, handle, intake_options
from handlers.text import Message
from storage.platform_store import PlatformStore, TeamsReference

PLATFORM = "teams"
TENANT_CACHE_SECONDS = 60.0


@dataclass(slots=True)
class TeamsBridge:
    """The Teams adapter's access to the core: every activity goes through here."""

    deps: Deps
    store: PlatformStore
    kick: Callable[[], None]
    default_language: str = "da"
    default_zone: str = "Europe/Copenhagen"
    _tenants: dict[str, tuple[Tenant | None, float]] = field(default_factory=dict)
    _emails: dict[tuple[int, str], str | None] = field(default_factory=dict)

    def default_reader(self) -> Reader:
        """Return the reader for someone in no known tenant (the installation's defaults)."""
        return Reader(self.default_language, ZoneInfo(self.default_zone))

    async def tenant(self, teams_tenant_id: str | None) -> Tenant | None:
        """Return the tenant of a Microsoft tenant (cached for a minute: configurations rarely change)."""
        if not teams_tenant_id:
            return None
        cached = self._tenants.get(teams_tenant_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        tenant = await asyncio.to_thread(self.store.tenant_for_teams_tenant, teams_tenant_id)
        self._tenants[teams_tenant_id] = (tenant, time.monotonic() + TENANT_CACHE_SECONDS)
        return tenant

    async def run(self, tenant: Tenant, identity: Identity, command: commands.Command) -> Outcome:
        """Run a command through the use cases (in a worker thread) and start sending what it queued."""
        outcome = await asyncio.to_thread(
            partial(handle, unknown_is_final=True), self.deps, tenant.slug, identity, command
        )
        self.kick()
        return outcome

    async def reader_of(self, tenant: Tenant, identity: Identity) -> Reader:
        """Return the reader profile of a person (the tenant's defaults for someone unknown)."""
        person = await asyncio.to_thread(find_person, self.deps, tenant.slug, identity)
        return reader_for(tenant, person)

    def reader(self, outcome: Outcome) -> Reader:
        """Return the reader of an outcome's replies."""
        if outcome.tenant is None:
            return self.default_reader()
        return reader_for(outcome.tenant, outcome.reader)

    async def intake_options(self, tenant: Tenant) -> IntakeOptions:
        """Return the areas and seniors the intake form offers."""
        return await asyncio.to_thread(intake_options, self.deps, tenant.slug)

    async def first_time(self, event_id: str | None) -> bool:
        """Tell whether an activity is new; Teams' redeliveries of the same id get False."""
        if not event_id:
            return True
        return await asyncio.to_thread(self.store.first_time, PLATFORM, event_id, datetime.now(UTC))

    async def is_known(self, tenant: Tenant, identity: Identity) -> bool:
        """Tell whether the tenant knows the person by this identity."""
        return await asyncio.to_thread(find_person, self.deps, tenant.slug, identity) is not None

    def cached_email(self, tenant: Tenant, user_id: str) -> tuple[bool, str | None]:
        """Return whether the user's e-mail was looked up already, and what it was."""
        return (tenant.id, user_id) in self._emails, self._emails.get((tenant.id, user_id))

    def remember_email(self, tenant: Tenant, user_id: str, email: str | None) -> None:
        """Keep the e-mail Teams gave for a user (so the roster is asked once per user and process)."""
        self._emails[(tenant.id, user_id)] = email

    async def remember_person(
        self, tenant: Tenant, identity: Identity, aad_object_id: str | None, reference: dict[str, Any]
    ) -> None:
        """Store where the person's personal chat with the bot is, linked to them when known."""
        user_id = identity.teams_id or ""
        person = await asyncio.to_thread(find_person, self.deps, tenant.slug, identity)
        stored = TeamsReference(
            tenant_id=tenant.id,
            conversation_id=str(reference["conversation"]["id"]),
            service_url=str(reference["serviceUrl"]),
            reference=reference,
            person_id=person.id if person else None,
            teams_user_id=user_id,
            aad_object_id=aad_object_id,
        )
        await asyncio.to_thread(self.store.save_teams_reference, stored, datetime.now(UTC))

    async def remember_channel(self, tenant: Tenant, channel_key: str, reference: dict[str, Any]) -> None:
        """Store where a channel the bot was added to (or mentioned in) can be posted to."""
        stored = TeamsReference(
            tenant_id=tenant.id,
            conversation_id=str(reference["conversation"]["id"]),
            service_url=str(reference["serviceUrl"]),
            reference=reference,
            channel_key=channel_key,
        )
        await asyncio.to_thread(self.store.save_teams_reference, stored, datetime.now(UTC))

    async def posted(self, platform_message_id: str) -> Message | None:
        """Return what the bot posted under a Teams id (``conversation:activity``), if it did."""
        return await asyncio.to_thread(self.store.posted_message_content, platform_message_id)

    async def record_reaction(self, platform_message_id: str, user: str, emoji: str, *, added: bool) -> bool:
        """Add or remove a reaction on a message the bot posted; others' messages are ignored."""
        posted = await asyncio.to_thread(self.store.posted_message, platform_message_id)
        if posted is None or not user or not emoji:
            return False
        if added:
            return await asyncio.to_thread(self.store.add_reaction, posted, user, emoji, datetime.now(UTC))
        return await asyncio.to_thread(self.store.remove_reaction, posted, user, emoji)
