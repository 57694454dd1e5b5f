"""The neutral invite data: a meeting's UID and the invariants an invite must keep."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.erfa.invites import Attendee, Invite, InviteMethod, Partstat, meeting_uid
from tests.fakes import COPENHAGEN

COORDINATOR = Attendee("Mette Koordinator", "mette@maximize.dk")
SOREN = Attendee("Søren Ærø", "soren@nordlys.dk")


def an_invite(method: InviteMethod = InviteMethod.REQUEST, **changes: Any) -> Invite:
    fields: dict[str, Any] = {
        "uid": meeting_uid("nordlys", "2027-spring"),
        "sequence": 0,
        "method": method,
        "title": "ERFA: Gevinstrealisering i praksis",
        "description": "",
        "start": datetime(2027, 4, 15, 9, tzinfo=COPENHAGEN),
        "end": datetime(2027, 4, 15, 12, tzinfo=COPENHAGEN),
        "zone": "Europe/Copenhagen",
        "location": "Nordlys, Kolding / Teams",
        "organizer": COORDINATOR,
        "attendee": SOREN if method is not InviteMethod.PUBLISH else None,
        "partstat": Partstat.ACCEPTED,
    }
    fields.update(changes)
    return Invite(**fields)


# --- meeting_uid ---------------------------------------------------------------------------------


def test_a_meeting_uid_names_the_meeting_and_the_tenant() -> None:
    uid = meeting_uid("nordlys", "2027-spring")

    assert uid == "erfa-2027-spring.nordlys@vpmo"


def test_a_meeting_uid_is_the_same_every_time() -> None:
    assert meeting_uid("nordlys", "2027-spring") == meeting_uid("nordlys", "2027-spring")


def test_different_meetings_and_tenants_never_share_a_uid() -> None:
    uids = {
        meeting_uid("nordlys", "2027-spring"),
        meeting_uid("nordlys", "2027-autumn"),
        meeting_uid("vindkraft", "2027-spring"),
        meeting_uid("a.b", "c"),
        meeting_uid("a", "b.c"),
        meeting_uid("a@b", "c"),
        meeting_uid("a", "b@c"),
        meeting_uid("a%2E", "b"),
    }

    assert len(uids) == 8


def test_a_meeting_uid_encodes_characters_outside_the_safe_set() -> None:
    uid = meeting_uid("maximize-network", "Forår 2027/1")

    assert uid == "erfa-For%C3%A5r%202027%2F1.maximize-network@vpmo"
    assert re.fullmatch(r"erfa-[A-Za-z0-9_%-]+\.[A-Za-z0-9_%-]+@vpmo", uid)


@pytest.mark.parametrize(("slug", "key"), [("", "2027-spring"), ("nordlys", "")])
def test_a_meeting_uid_needs_a_slug_and_a_key(slug: str, key: str) -> None:
    with pytest.raises(ValueError, match="slug and a meeting key"):
        meeting_uid(slug, key)


# --- Invite --------------------------------------------------------------------------------------


def test_a_request_to_the_organizers_own_address_is_refused() -> None:
    with pytest.raises(ValueError, match="organizer's own address"):
        an_invite(attendee=Attendee("Mette", "Mette@Maximize.dk"))


def test_the_organizer_may_have_the_channels_copy() -> None:
    invite = an_invite(InviteMethod.PUBLISH)

    assert invite.organizer == COORDINATOR
    assert invite.attendee is None


def test_a_request_needs_an_organizer_and_an_attendee() -> None:
    with pytest.raises(ValueError, match="ORGANIZER"):
        an_invite(organizer=None)
    with pytest.raises(ValueError, match="ATTENDEE"):
        an_invite(attendee=None)


def test_a_cancellation_needs_an_organizer() -> None:
    with pytest.raises(ValueError, match="ORGANIZER"):
        an_invite(InviteMethod.CANCEL, organizer=None)


def test_the_channels_copy_names_no_attendee() -> None:
    with pytest.raises(ValueError, match="PUBLISH names no ATTENDEE"):
        an_invite(InviteMethod.PUBLISH, attendee=SOREN)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        an_invite(start=datetime(2027, 4, 15, 9))


def test_a_meeting_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        an_invite(end=datetime(2027, 4, 15, 7, tzinfo=UTC))


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        an_invite(zone="Europe/Nordlys")


def test_a_negative_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match="SEQUENCE"):
        an_invite(sequence=-1)


def test_an_attendee_needs_an_email_address() -> None:
    with pytest.raises(ValueError, match="e-mail"):
        Attendee("Søren", "soren")
