"""Votes on the quarterly challenges: emoji reactions on a challenge's own message, and its Stem / Vote button.

Every vote is a ballot mark kept as a set in the database (one state per challenge, voter and ballot);
the count is always computed from the marks (``handlers.challenges.tally``), never kept as a number,
so Slack's retries, duplicate event ids and out-of-order add/remove events give the same tally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.challenges import quarter
from handlers.challenges import tally as votes
from handlers.shared.challenge_settings import ChallengeSettings
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import ChallengeState, Person, SubmittedChallenge
from handlers.shared.text import Action, Text


@dataclass(frozen=True, slots=True)
class Reaction:
    """Reactions one platform user added (True) or removed (False) on one message, at the platform's time."""

    platform: str
    """``slack``, ``teams`` or ``console``: reaction names and user ids are the platform's own."""
    platform_message_id: str
    user: str
    changes: tuple[tuple[str, bool], ...]
    at: datetime | None = None
    """The platform's event time (Slack ``event_ts``); None: when the bot received it."""

    @property
    def voter(self) -> str:
        """Return the voter key: the platform and its user id, unique within the tenant."""
        return voter_key(self.platform, self.user)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a platform user's reactions did: ballot marks whose held state changed, notes queued to voters."""

    changed: int = 0
    notes: int = 0
    """Messages put in the outbox (a vote beyond the dot budget is told once): only then is there a send."""
    unknown_voter: bool = False
    """A vote was recorded for someone the tenant does not know by this identity (maybe by e-mail)."""


def voter_key(platform: str, user: str) -> str:
    """Return the key a platform user's reactions are kept under."""
    return f"{platform}:{user}"


def button_voter(person: Person) -> str:
    """Return the key a person's button votes are kept under (one button ballot per person)."""
    return f"person:{person.id}"


def record_reaction(ctx: TenantContext, voter: Person | None, reaction: Reaction) -> Recorded:
    """Record the reactions on a challenge's post as ballot marks; return how many changed the held state
    and how many notes to voters that queued.

    Reactions on any other message, and names that are not a configured vote, change nothing. A person
    the tenant does not know is recorded (so the coordinator sees how many) and not counted.
    """
    chosen = quarter.settings(ctx.tenant)
    if chosen is None or not reaction.user:
        return Recorded()
    challenge = ctx.uow.challenges.posted_as(ctx.tenant.id, reaction.platform_message_id)
    if challenge is None or challenge.id is None:
        return Recorded()
    configured = quarter.vote_reactions(ctx.tenant, chosen, reaction.platform)
    at = reaction.at or ctx.now
    changed = notes = 0
    for emoji, added in reaction.changes:
        ballot = votes.ballot_of_reaction(emoji, configured)
        if ballot is None:
            continue
        mark = _mark(challenge, reaction.voter, ballot, at, added, voter)
        if ctx.uow.votes.record(ctx.tenant.id, challenge.id, mark):
            changed += 1
            if added and voter is not None:
                notes += _tell_if_over_budget(ctx, chosen, challenge, voter)
    return Recorded(changed, notes, unknown_voter=changed > 0 and voter is None)


def vote(ctx: ActorContext, number: int) -> None:
    """Cast the actor's button vote for a challenge (pressing it again changes nothing)."""
    _button(ctx, number, present=True)


def unvote(ctx: ActorContext, number: int) -> None:
    """Withdraw the actor's button vote; their emoji reaction, if any, is theirs to remove."""
    _button(ctx, number, present=False)


def reconcile(ctx: TenantContext, number: int, platform: str, current: Mapping[str, Sequence[str]]) -> int:
    """Make the stored reactions of a challenge's post match what the platform holds now.

    Slack gives up redelivering an event after a few minutes; a vote cast while the bot was down
    longer is only in ``reactions.get``. Return how many marks were added or withdrawn.

    What the platform holds now is taken as it stood at the close: the agenda's tick comes after it
    (seconds later, or hours if the bot was down), and Slack's reactions carry no time. Dated now,
    every vote the events missed would be late and left out of the agenda it is reconciled for.
    """
    chosen = quarter.settings(ctx.tenant)
    challenge = ctx.uow.challenges.get(ctx.tenant.id, number)
    if chosen is None or challenge is None or challenge.id is None:
        return 0
    meeting = quarter.meeting(ctx, challenge.meeting)
    at = min(ctx.now, quarter.deadline(ctx, chosen, meeting)) if meeting is not None else ctx.now
    stored = [
        m for m in ctx.uow.votes.of_meeting(ctx.tenant.id, challenge.meeting) if m.challenge == str(number)
    ]
    keyed = {reaction: [voter_key(platform, user) for user in users] for reaction, users in current.items()}
    people = {
        key: _person_key(ctx, platform, key.removeprefix(f"{platform}:"))
        for key in {key for users in keyed.values() for key in users}
    }
    configured = quarter.vote_reactions(ctx.tenant, chosen, platform)
    changes = votes.reconcile(stored, str(number), keyed, configured, at, people)
    return sum(ctx.uow.votes.record(ctx.tenant.id, challenge.id, mark) for mark in changes)


def events_dropped(ctx: TenantContext, at: datetime) -> None:
    """Tell the coordinators (once an hour) that the platform dropped events: votes may be missing for now.

    Slack sends ``app_rate_limited`` when a workspace passes 30,000 events an hour and drops the rest;
    the votes among them come back when the agenda reconciles every challenge post with Slack.
    """
    if quarter.settings(ctx.tenant) is None:
        return
    hour = at.astimezone(ctx.zone).strftime("%Y-%m-%dT%H")
    ctx.notify_coordinators(
        Text.of("challenge.events_dropped", at=at), dedupe=f"events-dropped:{ctx.tenant.id}:{hour}"
    )


def _button(ctx: ActorContext, number: int, *, present: bool) -> None:
    chosen = quarter.require_settings(ctx)
    if chosen is None:
        return
    challenge = quarter.find(ctx, number)
    if challenge is None or challenge.id is None:
        return
    reference = quarter.ref(ctx, number)
    if challenge.state is ChallengeState.WITHDRAWN:
        ctx.reply(Text.of("challenge.vote_withdrawn", ref=reference))
        return
    mark = _mark(challenge, button_voter(ctx.actor), votes.BUTTON, ctx.now, present, ctx.actor)
    ctx.uow.votes.record(ctx.tenant.id, challenge.id, mark)
    _confirm(ctx, chosen, challenge, present=present)
    if present:
        _tell_if_over_budget(ctx, chosen, challenge, ctx.actor)


def _confirm(
    ctx: ActorContext, chosen: ChallengeSettings, challenge: SubmittedChallenge, *, present: bool
) -> None:
    reference = quarter.ref(ctx, challenge.number)
    meeting = quarter.meeting(ctx, challenge.meeting)
    if meeting is not None and ctx.now > quarter.deadline(ctx, chosen, meeting):
        ctx.reply(Text.of("challenge.vote_late", ref=reference))
        return
    if not present:
        ctx.reply(
            Text.of("challenge.unvoted", ref=reference),
            actions=(Action(f"vote:{reference}", Text.of("button.vote")),),
        )
        return
    counted = _votes_now(ctx, chosen, challenge) if chosen.live_ranking else None
    line = (
        Text.of("challenge.voted", ref=reference)
        if counted is None
        else Text.of("challenge.voted_count", ref=reference, votes=counted)
    )
    ctx.reply(line, actions=(Action(f"unvote:{reference}", Text.of("button.unvote")),))


def _votes_now(ctx: TenantContext, chosen: ChallengeSettings, challenge: SubmittedChallenge) -> int | None:
    meeting = quarter.meeting(ctx, challenge.meeting)
    if meeting is None:
        return None
    target = str(quarter.counted_as(challenge))
    try:
        return quarter.round_of(ctx, chosen, meeting).tally.of(target).votes
    except KeyError:
        return None


def _tell_if_over_budget(
    ctx: TenantContext, chosen: ChallengeSettings, challenge: SubmittedChallenge, voter: Person
) -> bool:
    """Tell a voter, once per challenge, that a vote beyond their dot budget does not count.

    Return whether a note was queued.
    """
    meeting = quarter.meeting(ctx, challenge.meeting)
    if not chosen.votes_per_person or meeting is None:
        return False
    over = quarter.round_of(ctx, chosen, meeting).tally.over_budget
    target = quarter.counted_as(challenge)
    if (str(voter.id), str(target)) not in over:
        return False
    return ctx.notify(
        voter.id,
        Text.of(
            "challenge.over_budget",
            ref=quarter.ref(ctx, target),
            budget=chosen.votes_per_person,
        ),
        dedupe_key=f"challenge-budget:{ctx.tenant.id}:{meeting.key}:{voter.id}:{target}",
    )


def _mark(
    challenge: SubmittedChallenge, voter: str, ballot: str, at: datetime, present: bool, person: Person | None
) -> votes.Mark:
    return votes.Mark(
        challenge=str(challenge.number),
        voter=voter,
        ballot=ballot,
        at=at,
        present=present,
        person=str(person.id) if person is not None else None,
    )


def _person_key(ctx: TenantContext, platform: str, user: str) -> str | None:
    if platform == "slack":
        found = ctx.uow.people.find(ctx.tenant.id, slack_id=user)
    elif platform == "teams":
        found = ctx.uow.people.find(ctx.tenant.id, teams_id=user)
    else:
        found = ctx.uow.people.find(ctx.tenant.id, email=user)
    return str(found.id) if found is not None else None


def unknown_voters(round_: quarter.Round) -> int:
    """Return how many voters the tenant does not know reacted to the round's challenges."""
    return len({voter for _, entry in round_.ranked() for voter in entry.unknown})
