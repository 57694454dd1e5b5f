"""Delivering outbox messages to Teams: proactive DMs and channel posts, failures classified.

Message ids come back as ``conversation:activity`` (the conversation id without a thread suffix), the
form in which a ``messageReaction`` names the message it is about.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

from bot.render import reader_for
from bot.teams.bot import render_activity
from handlers.ports import Delivery, PermanentSendError, SendLater, Sent, TransientSendError
from storage.platform_store import PlatformStore, TeamsReference

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"
PACE_WINDOW_SECONDS = 1.0
PACE_LIMIT = 7  # Teams allows 7 sends per second per bot per conversation
TRANSIENT_STATUSES = frozenset({408, 412, 429})
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 413})


class TeamsMessenger:
    """Sends through the Bot Connector with stored conversation references, pacing each conversation."""

    def __init__(
        self,
        adapter: CloudAdapter,
        store: PlatformStore,
        app_id: str,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._adapter = adapter
        self._store = store
        self._app_id = app_id
        self._monotonic = monotonic
        self._recent: dict[str, deque[float]] = {}

    async def send(self, delivery: Delivery) -> Sent:
        """Post the message; raise TransientSendError or PermanentSendError as the connector answers."""
        reference = await self._reference(delivery)
        self._pace(reference.conversation_id)
        activity = render_activity(delivery.message, reader_for(delivery.tenant, delivery.recipient))
        try:
            if delivery.message.to_channel:
                conversation_id, activity_id = await self._post_in_channel(reference, activity)
            else:
                conversation_id, activity_id = await self._send_direct(reference, activity)
        except ErrorResponseException as error:
            raise _classify(error) from error
        except (PermanentSendError, TransientSendError):
            raise
        except Exception as error:  # the connector's transport errors (timeouts, refused connections)
            log.warning("Teams send failed: %s: %s", type(error).__name__, error)
            raise TransientSendError(f"Bot Connector unreachable: {type(error).__name__}") from error
        return Sent(platform_message_id=f"{conversation_id.split(';', 1)[0]}:{activity_id}")

    async def _reference(self, delivery: Delivery) -> TeamsReference:
        tenant_id = delivery.tenant.id
        channel = delivery.message.to_channel
        if channel:
            found = await asyncio.to_thread(self._store.teams_reference_of_channel, tenant_id, channel)
            if found is None:
                raise PermanentSendError(f"the app has not been added to the Teams channel {channel}")
            return found
        person = delivery.recipient
        if person is None or not person.teams_id:
            name = person.name if person else "?"
            raise PermanentSendError(f"{name} has no Teams identity (teams_id) in the client's configuration")
        found = await asyncio.to_thread(self._store.teams_reference_of_user, tenant_id, person.teams_id)
        if found is None:
            raise PermanentSendError(
                f"{person.name} has not installed the app: ask them to add the bot in Teams ({person.teams_id})"
            )
        return found

    def _pace(self, conversation_id: str) -> None:
        # Waiting here would hold up every other conversation: defer this message instead.
        now = self._monotonic()
        recent = self._recent.setdefault(conversation_id, deque())
        while recent and recent[0] <= now - PACE_WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= PACE_LIMIT:
            raise SendLater(
                f"pacing sends to {conversation_id}", retry_after=recent[0] + PACE_WINDOW_SECONDS - now
            )
        recent.append(now)

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

    async def _post_in_channel(self, reference: TeamsReference, activity: Activity) -> tuple[str, str]:
        stored: dict[str, Any] = reference.reference
        conversation = stored.get("conversation") or {}
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount().deserialize(stored.get("bot") or {}),
            channel_data={"channel": {"id": reference.channel_key}},
            tenant_id=conversation.get("tenantId"),
            activity=activity,
        )
        created: list[tuple[str, str]] = []

        async def callback(context: TurnContext) -> None:
            incoming = context.activity
            created.append((str(incoming.conversation.id), str(incoming.id or "")))

        await self._adapter.create_conversation(
            self._app_id, callback, parameters, CHANNEL_ID, reference.service_url
        )
        return created[0] if created else (reference.conversation_id, "")


def _classify(error: ErrorResponseException) -> Exception:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    if status in TRANSIENT_STATUSES or status >= 500:
        return TransientSendError(f"Bot Connector answered {status}", _retry_after(headers))
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
