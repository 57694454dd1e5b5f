"""Delivering outbox messages to Teams: proactive DMs and channel posts, failures classified.

Message ids come back as ``conversation:activity`` (the conversation id without a thread suffix), the
form in which a ``messageReaction`` names the message it is about. An edit in place (``Delivery.replaces``)
updates that activity (in a channel: in the post's own thread), and gets the same id back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

from bot.adapters.pacing import Pacing, SharedSends
from bot.adapters.render import reader_for
from bot.teams.bot import platform_message_id, render_activity
from bot.teams.http import PacedAdapter
from handlers.shared.ports import Delivery, PermanentSendError, Sent, TransientSendError
from handlers.shared.text import Text
from storage.db import DatabaseWork, in_worker_thread
from storage.teams_store import TeamsReference, TeamsStore

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"
USER_ID_PREFIX = "29:"
"""How a Teams user's id begins (a channel's begins 19:): an address of a person's personal chat."""
TRANSIENT_STATUSES = frozenset({408, 412, 429})
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 413})


@dataclass(frozen=True, slots=True)
class _Destination:
    """A Teams conversation a message goes to: a channel, or a person's personal chat with the bot.

    A person is found by the ``teams_id`` the client's configuration gives, or else (configured by
    e-mail alone) by the chat the bot linked to them when they opened the app.
    """

    channel: str | None = None
    user: str = ""
    person: int | None = None

    @property
    def key(self) -> str:
        """Return what the conversation is paced by."""
        if self.channel is not None:
            return f"channel:{self.channel}"
        return f"user:{self.user}" if self.user else f"person:{self.person}"


def _destination(delivery: Delivery) -> _Destination:
    to = delivery.message.to_channel
    if to and to.startswith(USER_ID_PREFIX):
        # Addressed to the Teams account that pressed a button (see TeamsBot): its personal chat.
        return _Destination(user=to, person=delivery.recipient.id if delivery.recipient else None)
    if to:
        return _Destination(channel=to)
    person = delivery.recipient
    if person is None:
        raise PermanentSendError(
            "the message has no recipient on Teams", Text.of("undeliverable.no_teams_id")
        )
    return _Destination(user=person.teams_id or "", person=person.id)


class TeamsMessenger:
    """Sends through the Bot Connector with stored conversation references, pacing each conversation.

    Its pace is the adapter's too: the turns' answers count against the same conversations and tenants.
    """

    def __init__(
        self,
        adapter: PacedAdapter,
        store: TeamsStore,
        app_id: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        shared_pace: SharedSends | None = None,
        public_url: str = "",
        database: DatabaseWork = in_worker_thread,
    ) -> None:
        self._adapter = adapter
        self._database = database
        self._public_url = public_url
        self._store = store
        self._app_id = app_id
        self._pace = adapter.paced_by(Pacing(monotonic, shared_pace))

    async def send(self, delivery: Delivery) -> Sent:
        """Post the message; raise TransientSendError or PermanentSendError as the connector answers."""
        destination = _destination(delivery)
        # Paced before the reference is read: a message held back must cost as little as possible.
        pacing = self._pace.pacing
        await self._pace.admit_delivery(delivery.id, destination.key, delivery.tenant)
        try:
            conversation_id, activity_id = await self._send(delivery, destination)
        except TransientSendError as error:
            if error.retry_after is not None:
                pacing.hold(destination.key, error.retry_after)
            raise
        finally:
            pacing.answered(delivery.id)
        return Sent(platform_message_id=platform_message_id(conversation_id, activity_id))

    async def _send(self, delivery: Delivery, destination: _Destination) -> tuple[str, str]:
        reference = await self._reference(delivery, destination)
        reader = reader_for(delivery.tenant, delivery.recipient)
        activity = render_activity(delivery.message, reader, public_url=self._public_url)
        self._pace.pacing.leaving(delivery.id)
        try:
            if delivery.replaces is not None:
                return await self._update(reference, activity, delivery.replaces)
            if destination.channel is not None:
                tenant = delivery.tenant.teams_tenant_id
                return await self._post_in_channel(reference, activity, tenant)
            return await self._send_direct(reference, activity)
        except ErrorResponseException as error:
            # A refused edit is about the post (deleted, say), not the channel: the channel's advice is not for it.
            channel = destination.channel if delivery.replaces is None else None
            raise _classify(error, channel=channel) from error
        except (PermanentSendError, TransientSendError):
            raise
        except Exception as error:  # the connector's transport errors (timeouts, refused connections)
            log.warning("Teams send failed: %s: %s", type(error).__name__, error)
            raise TransientSendError(f"Bot Connector unreachable: {type(error).__name__}") from error

    async def _reference(self, delivery: Delivery, destination: _Destination) -> TeamsReference:
        tenant_id = delivery.tenant.id
        if destination.channel is not None:
            found = await self._database(self._store.reference_of_channel, tenant_id, destination.channel)
            if found is None:
                raise PermanentSendError(
                    f"the app has not been added to the Teams channel {destination.channel}",
                    Text.of("undeliverable.teams_channel"),
                )
            return found
        found = None
        if destination.user:
            found = await self._database(self._store.reference_of_user, tenant_id, destination.user)
        if found is None and destination.person is not None:
            # Known by e-mail (no teams_id, or one of another app): the chat linked to them when they
            # opened the app, found by the roster's e-mail.
            found = await self._database(self._store.reference_of_person, tenant_id, destination.person)
        if found is not None:
            return found
        name = delivery.recipient.name if delivery.recipient else "?"
        if not destination.user:
            raise PermanentSendError(
                f"{name} has no Teams identity (teams_id) in the client's configuration and has not "
                "opened the app in Teams",
                Text.of("undeliverable.no_teams_id"),
            )
        raise PermanentSendError(
            f"{name} has not installed the app: ask them to add the bot in Teams ({destination.user})",
            Text.of("undeliverable.teams_not_installed"),
        )

    async def _send_direct(self, reference: TeamsReference, activity: Activity) -> tuple[str, str]:
        conversation_reference = ConversationReference().deserialize(reference.reference)
        sent: list[str] = []
        failed: list[Exception] = []

        async def callback(context: TurnContext) -> None:
            # The adapter hands a turn's exception to on_turn_error and swallows it: carry it out.
            try:
                response = await context.send_activity(activity)
            except Exception as error:
                failed.append(error)
                return
            sent.append(str(response.id) if response is not None else "")

        await self._adapter.continue_conversation(conversation_reference, callback, self._app_id)
        if failed:
            raise failed[0]
        return reference.conversation_id, sent[0] if sent else ""

    async def _update(self, reference: TeamsReference, activity: Activity, post: str) -> tuple[str, str]:
        """Replace the bot's earlier activity ``post`` (``conversation:activity``) with this one."""
        conversation, _, activity_id = post.rpartition(":")
        conversation_reference = ConversationReference().deserialize(reference.reference)
        # A channel post is the first activity of a thread of its own, and is updated in that thread.
        in_channel = reference.channel_key is not None
        thread = f"{conversation};messageid={activity_id}" if in_channel else conversation
        conversation_reference.conversation.id = thread
        activity.id = activity_id
        failed: list[Exception] = []

        async def callback(context: TurnContext) -> None:
            try:
                await context.update_activity(activity)
            except Exception as error:  # carried out of the turn, as in _send_direct
                failed.append(error)

        await self._adapter.continue_conversation(conversation_reference, callback, self._app_id)
        if failed:
            raise failed[0]
        return conversation, activity_id

    async def _post_in_channel(
        self, reference: TeamsReference, activity: Activity, tenant: str | None
    ) -> tuple[str, str]:
        stored: dict[str, Any] = reference.reference
        # The Microsoft tenant goes in channelData, as Teams itself sends it: botbuilder's
        # ConversationAccount reads "tenantID" where Teams writes "tenantId", so a stored reference
        # never has it.
        channel_data: dict[str, Any] = {"channel": {"id": reference.channel_key}}
        if tenant:
            channel_data["tenant"] = {"id": tenant}
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount().deserialize(stored.get("bot") or {}),
            channel_data=channel_data,
            tenant_id=tenant,
            activity=activity,
        )
        created: list[tuple[str, str]] = []

        async def callback(context: TurnContext) -> None:
            # A new channel post is a thread of its own: "19:…@thread.tacv2;messageid=<its id>". The
            # id in the thread is the one a reaction's replyToId names; botbuilder puts a random id
            # in the activity when the connector's answer has no activityId.
            incoming = context.activity
            conversation = str(incoming.conversation.id)
            _, _, thread = conversation.partition(";messageid=")
            created.append((conversation, thread or str(incoming.id or "")))

        await self._adapter.create_conversation(
            self._app_id, callback, parameters, CHANNEL_ID, reference.service_url
        )
        return created[0] if created else (reference.conversation_id, "")


def _classify(error: ErrorResponseException, *, channel: str | None = None) -> Exception:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    if status in TRANSIENT_STATUSES or status >= 500:
        return TransientSendError(f"Bot Connector answered {status}", _retry_after(headers))
    if channel is not None and status in (403, 404):
        # The app was removed from the channel's team, or the channel is gone or another one.
        return PermanentSendError(
            f"Teams refused the post in channel {channel}: {status}", Text.of("undeliverable.teams_channel")
        )
    if status in PERMANENT_STATUSES:
        return PermanentSendError(f"Teams refused it: {status}")
    log.warning("unexpected Bot Connector answer %s; retrying later", status)
    return TransientSendError(f"Bot Connector answered {status}")


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: let the dispatcher back off with jitter instead
