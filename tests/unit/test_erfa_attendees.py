"""The consultancy's counts of a network meeting and the coordinator's list of a meeting's answers, read
through the ports (on the fakes): each tenant's own answers, for the meeting's current start only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.admin.erfa_attendees import NoSuchMeeting, as_csv, as_markdown, attendees
from bot.admin.network_admin import network_status, status_text
from handlers.erfa.network import Network, NetworkMeeting
from handlers.erfa.rsvp import Answer, Rsvp
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import Person
from tests.fakes import FakeDatabase, FakeUnitOfWork, SampleTenant, sample_tenant

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SPRING = ErfaMeeting(
    key="2027-spring",
    title="ERFA: Gevinstrealisering i praksis",
    at=datetime(2027, 4, 15, 9, tzinfo=COPENHAGEN),
    duration=timedelta(hours=3),
    place="Kolding / Teams",
    audience=("pm",),
    seats=1,
)
SPRING_START = datetime(2027, 4, 15, 7, tzinfo=UTC)
NETWORK = Network(
    slug="maximize-network",
    tenants=("nordlys", "birk"),
    competitors=(),
    meetings=(
        NetworkMeeting(
            key="2027-network-1",
            title="ERFA på tværs",
            at=datetime(2027, 5, 20, 13, 0),
            duration=timedelta(hours=4),
            place="København",
            tenants=("nordlys", "birk", "solpark"),
            seats_per_tenant=None,
            cancelled=True,
        ),
    ),
)
NETWORK_START = datetime(2027, 5, 20, 11, tzinfo=UTC)
CLICKED = datetime(2027, 3, 1, 8, tzinfo=UTC)


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def nordlys(db: FakeDatabase) -> SampleTenant:
    org = sample_tenant(db)
    db.add_tenant(dataclasses.replace(org.tenant, erfa_meetings=(SPRING,), erfa=ErfaSettings("C0ERFA")))
    return org


def click(
    uow: FakeUnitOfWork, person: Person, key: str, answer: Answer, start: datetime, minute: int
) -> None:
    uow.erfa.answer(
        person.tenant_id, key, Rsvp(str(person.id), answer, CLICKED + timedelta(minutes=minute), start)
    )


def test_the_attendees_are_listed_in_the_order_they_answered_with_their_seat(
    db: FakeDatabase, nordlys: SampleTenant
) -> None:
    with FakeUnitOfWork(db) as uow:
        click(uow, nordlys.jonas, SPRING.key, Answer.ATTENDING, SPRING_START, 0)
        click(uow, nordlys.ida, SPRING.key, Answer.ATTENDING, SPRING_START, 1)
        click(uow, nordlys.mette, SPRING.key, Answer.MAYBE, SPRING_START, 2)
        # An answer for the meeting's old time is not listed.
        click(uow, nordlys.anna, SPRING.key, Answer.ATTENDING, SPRING_START - timedelta(days=1), 3)
        found = attendees(uow, "nordlys", SPRING.key)

    assert as_csv(found) == (
        "Navn,E-mail,Svar,Plads,Svaret\r\n"
        f"{nordlys.jonas.name},{nordlys.jonas.email},Deltager,har plads,2027-03-01 09:00\r\n"
        f"{nordlys.ida.name},{nordlys.ida.email},Deltager,venteliste,2027-03-01 09:01\r\n"
        f"{nordlys.mette.name},{nordlys.mette.email},Måske,,2027-03-01 09:02\r\n"
    )
    assert as_markdown(found).splitlines()[:6] == [
        "# ERFA: Gevinstrealisering i praksis",
        "",
        "nordlys · 2027-spring · 2027-04-15 09:00 · Kolding / Teams",
        "",
        "| Navn | E-mail | Svar | Plads | Svaret |",
        "|---|---|---|---|---|",
    ]


def test_a_meeting_without_answers_says_so_and_an_unknown_one_names_the_known(
    db: FakeDatabase, nordlys: SampleTenant
) -> None:
    with FakeUnitOfWork(db) as uow:
        empty = attendees(uow, "nordlys", SPRING.key)
        with pytest.raises(NoSuchMeeting) as unknown:
            attendees(uow, "nordlys", "2027-autumn")
        with pytest.raises(NoSuchMeeting) as nobody:
            attendees(uow, "solpark", SPRING.key)

    assert as_markdown(empty).endswith("\nIngen har svaret endnu.\n")
    assert str(unknown.value) == "nordlys has no ERFA meeting '2027-autumn' (its meetings: 2027-spring)"
    assert str(nobody.value) == "there is no tenant 'solpark'; see: vpmo tenant list"


def test_the_status_counts_each_tenant_apart(db: FakeDatabase, nordlys: SampleTenant) -> None:
    birk = sample_tenant(db, tenant_id=2, slug="birk")
    with FakeUnitOfWork(db) as uow:
        uow.networks.save(NETWORK)
        click(uow, nordlys.jonas, "2027-network-1", Answer.ATTENDING, NETWORK_START, 0)
        click(uow, nordlys.ida, "2027-network-1", Answer.NOT_ATTENDING, NETWORK_START, 1)
        click(uow, birk.jonas, "2027-network-1", Answer.MAYBE, NETWORK_START, 2)
        found = network_status(uow, "maximize-network")
        assert network_status(uow, "other-network") is None
    assert found is not None

    assert status_text("maximize-network", found) == (
        "maximize-network\n"
        "\n"
        "2027-network-1 (cancelled): ERFA på tværs, 2027-05-20 13:00 Europe/Copenhagen, København\n"
        "  tenant   seated  waiting  maybe  not attending  seats\n"
        "  nordlys  1       0        0      1              no limit\n"
        "  birk     0       0        1      0              no limit\n"
        "  solpark  -       -        -      -              (no such tenant)\n"
        "  all      1       0        1      1              no limit\n"
    )
