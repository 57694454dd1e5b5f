"""The ERFA meetings' part of the command grammar, in Danish and English.

``erfa`` lists the upcoming meetings with one's answer; ``erfa deltagere <key>`` (``erfa attendees``) shows
the coordinator who answered what; ``erfa tag-med <key> <tekst>`` (``erfa takeaway``) gives the one thing
one takes home. The buttons carry ``erfa:rsvp:<key>:<answer>``, ``erfa:rate:<key>:<1-5>`` and
``erfa:challenge:<key>``. The words work after ``/sparring`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.erfa.rsvp import Answer


@dataclass(frozen=True, slots=True)
class ShowErfa:
    """The upcoming meetings, with the reader's answer and the buttons to give or change it."""


@dataclass(frozen=True, slots=True)
class ShowAttendees:
    """The coordinator's list of who answered what (the waiting list in order)."""

    key: str


@dataclass(frozen=True, slots=True)
class AnswerErfa:
    """A press of Deltager / Måske / Deltager ikke; ``at`` is the platform's event time, if it gave one."""

    key: str
    answer: Answer
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RateErfa:
    key: str
    rating: int


@dataclass(frozen=True, slots=True)
class TakeHome:
    """The one thing someone takes home from a meeting they attended."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class TakeawayAsChallenge:
    """Submit one's takeaway from a meeting as a challenge for the next quarterly meeting."""

    key: str


@dataclass(frozen=True, slots=True)
class ErfaUsage:
    """An ERFA command with missing or wrong arguments; ``command`` names its usage line."""

    command: str


Command = ShowErfa | ShowAttendees | AnswerErfa | RateErfa | TakeHome | TakeawayAsChallenge | ErfaUsage

_FIRST = frozenset({"erfa"})
_ATTENDEES = frozenset({"deltagere", "attendees", "tilmeldte"})
_TAKE_HOME = frozenset({"tag-med", "tagmed", "takeaway", "take-home"})
COMMAND_WORDS = _FIRST


def parse_words(first: str, rest: str) -> Command | None:
    """Parse an ERFA command from its first word and the text after it; None: not an ERFA word."""
    if first.casefold() not in _FIRST:
        return None
    args = rest.split()
    if not args:
        return ShowErfa()
    word = args[0].casefold()
    if word in _ATTENDEES:
        return ShowAttendees(args[1]) if len(args) == 2 else ErfaUsage("attendees")
    if word in _TAKE_HOME:
        parts = rest.split(None, 2)
        return TakeHome(parts[1], parts[2].strip()) if len(parts) == 3 else ErfaUsage("takeaway")
    return ErfaUsage("list")


def answer_action(key: str, answer: Answer) -> str:
    """Return the id of an answer button, read back by :func:`parse_action`."""
    return f"erfa:rsvp:{key}:{answer.value}"


def rate_action(key: str, rating: int) -> str:
    """Return the id of a rating button."""
    return f"erfa:rate:{key}:{rating}"


def challenge_action(key: str) -> str:
    """Return the id of the button that submits one's takeaway as a challenge."""
    return f"erfa:challenge:{key}"


def parse_action(kind: str, rest: str, at: datetime | None = None) -> Command | None:
    """Parse the id of a pressed ERFA button (``erfa:rsvp:2027-spring:attending``); None: not one.

    ``at`` is the platform's time of the press, which an answer keeps.
    """
    if kind != "erfa":
        return None
    what, _, tail = rest.partition(":")
    if what == "challenge" and tail:
        return TakeawayAsChallenge(tail)
    key, _, value = tail.rpartition(":")
    if not key:
        return None
    if what == "rsvp" and value in Answer.__members__.values():
        return AnswerErfa(key, Answer(value), at)
    if what == "rate" and value.isdigit():
        return RateErfa(key, int(value))
    return None
