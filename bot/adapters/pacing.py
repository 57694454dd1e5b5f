"""How fast the bot may post, per conversation and across a tenant, and when a held-back message may go.

Slack allows about one post per second per channel. Teams allows a bot 7 sends in 1 s, 8 in 2 s, 60
in 30 s and 1,800 an hour to one conversation, and an app 30 requests a second in one tenant. A
message over a limit is not waited for (that would hold up every other conversation): it is handed
back to the outbox with ``SendLater``. Each held-back message is given a slot of its own, the first
one free after those already promised, so that a backlog drains at the allowed rate. Telling them
all "in a second" would bring the whole backlog back at once, to send a few and hold back the rest
again: work that grows with the square of the backlog.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from handlers.shared.ports import SendLater

# At most so many sends in any so many seconds, for each pair.
Limits = tuple[tuple[int, float], ...]
PROMISES_KEPT = 10_000  # slots promised to messages that never came back (another process sent them)


class Pace:
    """Keeps sends within limits per counter (a conversation, a tenant), in the order they came."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._slots: dict[str, deque[float]] = {}
        self._promised: dict[int, float] = {}

    def admit(self, message_id: int, *counters: tuple[str, Limits]) -> None:
        """Return when the message may be sent now; raise ``SendLater`` with its slot otherwise.

        ``counters`` are what the send counts against, each with its limits: it goes when all allow.
        """
        now = self._monotonic()
        promised = self._promised.pop(message_id, None)
        if promised is not None and now < promised:
            self._promised[message_id] = promised
            raise SendLater(f"pacing sends to {counters[0][0]}", retry_after=promised - now)
        if promised is not None and now <= promised + _shortest(counters):
            return  # its slot was counted when it was held back
        # New, or back so late that its slot has passed: sent in a burst with later ones, it could
        # break a limit, so it queues again.
        slot = max(self._earliest(key, limits, now) for key, limits in counters)
        for key, _ in counters:
            self._slots[key].append(slot)
        if slot <= now:
            return
        self._promise(message_id, slot, now)
        raise SendLater(f"pacing sends to {counters[0][0]}", retry_after=slot - now)

    def _earliest(self, key: str, limits: Limits, now: float) -> float:
        slots = self._slots.setdefault(key, deque())
        longest = max(window for _, window in limits)
        while slots and slots[0] <= now - longest:
            slots.popleft()
        slot = max(now, slots[-1]) if slots else now  # never ahead of a message already waiting
        for limit, window in limits:
            if len(slots) >= limit:
                slot = max(slot, slots[-limit] + window)
        return slot

    def _promise(self, message_id: int, slot: float, now: float) -> None:
        if len(self._promised) >= PROMISES_KEPT:
            self._promised = {key: at for key, at in self._promised.items() if at > now - 60.0}
        self._promised[message_id] = slot


def _shortest(counters: tuple[tuple[str, Limits], ...]) -> float:
    return min(window for _, limits in counters for _, window in limits)
