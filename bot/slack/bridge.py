"""What the Slack listeners need beyond the shared bridge: Slack identities, mentions and DM replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.bridge import AsyncLookup, PlatformBridge
from bot.slack import markup
from handlers import commands
from handlers.challenges import commands as challenges
from handlers.service import Identity, LookupDeferredError, Outcome, platform_dropped_events
from handlers.shared.model import Tenant
from handlers.sparring import commands as sparring
from storage.slack_store import SlackStore

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SlackBridge(PlatformBridge[SlackStore]):
    """The Slack adapter's access to the core: every listener goes through here."""

    platform = "slack"

    def _find_tenant(self, platform_tenant_id: str) -> Tenant | None:
        with self.deps.uow() as uow:
            return uow.tenants.find(slack_team_id=platform_tenant_id)

    def cached_identity(self, team_id: str, user_id: str) -> Identity:
        """Return what we know of a Slack user without asking Slack."""
        return Identity(slack_id=user_id, email=self.emails.email((team_id, user_id)))

    async def read(self, tenant: Tenant, team_id: str, command: commands.Command) -> commands.Command:
        """Return typed text with Slack's markup read: its mentions as people, its plain text for the rules."""
        if isinstance(command, challenges.SubmitChallenge):
            return replace(command, plain=markup.plain(command.text))
        if not isinstance(command, sparring.RequestSparring | sparring.FreeText):
            return command
        mentions = [
            await self._mentioned(tenant, team_id, user) for user in markup.mentioned_ids(command.text)
        ]
        return replace(command, plain=markup.plain(command.text), mentions=tuple(mentions))

    async def _mentioned(self, tenant: Tenant, team_id: str, user_id: str) -> str:
        """Return the person a Slack mention names as the core knows them: by e-mail."""
        person = await self.person(tenant, self.cached_identity(team_id, user_id))
        # Someone the tenant does not know goes on as written, so the core can say it knows no such senior.
        return person.email if person is not None else user_id

    async def run_as(
        self,
        client: AsyncWebClient | None,
        tenant: Tenant,
        team_id: str,
        user_id: str,
        command: commands.Command,
        *,
        in_dm: bool = False,
        invites_in_dm: bool = False,
        event_id: str | None = None,
    ) -> Outcome:
        """Run a command as a Slack user, once: by their Slack id, or by their e-mail if that is unknown.

        Without a ``client`` (in an ack, which cannot wait for Slack) an unknown Slack id changes
        nothing and the outcome is ``unresolved``: run it again after the answer, with the client.
        With ``in_dm`` the replies go to the user's DM through the outbox, in the command's transaction,
        as does the ``event_id`` of the event that carried the command (a redelivery runs nothing).
        With ``invites_in_dm`` only the replies with a calendar invite go there, where the messenger
        shares the file (an answer to a click, in place or ephemeral, cannot carry one).
        """
        identity = self.cached_identity(team_id, user_id)

        async def email_of(_: Identity) -> str | None:
            if client is None:
                raise LookupDeferredError
            return await self._email_of(client, team_id, user_id)

        # A DM has no trigger to open a modal with: there the intake is the guided dialogue.
        return await self.run(
            tenant,
            identity,
            command,
            lookup=email_of,
            reply_to=user_id if in_dm else None,
            invites_to=user_id if invites_in_dm else None,
            shows_forms=not in_dm,
            event_id=event_id,
        )

    def email_lookup(self, client: AsyncWebClient, team_id: str, user_id: str) -> AsyncLookup:
        """Return the lookup of a Slack user's e-mail (``users.info``, asked once and then kept)."""

        async def lookup(_: Identity) -> str | None:
            return await self._email_of(client, team_id, user_id)

        return lookup

    async def _email_of(self, client: AsyncWebClient, team_id: str, user_id: str) -> str | None:
        known, email = self.emails.get((team_id, user_id))
        if known:
            return email
        try:
            answer = await client.users_info(user=user_id)
            profile = (answer.get("user") or {}).get("profile") or {}
            email = profile.get("email")
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            email = None
        self.emails.put((team_id, user_id), email)
        return email

    async def events_dropped(self, team_id: str, minute: int) -> None:
        """Slack dropped the workspace's events from ``minute`` on (``app_rate_limited``: over 30,000 an hour).

        Reactions among them are votes no event will bring: the agenda reconciles every challenge's
        post with ``reactions.get`` first, and the coordinators hear (once an hour) that votes may lag.
        """
        log.warning(
            "Slack is dropping events of workspace %s (app_rate_limited from %s): over 30,000 an hour",
            team_id,
            _minute(minute),
        )
        tenant = await self.tenant(team_id)
        if tenant is None:
            return
        at = _moment(minute) or self.deps.clock.now()
        await self.database(platform_dropped_events, self.deps, tenant.slug, at)
        self.kick()


def _minute(epoch: int) -> str:
    """Return Slack's minute (seconds since the epoch) as UTC, or "?" when it is none."""
    moment = _moment(epoch)
    return moment.isoformat(timespec="minutes") if moment is not None else "?"


def _moment(epoch: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(epoch, UTC) if epoch > 0 else None
    except (OverflowError, OSError, ValueError):
        return None
