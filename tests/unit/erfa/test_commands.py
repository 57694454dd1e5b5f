"""The ERFA words and buttons, in Danish and English, with and without the sparring prefix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.commands import parse_action, parse_text
from handlers.erfa.commands import (
    AnswerErfa,
    ErfaUsage,
    RateErfa,
    ShowAttendees,
    ShowErfa,
    TakeawayAsChallenge,
    TakeHome,
)
from handlers.erfa.rsvp import Answer
from handlers.sparring.commands import FreeText, RequestSparring, UnknownAction


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("erfa", ShowErfa()),
        ("ERFA", ShowErfa()),
        ("/sparring erfa", ShowErfa()),
        ("sparring erfa", ShowErfa()),
        ("erfa deltagere 2027-spring", ShowAttendees("2027-spring")),
        ("erfa attendees 2027-spring", ShowAttendees("2027-spring")),
        ("erfa tag-med 2027-spring Vi prøver gevinstkort", TakeHome("2027-spring", "Vi prøver gevinstkort")),
        ("erfa takeaway 2027-spring Benefit cards", TakeHome("2027-spring", "Benefit cards")),
    ],
)
def test_the_erfa_words_are_understood(typed: str, expected: object) -> None:
    assert parse_text(typed) == expected


@pytest.mark.parametrize(
    ("typed", "usage"),
    [
        ("erfa deltagere", "attendees"),
        ("erfa attendees a b", "attendees"),
        ("erfa tag-med 2027-spring", "takeaway"),
        ("erfa hvornår", "list"),
    ],
)
def test_malformed_erfa_commands_name_their_usage(typed: str, usage: str) -> None:
    assert parse_text(typed) == ErfaUsage(usage)


def test_a_sentence_that_only_mentions_erfa_stays_a_request() -> None:
    assert isinstance(parse_text("Hjælp til vores erfa-møde"), RequestSparring | FreeText)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("erfa:rsvp:2027-spring:attending", AnswerErfa("2027-spring", Answer.ATTENDING)),
        ("erfa:rsvp:2027-spring:maybe", AnswerErfa("2027-spring", Answer.MAYBE)),
        ("erfa:rsvp:2027-spring:not_attending", AnswerErfa("2027-spring", Answer.NOT_ATTENDING)),
        ("erfa:rate:2027-network-1:4", RateErfa("2027-network-1", 4)),
        ("erfa:challenge:2027-spring", TakeawayAsChallenge("2027-spring")),
    ],
)
def test_the_erfa_buttons_are_understood(action: str, expected: object) -> None:
    assert parse_action(action) == expected


def test_an_answer_button_keeps_the_platforms_time_of_the_press() -> None:
    pressed = datetime(2027, 3, 20, 8, 15, 3, 120000, tzinfo=UTC)

    assert parse_action("erfa:rsvp:2027-spring:maybe", pressed) == AnswerErfa(
        "2027-spring", Answer.MAYBE, pressed
    )


@pytest.mark.parametrize("action", ["erfa:rsvp:2027-spring:yes", "erfa:rsvp::attending", "erfa:rate:x:many"])
def test_a_broken_erfa_button_is_an_unknown_action(action: str) -> None:
    assert isinstance(parse_action(action), UnknownAction)
