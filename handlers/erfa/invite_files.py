"""Which calendar invite a token stands for: the query behind ``/invites/{token}.ics`` and Slack's upload.

The invite is built when it is fetched, from the meeting as the tenant's file holds it now and from what
was last told about it (the SEQUENCE, a cancellation), so an old link always gives the current meeting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC

from handlers.erfa.invites import Attendee, Invite, InviteMethod, Partstat, meeting_uid
from handlers.erfa.rsvp import Answer, settle
from handlers.shared.context import Deps
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.model import Person, Role, Tenant
from handlers.shared.ports import UnitOfWork
from handlers.shared.text import Text

_PARTSTATS = {
    Answer.ATTENDING: Partstat.ACCEPTED,
    Answer.MAYBE: Partstat.TENTATIVE,
    Answer.NOT_ATTENDING: Partstat.DECLINED,
}
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class InviteDownload:
    """One invite ready to be written as a file: its ``invite`` has no description yet.

    ``about`` is the description as a text, to be rendered in ``language`` (the holder's) by the adapter.
    """

    filename: str
    invite: Invite
    about: Text
    language: str


def invite_file(deps: Deps, token: str) -> InviteDownload | None:
    """Return the invite the token stands for, as it stands now; None for a token nobody holds."""
    with deps.uow() as uow:
        holder = uow.erfa.invite_holder(token)
        if holder is None:
            return None
        tenant = uow.tenants.get(holder.tenant_id)
        meeting = _meeting(tenant, holder.meeting)
        if tenant is None or meeting is None:
            return None
        person = uow.people.get(holder.person_id) if holder.person_id is not None else None
        if holder.person_id is not None and (person is None or person.tenant_id != tenant.id):
            return None  # the person left the tenant: their invite is gone with them
        return _download(uow, tenant, meeting, person)


def filename_for(meeting_key: str) -> str:
    """Return what a meeting's invite file is called, e.g. ``erfa-2027-spring.ics``."""
    return f"erfa-{_UNSAFE_IN_FILENAME.sub('-', meeting_key)}.ics"


def _meeting(tenant: Tenant | None, key: str) -> ErfaMeeting | None:
    if tenant is None:
        return None
    return next((meeting for meeting in tenant.erfa_meetings if meeting.key == key), None)


def _download(uow: UnitOfWork, tenant: Tenant, meeting: ErfaMeeting, person: Person | None) -> InviteDownload:
    record = uow.erfa.get(tenant.id, meeting.key)
    cancelled = meeting.cancelled or (record is not None and record.cancelled)
    organizer = _organizer(uow, tenant)
    attendee = _attendee(person, organizer)
    partstat = _partstat(uow, tenant, meeting, person) if attendee is not None else None
    method = _method(cancelled=cancelled, organizer=organizer, attendee=attendee)
    invite = Invite(
        uid=meeting_uid(tenant.slug, meeting.key),
        sequence=record.sequence if record is not None else 0,
        method=method,
        title=meeting.title,
        description="",
        start=meeting.at,
        end=meeting.at + meeting.duration,
        zone=tenant.timezone,
        location=meeting.place,
        organizer=organizer,
        # RFC 5546 3.2.5: a personal CANCEL names the attendee it removes; a PUBLISH names nobody.
        attendee=attendee if method is not InviteMethod.PUBLISH else None,
        partstat=partstat if method is not InviteMethod.PUBLISH else None,
    )
    language = person.language_or(tenant.language) if person is not None else tenant.language
    return InviteDownload(filename_for(meeting.key), invite, _about(invite, meeting), language)


def _organizer(uow: UnitOfWork, tenant: Tenant) -> Attendee | None:
    """Return the tenant's first coordinator by name, whom a calendar answers to; None without one."""
    coordinators = uow.people.with_role(tenant.id, Role.COORDINATOR.value)
    return _as_attendee(coordinators[0]) if coordinators else None


def _attendee(person: Person | None, organizer: Attendee | None) -> Attendee | None:
    attendee = _as_attendee(person) if person is not None else None
    if attendee is None or (organizer is not None and organizer.same_address(attendee)):
        return None  # the coordinator's own copy is the meeting they organise, not an invite to it
    return attendee


def _as_attendee(person: Person) -> Attendee | None:
    try:
        return Attendee(person.name, person.email)
    except ValueError:
        return None  # no usable address: the invite names nobody rather than a broken mailbox


def _partstat(uow: UnitOfWork, tenant: Tenant, meeting: ErfaMeeting, person: Person | None) -> Partstat:
    """Return the person's standing answer for the meeting's current start (not answered: NEEDS-ACTION)."""
    if person is None:
        return Partstat.NEEDS_ACTION
    standing = settle(uow.erfa.answers(tenant.id, meeting.key), meeting.at.astimezone(UTC))
    answer = standing.get(str(person.id))
    return _PARTSTATS[answer.answer] if answer is not None else Partstat.NEEDS_ACTION


def _method(*, cancelled: bool, organizer: Attendee | None, attendee: Attendee | None) -> InviteMethod:
    if organizer is None:
        return InviteMethod.PUBLISH  # REQUEST and CANCEL need an organizer to answer to
    if cancelled:
        return InviteMethod.CANCEL
    return InviteMethod.REQUEST if attendee is not None else InviteMethod.PUBLISH


def _about(invite: Invite, meeting: ErfaMeeting) -> Text:
    if invite.method is InviteMethod.CANCEL or meeting.cancelled:
        return Text.of("invite.about.cancelled", title=meeting.title)
    if invite.method is InviteMethod.REQUEST:
        partstat = invite.partstat or Partstat.NEEDS_ACTION
        return Text.of("invite.about.personal", title=meeting.title, answer=Text.of(_ANSWER_KEYS[partstat]))
    return Text.of("invite.about.channel", title=meeting.title)


_ANSWER_KEYS = {
    Partstat.ACCEPTED: "invite.answer.attending",
    Partstat.TENTATIVE: "invite.answer.maybe",
    Partstat.DECLINED: "invite.answer.not_attending",
    Partstat.NEEDS_ACTION: "invite.answer.none",
}
