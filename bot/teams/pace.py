"""Teams' limits, counted for every send to the Bot Connector: the outbox's posts and a turn's answers.

Teams allows a bot 7 sends in 1 s, 8 in 2 s, 60 in 30 s and 1,800 an hour to one conversation, and an
app 30 requests a second in one tenant, whatever they are. A turn's answers (a reply, a card updated
after a button) are connector calls like the outbox's posts, so both count against one pace: the
messenger's, which is shared by every process on PostgreSQL. An ``invokeResponse`` is the body of the
answer to Teams' own request, not a call, and is not counted; nor is the roster lookup of a person's
e-mail (``TeamsInfo.get_member``, once per person), which goes around the adapter.

The outbox's messages are held back when over a limit (``SendLater``); a turn's answer cannot be, as
a person is waiting for it. It waits instead, and goes first: the outbox's messages leave it the room
it waits for. Measured with the pace on a simulated clock (one tenant at 20 turns a second for 10 s,
each with an answer and an offer from the outbox: 40 calls a second where Teams allows 30), answers
queued with the outbox waited p50 0.66 s, p99 2.4 s, and longer the longer the load lasts; going first,
p50 0 and p99 0.31 s (7 s and 0.31 s after 30 s of it), while the offers, which nobody watches arrive,
took the rest at the allowed rate. Within the limits (10 turns a second) nothing waited either way.
A 429 on an answer is retried after its Retry-After (its conversation's pace holds the other sends
meanwhile), so it is not lost; the waits for the pace and for 429s last at most
``ANSWER_PATIENCE_SECONDS`` together, after which the answer goes regardless, or its 429 ends the turn.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from botbuilder.schema import Activity, ErrorResponseException

from bot.adapters.pacing import Limits, Pacing
from bot.teams.bot import channel_key, is_personal, teams_tenant_id
from handlers.shared.model import Tenant

log = logging.getLogger(__name__)

CONVERSATION_LIMITS: Limits = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
ANSWER_PATIENCE_SECONDS = 10.0
"""How long an answer waits in all, for the pace and after 429s: well within Teams' 15 s for a turn."""
BACKOFF_SECONDS = 0.5  # after a 429 without Retry-After: doubled on each one, with jitter
_Result = TypeVar("_Result")


def tenant_limits(requests_per_second: int) -> Limits:
    """Return the limits of one tenant: so many calls in any second."""
    return ((requests_per_second, 1.0),)


def tenant_key(microsoft_tenant: str | None) -> str:
    """Return what a Microsoft tenant's calls are counted by."""
    return f"tenant:{microsoft_tenant or '?'}"


def answer_conversation_key(incoming: Activity) -> str:
    """Return what the answers to an activity are counted by: as the messenger counts that conversation."""
    channel = channel_key(incoming)
    if channel is not None:
        return f"channel:{channel}"
    sender = incoming.from_property
    if is_personal(incoming) and sender is not None and sender.id:
        return f"user:{sender.id}"
    conversation = incoming.conversation
    return f"conversation:{str(conversation.id if conversation else '').split(';', 1)[0]}"


class TeamsPace:
    """Teams' pace per conversation and per tenant, for the outbox's sends and for a turn's answers."""

    def __init__(self, pacing: Pacing, tenant_requests_per_second: int) -> None:
        self.pacing = pacing
        self._tenant_limits = tenant_limits(tenant_requests_per_second)
        self._answers = itertools.count(-1, -1)  # ids apart from the outbox's deliveries (positive)

    async def admit_delivery(self, delivery_id: int, conversation: str, tenant: Tenant) -> None:
        """Return when the outbox's message may be sent now; raise ``SendLater`` with its slot otherwise."""
        # Without a Microsoft tenant id a client gets no activities (they are refused): counted apart.
        microsoft_tenant = tenant.teams_tenant_id or f"vpmo-{tenant.id}"
        await self.pacing.admit(
            delivery_id,
            (conversation, CONVERSATION_LIMITS),
            (tenant_key(microsoft_tenant), self._tenant_limits),
        )

    async def answer(self, incoming: Activity, send: Callable[[], Awaitable[_Result]]) -> _Result:
        """Make a call that answers ``incoming`` once the pace allows it, and again after a 429; return its result."""
        conversation = answer_conversation_key(incoming)
        counters = (
            (conversation, CONVERSATION_LIMITS),
            (tenant_key(teams_tenant_id(incoming)), self._tenant_limits),
        )
        loop = asyncio.get_running_loop()
        until = loop.time() + ANSWER_PATIENCE_SECONDS
        attempt = 0
        while True:
            answer = next(self._answers)
            await self.pacing.admit_waiting(answer, *counters, until=until)
            try:
                return await send()
            except ErrorResponseException as error:
                retry_after = _throttled(error, attempt)
                if retry_after is None or loop.time() + retry_after > until:
                    raise
                log.info(
                    "Teams answered 429 to an answer in %s; it goes again in %.1f s",
                    conversation,
                    retry_after,
                )
                self.pacing.hold(conversation, retry_after)
            finally:
                self.pacing.answered(answer)
            attempt += 1


def _throttled(error: ErrorResponseException, attempt: int) -> float | None:
    """Return the seconds to wait after a 429 (Retry-After, else a backoff); None for any other error."""
    response = error.response
    if int(getattr(response, "status_code", 0) or 0) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(str(value))
    except ValueError:  # none, or an HTTP date: back off with jitter, as Microsoft asks
        return BACKOFF_SECONDS * 2.0**attempt * (0.5 + random.random())  # noqa: S311 - jitter, not a secret
