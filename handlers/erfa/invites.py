"""Calendar invites for ERFA meetings as neutral data; bot/invites/ turns them into .ics files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# What may stand unencoded in a UID part. "." and "@" separate the parts, "%" starts an escape, so none of
# them is here: distinct (tenant, meeting) pairs always give distinct UIDs.
_UID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class InviteMethod(StrEnum):
    """The iTIP method (RFC 5546): what the receiving calendar is asked to do."""

    PUBLISH = "PUBLISH"  # the channel's copy: "add this to your calendar", no RSVP buttons
    REQUEST = "REQUEST"  # a personal invite or an update of one
    CANCEL = "CANCEL"  # the meeting is cancelled


class Partstat(StrEnum):
    """An attendee's answer as iCalendar's PARTSTAT."""

    ACCEPTED = "ACCEPTED"  # Deltager
    TENTATIVE = "TENTATIVE"  # Måske
    DECLINED = "DECLINED"  # Deltager ikke
    NEEDS_ACTION = "NEEDS-ACTION"  # not answered yet


@dataclass(frozen=True, slots=True)
class Attendee:
    """A person on an invite: the organizer (the coordinator) or the one invited."""

    name: str
    email: str

    def __post_init__(self) -> None:
        if "@" not in self.email or any(c.isspace() for c in self.email):
            raise ValueError(f"not an e-mail address: {self.email!r}")

    def same_address(self, other: Attendee) -> bool:
        """Tell whether both are the same mailbox (e-mail addresses compare case-insensitively)."""
        return self.email.casefold() == other.email.casefold()


@dataclass(frozen=True, slots=True)
class Invite:
    """One calendar invite for one meeting: the channel's copy (PUBLISH) or one person's (REQUEST/CANCEL).

    The same meeting keeps its `uid` for life; `sequence` is raised on every change, the cancellation too.
    """

    uid: str
    sequence: int
    method: InviteMethod
    title: str
    description: str
    start: datetime
    end: datetime
    zone: str
    location: str
    organizer: Attendee | None = None
    attendee: Attendee | None = None
    partstat: Partstat | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.uid:
            raise ValueError("an invite needs a UID")
        if self.sequence < 0:
            raise ValueError(f"SEQUENCE cannot be negative: {self.sequence}")
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("start and end must be aware datetimes")
        if self.end - self.start <= timedelta(0):
            raise ValueError(f"the meeting must end after it starts: {self.start} – {self.end}")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone: {self.zone!r}") from error
        if self.method is not InviteMethod.PUBLISH and self.organizer is None:
            raise ValueError(f"METHOD:{self.method} needs an ORGANIZER")
        if self.method is InviteMethod.REQUEST and self.attendee is None:
            raise ValueError("METHOD:REQUEST needs the invited person as ATTENDEE")
        if self.method is InviteMethod.PUBLISH and self.attendee is not None:
            # RFC 5546 3.2.1: a PUBLISH names no attendees; the channel's copy is everyone's.
            raise ValueError("METHOD:PUBLISH names no ATTENDEE")
        if (
            self.method is InviteMethod.REQUEST
            and self.organizer is not None
            and self.attendee is not None
            and self.organizer.same_address(self.attendee)
        ):
            # Outlook and Google treat a REQUEST to the organizer's own mailbox as a broken meeting.
            raise ValueError(f"never send a REQUEST to the organizer's own address: {self.attendee.email}")


def meeting_uid(tenant_slug: str, meeting_key: str) -> str:
    """Return the UID a meeting keeps for life, e.g. ``erfa-2027-spring.nordlys@vpmo``.

    Built only from the tenant's slug and the meeting's key, so it holds no secret and is the same in every
    process and after every restart. Characters outside ``A-Z a-z 0-9 - _`` are percent-encoded.
    """
    if not tenant_slug or not meeting_key:
        raise ValueError("a meeting UID needs a tenant slug and a meeting key")
    return f"erfa-{_uid_part(meeting_key)}.{_uid_part(tenant_slug)}@vpmo"


def _uid_part(text: str) -> str:
    return "".join(
        char if char in _UID_SAFE else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in text
    )
