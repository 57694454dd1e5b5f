"""The coordinator's list of one ERFA meeting's answers, as CSV (for a spreadsheet) or Markdown (to read).

One tenant's people only: a network meeting's list is the tenant's own share of it. The answers are those
for the meeting's current start; after a move people are asked again, so older answers are not listed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.admin.challenge_minutes import markdown_cell
from handlers.erfa.planning import starts_at
from handlers.erfa.rsvp import Answer, Rsvp, seating, settle
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Attendee:
    """One person's standing answer."""

    name: str
    email: str
    answer: Answer
    seat: str
    """"seated" or "waiting" for those attending; "" for the others."""
    answered_at: datetime
    """In the tenant's zone."""


@dataclass(frozen=True, slots=True)
class Attendees:
    """A meeting of a tenant and everyone's answer to it, in the order they answered."""

    tenant: str
    language: str
    meeting: ErfaMeeting
    rows: tuple[Attendee, ...]


class NoSuchMeeting(Exception):  # noqa: N818 - a finding for the command to say, as one sentence
    """The tenant or its meeting does not exist; the message says which and what to do."""


def attendees(uow: UnitOfWork, slug: str, key: str) -> Attendees:
    """Return the answers to the tenant's meeting with the key, or raise :class:`NoSuchMeeting`."""
    tenant = uow.tenants.get_by_slug(slug)
    if tenant is None:
        raise NoSuchMeeting(f"there is no tenant {slug!r}; see: vpmo tenant list")
    meeting = next((m for m in tenant.erfa_meetings if m.key == key), None)
    if meeting is None:
        known = ", ".join(m.key for m in tenant.erfa_meetings) or "none yet"
        raise NoSuchMeeting(f"{slug} has no ERFA meeting {key!r} (its meetings: {known})")
    zone = ZoneInfo(tenant.timezone)
    standing = settle(uow.erfa.answers(tenant.id, key), starts_at(meeting, zone))
    seated = seating(standing, meeting.seats)
    rows = tuple(
        _attendee(uow, rsvp, _seat(rsvp, seated.seated, seated.waiting), zone)
        for rsvp in sorted(standing.values(), key=lambda rsvp: (rsvp.at, rsvp.person))
    )
    return Attendees(slug, tenant.language, meeting, rows)


def _seat(rsvp: Rsvp, seated: tuple[str, ...], waiting: tuple[str, ...]) -> str:
    if rsvp.person in seated:
        return "seated"
    return "waiting" if rsvp.person in waiting else ""


def _attendee(uow: UnitOfWork, rsvp: Rsvp, seat: str, zone: ZoneInfo) -> Attendee:
    person = uow.people.get(int(rsvp.person)) if rsvp.person.isdigit() else None
    # Someone who has left the tenant since answering is still on the list, by their id.
    name, email = (person.name, person.email) if person else (f"#{rsvp.person}", "")
    return Attendee(name, email, rsvp.answer, seat, rsvp.at.astimezone(zone))


_COLUMNS = {
    "da": ("Navn", "E-mail", "Svar", "Plads", "Svaret"),
    "en": ("Name", "E-mail", "Answer", "Seat", "Answered"),
}
_WORDS = {
    "da": {"attending": "Deltager", "maybe": "Måske", "not_attending": "Deltager ikke",
           "seated": "har plads", "waiting": "venteliste"},
    "en": {"attending": "Attending", "maybe": "Maybe", "not_attending": "Not attending",
           "seated": "seated", "waiting": "waiting list"},
}  # fmt: skip


def as_csv(found: Attendees) -> str:
    """Return the answers as CSV: one row per person, a header in the tenant's language."""
    language = _language(found)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_COLUMNS[language])
    writer.writerows(_cells(row, language) for row in found.rows)
    return out.getvalue()


def as_markdown(found: Attendees) -> str:
    """Return the answers as a Markdown document: the meeting, then a table of the answers."""
    language = _language(found)
    meeting = found.meeting
    lines = [
        f"# {meeting.title}",
        "",
        f"{found.tenant} · {meeting.key} · {meeting.at:%Y-%m-%d %H:%M} · {meeting.place}",
        "",
    ]
    if not found.rows:
        lines.append("Ingen har svaret endnu." if language == "da" else "Nobody has answered yet.")
        return "\n".join(lines) + "\n"
    header = _COLUMNS[language]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(markdown_cell(c) for c in _cells(row, language)) + " |" for row in found.rows]
    return "\n".join(lines) + "\n"


def _language(found: Attendees) -> str:
    return found.language if found.language in _COLUMNS else "en"


def _cells(row: Attendee, language: str) -> list[str]:
    words = _WORDS[language]
    return [
        row.name,
        row.email,
        words[row.answer.value],
        words.get(row.seat, ""),
        row.answered_at.strftime("%Y-%m-%d %H:%M"),
    ]
