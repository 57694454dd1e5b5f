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

Several processes on one PostgreSQL database (replicas, a worker) claim from one outbox, and each
plans only its own sends: together they would post a multiple of what a platform allows. So there
:class:`Pacing` also asks the database (:class:`SharedSends`, ``storage.pace_store``) before a send
goes: one call checks it against the sends of every process and records it, or says when one more
is allowed, and the message is then given its slot from that moment. A 429's hold is shared too.

A send that a person is waiting for (the answer within a turn) is not handed back: it waits, and it
goes ahead of the held-back messages (:meth:`Pacing.admit_waiting`). Only the sends made and a
platform's hold decide when, not the slots planned for the outbox, which can wait for later ones.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import NoReturn, Protocol

from handlers.shared.ports import SendLater

# At most so many sends in any so many seconds, for each pair.
Limits = tuple[tuple[int, float], ...]
Counters = tuple[tuple[str, Limits], ...]
PROMISES_KEPT = 10_000  # slots promised to messages that never came back (another process sent them)
ANSWER_TIMES_KEPT = 100  # the latest answer times: the margin kept between slots is ...
MARGIN_QUANTILE = 0.9  # ... the time within which so many of them came
SHARED_THREADS = 4  # the database calls of a shared pace, as many as its store has connections
# An answer is written with the next send's admission, or after this long when none comes: other
# processes count a send as under way until then, so the wait is short.
ANSWERS_WAIT_SECONDS = 0.01
UNREADABLE_RETRY_SECONDS = 1.0  # a message waits so long when the shared sends cannot be read

log = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
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
        self._answers_waiting: dict[int, Counters] = {}  # answers that wait for the sends made (admit_first)
        self._waiting: Counter[str] = Counter()  # how many of them wait for each counter

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
        # The room that answers wait for is theirs: they go first.
        allowed = max(self._allowed(key, limits, now, self._waiting[key]) for key, limits in counters)
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

    def refused(self, message_id: int, seconds: float, *counters: tuple[str, Limits]) -> NoReturn:
        """Take the admitted message back, as others' sends allow one more only in ``seconds``; raise ``SendLater``.

        It keeps its slot, as one back at its slot that waits for a slow answer does: planned anew, it
        would go behind every message queued since (``counters`` as it was admitted with).
        """
        counters = _paced(counters)
        now = self._monotonic()
        self._withdraw(message_id, counters)
        self._later(message_id, counters, now + seconds, now)

    def admit_first(self, send_id: int, *counters: tuple[str, Limits]) -> float:
        """Admit a send that a person waits for, ahead of held-back messages: 0.0, or the seconds to wait.

        The sends made (and a platform's hold) decide, not the slots planned: those are for messages
        that can wait. The send takes a slot of each shared counter too, so that the messages held
        back from now on are planned around it. Once the platform answered, call :meth:`answered`.
        """
        counters = _paced(counters)
        if not counters:
            return 0.0
        now = self._monotonic()
        allowed = max(self._allowed(key, limits, now) for key, limits in counters)
        if allowed > now:
            self._wait(send_id, counters)
            return allowed - now
        self.record(send_id, *counters)
        return 0.0

    def record(self, send_id: int, *counters: tuple[str, Limits]) -> None:
        """Count a send let go now against the counters, whatever they allow."""
        counters = _paced(counters)
        self.stop_waiting(send_id)
        now = self._monotonic()
        send = _Send(now)
        self._under_way[send_id] = send
        for key, _ in counters:
            self._sent.setdefault(key, deque()).append(send)
        for key, _ in counters[1:]:
            bisect.insort(self._spaced.setdefault(key, []), now)

    def stop_waiting(self, send_id: int) -> None:
        """Forget that a send admitted first waits (it went, or its turn gave up on it)."""
        counters = self._answers_waiting.pop(send_id, ())
        for key, _ in counters:
            self._waiting[key] -= 1
            if self._waiting[key] <= 0:
                del self._waiting[key]

    def withdraw(self, send_id: int, *counters: tuple[str, Limits]) -> None:
        """Take back a send admitted first that did not go; it waits again (``counters`` as admitted with)."""
        counters = _paced(counters)
        send = self._under_way.get(send_id)
        self._withdraw(send_id, counters)
        if send is not None:
            self._unplan(counters, send.admitted)
        self._wait(send_id, counters)

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

    def _wait(self, send_id: int, counters: Counters) -> None:
        if send_id not in self._answers_waiting:
            self._answers_waiting[send_id] = counters
            self._waiting.update(key for key, _ in counters)

    def _withdraw(self, send_id: int, counters: Counters) -> None:
        send = self._under_way.pop(send_id, None)
        if send is not None:
            for key, _ in counters:
                self._sent[key].remove(send)

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

    def _allowed(self, key: str, limits: Limits, now: float, reserved: int = 0) -> float:
        """Return the first moment the sends made (and a platform's hold) allow one more to ``key``.

        A send counts in a window until its answer came back that long ago; one under way counts as
        if it were answered now. ``reserved`` sends more are counted as made: the answers waiting.
        """
        sent = self._sent.setdefault(key, deque())
        longest = max(window for _, window in limits)
        while sent and sent[0].answered is not None and sent[0].answered <= now - longest:
            sent.popleft()
        allowed = self._held.get(key, now)
        for limit, window in limits:
            if len(sent) + reserved < limit:
                continue
            ends = sorted(now if s.answered is None else s.answered for s in sent)
            recent = [end for end in ends if end > now - window]
            if len(recent) + reserved >= limit:
                # The answers waiting go now, and fill the window from now if the sends made do not.
                index = len(recent) + reserved - limit
                allowed = max(allowed, (recent[index] if index < len(recent) else now) + window)
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
                    later = max(at, slots[first] + span) if slots[first] <= at else slots[first] + span
                    # Only a move forward counts: (slot + span) - span can round to below the slot, and
                    # the same slot would then be found again and again, for ever.
                    moved = moved or later > at
                    at = later
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


class SharedSends(Protocol):
    """The sends of every process on one database, per counter (``storage.pace_store.PaceStore``)."""

    def admit(self, send: int, counters: Counters, answered: Sequence[tuple[int, float]] = ()) -> float:
        """Record ``send`` and return 0.0 if every counter allows it now, else the seconds until one would.

        ``answered`` are sends answered since, each with how many seconds ago its answer came.
        """

    def answered(self, answered: Sequence[tuple[int, float]]) -> None:
        """Record that the platform answered these sends (each with how many seconds ago)."""

    def hold(self, key: str, seconds: float) -> None:
        """Let no process send to ``key`` for ``seconds``."""


class Pacing:
    """The pace of one platform's sends: this process's :class:`Pace`, and every process's with ``shared``.

    Without ``shared`` (SQLite: one process) it is the pace in memory alone, at no cost of its own.
    """

    def __init__(
        self, monotonic: Callable[[], float] = time.monotonic, shared: SharedSends | None = None
    ) -> None:
        self._monotonic = monotonic
        self._pace = Pace(monotonic)
        self._shared = shared
        self._threads = ThreadPoolExecutor(SHARED_THREADS, thread_name_prefix="vpmo-pace") if shared else None
        self._sends: dict[int, int] = {}  # a message under way: the number of its send in the shared record
        self._answers: list[tuple[int, float]] = []  # sends answered and when, not yet written
        self._writing: asyncio.TimerHandle | None = None

    async def admit(self, message_id: int, *counters: tuple[str, Limits]) -> None:
        """Return when the message may be sent now; raise ``SendLater`` with its slot otherwise (see :class:`Pace`)."""
        self._pace.admit(message_id, *counters)
        if self._shared is None:
            return
        paced = _paced(counters)
        if not paced:
            return
        send = random.getrandbits(63)  # an id among a minute's sends, not a secret
        answered = self._answers_taken()
        try:
            wait = await self._in_thread(self._admit_shared, send, paced, answered)
        except Exception as error:  # the database is away: the message waits like a held-back one
            self._answers.extend(answered)
            log.warning(
                "the database did not answer for the pace shared by the processes (%s); the message "
                "tries again in a second: check that PostgreSQL is reachable",
                error,
            )
            self._pace.refused(message_id, UNREADABLE_RETRY_SECONDS, *counters)
        if wait > 0:
            self._pace.refused(message_id, wait, *counters)
        self._sends[message_id] = send

    async def admit_waiting(self, send_id: int, *counters: tuple[str, Limits], until: float) -> None:
        """Return once a send that a person waits for may go, ahead of held-back messages (see :class:`Pace`).

        It waits for the sends made and a platform's hold, but not past ``until`` (the event loop's
        time): then it goes regardless, counted all the same. Once the platform answered, call
        :meth:`answered`.
        """
        loop = asyncio.get_running_loop()
        try:
            while (wait := await self._admit_first(send_id, counters)) > 0:
                if loop.time() + wait > until:
                    log.warning(
                        "an answer in a turn would wait %.1f s more for the pace of %s and goes now: that is "
                        "over the platform's limit, so expect it to refuse some sends until the backlog drains",
                        wait,
                        ", ".join(key for key, _ in counters),
                    )
                    self._pace.record(send_id, *counters)
                    return
                await asyncio.sleep(wait)
        finally:
            self._pace.stop_waiting(send_id)

    def leaving(self, message_id: int) -> None:
        """Record that the admitted message's request is being made now."""
        self._pace.leaving(message_id)

    def answered(self, message_id: int) -> None:
        """Record that the platform answered the message's send (taken or refused)."""
        self._pace.answered(message_id)
        send = self._sends.pop(message_id, None)
        if send is None:
            return
        self._answers.append((send, self._monotonic()))
        if self._writing is None:
            self._writing = asyncio.get_running_loop().call_later(ANSWERS_WAIT_SECONDS, self._write_answers)

    def hold(self, key: str, seconds: float) -> None:
        """Send nothing more to ``key`` for ``seconds``, from any process (a 429 with Retry-After)."""
        self._pace.hold(key, seconds)
        if self._shared is not None:
            self._in_background(self._shared.hold, key, seconds)

    async def _admit_first(self, send_id: int, counters: Counters) -> float:
        """Admit the send ahead of held-back ones, here and in the shared record; return 0.0 or the wait."""
        wait = self._pace.admit_first(send_id, *counters)
        paced = _paced(counters)
        if wait > 0 or self._shared is None or not paced:
            return wait
        send = random.getrandbits(63)
        answered = self._answers_taken()
        try:
            wait = await self._in_thread(self._admit_shared, send, paced, answered)
        except Exception as error:
            # Someone waits for this answer, and the database took their command a moment ago: it goes
            # on this process's pace alone rather than not at all.
            self._answers.extend(answered)
            log.warning(
                "the database did not answer for the pace shared by the processes (%s); an answer goes on "
                "this process's pace alone: check that PostgreSQL is reachable",
                error,
            )
            return 0.0
        if wait > 0:
            self._pace.withdraw(send_id, *counters)
            return wait
        self._sends[send_id] = send
        return 0.0

    def _write_answers(self) -> None:
        self._writing = None
        answers = self._answers_taken()
        if answers and self._shared is not None:
            self._in_background(self._write_shared, answers).add_done_callback(
                partial(self._unwritten, answers)
            )

    def _answers_taken(self) -> list[tuple[int, float]]:
        answers, self._answers = self._answers, []
        return answers

    def _admit_shared(self, send: int, counters: Counters, answered: list[tuple[int, float]]) -> float:
        assert self._shared is not None
        return self._shared.admit(send, counters, self._ago(answered))

    def _write_shared(self, answers: list[tuple[int, float]]) -> None:
        assert self._shared is not None
        self._shared.answered(self._ago(answers))

    def _ago(self, answers: list[tuple[int, float]]) -> list[tuple[int, float]]:
        # The database takes the answers' times by its own clock: so many seconds before it reads them.
        # Reckoned in the thread that makes the call, not before it waits there for its turn.
        now = self._monotonic()
        return [(send, now - at) for send, at in answers]

    def _unwritten(self, answers: list[tuple[int, float]], written: asyncio.Future[None]) -> None:
        # Unwritten, they would count as under way for a minute: they go with the next admission.
        if written.cancelled() or written.exception() is not None:
            self._answers.extend(answers)

    async def _in_thread(self, work: Callable[..., float], *args: object) -> float:
        return await asyncio.get_running_loop().run_in_executor(self._threads, work, *args)

    def _in_background(self, work: Callable[..., None], *args: object) -> asyncio.Future[None]:
        written = asyncio.get_running_loop().run_in_executor(self._threads, work, *args)
        written.add_done_callback(_log_failure)
        return written


def _log_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning(
            "the database did not take the pace shared by the processes (%s); check that PostgreSQL is reachable",
            done.exception(),
        )


def _paced(counters: Counters) -> Counters:
    """Return the counters with the limits that pace at all (a window of 0 s is no limit)."""
    paced = ((key, tuple((n, w) for n, w in limits if w > 0)) for key, limits in counters)
    return tuple((key, limits) for key, limits in paced if limits)


def _shortest(counters: Counters) -> float:
    return min(window for _, limits in counters for _, window in limits)
