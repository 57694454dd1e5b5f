"""Messages a process queues for its own dispatcher, claimed in the transaction that queues them.

Without it, a message a request queues costs three more transactions before it is sent: the
dispatcher's claim (which reads the row back), then the record of the send, and the look for more.
With it, a message due now goes into the outbox already claimed (``sending``, a lease, a token of
this process), and once its transaction commits the delivery is handed to the dispatcher in memory,
which sends it at once. The row is as safe as any claimed one: if the process dies before the send
is recorded, the lease runs out and any dispatcher takes the message up; nothing is lost.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.shared.ports import Clock, Delivery


@dataclass(frozen=True, slots=True)
class Handed:
    """What the dispatcher takes over from its process at one time."""

    deliveries: list[Delivery]
    """The deliveries still leased long enough to send, oldest first."""
    late: list[Delivery]
    """Those whose lease is too short to send them safely (another dispatcher may take them soon)."""
    others_queued: bool
    """Whether a message went into the outbox table instead (due later, an edit) since the last take."""


class Handover:
    """The deliveries committed in this process and not yet taken by its dispatcher (thread-safe).

    Closed until a dispatcher opens it: a process without one (the CLI) queues messages as before.
    """

    def __init__(self) -> None:
        self._clock: Clock | None = None
        self._lease = timedelta(0)
        # One token for all this process hands over: the dispatcher renews their leases in one statement.
        self._token = str(uuid.uuid4())
        self._ready: deque[tuple[Delivery, datetime]] = deque()
        # Set from the threads that commit, read and cleared by the dispatcher's: one lock, or a message
        # noted between the read and the clearing would be missed.
        self._others_lock = threading.Lock()
        self._others_queued = False

    def open(self, clock: Clock, lease: timedelta) -> None:
        """Start handing over what is due by the clock, claimed for ``lease`` (the dispatcher's)."""
        self._clock, self._lease = clock, lease

    def claim_for(self, due_at: datetime) -> tuple[str, datetime] | None:
        """Return a claim token and lease end for a message due at ``due_at``, if it can be handed over."""
        if self._clock is None:
            return None
        now = self._clock.now()
        return (self._token, now + self._lease) if due_at <= now else None

    def hand_over(self, deliveries: Iterable[tuple[Delivery, datetime]], *, others_queued: bool) -> None:
        """Pass committed deliveries, with the end of their lease, to the dispatcher (from any thread)."""
        self._ready.extend(deliveries)
        if others_queued:
            self.queued_in_table()

    def queued_in_table(self) -> None:
        """Tell the dispatcher that a committed message went into the outbox table (from any thread)."""
        with self._others_lock:
            self._others_queued = True

    def take(self, leased_beyond: datetime) -> Handed:
        """Return what was handed over so far, and whether others went into the table, and forget both.

        A delivery leased no further than the moment is late: it is to be released.
        """
        taken: list[Delivery] = []
        late: list[Delivery] = []
        while self._ready:
            delivery, lease_until = self._ready.popleft()
            (taken if lease_until > leased_beyond else late).append(delivery)
        with self._others_lock:
            others_queued, self._others_queued = self._others_queued, False
        return Handed(taken, late, others_queued)
