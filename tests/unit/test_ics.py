"""ERFA invites as .ics files: read back by a second, independent parser (vobject), and checked line by line.

vobject has its own parser and, for a TZID, uses the VTIMEZONE in the file (through dateutil's tzical), so
the instants it reads prove our RRULE-form Europe/Copenhagen block, not a zone database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject

from bot.invites.ics import to_ics
from handlers.erfa.invites import Attendee, Invite, InviteMethod, Partstat, meeting_uid
from tests.fakes import COPENHAGEN

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
COORDINATOR = Attendee("Mette Koordinator", "mette@maximize.dk")
SOREN = Attendee("Søren Ærø Kjærgård", "soren@nordlys.dk")
LONG_TITLE = (
    "ERFA: Gevinstrealisering i praksis — æøå ÆØÅ, styregrupper; økonomi og færdiggørelse på tværs af Ærø"
)
LONG_DESCRIPTION = (
    "Kære alle,\n"
    "vi mødes på Nordlys i Kolding; kaffe fra kl. 8.30, og vi går i gang præcis kl. 9.\n"
    "Medbring én erfaring med gevinstrealisering, som I gerne vil dele: hvad lykkedes, hvad gik skævt, "
    "og hvad ville I gøre anderledes næste gang? Spørgsmål til Mette Koordinator. Backslash: \\ slut."
)


def an_invite(method: InviteMethod = InviteMethod.PUBLISH, **changes: Any) -> Invite:
    fields: dict[str, Any] = {
        "uid": meeting_uid("nordlys", "2027-spring"),
        "sequence": 0,
        "method": method,
        "title": "ERFA: Gevinstrealisering i praksis",
        "description": "Vi deler erfaringer, og vi spiser frokost; alle er velkomne.\nAnden linje.",
        "start": datetime(2027, 4, 15, 9, tzinfo=COPENHAGEN),
        "end": datetime(2027, 4, 15, 12, tzinfo=COPENHAGEN),
        "zone": "Europe/Copenhagen",
        "location": "Nordlys, Kolding / Teams",
        "organizer": COORDINATOR,
        "attendee": None if method is InviteMethod.PUBLISH else SOREN,
        "partstat": None if method is InviteMethod.PUBLISH else Partstat.ACCEPTED,
        "url": "https://vpmo.example.dk/ics/3q2-7Yx_kPz",
    }
    fields.update(changes)
    return Invite(**fields)


def read(ics: bytes) -> Any:
    """Parse with vobject: the one VCALENDAR in the file."""
    return vobject.readOne(ics.decode("utf-8"))


def physical_lines(ics: bytes) -> list[bytes]:
    assert ics.endswith(b"\r\n")
    return ics[: -len(b"\r\n")].split(b"\r\n")


def unfolded(ics: bytes) -> list[str]:
    return ics.decode("utf-8").replace("\r\n ", "").removesuffix("\r\n").split("\r\n")


ALL_KINDS = [
    an_invite(InviteMethod.PUBLISH),
    an_invite(InviteMethod.REQUEST, partstat=Partstat.TENTATIVE),
    an_invite(InviteMethod.CANCEL, sequence=3),
]
LONG_DANISH = an_invite(
    InviteMethod.REQUEST,
    title=LONG_TITLE,
    description=LONG_DESCRIPTION,
    location="Nordlys A/S, Kolding — mødelokale Æblehaven på 3. sal; eller på Teams via linket nedenfor",
    attendee=Attendee("Søren Ærø Kjærgård-Bøgelund Sørensen, Projektledelse og Økonomi", "soren@nordlys.dk"),
    url="https://vpmo.example.dk/ics/" + "k" * 90,
)


# --- what a second parser reads ------------------------------------------------------------------


def test_the_channels_copy_is_published_with_the_meeting_uid_and_sequence() -> None:
    calendar = read(to_ics(an_invite(InviteMethod.PUBLISH, sequence=4), now=NOW))

    assert calendar.method.value == "PUBLISH"
    assert calendar.version.value == "2.0"
    assert calendar.prodid.value
    assert calendar.vevent.uid.value == "erfa-2027-spring.nordlys@vpmo"
    assert int(calendar.vevent.sequence.value) == 4
    assert calendar.vevent.dtstamp.value == NOW
    assert calendar.vevent.url.value == "https://vpmo.example.dk/ics/3q2-7Yx_kPz"
    assert "attendee" not in calendar.vevent.contents


def test_text_with_commas_semicolons_and_newlines_reads_back_unchanged() -> None:
    invite = an_invite(title=LONG_TITLE, description=LONG_DESCRIPTION, location="Nordlys, Kolding; 3. sal")

    event = read(to_ics(invite, now=NOW)).vevent

    assert event.summary.value == LONG_TITLE
    assert event.description.value == LONG_DESCRIPTION
    assert event.location.value == "Nordlys, Kolding; 3. sal"


@pytest.mark.parametrize(
    ("local_start", "utc_start"),
    [
        (datetime(2027, 4, 15, 9, 0), datetime(2027, 4, 15, 7, 0)),  # summer time: +02:00
        (datetime(2027, 1, 14, 9, 0), datetime(2027, 1, 14, 8, 0)),  # winter time: +01:00
        (datetime(2027, 3, 28, 9, 0), datetime(2027, 3, 28, 7, 0)),  # the day summer time begins
        (datetime(2027, 10, 31, 9, 0), datetime(2027, 10, 31, 8, 0)),  # the day summer time ends
        (datetime(2027, 3, 28, 3, 30), datetime(2027, 3, 28, 1, 30)),  # just after the spring change
        (datetime(2027, 10, 31, 3, 30), datetime(2027, 10, 31, 2, 30)),  # just after the autumn change
    ],
)
def test_the_second_parser_reads_the_right_instants(local_start: datetime, utc_start: datetime) -> None:
    start = local_start.replace(tzinfo=COPENHAGEN)
    invite = an_invite(start=start, end=start + timedelta(hours=3))

    ics = to_ics(invite, now=NOW)

    event = read(ics).vevent
    read_start, read_end = event.dtstart.value, event.dtend.value
    assert f"DTSTART;TZID=Europe/Copenhagen:{local_start:%Y%m%dT%H%M%S}" in unfolded(ics)
    assert not isinstance(read_start.tzinfo, ZoneInfo)  # from the file's VTIMEZONE, not a zone database
    assert read_start.replace(tzinfo=None) == local_start
    assert read_start.astimezone(UTC) == utc_start.replace(tzinfo=UTC)
    assert read_end - read_start == timedelta(hours=3)


def test_a_start_given_in_utc_is_written_in_copenhagen_time() -> None:
    invite = an_invite(
        start=datetime(2027, 10, 31, 8, 0, tzinfo=UTC), end=datetime(2027, 10, 31, 11, 0, tzinfo=UTC)
    )

    ics = to_ics(invite, now=NOW)

    assert "DTSTART;TZID=Europe/Copenhagen:20271031T090000" in unfolded(ics)
    assert read(ics).vevent.dtstart.value.astimezone(UTC) == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)


def test_the_vtimezone_agrees_with_the_zone_database_every_hour_around_each_change_until_2037() -> None:
    zone = read(to_ics(an_invite(), now=NOW)).vevent.dtstart.value.tzinfo
    instants = [
        datetime(year, month, 24, tzinfo=UTC) + timedelta(hours=hour)
        for year in range(2026, 2038)
        for month in (3, 10)
        for hour in range(8 * 24)
    ]

    wrong = [i for i in instants if i.astimezone(zone).utcoffset() != i.astimezone(COPENHAGEN).utcoffset()]

    assert wrong == []


@pytest.mark.parametrize("answer", [Partstat.ACCEPTED, Partstat.TENTATIVE])
def test_a_personal_invite_asks_the_person_with_their_answer(answer: Partstat) -> None:
    calendar = read(to_ics(an_invite(InviteMethod.REQUEST, partstat=answer, sequence=1), now=NOW))

    attendee, organizer = calendar.vevent.attendee, calendar.vevent.organizer
    assert calendar.method.value == "REQUEST"
    assert int(calendar.vevent.sequence.value) == 1
    assert calendar.vevent.status.value == "CONFIRMED"
    assert organizer.value == "mailto:mette@maximize.dk"
    assert organizer.params["CN"] == ["Mette Koordinator"]
    assert attendee.value == "mailto:soren@nordlys.dk"
    assert attendee.params["CN"] == ["Søren Ærø Kjærgård"]
    assert attendee.params["PARTSTAT"] == [answer.value]
    assert attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
    assert attendee.params["RSVP"] == ["FALSE"]  # answered with the chat's buttons, not by mail


def test_a_personal_invite_without_an_answer_needs_action() -> None:
    calendar = read(to_ics(an_invite(InviteMethod.REQUEST, partstat=None), now=NOW))

    assert calendar.vevent.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]


def test_a_cancellation_keeps_the_uid_and_is_cancelled() -> None:
    calendar = read(to_ics(an_invite(InviteMethod.CANCEL, sequence=3), now=NOW))

    assert calendar.method.value == "CANCEL"
    assert calendar.vevent.uid.value == "erfa-2027-spring.nordlys@vpmo"
    assert int(calendar.vevent.sequence.value) == 3
    assert calendar.vevent.status.value == "CANCELLED"
    assert calendar.vevent.organizer.value == "mailto:mette@maximize.dk"
    assert "RSVP" not in calendar.vevent.attendee.params


def test_a_name_with_double_quotes_reads_back_with_apostrophes() -> None:
    invite = an_invite(InviteMethod.REQUEST, attendee=Attendee('Søren "Sø" Ærø, PMO', "soren@nordlys.dk"))

    calendar = read(to_ics(invite, now=NOW))

    assert calendar.vevent.attendee.params["CN"] == ["Søren 'Sø' Ærø, PMO"]


def test_a_zone_without_an_rrule_form_is_written_in_utc() -> None:
    start = datetime(2027, 4, 15, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    invite = an_invite(zone="America/New_York", start=start, end=start + timedelta(hours=1))

    ics = to_ics(invite, now=NOW)

    assert b"VTIMEZONE" not in ics
    assert b"TZID" not in ics
    assert "DTSTART:20270415T130000Z" in unfolded(ics)
    assert read(ics).vevent.dtstart.value == datetime(2027, 4, 15, 13, 0, tzinfo=UTC)


def test_a_request_to_the_organizers_own_address_is_refused_when_building_the_file() -> None:
    invite = an_invite(InviteMethod.REQUEST)
    # Invite refuses this on construction; force it past that to test the second fence.
    object.__setattr__(invite, "attendee", Attendee("Mette", "METTE@maximize.dk"))

    with pytest.raises(ValueError, match="organizer's own address"):
        to_ics(invite, now=NOW)


def test_dtstamp_defaults_to_now_in_utc() -> None:
    before = datetime.now(UTC).replace(microsecond=0)

    stamp = read(to_ics(an_invite())).vevent.dtstamp.value

    assert before <= stamp <= datetime.now(UTC)
    assert stamp.utcoffset() == timedelta(0)


# --- the raw file --------------------------------------------------------------------------------


@pytest.mark.parametrize("invite", [*ALL_KINDS, LONG_DANISH])
def test_every_line_ends_in_crlf(invite: Invite) -> None:
    ics = to_ics(invite, now=NOW)

    assert ics.endswith(b"\r\n")
    assert ics.count(b"\n") == ics.count(b"\r\n")
    assert ics.count(b"\r") == ics.count(b"\r\n")


@pytest.mark.parametrize("invite", [*ALL_KINDS, LONG_DANISH])
def test_no_line_is_longer_than_75_octets(invite: Invite) -> None:
    lines = physical_lines(to_ics(invite, now=NOW))

    assert max(len(line) for line in lines) <= 75


def test_long_danish_text_is_folded_on_character_boundaries() -> None:
    lines = physical_lines(to_ics(LONG_DANISH, now=NOW))

    continuations = [line for line in lines if line.startswith(b" ")]
    assert len(continuations) >= 5
    assert max(len(line) for line in lines) <= 75
    assert [line.decode("utf-8") for line in lines]  # each physical line is whole UTF-8 on its own
    assert any(len(line.decode("utf-8")) < len(line) for line in continuations)  # æøå counted as 2 octets


def test_continuation_lines_start_with_one_space_and_nothing_else_is_indented() -> None:
    lines = physical_lines(to_ics(LONG_DANISH, now=NOW))

    indented = [line for line in lines if line[:1].isspace()]
    assert indented
    assert all(line.startswith(b" ") for line in indented)  # one SPACE, never a TAB
    assert not lines[0][:1].isspace()


@pytest.mark.parametrize("invite", [*ALL_KINDS, LONG_DANISH])
def test_no_begin_or_end_line_is_indented(invite: Invite) -> None:
    lines = physical_lines(to_ics(invite, now=NOW))

    begins = [line for line in lines if line.lstrip().startswith((b"BEGIN:", b"END:"))]
    assert begins
    assert all(not line[:1].isspace() for line in begins)


def test_the_file_has_one_event_with_method_on_the_calendar() -> None:
    lines = unfolded(to_ics(an_invite(InviteMethod.REQUEST), now=NOW))

    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert lines.index("METHOD:REQUEST") < lines.index("BEGIN:VTIMEZONE") < lines.index("BEGIN:VEVENT")
    assert lines.count("BEGIN:VEVENT") == 1
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)


def test_the_vtimezone_is_the_rrule_form_without_rdates() -> None:
    lines = unfolded(to_ics(an_invite(), now=NOW))

    block = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1]
    standard = block[block.index("BEGIN:STANDARD") : block.index("END:STANDARD")]
    daylight = block[block.index("BEGIN:DAYLIGHT") : block.index("END:DAYLIGHT")]
    assert "TZID:Europe/Copenhagen" in block
    assert not any(line.startswith("RDATE") for line in block)
    assert block.count("BEGIN:STANDARD") == block.count("BEGIN:DAYLIGHT") == 1
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in standard
    assert {"TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"} <= set(standard)
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in daylight
    assert {"TZOFFSETFROM:+0100", "TZOFFSETTO:+0200"} <= set(daylight)


def test_text_values_are_escaped() -> None:
    invite = an_invite(title="A, B; C", description="linje 1\nlinje 2", location="Kolding, 3. sal")

    lines = unfolded(to_ics(invite, now=NOW))

    assert "SUMMARY:A\\, B\\; C" in lines
    assert "DESCRIPTION:linje 1\\nlinje 2" in lines
    assert "LOCATION:Kolding\\, 3. sal" in lines


def test_no_invite_asks_the_calendar_to_mail_an_answer() -> None:
    published, requested, cancelled = (unfolded(to_ics(invite, now=NOW)) for invite in ALL_KINDS)

    assert not any("RSVP" in line or line.startswith("ATTENDEE") for line in published)
    assert any(line.startswith("ATTENDEE") and "RSVP=FALSE" in line for line in requested)
    assert not any("RSVP" in line for line in cancelled)
    assert "STATUS:CANCELLED" in cancelled
