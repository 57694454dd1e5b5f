"""How fast the bot may post to one conversation, and when a message held back may go.

Slack allows about one post per second per channel, Teams seven sends per second per conversation.
A message over the limit is not waited for (that would hold up every other conversation): it is
handed back to the outbox with ``SendLater``. Each held-back message is given a slot of its own, the
first one free after those already promised, so that a backlog for one conversation drains at the
allowed rate. Telling them all "in a second" would bring the whole backlog back at once, to send
a few and hold back the rest again: work that grows with the square of the backlog.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from handlers.ports import SendLater

RESERVATIONS_KEPT = 10_000  # slots promised to messages that never came back (another process sent them)


class ConversationPace:
    """At most ``limit`` sends in any ``window`` seconds to one conversation, in the order they came."""

    def __init__(self, limit: int, window: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = window
        self._monotonic = monotonic
        self._slots: dict[str, deque[float]] = {}
        self._promised: dict[int, float] = {}

    def admit(self, conversation: str, message_id: int) -> None:
        """Return when the message may be sent now; raise ``SendLater`` with its slot otherwise."""
        now = self._monotonic()
        promised = self._promised.pop(message_id, None)
        if promised is not None and now < promised:
            self._promised[message_id] = promised
            raise SendLater(f"pacing sends to {conversation}", retry_after=promised - now)
        if promised is not None and now <= promised + self._window:
            return  # its slot was counted when it was held back
        # New, or back so late that its slot has passed: sent in a burst with later ones, it could
        # break the limit, so it queues again.
        slot = self._next_slot(conversation, now)
        if slot <= now:
            return
        self._promise(message_id, slot, now)
        raise SendLater(f"pacing sends to {conversation}", retry_after=slot - now)

    def _next_slot(self, conversation: str, now: float) -> float:
        slots = self._slots.setdefault(conversation, deque())
        while slots and slots[0] <= now - self._window:
            slots.popleft()
        slot = max(now, slots[-1]) if slots else now  # never ahead of a message already waiting
        if len(slots) >= self._limit:
            slot = max(slot, slots[-self._limit] + self._window)
        slots.append(slot)
        return slot

    def _promise(self, message_id: int, slot: float, now: float) -> None:
        if len(self._promised) >= RESERVATIONS_KEPT:
            self._promised = {key: at for key, at in self._promised.items() if at > now - self._window}
        self._promised[message_id] = slot
