"""The ranked agenda of a quarterly meeting, and the coordinator's care of it: merging and withdrawing.

``dagsorden`` shows the live ranking (or only how many challenges there are, when the tenant hides the
counts until voting closes, so that early votes do not anchor the later ones).
"""

from __future__ import annotations

from contextlib import suppress

from handlers.challenges import quarter
from handlers.challenges.voting import unknown_voters
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import ChallengeState, Person, Role
from handlers.shared.text import Text, Verbatim

AGENDA_LIMIT = 25
"""Challenges listed in one message; the rest are counted (Slack allows 50 blocks, a card stays readable)."""
AGENDA_TEXT_CHARS = 160
"""A challenge's text is cut to this in the agenda's lines (its own post has it whole)."""


def show_agenda(ctx: ActorContext) -> None:
    """Show the coming meeting's challenges, ranked by votes (or counted only, if the counts are hidden)."""
    chosen = quarter.require_settings(ctx)
    if chosen is None:
        return
    meeting = next_meeting(ctx)
    if meeting is None:
        ctx.reply(Text.of("challenge.no_meeting", coordinator=quarter.coordinator_names(ctx)))
        return
    round_ = quarter.round_of(ctx, chosen, meeting)
    ranked = round_.ranked()
    when = quarter.starts(ctx, meeting)
    if not ranked:
        ctx.reply(Text.of("challenge.agenda_empty", meeting=when, deadline=round_.deadline))
        return
    closed = ctx.now > round_.deadline
    if not chosen.live_ranking and not closed and not ctx.is_coordinator():
        ctx.reply(
            Text.of("challenge.agenda_hidden", count=len(ranked), meeting=when, deadline=round_.deadline)
        )
        return
    head = "challenge.agenda_closed" if closed else "challenge.agenda_live"
    ctx.reply(Text.of(head, meeting=when, count=len(ranked), deadline=round_.deadline))
    ctx.reply(*agenda_lines(ctx, chosen, round_))
    if ctx.is_coordinator():
        _coordinator_notes(ctx, round_)


def show_challenge(ctx: ActorContext, number: int) -> None:
    """Show one challenge whole, with where it is (and its votes, where the counts are shown)."""
    chosen = quarter.require_settings(ctx)
    if chosen is None:
        return
    challenge = ctx.uow.challenges.get(ctx.tenant.id, number)
    if challenge is None:
        ctx.reply(Text.of("challenge.unknown", ref=quarter.ref(ctx, number)))
        return
    meeting = quarter.meeting(ctx, challenge.meeting)
    reference = quarter.ref(ctx, number)
    state = Text.of(f"challenge.state.{challenge.state.value}")
    if meeting is None:
        ctx.reply(Text.of("challenge.show_unplanned", ref=reference, state=state), quarter.quote(challenge))
        return
    round_ = quarter.round_of(ctx, chosen, meeting)
    lines = [Text.of("challenge.show", ref=reference, meeting=quarter.starts(ctx, meeting), state=state)]
    lines.append(quarter.quote(challenge))
    shown = chosen.live_ranking or ctx.now > round_.deadline or ctx.is_coordinator()
    if shown and challenge.state is not ChallengeState.MERGED:
        with suppress(KeyError):
            lines.append(Text.of("challenge.show_votes", votes=round_.tally.of(str(number)).votes))
    ctx.reply(*lines, ref=reference)


def agenda_lines(ctx: TenantContext, chosen: ChallengeSettings, round_: quarter.Round) -> tuple[Text, ...]:
    """Return one line per ranked challenge (votes, reference, text, submitter unless anonymous)."""
    lines = []
    ranked = round_.ranked()
    for place, (challenge, entry) in enumerate(ranked[:AGENDA_LIMIT], start=1):
        submitter = None if chosen.anonymous_submitters else ctx.uow.people.get(challenge.submitter_id)
        text = Verbatim(_cut(challenge.text, AGENDA_TEXT_CHARS))
        reference = quarter.ref(ctx, challenge.number)
        if submitter is None:
            line = Text.of(
                "challenge.agenda_line_anonymous", place=place, ref=reference, votes=entry.votes, text=text
            )
        else:
            line = Text.of(
                "challenge.agenda_line",
                place=place,
                ref=reference,
                votes=entry.votes,
                text=text,
                submitter=submitter.name,
            )
        lines.append(line)
    if len(ranked) > AGENDA_LIMIT:
        lines.append(Text.of("challenge.agenda_more", count=len(ranked) - AGENDA_LIMIT))
    return tuple(lines)


def merge(ctx: ActorContext, duplicate: int, into: int) -> None:
    """Merge a duplicate challenge into the one it repeats: voters are united, nobody counts twice."""
    if not quarter.coordinator_only(ctx):
        return
    chosen = quarter.require_settings(ctx)
    if chosen is None:
        return
    first, second = sorted((duplicate, into))
    # Locked in number order, so that two merges of the same pair cannot wait for each other.
    locked = {number: quarter.find(ctx, number) for number in (first, second)}
    source, target = locked[duplicate], locked[into]
    if source is None or target is None:
        return
    first_ref, into_ref = quarter.ref(ctx, duplicate), quarter.ref(ctx, into)
    if source.meeting != target.meeting:
        ctx.reply(Text.of("challenge.merge_other_meeting", duplicate=first_ref, into=into_ref))
        return
    if target.state is not ChallengeState.OPEN or source.state is not ChallengeState.OPEN:
        ctx.reply(Text.of("challenge.merge_not_open", duplicate=first_ref, into=into_ref))
        return
    source.state = ChallengeState.MERGED
    source.merged_into = target.number
    ctx.uow.challenges.update(source)
    # Challenges merged into the duplicate earlier follow it to the target.
    for other in ctx.uow.challenges.of_meeting(ctx.tenant.id, source.meeting):
        if other.state is ChallengeState.MERGED and other.merged_into == duplicate:
            held = ctx.uow.challenges.get(ctx.tenant.id, other.number)
            if held is not None:
                held.merged_into = target.number
                ctx.uow.challenges.update(held)
    ctx.reply(Text.of("challenge.merged", duplicate=first_ref, into=into_ref))
    if source.submitter_id != ctx.actor.id:
        ctx.notify(
            source.submitter_id,
            Text.of("challenge.merged_submitter", duplicate=first_ref, into=into_ref),
            quarter.quote(target),
            ref=first_ref,
            dedupe_key=f"challenge-merged:{source.id}:{target.number}",
        )


def withdraw(ctx: ActorContext, number: int, reason: str) -> None:
    """Take an inappropriate challenge off the agenda; the submitter is told why."""
    if not quarter.coordinator_only(ctx):
        return
    if quarter.require_settings(ctx) is None:
        return
    challenge = quarter.find(ctx, number)
    if challenge is None:
        return
    reference = quarter.ref(ctx, number)
    if challenge.state is not ChallengeState.OPEN:
        ctx.reply(Text.of("challenge.withdraw_not_open", ref=reference))
        return
    challenge.state = ChallengeState.WITHDRAWN
    challenge.reason = reason
    ctx.uow.challenges.update(challenge)
    ctx.reply(Text.of("challenge.withdrawn", ref=reference))
    ctx.notify(
        challenge.submitter_id,
        Text.of("challenge.withdrawn_submitter", ref=reference, reason=Verbatim(reason)),
        quarter.quote(challenge),
        ref=reference,
        dedupe_key=f"challenge-withdrawn:{challenge.id}",
    )


def readers_of_agenda(ctx: TenantContext) -> list[Person]:
    """Return who gets the agenda personally: the coordinators and the seniors, each once."""
    return quarter.people_in_roles(ctx, (Role.COORDINATOR, Role.SENIOR))


def _coordinator_notes(ctx: ActorContext, round_: quarter.Round) -> None:
    unknown = unknown_voters(round_)
    if unknown:
        ctx.reply(Text.of("challenge.unknown_voters", count=unknown))
    ctx.reply(Text.of("challenge.coordinator_hint"))


def next_meeting(ctx: TenantContext) -> QuarterlyMeeting | None:
    """Return the first meeting that has not begun: its voting is open, or closed with the agenda final."""
    ahead = [m for m in ctx.tenant.quarterly_meetings if quarter.starts(ctx, m) > ctx.now]
    return min(ahead, key=lambda m: m.at, default=None)


def _cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
