"""How fast the bot may post, per conversation and across a tenant, and when a held-back message may go.

Slack allows about one post per second per channel. Teams allows a bot 7 sends in 1 s, 8 in 2 s, 60
in 30 s and 1,800 an hour to one conversation, and an app 30 requests a second in one tenant. A
message over a limit is not waited for (that would hold up every other conversation): it is handed
back to the outbox with ``SendLater``. Each held-back message is given a slot of its own, the first
one free after those already promised, so that a backlog drains at the allowed rate. Telling them
all "in a second" would bring the whole backlog back at once, to send a few and hold back the rest
again: work that grows with the square of the backlog.

A platform counts a send when it arrives, the bot when it lets it go: between the two are the event
loop, the connection pool and the network, a few milliseconds or, on a busy machine, half a second.
So a send is known to have arrived only by the time its answer came back (``Pace.answered``), and
the sends made are checked with that: one more goes only when the limits hold even if every earlier
send arrived as late as it could have. The slots are planned as far apart again as the answers
lately took, so that a message coming back at its slot is sent, not held back once more.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from handlers.shared.ports import SendLater

# At most so many sends in any so many seconds, for each pair.
Limits = tuple[tuple[int, float], ...]
Counters = tuple[tuple[str, Limits], ...]
PROMISES_KEPT = 10_000  # slots promised to messages that never came back (another process sent them)
ANSWER_TIMES_KEPT = 100  # the latest answer times: the margin kept between slots is ...
MARGIN_QUANTILE = 0.9  # ... the time within which so many of them came


@dataclass(slots=True)
class _Send:
    """One send: when it was let go, and when its answer came (None while it is under way)."""

    admitted: float  # when it was let go (or its request begun, if later)
    answered: float | None = None


class Pace:
    """Keeps sends within limits per counter (a conversation, a tenant), in the order they came.

    Two records per counter: the slots planned (a held-back message keeps its own), and the sends
    made, which decide: a message back late, or one whose slot was planned before a slow answer,
    waits until the sends made allow it.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._slots: dict[str, deque[float]] = {}
        self._spaced: dict[str, list[float]] = {}
        self._sent: dict[str, deque[_Send]] = {}
        self._under_way: dict[int, _Send] = {}
        self._answer_times: deque[float] = deque(maxlen=ANSWER_TIMES_KEPT)
        self._held: dict[str, float] = {}
        self._promised: dict[int, float] = {}

    def admit(self, message_id: int, *counters: tuple[str, Limits]) -> None:
        """Return when the message may be sent now; raise ``SendLater`` with its slot otherwise.

        ``counters`` are what the send counts against, each with its limits: it goes when all allow.
        The first is the conversation (its messages keep their order), the others are shared by many
        conversations (a workspace, a tenant): a message that may go now does not wait behind another
        conversation's slot. Once the platform answered, call :meth:`answered`.
        """
        counters = _paced(counters)
        if not counters:
            return
        now = self._monotonic()
        promised = self._promised.pop(message_id, None)
        if promised is not None and now < promised:
            self._later(message_id, counters, promised, now)
        allowed = max(self._allowed(key, limits, now) for key, limits in counters)
        if promised is None or now > promised + _shortest(counters):
            # New, or back so late that its slot has passed: sent in a burst with later ones, it could
            # break a limit, so it queues again (in place of its old slot).
            if promised is not None:
                self._unplan(counters, promised)
            promised = self._slot(counters, max(now, allowed), now)
        # Back at its slot, it may still have to wait a little for a slow answer to an earlier send.
        if max(promised, allowed) > now:
            self._later(message_id, counters, max(promised, allowed), now)
        send = _Send(now)
        self._under_way[message_id] = send
        for key, _ in counters:
            self._sent[key].append(send)

    def leaving(self, message_id: int) -> None:
        """Record that the admitted message's request is being made now (after lookups of its own)."""
        send = self._under_way.get(message_id)
        if send is not None:
            send.admitted = self._monotonic()

    def answered(self, message_id: int) -> None:
        """Record that the platform answered the message's send (taken or refused)."""
        send = self._under_way.pop(message_id, None)
        if send is not None:
            send.answered = self._monotonic()
            self._answer_times.append(send.answered - send.admitted)

    def hold(self, key: str, seconds: float) -> None:
        """Send nothing more to ``key`` for ``seconds`` (the platform answered 429 with Retry-After)."""
        until = self._monotonic() + seconds
        self._held[key] = max(self._held.get(key, until), until)

    @property
    def _margin(self) -> float:
        # Most answers, not the slowest: a slot planned too close is only held back once more.
        if not self._answer_times:
            return 0.0
        times = sorted(self._answer_times)
        return times[int(len(times) * MARGIN_QUANTILE)]

    def _later(self, message_id: int, counters: Counters, slot: float, now: float) -> NoReturn:
        self._promise(message_id, slot, now)
        raise SendLater(f"pacing sends to {counters[0][0]}", retry_after=slot - now)

    def _allowed(self, key: str, limits: Limits, now: float) -> float:
        """Return the first moment the sends made (and a platform's hold) allow one more to ``key``.

        A send counts in a window until its answer came back that long ago; one under way counts as
        if it were answered now.
        """
        sent = self._sent.setdefault(key, deque())
        longest = max(window for _, window in limits)
        while sent and sent[0].answered is not None and sent[0].answered <= now - longest:
            sent.popleft()
        allowed = self._held.get(key, now)
        for limit, window in limits:
            if len(sent) < limit:
                continue
            ends = sorted(now if s.answered is None else s.answered for s in sent)
            recent = [end for end in ends if end > now - window]
            if len(recent) >= limit:
                allowed = max(allowed, recent[len(recent) - limit] + window)
        return allowed

    def _slot(self, counters: Counters, start: float, now: float) -> float:
        """Plan the first moment from ``start`` that all counters allow, and count it against them.

        A conversation's messages go in the order they came. A shared counter's slots are kept
        sorted, and a new one takes the first moment with room (see ``_free``).
        """
        (conversation, limits), shared = counters[0], counters[1:]
        slot = max(start, self._earliest(conversation, limits, now))
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

    def _unplan(self, counters: Counters, slot: float) -> None:
        (conversation, _), shared = counters[0], counters[1:]
        if slot in self._slots.get(conversation, ()):
            self._slots[conversation].remove(slot)
        for key, _ in shared:
            slots = self._spaced.get(key, [])
            index = bisect.bisect_left(slots, slot)
            if index < len(slots) and slots[index] == slot:
                del slots[index]

    def _free(self, key: str, limits: Limits, start: float, now: float) -> float:
        """Return the first moment from ``start`` at which one more slot keeps the key's limits.

        Every window that could hold the new slot lies within one window before and one after it:
        fewer than ``limit`` slots there leave room. A slot after all the others (the usual case)
        so gets the platform's burst; one between others is checked on the safe side.
        """
        slots = self._spaced.setdefault(key, [])
        del slots[: bisect.bisect_right(slots, now - max(window for _, window in limits) - self._margin)]
        at = start
        moved = True
        while moved:
            moved = False
            for limit, window in limits:
                span = window + self._margin
                first = bisect.bisect_right(slots, at - span)
                last = bisect.bisect_left(slots, at + span)
                if last - first >= limit:
                    # Past the window of the earliest slot near it (or past that slot, if it is later).
                    at = max(at, slots[first] + span) if slots[first] <= at else slots[first] + span
                    moved = True
        return at

    def _earliest(self, key: str, limits: Limits, now: float) -> float:
        slots = self._slots.setdefault(key, deque())
        longest = max(window for _, window in limits)
        while slots and slots[0] <= now - longest - self._margin:
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


def _paced(counters: Counters) -> Counters:
    """Return the counters with the limits that pace at all (a window of 0 s is no limit)."""
    paced = ((key, tuple((n, w) for n, w in limits if w > 0)) for key, limits in counters)
    return tuple((key, limits) for key, limits in paced if limits)


def _shortest(counters: Counters) -> float:
    return min(window for _, limits in counters for _, window in limits)
