"""What the Teams activity handler shares with the core: tenants, people, references, reactions.

Nothing here imports botbuilder: activities are reduced to plain values before they get here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.adapters.bridge import PlatformBridge
from handlers.service import Identity
from handlers.shared.model import Person, Tenant
from handlers.shared.text import Message
from storage.teams_store import TeamsReference, TeamsStore


@dataclass(slots=True)
class TeamsBridge(PlatformBridge[TeamsStore]):
    """The Teams adapter's access to the core: every activity goes through here."""

    platform = "teams"

    def _find_tenant(self, platform_tenant_id: str) -> Tenant | None:
        with self.deps.uow() as uow:
            return uow.tenants.find(teams_tenant_id=platform_tenant_id)

    async def remember_person(
        self,
        tenant: Tenant,
        identity: Identity,
        person: Person | None,
        aad_object_id: str | None,
        reference: dict[str, Any],
    ) -> None:
        """Store where the person's personal chat with the bot is, linked to them when known."""
        user_id = identity.teams_id or ""
        stored = TeamsReference(
            tenant_id=tenant.id,
            conversation_id=str(reference["conversation"]["id"]),
            service_url=str(reference["serviceUrl"]),
            reference=reference,
            person_id=person.id if person else None,
            teams_user_id=user_id,
            aad_object_id=aad_object_id,
        )
        await self.database(self.store.save_reference, stored, datetime.now(UTC))

    async def remember_channel(self, tenant: Tenant, channel_key: str, reference: dict[str, Any]) -> None:
        """Store where a channel the bot was added to (or mentioned in) can be posted to."""
        stored = TeamsReference(
            tenant_id=tenant.id,
            conversation_id=str(reference["conversation"]["id"]),
            service_url=str(reference["serviceUrl"]),
            reference=reference,
            channel_key=channel_key,
        )
        await self.database(self.store.save_reference, stored, datetime.now(UTC))

    async def posted(self, tenant: Tenant, platform_message_id: str) -> Message | None:
        """Return what the bot posted in the tenant under a Teams id (``conversation:activity``), if it did."""
        return await self.database(self._posted, tenant.id, platform_message_id)

    def _posted(self, tenant_id: int, platform_message_id: str) -> Message | None:
        with self.deps.uow() as uow:
            return uow.outbox.posted(tenant_id, platform_message_id)
