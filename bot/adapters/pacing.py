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

import bisect
import time
from collections import deque
from collections.abc import Callable
from typing import NoReturn

from handlers.shared.ports import SendLater

# At most so many sends in any so many seconds, for each pair.
Limits = tuple[tuple[int, float], ...]
# A send is counted when it is let go, the platform counts it when it arrives: between the two are the
# event loop, the connection pool and the network. Sends to one counter are kept so much further apart
# that such a delay of one does not bring two into one of the platform's windows.
ARRIVAL_MARGIN_SECONDS = 0.0
PROMISES_KEPT = 10_000  # slots promised to messages that never came back (another process sent them)


class Pace:
    """Keeps sends within limits per counter (a conversation, a tenant), in the order they came.

    Two records per counter: the slots planned (a held-back message keeps its own), and the sends
    made. A message that comes back late is sent when the sends made allow it, not merely its slot:
    sent late beside one sent on time, two could fall in one window of the platform.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, *, margin: float = 0.0) -> None:
        self._monotonic = monotonic
        self._margin = margin
        self._slots: dict[str, deque[float]] = {}
        self._spaced: dict[str, list[float]] = {}
        self._sent: dict[str, deque[float]] = {}
        self._held: dict[str, float] = {}
        self._promised: dict[int, float] = {}

    def admit(self, message_id: int, *counters: tuple[str, Limits]) -> None:
        """Return when the message may be sent now; raise ``SendLater`` with its slot otherwise.

        ``counters`` are what the send counts against, each with its limits: it goes when all allow.
        """
        now = self._monotonic()
        promised = self._promised.pop(message_id, None)
        if promised is not None and now < promised:
            self._later(message_id, counters, promised, now)
        if promised is None or now > promised + _shortest(counters):
            # New, or back so late that its slot has passed: sent in a burst with later ones, it could
            # break a limit, so it queues again.
            promised = self._slot(counters, now)
        allowed = max([promised, *(self._allowed(key, limits, now) for key, limits in counters)])
        if allowed > now:
            self._later(message_id, counters, allowed, now)
        for key, _ in counters:
            self._sent[key].append(now)

    def hold(self, key: str, seconds: float) -> None:
        """Send nothing more to ``key`` for ``seconds`` (the platform answered 429 with Retry-After)."""
        until = self._monotonic() + seconds
        self._held[key] = max(self._held.get(key, until), until)

    def _later(
        self, message_id: int, counters: tuple[tuple[str, Limits], ...], slot: float, now: float
    ) -> NoReturn:
        self._promise(message_id, slot, now)
        raise SendLater(f"pacing sends to {counters[0][0]}", retry_after=slot - now)

    def _allowed(self, key: str, limits: Limits, now: float) -> float:
        """Return the first moment the sends made (and a platform's hold) allow one more to ``key``."""
        sent = self._sent.setdefault(key, deque())
        longest = max(window for _, window in limits)
        while sent and sent[0] <= now - longest:
            sent.popleft()
        allowed = self._held.get(key, now)
        for limit, window in limits:
            if len(sent) >= limit:
                allowed = max(allowed, sent[-limit] + window + self._margin)
        return allowed

    def _slot(self, counters: tuple[tuple[str, Limits], ...], now: float) -> float:
        """Plan the first moment all counters allow, and count it against them.

        The first counter is the conversation: its messages go in the order they came. The others
        (a workspace, a tenant) are shared by many conversations: a message that may go now must not
        wait behind another conversation's slot, so their slots are kept apart by the allowed interval
        and a new one takes the first gap that is free.
        """
        (conversation, limits), shared = counters[0], counters[1:]
        slot = self._earliest(conversation, limits, now)
        moved = True
        while moved:
            moved = False
            for key, shared_limits in shared:
                free = self._free(key, shared_limits, slot, now)
                moved = moved or free > slot
                slot = free
        self._slots[conversation].append(slot)
        for key, _ in shared:
            bisect.insort(self._spaced[key], slot)
        return slot

    def _free(self, key: str, limits: Limits, start: float, now: float) -> float:
        """Return the first moment from ``start`` that is an allowed interval away from the key's slots."""
        slots = self._spaced.setdefault(key, [])
        del slots[: bisect.bisect_right(slots, now - max(window for _, window in limits))]
        step = max((window + self._margin) / limit for limit, window in limits)
        at = start
        index = bisect.bisect_left(slots, at)
        if index and slots[index - 1] > at - step:
            at = slots[index - 1] + step
        while index < len(slots) and slots[index] < at + step:
            at = max(at, slots[index] + step)
            index += 1
        return at

    def _earliest(self, key: str, limits: Limits, now: float) -> float:
        slots = self._slots.setdefault(key, deque())
        longest = max(window for _, window in limits)
        while slots and slots[0] <= now - longest:
            slots.popleft()
        # Never ahead of a message already waiting, nor of the end of a platform's hold.
        slot = max(now, self._held.get(key, now), slots[-1] if slots else now)
        for limit, window in limits:
            if len(slots) >= limit:
                slot = max(slot, slots[-limit] + window + self._margin)
        return slot

    def _promise(self, message_id: int, slot: float, now: float) -> None:
        if len(self._promised) >= PROMISES_KEPT:
            self._promised = {key: at for key, at in self._promised.items() if at > now - 60.0}
        self._promised[message_id] = slot


def _shortest(counters: tuple[tuple[str, Limits], ...]) -> float:
    return min(window for _, limits in counters for _, window in limits)
