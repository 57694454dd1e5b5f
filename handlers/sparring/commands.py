"""The one command grammar every platform shares, in Danish and English.

Typed text (``sparring status``, ``/sparring annullér S-4``, ``done S-4 1,5``) and pressed buttons
(action ids such as ``accept:S-4``) are both parsed here into the same commands.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_REQUEST_CHARS = 2000
# The button that sends typed text as a request: the text waits in the person's dialogue state.
SEND_PENDING_ACTION = "ask-sparring"


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class ShowStatus:
    pass


@dataclass(frozen=True, slots=True)
class ShowQueue:
    pass


@dataclass(frozen=True, slots=True)
class ShowKpis:
    pass


@dataclass(frozen=True, slots=True)
class StartIntake:
    pass


@dataclass(frozen=True, slots=True)
class SetLanguage:
    language: str


@dataclass(frozen=True, slots=True)
class Cancel:
    number: int | None


@dataclass(frozen=True, slots=True)
class Accept:
    number: int


@dataclass(frozen=True, slots=True)
class Decline:
    number: int


@dataclass(frozen=True, slots=True)
class MarkHeld:
    """The senior held the session; ``confirmed`` once they confirmed an unusually long one."""

    number: int
    hours: float
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class CorrectHours:
    """Correct the hours logged for a held session (``ret S-4 1,5``)."""

    number: int
    hours: float
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class GiveFeedback:
    number: int
    rating: int | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class Approve:
    number: int


@dataclass(frozen=True, slots=True)
class Reject:
    number: int


@dataclass(frozen=True, slots=True)
class Assign:
    number: int
    senior: str


@dataclass(frozen=True, slots=True)
class Explain:
    number: int


@dataclass(frozen=True, slots=True)
class ShowRequest:
    """Show a request's whole text (a quote in a message may be shortened to fit)."""

    number: int


@dataclass(frozen=True, slots=True)
class ChooseArea:
    number: int
    area: str


@dataclass(frozen=True, slots=True)
class IntakeArea:
    area: str


@dataclass(frozen=True, slots=True)
class IntakeUrgency:
    urgency: str


@dataclass(frozen=True, slots=True)
class RequestSparring:
    """Someone's need in their own words.

    ``text`` is kept as written (it is shown, escaped, to the senior). The platform's adapter strips its
    own markup into ``plain`` (what the rules read; None: the text has none) and resolves its own
    mentions into ``mentions``: the people named, each as an e-mail, a person id or a name.
    """

    text: str
    plain: str | None = None
    mentions: tuple[str, ...] = ()

    def readable(self) -> str:
        """Return the text the rules read: without the platform's markup."""
        return self.text if self.plain is None else self.plain


@dataclass(frozen=True, slots=True)
class RequestTraining:
    """A request for a training session in the method (``uddannelse gevinstrealisering``)."""

    topic: str


@dataclass(frozen=True, slots=True)
class SubmitIntake:
    """The guided intake filled in one go, as a form (a Slack modal or a Teams card)."""

    area: str
    text: str
    urgency: str = "normal"
    preferred_senior: str | None = None


@dataclass(frozen=True, slots=True)
class SendPendingRequest:
    """The person agreed to send the text they typed without ``sparring`` as a sparring request."""


@dataclass(frozen=True, slots=True)
class PreferSenior:
    """The requester wants the senior they named, although the request went to another."""

    number: int
    senior_id: int


@dataclass(frozen=True, slots=True)
class AskForComment:
    """The requester wants to add a comment to their feedback."""

    number: int


@dataclass(frozen=True, slots=True)
class ShowEscalations:
    pass


@dataclass(frozen=True, slots=True)
class ShowWaiting:
    """Everything waiting for the actor: the coordinator's list, and a senior's queue."""


@dataclass(frozen=True, slots=True)
class FreeText:
    """Text that is not a command: an answer in a guided intake, or something to explain.

    ``plain`` and ``mentions`` are as in ``RequestSparring``: the adapter's reading of its markup.
    """

    text: str
    plain: str | None = None
    mentions: tuple[str, ...] = ()

    def readable(self) -> str:
        """Return the text the rules read: without the platform's markup."""
        return self.text if self.plain is None else self.plain


@dataclass(frozen=True, slots=True)
class Malformed:
    """A known command with missing or wrong arguments; ``command`` names its usage line."""

    command: str


@dataclass(frozen=True, slots=True)
class UnknownAction:
    action_id: str


Command = (
    Help
    | ShowStatus
    | ShowQueue
    | ShowKpis
    | StartIntake
    | SetLanguage
    | Cancel
    | Accept
    | Decline
    | MarkHeld
    | CorrectHours
    | GiveFeedback
    | Approve
    | Reject
    | Assign
    | Explain
    | ShowRequest
    | ChooseArea
    | IntakeArea
    | IntakeUrgency
    | RequestSparring
    | RequestTraining
    | SubmitIntake
    | SendPendingRequest
    | PreferSenior
    | AskForComment
    | ShowEscalations
    | ShowWaiting
    | FreeText
    | Malformed
    | UnknownAction
)

# Every spelling people use, with and without Danish letters, maps to one command word.
_WORDS: dict[str, str] = {
    "help": "help", "hjælp": "help", "hjaelp": "help", "hjalp": "help", "?": "help",
    "status": "status", "mine": "status",
    "queue": "queue", "kø": "queue", "koe": "queue", "ko": "queue",
    "cancel": "cancel", "annullér": "cancel", "annuller": "cancel", "annuler": "cancel",
    "accept": "accept", "acceptér": "accept", "accepter": "accept",
    "decline": "decline", "afvis": "decline", "afslå": "decline",
    "done": "done", "held": "done", "afholdt": "done", "færdig": "done", "faerdig": "done",
    "feedback": "feedback", "bedøm": "feedback", "vurder": "feedback",
    "language": "language", "sprog": "language",
    "approve": "approve", "godkend": "approve",
    "reject": "reject", "afvis-kvote": "reject",
    "assign": "assign", "tildel": "assign",
    "why": "why", "hvorfor": "why",
    "show": "show", "vis": "show",
    "kpi": "kpi", "kpis": "kpi", "nøgletal": "kpi", "noegletal": "kpi",
    "escalations": "escalations", "eskaleringer": "escalations",
    "correct": "correct", "ret": "correct",
    "waiting": "waiting", "venter": "waiting",
    "training": "training", "uddannelse": "training", "undervisning": "training", "kursus": "training",
}  # fmt: skip
# The word after the hours that confirms an unusually long session: "færdig S-4 12 bekræft".
_CONFIRM = frozenset({"bekræft", "bekraeft", "bekraft", "confirm", "ok"})

COMMAND_WORDS = frozenset(_WORDS)
_STANDALONE = frozenset({"help", "status", "queue", "kpi", "escalations", "waiting"})
# "Sparring: …", "sparring, …" and "sparring - …": the punctuation after the word is not part of the request.
_PREFIX = re.compile(r"^\s*/?sparring\b[\s:;,.!\-–—]*", re.IGNORECASE)
_REF = re.compile(r"^(?:s-?)?(\d{1,9})$", re.IGNORECASE)
_HOURS = re.compile(r"^\d{1,3}(?:[.,]\d{1,2})?$")


def without_prefix(text: str) -> str:
    """Return typed text without a leading ``sparring`` / ``/sparring`` and the punctuation after it."""
    prefixed = _PREFIX.match(text)
    return text[prefixed.end() :].strip() if prefixed else text.strip()


def parse_text(text: str) -> Command:
    """Parse what a person typed (with or without the ``sparring`` prefix) into a command."""
    cleaned = unicodedata.normalize("NFC", text).strip()
    if not cleaned:
        return RequestSparring("")
    prefixed = _PREFIX.match(cleaned)
    if prefixed:
        cleaned = cleaned[prefixed.end() :].strip()
        if not cleaned:
            return StartIntake()
    words = cleaned.split()
    word = _WORDS.get(words[0].casefold()) if words else None
    # "help with the budget" and "status report for the board" are requests, not commands:
    # the commands without arguments only count when they stand alone.
    # "vis mig budgettet" / "show me how" is a request too: "show" only counts before a reference.
    shows_words = word == "show" and len(words) > 1 and parse_ref(words[1]) is None
    # "ret" is an everyday Danish word ("ret mange problemer"): it is the correction only before a reference.
    corrects_words = word == "correct" and (len(words) < 2 or parse_ref(words[1]) is None)
    if word is None or (word in _STANDALONE and len(words) > 1) or shows_words or corrects_words:
        return RequestSparring(cleaned) if prefixed else FreeText(cleaned)
    command = _parse_subcommand(word, words[1:])
    # "sparring hvorfor skrider tidsplanen?" is a question, not "why" without its reference:
    # after the prefix, a command word followed by several words that don't fit it starts a request.
    if prefixed and isinstance(command, Malformed) and len(words) > 2 and parse_ref(words[1]) is None:
        return RequestSparring(cleaned)
    return command


def _parse_subcommand(word: str, args: list[str]) -> Command:
    simple: dict[str, Command] = {
        "help": Help(),
        "status": ShowStatus(),
        "queue": ShowQueue(),
        "kpi": ShowKpis(),
        "escalations": ShowEscalations(),
        "waiting": ShowWaiting(),
    }
    if word in simple:
        return simple[word]
    if word == "language":
        language = args[0].casefold() if args else ""
        return SetLanguage(language) if language in ("da", "en") else Malformed("language")
    if word == "cancel":
        return _cancel(args)
    if word == "training":
        return RequestTraining(" ".join(args)) if args else Malformed("training")
    number = parse_ref(args[0]) if args else None
    if number is None:
        return Malformed(word)
    return _with_number(word, number, args[1:])


def _cancel(args: list[str]) -> Command:
    if not args:
        return Cancel(None)
    number = parse_ref(args[0])
    return Cancel(number) if number is not None else Malformed("cancel")


def _with_number(word: str, number: int, rest: list[str]) -> Command:
    if word in ("done", "correct"):
        return _hours_command(word, number, rest)
    if word == "feedback":
        return _feedback(number, rest)
    if word == "assign":
        return Assign(number, rest[0]) if rest else Malformed("assign")
    plain: dict[str, Command] = {
        "accept": Accept(number),
        "decline": Decline(number),
        "approve": Approve(number),
        "reject": Reject(number),
        "why": Explain(number),
        "show": ShowRequest(number),
    }
    return plain[word]


def _hours_command(word: str, number: int, rest: list[str]) -> Command:
    hours = parse_hours(rest[0]) if rest else None
    confirmed = len(rest) == 2 and rest[1].casefold() in _CONFIRM
    if hours is None or (len(rest) > 1 and not confirmed):
        return Malformed(word)
    kind = MarkHeld if word == "done" else CorrectHours
    return kind(number, hours, confirmed)


def _feedback(number: int, rest: list[str]) -> Command:
    if rest and rest[0].isdigit():
        rating = int(rest[0])
        if not 1 <= rating <= 5:
            return Malformed("feedback")
        return GiveFeedback(number, rating, " ".join(rest[1:]) or None)
    if rest:
        return GiveFeedback(number, None, " ".join(rest))
    return Malformed("feedback")


def parse_ref(word: str) -> int | None:
    """Return the number in a reference such as ``S-42``, ``s42`` or ``42``."""
    match = _REF.match(word.strip().rstrip(".,:;"))
    return int(match.group(1)) if match else None


def parse_hours(word: str) -> float | None:
    """Return hours written as ``1.5`` or the Danish ``1,5`` (0 < hours < 1000); None when not a number.

    Whether the amount is plausible for one session is the use case's to say (handlers.sparring.sessions), so
    that ``færdig S-4 100`` gets an explanation rather than the usage line.
    """
    if not _HOURS.match(word):
        return None
    hours = float(word.replace(",", "."))
    return hours if hours > 0 else None


def parse_action(action_id: str) -> Command:
    """Parse the id of a pressed button into a command."""
    kind, _, rest = action_id.partition(":")
    if action_id == SEND_PENDING_ACTION:
        return SendPendingRequest()
    if kind == "intake-area" and rest:
        return IntakeArea(rest)
    if kind == "intake-urgency" and rest:
        return IntakeUrgency(rest)
    ref, _, arg = rest.partition(":")
    number = parse_ref(ref)
    if number is None:
        return UnknownAction(action_id)
    return _action_with_number(kind, number, arg, action_id)


def _action_with_number(kind: str, number: int, arg: str, action_id: str) -> Command:
    if kind == "area" and arg:
        return ChooseArea(number, arg)
    if kind == "rate" and arg.isdigit() and 1 <= int(arg) <= 5:
        return GiveFeedback(number, int(arg), None)
    if kind == "no-comment":
        return GiveFeedback(number, None, "")
    if kind == "comment":
        return AskForComment(number)
    if kind == "assign" and arg:
        return Assign(number, arg)
    if kind in ("held", "correct"):
        # The confirmation button of an unusually long session: "held:S-4:12" (hours with a dot).
        hours = parse_hours(arg)
        if hours is None:
            return UnknownAction(action_id)
        return MarkHeld(number, hours, True) if kind == "held" else CorrectHours(number, hours, True)
    if kind == "prefer" and arg.isdigit():
        return PreferSenior(number, int(arg))
    simple: dict[str, Command] = {
        "accept": Accept(number),
        "decline": Decline(number),
        "approve": Approve(number),
        "reject": Reject(number),
        "cancel": Cancel(number),
    }
    return simple.get(kind, UnknownAction(action_id))
