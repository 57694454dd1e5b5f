"""Which invite a token stands for (handlers/erfa/invite_files.py), on the in-memory fakes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.erfa.invite_files import filename_for, invite_file
from handlers.erfa.invites import InviteMethod, Partstat, meeting_uid
from handlers.erfa.rsvp import Answer, Rsvp
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.model import ErfaRecord, Role
from handlers.shared.text import Text
from tests.fakes import Office

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
AT = datetime(2027, 4, 15, 9, tzinfo=COPENHAGEN)
MEETING = ErfaMeeting(
    key="2027-spring",
    title="ERFA: Gevinstrealisering i praksis",
    at=AT,
    duration=timedelta(hours=3),
    place="Nordlys, Kolding / Teams",
    audience=("pm", "tester"),
    seats=40,
)


@pytest.fixture
def office() -> Office:
    office = Office(datetime(2027, 3, 18, 7, tzinfo=UTC))
    office.db.add_tenant(dataclasses.replace(office.tenant, erfa_meetings=(MEETING,)))
    return office


def token(office: Office, person_id: int | None) -> str:
    with office.deps.uow() as uow:
        made = uow.erfa.invite_token(office.tenant.id, MEETING.key, person_id)
        uow.commit()
        return made


def answer(office: Office, person_id: int, choice: Answer, start: datetime = AT) -> None:
    with office.deps.uow() as uow:
        rsvp = Rsvp(str(person_id), choice, office.clock.now(), start.astimezone(UTC))
        uow.erfa.answer(office.tenant.id, MEETING.key, rsvp)
        uow.commit()


def test_the_channels_token_gives_the_meeting_to_publish(office: Office) -> None:
    found = invite_file(office.deps, token(office, None))

    assert found is not None
    invite = found.invite
    assert found.filename == "erfa-2027-spring.ics"
    assert invite.method is InviteMethod.PUBLISH
    assert invite.uid == meeting_uid("nordlys", "2027-spring")
    assert (invite.sequence, invite.title, invite.location) == (0, MEETING.title, MEETING.place)
    assert (invite.start, invite.end) == (AT, AT + timedelta(hours=3))
    assert invite.attendee is None
    assert invite.organizer is not None
    assert invite.organizer.email == office.org.mette.email
    assert found.about == Text.of("invite.about.channel", title=MEETING.title)
    assert found.language == "da"


@pytest.mark.parametrize(
    ("choice", "partstat"),
    [
        (Answer.ATTENDING, Partstat.ACCEPTED),
        (Answer.MAYBE, Partstat.TENTATIVE),
        (Answer.NOT_ATTENDING, Partstat.DECLINED),
    ],
)
def test_a_persons_token_gives_a_request_with_their_answer(
    office: Office, choice: Answer, partstat: Partstat
) -> None:
    jonas = office.org.jonas
    answer(office, jonas.id, choice)

    found = invite_file(office.deps, token(office, jonas.id))

    assert found is not None
    assert found.invite.method is InviteMethod.REQUEST
    assert found.invite.attendee is not None
    assert found.invite.attendee.email == jonas.email
    assert found.invite.partstat is partstat


def test_an_answer_for_an_earlier_start_does_not_stand_after_a_move(office: Office) -> None:
    jonas = office.org.jonas
    answer(office, jonas.id, Answer.ATTENDING, start=AT - timedelta(days=7))

    found = invite_file(office.deps, token(office, jonas.id))

    assert found is not None
    assert found.invite.partstat is Partstat.NEEDS_ACTION
    assert found.about.key == "invite.about.personal"


def test_the_record_gives_the_sequence_and_a_cancellation(office: Office) -> None:
    with office.deps.uow() as uow:
        record = ErfaRecord(
            office.tenant.id, MEETING.key, AT, MEETING.place, MEETING.title, 4, cancelled=True
        )
        uow.erfa.save(record)
        uow.commit()

    found = invite_file(office.deps, token(office, office.org.jonas.id))

    assert found is not None
    assert (found.invite.method, found.invite.sequence) == (InviteMethod.CANCEL, 4)
    assert found.about.key == "invite.about.cancelled"
    # RFC 5546 3.2.5: the CANCEL names the attendee it takes off the meeting; the channel's copy nobody.
    assert found.invite.attendee is not None
    assert found.invite.attendee.email == office.org.jonas.email
    channel_copy = invite_file(office.deps, token(office, None))
    assert channel_copy is not None
    assert (channel_copy.invite.method, channel_copy.invite.attendee) == (InviteMethod.CANCEL, None)


def test_without_a_coordinator_every_invite_is_only_published(office: Office) -> None:
    mette = office.org.mette
    office.db.add_person(dataclasses.replace(mette, roles=frozenset({Role.PM})))

    found = invite_file(office.deps, token(office, office.org.jonas.id))

    assert found is not None
    assert (found.invite.method, found.invite.organizer, found.invite.attendee) == (
        InviteMethod.PUBLISH,
        None,
        None,
    )


def test_the_coordinators_own_token_publishes_rather_than_invites_themselves(office: Office) -> None:
    found = invite_file(office.deps, token(office, office.org.mette.id))

    assert found is not None
    assert found.invite.method is InviteMethod.PUBLISH
    assert found.invite.attendee is None


def test_a_person_who_left_a_meeting_no_longer_held_and_an_unknown_token_give_nothing(office: Office) -> None:
    left = token(office, office.org.ida.id)
    office.db.deactivate(office.org.ida.id)
    with office.deps.uow() as uow:
        gone = uow.erfa.invite_token(office.tenant.id, "2026-autumn", None)
        uow.commit()

    assert invite_file(office.deps, left) is None
    assert invite_file(office.deps, gone) is None
    assert invite_file(office.deps, "no-such-token") is None


def test_a_persons_language_is_the_one_the_description_is_written_in(office: Office) -> None:
    office.db.add_person(dataclasses.replace(office.org.jonas, language="en"))

    found = invite_file(office.deps, token(office, office.org.jonas.id))

    assert found is not None
    assert found.language == "en"


def test_a_file_name_holds_only_safe_characters() -> None:
    assert filename_for("2027-spring") == "erfa-2027-spring.ics"
    assert filename_for('a/b\\c"d') == "erfa-a-b-c-d.ics"
