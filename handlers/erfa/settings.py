"""The reminder offsets of the ERFA meetings, written in the tenant file as "-28d" or "-2h".

The meetings and their settings are part of the tenant (handlers/shared/erfa_settings.py); the tenant
file's check and the planning of the reminders (handlers/erfa/planning.py) read the offsets with these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from handlers.shared.erfa_settings import ErfaSettings

MAX_DAYS = 90
"""The earliest day reminder: about a quarter ahead, which is plenty for a half-yearly meeting."""
MAX_HOURS = 72
"""The earliest hour reminder; beyond three days, calendar days ("-4d") say it better."""

OFFSET = re.compile(r"-(\d+)([dh])")
"""How an offset is written: a minus, a whole number, d (calendar days) or h (hours)."""


class OffsetUnit(StrEnum):
    """How a reminder offset counts."""

    DAYS = "d"
    """Calendar days in the tenant's zone, at the meeting's wall-clock time (across DST)."""
    HOURS = "h"
    """Absolute hours before the meeting's start."""


@dataclass(frozen=True, slots=True)
class ReminderOffset:
    """How long before a meeting a reminder goes out; build one with :func:`parse_offset`."""

    unit: OffsetUnit
    amount: int
    """At least 1: a reminder always comes before the meeting."""

    @property
    def text(self) -> str:
        """Return the offset as written in the file ("-7d"); it names the reminder in idempotency keys."""
        return f"-{self.amount}{self.unit.value}"

    @property
    def span(self) -> timedelta:
        """Return the nominal length of the offset (a calendar day counted as 24 hours), for ordering."""
        return timedelta(days=self.amount) if self.unit is OffsetUnit.DAYS else timedelta(hours=self.amount)


def parse_offset(text: str) -> ReminderOffset:
    """Return the reminder offset written as "-7d" or "-2h"; raise ValueError with one plain sentence."""
    written = text.strip()
    match = OFFSET.fullmatch(written)
    if match is None:
        raise ValueError(
            f'"{text}" is not a reminder offset; write a minus sign, a whole number and d for calendar days '
            'or h for hours, such as "-7d" or "-2h".'
        )
    amount, unit = int(match.group(1)), OffsetUnit(match.group(2))
    limit = MAX_DAYS if unit is OffsetUnit.DAYS else MAX_HOURS
    if not 1 <= amount <= limit:
        raise ValueError(
            f'"{text}" is outside the allowed range; a reminder comes 1 to {MAX_DAYS} days ("-1d" to '
            f'"-{MAX_DAYS}d") or 1 to {MAX_HOURS} hours ("-1h" to "-{MAX_HOURS}h") before the meeting.'
        )
    return ReminderOffset(unit, amount)


def parse_reminders(texts: Iterable[str]) -> tuple[ReminderOffset, ...]:
    """Return the offsets of a reminders list, earliest reminder first; raise ValueError on a bad or repeated one."""
    offsets: list[ReminderOffset] = []
    for text in texts:
        offset = parse_offset(text)
        if offset in offsets:
            raise ValueError(f'"{offset.text}" is listed twice; each reminder offset may appear once.')
        offsets.append(offset)
    return tuple(sorted(offsets, key=lambda offset: offset.span, reverse=True))


DEFAULT_REMINDERS: tuple[ReminderOffset, ...] = parse_reminders(ErfaSettings().reminders)
"""The reminders of a tenant whose file lists none."""
