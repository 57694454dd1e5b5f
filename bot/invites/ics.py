"""Build the .ics file of a neutral ERFA invite (RFC 5545 iCalendar, RFC 5546 iTIP methods).

What Outlook and Google need beyond the RFCs is in platform-notes ("Calendar invites (.ics)"): METHOD on the
VCALENDAR, the RRULE form of the VTIMEZONE, CRLF line ends, lines folded at 75 octets. icalendar escapes TEXT
values, ends lines in CRLF and folds by octets without splitting a UTF-8 character or an escape; the
VTIMEZONE is written here by hand because icalendar's own (from zoneinfo) is the RDATE form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from handlers.erfa.invites import Attendee, Invite, InviteMethod, Partstat

PRODID = "-//vpmo//ERFA invites//DA"


@dataclass(frozen=True, slots=True)
class _EuropeanRules:
    """A zone on the EU summer-time rule (since 1996): last Sunday of March / October, at 01:00 UTC."""

    standard_name: str
    daylight_name: str
    standard_offset: timedelta


# Zones we write as an RRULE-form VTIMEZONE. Any other zone is written in UTC, which every client reads
# right (platform-notes: "emit the RRULE form ..., or use UTC times").
_RRULE_ZONES: dict[str, _EuropeanRules] = {
    "Europe/Copenhagen": _EuropeanRules("CET", "CEST", timedelta(hours=1)),
}


def to_ics(invite: Invite, *, now: datetime | None = None) -> bytes:
    """Return the invite as an .ics file: UTF-8, CRLF line ends, folded at 75 octets.

    `now` is the DTSTAMP (when this iTIP message was made); the current time when not given.
    """
    # Invite refuses these on construction; checked again here because this is where they would do harm.
    if invite.method is not InviteMethod.PUBLISH and invite.organizer is None:
        raise ValueError(f"METHOD:{invite.method} needs an ORGANIZER")
    if invite.method is InviteMethod.REQUEST:
        if invite.attendee is None:
            raise ValueError("METHOD:REQUEST needs the invited person as ATTENDEE")
        if invite.organizer is not None and invite.organizer.same_address(invite.attendee):
            raise ValueError(f"never send a REQUEST to the organizer's own address: {invite.attendee.email}")
    stamp = (now or datetime.now(UTC)).astimezone(UTC)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invite.method.value)

    rules = _RRULE_ZONES.get(invite.zone)
    if rules is not None:
        calendar.add_component(_vtimezone(invite.zone, rules))
        zone: ZoneInfo | None = ZoneInfo(invite.zone)
    else:
        zone = None
    calendar.add_component(_vevent(invite, stamp, zone))
    ics: bytes = calendar.to_ical()  # icalendar leaves to_ical() unannotated
    return ics


def _vevent(invite: Invite, stamp: datetime, zone: ZoneInfo | None) -> Event:
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp)
    # With a ZoneInfo the value is local time with TZID=<key>, matched by the VTIMEZONE above; else UTC ("Z").
    event.add("dtstart", _in_zone(invite.start, zone))
    event.add("dtend", _in_zone(invite.end, zone))
    event.add("summary", invite.title)
    event.add("location", invite.location)
    event.add("description", invite.description)
    if invite.url is not None:
        event.add("url", invite.url)
    event.add("status", "CANCELLED" if invite.method is InviteMethod.CANCEL else "CONFIRMED")
    if invite.organizer is not None:
        event.add("organizer", _address(invite.organizer))
    if invite.attendee is not None:
        attendee = _address(invite.attendee)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        partstat = invite.partstat or Partstat.NEEDS_ACTION
        attendee.params["PARTSTAT"] = partstat.value
        if invite.method is InviteMethod.REQUEST:
            # The answer is given with the buttons in the chat, where seats and the waiting list are kept:
            # RSVP=TRUE would have Outlook and Google mail an answer to the coordinator that the bot never
            # sees, and the two could disagree.
            attendee.params["RSVP"] = "FALSE"
        event.add("attendee", attendee)
    return event


def _in_zone(moment: datetime, zone: ZoneInfo | None) -> datetime:
    return moment.astimezone(zone if zone is not None else UTC)


def _address(person: Attendee) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = _common_name(person.name)
    return address


def _common_name(name: str) -> str:
    # A parameter value cannot hold a DQUOTE or a line break. icalendar would write RFC 6868's ^' for the
    # quote, which Outlook and most parsers show literally; an apostrophe reads the same to people.
    return " ".join(name.replace('"', "'").split())


def _vtimezone(key: str, rules: _EuropeanRules) -> Timezone:
    """Return the zone's VTIMEZONE in the RRULE form (Outlook shifts times by an hour with the RDATE form)."""
    daylight_offset = rules.standard_offset + timedelta(hours=1)
    # DTSTART is local time before the change: 1970's last Sundays (29 March, 25 October), 01:00 UTC.
    utc_hour = timedelta(hours=1)
    summer = TimezoneDaylight()
    summer.add("tzname", rules.daylight_name)
    summer.add("dtstart", datetime(1970, 3, 29) + utc_hour + rules.standard_offset)
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    summer.add("tzoffsetfrom", rules.standard_offset)
    summer.add("tzoffsetto", daylight_offset)
    winter = TimezoneStandard()
    winter.add("tzname", rules.standard_name)
    winter.add("dtstart", datetime(1970, 10, 25) + utc_hour + daylight_offset)
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    winter.add("tzoffsetfrom", daylight_offset)
    winter.add("tzoffsetto", rules.standard_offset)
    timezone = Timezone()
    timezone.add("tzid", key)
    timezone.add_component(winter)
    timezone.add_component(summer)
    return timezone
