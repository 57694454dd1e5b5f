"""The quarterly challenges' part of the command grammar, in Danish and English.

``udfordring …`` submits a challenge, ``dagsorden`` shows the ranking, ``stem U-7`` votes, and the
coordinator merges (``flet U-7 U-3``), withdraws (``træk U-7 …``), decides (``beslut U-7 vedtaget …``)
and keeps the method review (``metode``, ``metode færdig U-7 …``). The words work after ``/sparring``
too. Buttons carry the same commands as action ids (``vote:U-7``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.shared.model import Decision

MAX_CHALLENGE_CHARS = 1500
MAX_REASON_CHARS = 500
MAX_VERSION_CHARS = 80
# The button that submits typed text although an open challenge looks like it (the text waits).
SUBMIT_ANYWAY_ACTION = "challenge-anyway"


@dataclass(frozen=True, slots=True)
class SubmitChallenge:
    """A challenge in the submitter's words; ``plain`` is the text without the platform's markup."""

    text: str
    plain: str | None = None
    anyway: bool = False
    """Submit it although an open challenge looks like it (the submitter saw that one and chose this)."""


@dataclass(frozen=True, slots=True)
class SubmitPendingChallenge:
    """The submitter pressed "submit mine anyway": the text waits in their dialogue state."""


@dataclass(frozen=True, slots=True)
class Vote:
    """A vote for a challenge by button or typed ``stem U-7``: the same ballot, once per person."""

    number: int


@dataclass(frozen=True, slots=True)
class Unvote:
    number: int


@dataclass(frozen=True, slots=True)
class ShowChallenge:
    """Show one challenge whole (``vis U-7``): a post or an agenda line may shorten its text."""

    number: int


@dataclass(frozen=True, slots=True)
class ShowAgenda:
    """The ranking of the coming quarterly meeting's challenges (live, or the count if hidden)."""


@dataclass(frozen=True, slots=True)
class Merge:
    """The coordinator merges a duplicate into the challenge it repeats: their voters are united."""

    duplicate: int
    into: int


@dataclass(frozen=True, slots=True)
class Withdraw:
    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Decide:
    number: int
    decision: Decision
    reason: str


@dataclass(frozen=True, slots=True)
class ShowMethod:
    """The adopted changes not yet in a method or template version (the yearly review)."""


@dataclass(frozen=True, slots=True)
class MethodDone:
    number: int
    version: str


@dataclass(frozen=True, slots=True)
class ChallengeUsage:
    """A challenge command with missing or wrong arguments; ``command`` names its usage line."""

    command: str


Command = (
    SubmitChallenge
    | SubmitPendingChallenge
    | Vote
    | Unvote
    | ShowChallenge
    | ShowAgenda
    | Merge
    | Withdraw
    | Decide
    | ShowMethod
    | MethodDone
    | ChallengeUsage
)

_WORDS: dict[str, str] = {
    "udfordring": "challenge", "challenge": "challenge",
    "dagsorden": "agenda", "agenda": "agenda", "udfordringer": "agenda", "challenges": "agenda",
    "stem": "vote", "vote": "vote",
    "fortryd": "unvote", "unvote": "unvote",
    "flet": "merge", "merge": "merge",
    "træk": "withdraw", "traek": "withdraw", "tilbagetræk": "withdraw", "withdraw": "withdraw",
    "beslut": "decide", "decide": "decide",
    "metode": "method", "method": "method",
}  # fmt: skip
_DECISIONS: dict[str, Decision] = {
    "vedtaget": Decision.ADOPTED, "vedtag": Decision.ADOPTED, "adopted": Decision.ADOPTED, "adopt": Decision.ADOPTED,
    "sparring": Decision.SPARRING,
    "afvist": Decision.REJECTED, "afvis": Decision.REJECTED, "rejected": Decision.REJECTED, "reject": Decision.REJECTED,
    "udskudt": Decision.DEFERRED, "udskyd": Decision.DEFERRED, "deferred": Decision.DEFERRED, "defer": Decision.DEFERRED,
}  # fmt: skip
_DONE = frozenset({"færdig", "faerdig", "done", "opdateret", "updated"})
_REF = re.compile(r"^(?:[uc]-?)?(\d{1,9})$", re.IGNORECASE)
# "vis U-7" shows a challenge; "vis 7" and "vis S-7" stay the sparring request's, so the letter is needed.
_SHOW = frozenset({"vis", "show"})
_LETTERED_REF = re.compile(r"^[uc]-?\d{1,9}[.,:;]?$", re.IGNORECASE)
_QUOTES = "\"'“”„«»‘’"
# "stem på U-7" / "vote for C-7": the little word before the reference is optional.
_FILLERS = frozenset({"på", "paa", "for", "on"})

COMMAND_WORDS = frozenset(_WORDS)


def parse_words(first: str, rest: str) -> Command | None:
    """Parse a challenge command from its first word and the text after it; None: not a challenge word."""
    args = rest.split()
    if first.casefold() in _SHOW and len(args) == 1 and _LETTERED_REF.match(args[0]):
        number = parse_challenge_ref(args[0])
        return ShowChallenge(number) if number is not None else None
    word = _WORDS.get(first.casefold())
    if word is None:
        return None
    if word == "challenge":
        return SubmitChallenge(rest.strip()) if rest.strip() else ChallengeUsage("challenge")
    if word == "agenda":
        return ShowAgenda() if not args else None  # "agenda for styregruppen …" is a request, not a command
    if word == "method":
        return _method(args, rest)
    if word in ("vote", "unvote"):
        return _vote(word, args)
    if word == "merge":
        return _merge(args)
    if word == "withdraw":
        return _withdraw(args, rest)
    return _decide(args, rest)


def parse_challenge_ref(word: str) -> int | None:
    """Return the number in a challenge reference such as ``U-7``, ``C-7``, ``u7`` or ``7``."""
    match = _REF.match(word.strip().rstrip(".,:;"))
    return int(match.group(1)) if match else None


def parse_action(kind: str, rest: str) -> Command | None:
    """Parse the id of a pressed challenge button (``vote:U-7``); None: not a challenge button."""
    if kind == SUBMIT_ANYWAY_ACTION and not rest:
        return SubmitPendingChallenge()
    if kind not in ("vote", "unvote"):
        return None
    number = parse_challenge_ref(rest)
    if number is None:
        return None
    return Vote(number) if kind == "vote" else Unvote(number)


def _vote(word: str, args: list[str]) -> Command:
    if args and args[0].casefold() in _FILLERS:
        args = args[1:]
    number = parse_challenge_ref(args[0]) if len(args) == 1 else None
    if number is None:
        return ChallengeUsage(word)
    return Vote(number) if word == "vote" else Unvote(number)


def _merge(args: list[str]) -> Command:
    if args[1:2] and args[1].casefold() in ("ind", "i", "into", "med", "with"):
        args = [args[0], *args[2:]]
    numbers = [number for arg in args if (number := parse_challenge_ref(arg)) is not None]
    if len(args) != 2 or len(set(numbers)) != 2:
        return ChallengeUsage("merge")
    return Merge(numbers[0], numbers[1])


def _withdraw(args: list[str], rest: str) -> Command:
    number = parse_challenge_ref(args[0]) if args else None
    reason = _after_words(rest, 1)
    if number is None or not reason:
        return ChallengeUsage("withdraw")
    return Withdraw(number, reason)


def _decide(args: list[str], rest: str) -> Command:
    number = parse_challenge_ref(args[0]) if args else None
    decision = _DECISIONS.get(args[1].casefold().rstrip(".,:;")) if len(args) > 1 else None
    if number is None or decision is None:
        return ChallengeUsage("decide")
    reason = _after_words(rest, 2)
    # Sparring explains itself (the submitter gets a sparring request); every other decision needs its why.
    if not reason and decision is not Decision.SPARRING:
        return ChallengeUsage("decide")
    return Decide(number, decision, reason)


def _method(args: list[str], rest: str) -> Command:
    if not args:
        return ShowMethod()
    if args[0].casefold() not in _DONE:
        return ChallengeUsage("method")
    number = parse_challenge_ref(args[1]) if len(args) > 1 else None
    version = _after_words(rest, 2)
    if number is None or not version:
        return ChallengeUsage("method")
    return MethodDone(number, version)


def _after_words(rest: str, count: int) -> str:
    """Return the text after the first ``count`` words, without the quotes people put around it."""
    parts = rest.split(None, count)
    tail = parts[count] if len(parts) > count else ""
    return tail.strip().strip(_QUOTES).strip()
