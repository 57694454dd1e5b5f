"""Whom the console user means by ``--as`` or ``:as``: an address, a full name or one of its names."""

from __future__ import annotations

import pytest

from bot.console.people import find_people, listed
from handlers.shared.model import Person, Role

SOREN = Person(1, 1, "soren.kjaer@acme.dk", "Søren Kjær", frozenset({Role.SENIOR}))
ASA = Person(2, 1, "asa@acme.dk", "Åsa Lind", frozenset({Role.PM}))
METTE = Person(3, 1, "mette.holm@acme.dk", "Mette Holm", frozenset({Role.COORDINATOR}))
IDA = Person(4, 1, "ida.holm@acme.dk", "Ida Holm", frozenset({Role.PM}))
HOLM = Person(5, 1, "holm@acme.dk", "Holm Andersen", frozenset({Role.TESTER}))
PEOPLE = (SOREN, ASA, METTE, IDA, HOLM)


@pytest.mark.parametrize(
    ("wanted", "meant"),
    [
        ("Soren.Kjaer@ACME.dk", SOREN),
        ("Søren Kjær", SOREN),
        ("soren kjaer", SOREN),
        ("  SØREN   KJÆR ", SOREN),
        ("kjaer", SOREN),
        ("asa", ASA),
        ("Mette", METTE),
    ],
)
def test_finds_the_one_person_by_address_full_name_or_a_name_in_any_spelling(
    wanted: str, meant: Person
) -> None:
    assert find_people(PEOPLE, wanted) == [meant]


def test_a_shared_last_name_finds_everyone_who_has_it() -> None:
    assert find_people((METTE, IDA), "holm") == [METTE, IDA]


def test_an_address_wins_over_names() -> None:
    assert find_people(PEOPLE, "holm@acme.dk") == [HOLM]


def test_nobody_is_found_for_a_name_nobody_has_or_part_of_a_name() -> None:
    assert find_people(PEOPLE, "Bjarne") == []
    assert find_people(PEOPLE, "Met") == []


def test_people_are_listed_with_their_addresses() -> None:
    assert listed([METTE, IDA]) == "Mette Holm (mette.holm@acme.dk), Ida Holm (ida.holm@acme.dk)"
