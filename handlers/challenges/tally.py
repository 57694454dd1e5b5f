"""The vote tally of the quarterly challenges: a function of the recorded ballot marks, never a counter.

The database keeps a *set* of marks, one per (challenge message, voter, ballot), each with its latest state.
Everything here is computed from that set, so Slack's retried deliveries, duplicate event ids and
out-of-order add/remove events give the same tally whatever order they arrived in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

BUTTON = "button"
"""The ballot of the Stem / Vote button: the same vote as a reaction, for people who prefer buttons."""

_SKIN_TONE = "::skin-tone-"
# Reconciled marks must outrank every stored event of their key, or an older synthetic time would lose.
_TICK = timedelta(microseconds=1)

MarkKey = tuple[str, str, str]
"""(challenge, voter, ballot): what the database keeps one row for."""


@dataclass(frozen=True, slots=True)
class Mark:
    """One recorded ballot event: a reaction or a button click added (``present``) or withdrawn."""

    challenge: str
    voter: str
    """The platform's user key (e.g. ``slack:T1:U123``); the same person may have more than one."""
    ballot: str
    """A normalised reaction name (see :func:`ballot_of_reaction`) or :data:`BUTTON`."""
    at: datetime
    """The platform's event time (Slack ``event_ts``), not the time the bot received it."""
    present: bool
    person: str | None
    """The tenant's person id, or None when the tenant does not know the voter (recorded, not counted)."""
    is_bot: bool = False

    @property
    def key(self) -> MarkKey:
        """Return the key the database keeps one state for."""
        return (self.challenge, self.voter, self.ballot)


@dataclass(frozen=True, slots=True)
class Challenge:
    """What the tally needs of a challenge: its reference, when it came in, and what became of it."""

    reference: str
    submitted_at: datetime
    merged_into: str | None = None
    """The challenge it was merged into as a duplicate; its voters are then that challenge's voters."""
    counted_from: datetime | None = None
    """Votes before this moment are ignored: a deferred challenge starts the next quarter from zero."""


@dataclass(frozen=True, slots=True)
class ChallengeTally:
    """The votes of one (unmerged) challenge."""

    reference: str
    submitted_at: datetime
    voters: frozenset[str]
    """Person ids whose vote counts for the ranking."""
    late: frozenset[str] = frozenset()
    """Person ids whose vote came after the deadline: kept, not ranked."""
    over_budget: frozenset[str] = frozenset()
    """Person ids whose vote here went beyond their dot budget: not counted."""
    unknown: frozenset[str] = frozenset()
    """Voter keys the tenant does not know: the coordinator sees how many, the ranking does not."""

    @property
    def votes(self) -> int:
        """Return the number of counted votes."""
        return len(self.voters)


@dataclass(frozen=True, slots=True)
class Tally:
    """The ranked challenges of a quarter and the over-budget votes to tell their voters about (once)."""

    ranking: tuple[ChallengeTally, ...]
    over_budget: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """(person, challenge) pairs: stable, so an idempotency key per pair tells each voter once."""

    def of(self, reference: str) -> ChallengeTally:
        """Return the tally of one ranked challenge (a merged one has none of its own)."""
        for entry in self.ranking:
            if entry.reference == reference:
                return entry
        raise KeyError(reference)


def ballot_of_reaction(reaction: str, configured: Collection[str]) -> str | None:
    """Return the ballot a reaction name casts, or None when it is no configured vote reaction.

    Skin tones (``+1::skin-tone-2``) count as the plain emoji. Aliases are only what the tenant lists:
    ``["+1", "thumbsup"]`` makes both votes (one per person, see :func:`tally`); nothing else is guessed.
    Teams' reaction types are opaque and pass through unchanged.
    """
    name = reaction.split(_SKIN_TONE, 1)[0]
    allowed = {entry.split(_SKIN_TONE, 1)[0] for entry in configured}
    return name if name in allowed else None


def settle(marks: Iterable[Mark]) -> dict[MarkKey, Mark]:
    """Return the latest mark per key: the later event time wins; on a tie "present" wins.

    A tie between an add and a remove at the same event time cannot be ordered; keeping the vote means a
    vote is only lost to a withdrawal seen to come later, and the next reconciliation corrects the rest.
    The result does not depend on the order the marks arrive in.
    """
    latest: dict[MarkKey, Mark] = {}
    for mark in marks:
        held = latest.get(mark.key)
        if held is None or (mark.at, mark.present) > (held.at, held.present):
            latest[mark.key] = mark
    return latest


def tally(
    marks: Iterable[Mark],
    challenges: Sequence[Challenge],
    deadline: datetime,
    votes_per_person: int = 0,
) -> Tally:
    """Count the quarter's votes at the deadline and rank the challenges.

    A person counts once per challenge if any of their ballots (emoji or button) was present at the
    deadline. Bot marks, marks of unknown challenges and marks before a challenge's ``counted_from`` are
    ignored. Events after the deadline change nothing in the ranking: a vote present now that did not
    count at the deadline is late. With ``votes_per_person = n > 0`` each person's first n votes (by the
    time of the vote, then challenge reference) count and the rest are over budget. Merged challenges lend
    their voters to the challenge they were merged into and are not ranked themselves.
    """
    by_reference = {challenge.reference: challenge for challenge in challenges}
    target = {reference: _merge_target(reference, by_reference) for reference in by_reference}
    wanted = [
        mark
        for mark in marks
        if not mark.is_bot
        and mark.challenge in by_reference
        and _counts_from(mark, by_reference[mark.challenge])
    ]
    at_deadline = _present_voters(settle(m for m in wanted if m.at <= deadline).values(), target)
    now = _present_voters(settle(wanted).values(), target)

    counted, over = _apply_budget(at_deadline, votes_per_person)
    entries = []
    for challenge in challenges:
        if challenge.merged_into is not None:
            continue
        reference = challenge.reference
        known_then = {person for person in at_deadline.get(reference, {}) if not _is_unknown(person)}
        known_now = {person for person in now.get(reference, {}) if not _is_unknown(person)}
        unknown = {_voter(key) for key in now.get(reference, {}) if _is_unknown(key)}
        entries.append(
            ChallengeTally(
                reference=reference,
                submitted_at=challenge.submitted_at,
                voters=frozenset(counted.get(reference, set())),
                late=frozenset(known_now - known_then),
                over_budget=frozenset(person for person, ref in over if ref == reference),
                unknown=frozenset(unknown),
            )
        )
    entries.sort(key=lambda entry: (-entry.votes, entry.submitted_at, _natural(entry.reference)))
    return Tally(tuple(entries), frozenset(over))


def reconcile(
    stored: Iterable[Mark],
    challenge: str,
    current: Mapping[str, Collection[str]],
    configured: Collection[str],
    at: datetime,
    people: Mapping[str, str | None],
    bots: Collection[str] = (),
) -> list[Mark]:
    """Return the marks that make the stored reactions of one Slack message match ``reactions.get``.

    ``current`` maps reaction names (skin tones allowed) to the voter keys Slack lists; ``people`` maps
    voter keys to person ids (None: unknown). Each new mark is dated ``at`` (the moment the reconciliation
    stands for: the close, at the latest), or just after the key's latest stored event if that is later,
    so it always takes effect. Button ballots are never touched: Slack knows nothing of them.
    """
    state = settle(mark for mark in stored if mark.challenge == challenge)
    seen: set[MarkKey] = set()
    for reaction, users in current.items():
        ballot = ballot_of_reaction(reaction, configured)
        if ballot is None:
            continue
        seen.update((challenge, user, ballot) for user in users)
    changes: list[Mark] = []
    for key in sorted(seen | set(state)):
        if key[2] == BUTTON:
            continue
        held = state.get(key)
        if (held is not None and held.present) == (key in seen):
            continue
        when = at if held is None else max(at, held.at + _TICK)
        _, voter, ballot = key
        person = people.get(voter, held.person if held is not None else None)
        is_bot = voter in bots or (held is not None and held.is_bot)
        changes.append(Mark(challenge, voter, ballot, when, key in seen, person, is_bot))
    return changes


# --- helpers ------------------------------------------------------------------------------------

# A person the tenant does not know is keyed by their voter key, marked so it never meets a person id.
_UNKNOWN = "?"


def _is_unknown(identity: str) -> bool:
    return identity.startswith(_UNKNOWN)


def _voter(identity: str) -> str:
    return identity.removeprefix(_UNKNOWN)


def _counts_from(mark: Mark, challenge: Challenge) -> bool:
    return challenge.counted_from is None or mark.at >= challenge.counted_from


def _merge_target(reference: str, by_reference: Mapping[str, Challenge]) -> str:
    """Follow merges to the challenge that is ranked (U-7 into U-3 into U-1 → U-1); a cycle stops."""
    seen = {reference}
    while (into := by_reference[reference].merged_into) is not None and into in by_reference:
        if into in seen:
            break
        seen.add(into)
        reference = into
    return reference


def _present_voters(marks: Iterable[Mark], target: Mapping[str, str]) -> dict[str, dict[str, datetime]]:
    """Map each ranked challenge to its voters and the moment each one's vote began (earliest ballot)."""
    voters: dict[str, dict[str, datetime]] = defaultdict(dict)
    for mark in marks:
        if not mark.present:
            continue
        identity = mark.person if mark.person is not None else _UNKNOWN + mark.voter
        into = voters[target[mark.challenge]]
        into[identity] = min(mark.at, into.get(identity, mark.at))
    return voters


def _apply_budget(
    voters: Mapping[str, Mapping[str, datetime]], budget: int
) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Split the known voters into counted and over budget; 0 means unlimited."""
    counted: dict[str, set[str]] = defaultdict(set)
    per_person: dict[str, list[tuple[datetime, tuple[int | str, ...], str]]] = defaultdict(list)
    for reference, people in voters.items():
        for person, since in people.items():
            if not _is_unknown(person):
                per_person[person].append((since, _natural(reference), reference))
    over: set[tuple[str, str]] = set()
    for person, votes in per_person.items():
        for rank, (_, _, reference) in enumerate(sorted(votes)):
            if budget and rank >= budget:
                over.add((person, reference))
            else:
                counted[reference].add(person)
    return counted, over


def _natural(reference: str) -> tuple[int | str, ...]:
    """Sort U-2 before U-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", reference))
