"""The console's clock: real time plus an offset the user can move forward (stored between runs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.console_store import ConsoleStore

_STEP = re.compile(r"(\d+(?:\.\d+)?)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class ConsoleClock:
    """A clock that only moves forward, and remembers where it is across runs."""

    def __init__(self, store: ConsoleStore) -> None:
        self._store = store
        self._offset = timedelta(seconds=store.clock_offset())

    def now(self) -> datetime:
        """Return the console's current moment in UTC."""
        return datetime.now(UTC) + self._offset

    def move_to(self, moment: datetime) -> None:
        """Move the clock to a later moment."""
        if moment < self.now():
            raise ValueError("the console's clock only moves forward")
        self._offset = moment - datetime.now(UTC)
        self._store.set_clock_offset(self._offset.total_seconds())


def parse_clock(argument: str, now: datetime, zone: ZoneInfo) -> datetime:
    """Parse ``+8h``, ``+2d4h``, ``+30m`` or a local date-time such as ``2027-03-01T09:00``."""
    argument = argument.strip()
    if argument.startswith("+"):
        steps = _STEP.findall(argument[1:])
        if not steps or _STEP.sub("", argument[1:]).strip():
            raise ValueError(f"cannot read {argument!r}: use +8h, +2d, +30m or 2027-03-01T09:00")
        delta = sum((timedelta(**{_UNITS[unit]: float(n)}) for n, unit in steps), timedelta())
        return now + delta
    try:
        moment = datetime.fromisoformat(argument)
    except ValueError as error:
        raise ValueError(f"cannot read {argument!r}: use +8h, +2d, +30m or 2027-03-01T09:00") from error
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
