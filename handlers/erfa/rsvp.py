"""The RSVP rules of an ERFA meeting: a function of the recorded answers, never a counter.

People answer with the buttons **Deltager / Måske / Deltager ikke** (:class:`Answer`). Each click is recorded
as an :class:`Rsvp`; everything here is computed from that set, so a repeated click, a replayed payload or
clicks arriving out of order give the same answers, the same seating and the same waiting list.

Seats: with ``seats`` set, the first ``seats`` people answering Deltager (in the order they answered) are
seated and the rest wait, in that order. A Deltager ikke, or an attendance changed to Måske, frees the seat
for the first on the waiting list, who moves up (:func:`moved_up` names them, so they can be told).

Måske holds no seat: a seat held by someone who may not come would keep a certain attendee waiting, and the
coordinator plans the room by Deltager. A Måske who later answers Deltager queues from that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.erfa.planning import starts_at
from handlers.shared.erfa_settings import ErfaMeeting


class Answer(StrEnum):
    """A person's answer; the Danish buttons read Deltager / Måske / Deltager ikke."""

    ATTENDING = "attending"
    MAYBE = "maybe"
    NOT_ATTENDING = "not_attending"


# On a tie (two different answers at the same event time, which cannot be ordered) the more cautious one
# stands: a seat is never given on a guess, and the next click settles it.
_TIE_RANK = {Answer.ATTENDING: 0, Answer.MAYBE: 1, Answer.NOT_ATTENDING: 2}


@dataclass(frozen=True, slots=True)
class Rsvp:
    """One recorded answer of one person to one meeting."""

    person: str
    """The tenant's person id (each tenant sees only its own people's answers)."""
    answer: Answer
    at: datetime
    """The platform's event time of the click that gave this answer (Slack ``action_ts``): one's place in
    the queue."""
    start: datetime
    """Aware UTC: the meeting start the person answered for; answers for another start do not stand."""
    pressed: datetime | None = None
    """The event time of the latest press of the same answer since ``at`` (None: none later than ``at``).

    Kept because a press arriving late must lose to any later press, not just to the one that gave the
    answer: Deltager, Deltager again and a late Måske between them leave Deltager.
    """

    @property
    def last_press(self) -> datetime:
        """Return the event time of the latest press that agrees with the answer."""
        return self.pressed or self.at


@dataclass(frozen=True, slots=True)
class Counts:
    """What a channel post says: "12 deltager, 3 måske, 40 pladser: 28 ledige"."""

    attending: int
    """Seated attendees (all attendees when there is no seat limit)."""
    waiting: int
    maybe: int
    not_attending: int
    seats: int | None
    free: int | None
    """Seats left; None without a seat limit."""


@dataclass(frozen=True, slots=True)
class Seating:
    """Who stands where: each tuple in the order people gave their current answer."""

    seated: tuple[str, ...]
    waiting: tuple[str, ...]
    maybe: tuple[str, ...]
    not_attending: tuple[str, ...]
    seats: int | None

    @property
    def counts(self) -> Counts:
        """Return the counts for a channel post."""
        free = None if self.seats is None else self.seats - len(self.seated)
        return Counts(
            attending=len(self.seated),
            waiting=len(self.waiting),
            maybe=len(self.maybe),
            not_attending=len(self.not_attending),
            seats=self.seats,
            free=free,
        )


@dataclass(frozen=True, slots=True)
class Answered:
    """The outcome of one click: whether it changed anything, and who moved up because of it."""

    changed: bool
    """False for a repeated or replayed click (or a stale one): nothing to post or tell."""
    standing: Rsvp
    """The person's answer after the click (the earlier record when nothing changed)."""
    seating: Seating
    moved_up: tuple[str, ...]
    """People taken from the waiting list onto a seat, to be told."""


def merge(held: Rsvp | None, click: Rsvp) -> Rsvp:
    """Return the answer that stands after ``click``, given the one ``held`` (None: no answer yet).

    The last press in time wins, whatever order the presses arrive in (Slack and Teams retry and deliver in
    parallel): a click older than the held answer's latest press changes nothing. The same answer again
    keeps the held answer and its time, so a repeated click keeps one's place in the queue, and only moves
    its latest press on. Enough for storage that keeps one row per person and start; only the queue time
    can then differ from :func:`settle`'s, when a different answer arrives after a later repeat of the
    held one (Deltager, Deltager again, a late Måske between them: Deltager from the first press).
    """
    if held is None:
        return click
    if (click.last_press, _TIE_RANK[click.answer]) <= (held.last_press, _TIE_RANK[held.answer]):
        return held
    if click.answer == held.answer:
        return replace(held, pressed=click.last_press)
    return click


def same_standing(before: Rsvp | None, after: Rsvp) -> bool:
    """Tell whether an answer stands as it did: the same answer from the same time (a later repeat is not new)."""
    return before is not None and (before.answer, before.at) == (after.answer, after.at)


def settle(rsvps: Iterable[Rsvp], start: datetime) -> dict[str, Rsvp]:
    """Return each person's standing answer for the meeting at ``start``, whatever order the clicks came in."""
    ordered = sorted(
        (rsvp for rsvp in rsvps if rsvp.start == start),
        key=lambda rsvp: (rsvp.at, _TIE_RANK[rsvp.answer], rsvp.person),
    )
    standing: dict[str, Rsvp] = {}
    for rsvp in ordered:
        standing[rsvp.person] = merge(standing.get(rsvp.person), rsvp)
    return standing


def seating(answers: Mapping[str, Rsvp] | Iterable[Rsvp], seats: int | None) -> Seating:
    """Return who is seated, waiting, maybe and not coming, given the standing answers (see :func:`settle`)."""
    standing = list(answers.values()) if isinstance(answers, Mapping) else list(answers)
    ordered = sorted(standing, key=lambda rsvp: (rsvp.at, rsvp.person))

    def of(answer: Answer) -> tuple[str, ...]:
        return tuple(rsvp.person for rsvp in ordered if rsvp.answer is answer)

    attending = of(Answer.ATTENDING)
    limit = len(attending) if seats is None else max(seats, 0)
    return Seating(
        seated=attending[:limit],
        waiting=attending[limit:],
        maybe=of(Answer.MAYBE),
        not_attending=of(Answer.NOT_ATTENDING),
        seats=seats,
    )


def moved_up(before: Seating, after: Seating) -> tuple[str, ...]:
    """Return the people who were waiting before and are seated after, in seating order."""
    return tuple(person for person in after.seated if person in before.waiting)


def moved_down(before: Seating, after: Seating) -> tuple[str, ...]:
    """Return the people who were seated before and wait after (fewer seats configured), in queue order."""
    return tuple(person for person in after.waiting if person in before.seated)


def answer(rsvps: Iterable[Rsvp], click: Rsvp, seats: int | None) -> Answered:
    """Apply one click to the recorded answers of a meeting (those for ``click.start``) and say what changed."""
    held = settle(rsvps, click.start)
    # Merged into the person's held answer as storage merges it, so the outcome says what is stored.
    after = {**held, click.person: merge(held.get(click.person), click)}
    before_seating = seating(held, seats)
    after_seating = seating(after, seats)
    return Answered(
        changed=not same_standing(held.get(click.person), after[click.person]),
        standing=after[click.person],
        seating=after_seating,
        moved_up=moved_up(before_seating, after_seating),
    )


def keeps_answers(old: ErfaMeeting, new: ErfaMeeting, zone: ZoneInfo) -> bool:
    """Tell whether the answers to a meeting stand after it was changed from ``old`` to ``new``.

    A new place, title, duration, audience or number of seats keeps them; a new start resets them (people
    are asked again). The same moment written another way is the same start.
    """
    return starts_at(old, zone) == starts_at(new, zone)


def answers_after_change(
    rsvps: Iterable[Rsvp], old: ErfaMeeting, new: ErfaMeeting, zone: ZoneInfo
) -> tuple[Rsvp, ...]:
    """Return the recorded answers that stand after a change: all of them, or none after a new start."""
    return tuple(rsvps) if keeps_answers(old, new, zone) else ()


def unanswered(invited: Iterable[str], answers: Mapping[str, Rsvp]) -> tuple[str, ...]:
    """Return the invited people without a standing answer (for the one personal nudge), in the given order."""
    return tuple(dict.fromkeys(person for person in invited if person not in answers))
