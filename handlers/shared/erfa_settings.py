"""The settings of a tenant's half-yearly ERFA meetings: the meetings and where they are announced.

Pure values, set by the tenant configuration file. The planning of the reminders, the answers and the
calendar invites are the ERFA room's; they read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ErfaMeeting:
    """One ERFA (experience exchange) meeting. `key` names it across edits: a moved meeting keeps it.

    `at` is aware, in the tenant's time zone, as written in the file (local wall time, stored that way
    too, as a quarterly meeting's). `audience` holds role names (pm, tester, …); `seats` None: no limit.
    """

    key: str
    title: str
    at: datetime
    duration: timedelta
    place: str
    audience: tuple[str, ...]
    seats: int | None = None
    cancelled: bool = False
    """Called off (``cancelled: true`` in the file): a cancellation is posted and cancelling invites sent."""
    network: str | None = None
    """The slug of the network (``vpmo network apply``) this meeting belongs to; None: the tenant's own."""


@dataclass(frozen=True, slots=True)
class ErfaSettings:
    """Where the ERFA meetings are announced and when the channel is reminded.

    `reminders` are offsets before the meeting as written in the file: "-Nd" (calendar days at the same
    local time) or "-Nh" (hours, absolute).
    """

    channel_slack: str | None = None
    channel_teams: str | None = None
    reminders: tuple[str, ...] = ("-28d", "-7d", "-1d", "-2h")
