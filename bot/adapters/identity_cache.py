"""The e-mails the platforms gave for their user ids, kept a while: one cache for Slack and Teams alike."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

EMAIL_CACHE_SECONDS = 3600.0
EMAIL_CACHE_SIZE = 10_000


class IdentityCache:
    """Bounded, expiring memory of looked-up e-mails (None too: that user has none to give).

    An entry expires after ``seconds``, so a changed profile is seen within the hour; beyond ``size``
    entries the least recently used goes, so a large workspace cannot grow the process.
    """

    def __init__(
        self,
        *,
        seconds: float = EMAIL_CACHE_SECONDS,
        size: int = EMAIL_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[str | None, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> tuple[bool, str | None]:
        """Return whether the key's e-mail is known (and not expired), and the e-mail."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if entry[1] <= self._clock():
            del self._entries[key]
            return False, None
        self._entries.move_to_end(key)
        return True, entry[0]

    def email(self, key: Hashable) -> str | None:
        """Return the key's e-mail when it is known (None when unknown, expired or there is none)."""
        return self.get(key)[1]

    def put(self, key: Hashable, email: str | None) -> None:
        """Remember the e-mail a platform gave for the key."""
        self._entries[key] = (email, self._clock() + self._seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
