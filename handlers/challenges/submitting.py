"""Submitting a challenge: stored with its reference, posted as its own message in the channel, confirmed.

Each challenge is its own channel message so that people can react to it (Teams only reports reactions
on messages the bot posted itself). One that looks like an open challenge is held back first: the
submitter sees the other one and can vote for it instead, or submit theirs anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rapidfuzz import fuzz

from handlers.challenges import quarter
from handlers.challenges.commands import MAX_CHALLENGE_CHARS, SUBMIT_ANYWAY_ACTION
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import ChallengeState, SubmittedChallenge, challenge_post_key
from handlers.shared.text import Action, ButtonStyle, Message, Text

# Word-set similarity (0-100) from which an open challenge "looks like" a new one. Tuned on the
# paraphrases in tests/unit/challenges/test_submitting.py: rewordings score 75-100, different
# challenges in the same field stay under 60.
LOOKS_ALIKE = 72
PENDING_LIFETIME = timedelta(hours=24)
_PENDING = "pending-challenge"


def submit(ctx: ActorContext, text: str, *, plain: str | None = None, anyway: bool = False) -> None:
    """Take a challenge in the actor's words for the coming quarterly meeting."""
    chosen = quarter.require_settings(ctx)
    if chosen is None:
        return
    text = text.strip()
    if not text:
        ctx.reply(Text.of("usage.challenge"))
        return
    if len(text) > MAX_CHALLENGE_CHARS:
        ctx.reply(Text.of("challenge.too_long", length=len(text), limit=MAX_CHALLENGE_CHARS))
        return
    meeting = quarter.coming_meeting(ctx, chosen)
    if meeting is None:
        ctx.reply(Text.of("challenge.no_meeting", coordinator=quarter.coordinator_names(ctx)))
        return
    alike = None if anyway else _looks_like(ctx, meeting, plain or text)
    if alike is not None:
        _offer_the_other(ctx, alike, text)
        return
    _take(ctx, chosen, meeting, text)


def submit_pending(ctx: ActorContext) -> None:
    """Submit the text the actor held back when an open challenge looked like it."""
    state = ctx.uow.dialogues.get(ctx.actor.id)
    if state is None or state.get("step") != _PENDING or _expired(state, ctx.now):
        ctx.reply(Text.of("challenge.pending_gone"))
        return
    ctx.uow.dialogues.clear(ctx.actor.id)
    submit(ctx, state["text"], anyway=True)


def channel_post(ctx: TenantContext, chosen: ChallengeSettings, challenge: SubmittedChallenge) -> Message:
    """Return a challenge's own message in the channel: who (unless anonymous), the text, how to vote."""
    reference = quarter.ref(ctx, challenge.number)
    submitter = ctx.uow.people.get(challenge.submitter_id)
    head = (
        Text.of("challenge.post_anonymous", ref=reference)
        if chosen.anonymous_submitters or submitter is None
        else Text.of("challenge.post", ref=reference, submitter=submitter.name)
    )
    meeting = quarter.meeting(ctx, challenge.meeting)
    closes = quarter.deadline(ctx, chosen, meeting) if meeting is not None else ctx.now
    return Message(
        (
            head,
            quarter.quote(challenge),
            Text.of(
                "challenge.post_how", reaction=quarter.reaction_shown(ctx.tenant, chosen), deadline=closes
            ),
        ),
        to_channel=quarter.channel(ctx.tenant, chosen),
        actions=(Action(f"vote:{reference}", Text.of("button.vote"), ButtonStyle.PRIMARY),),
        ref=reference,
        dedupe_key=challenge_post_key(ctx.tenant.id, challenge.number),
    )


def _take(ctx: ActorContext, chosen: ChallengeSettings, meeting: QuarterlyMeeting, text: str) -> None:
    number = ctx.uow.challenges.next_number(ctx.tenant.id)
    challenge = ctx.uow.challenges.add(
        SubmittedChallenge(
            tenant_id=ctx.tenant.id,
            number=number,
            submitter_id=ctx.actor.id,
            text=text,
            submitted_at=ctx.now,
            meeting=meeting.key,
        )
    )
    ctx.uow.outbox.add(ctx.tenant.id, channel_post(ctx, chosen, challenge), ctx.now)
    reference = quarter.ref(ctx, number)
    lines = [
        Text.of(
            "challenge.submitted",
            ref=reference,
            meeting=quarter.starts(ctx, meeting),
            deadline=quarter.deadline(ctx, chosen, meeting),
        )
    ]
    missed = _closed_meeting(ctx, chosen, meeting)
    if missed is not None:
        lines.insert(0, Text.of("challenge.after_deadline", meeting=quarter.starts(ctx, missed)))
    ctx.reply(*lines, ref=reference)


def _closed_meeting(
    ctx: TenantContext, chosen: ChallengeSettings, taken: QuarterlyMeeting
) -> QuarterlyMeeting | None:
    """Return the meeting whose voting has closed but which has not begun, when the challenge missed it."""
    for meeting in ctx.tenant.quarterly_meetings:
        closes = quarter.deadline(ctx, chosen, meeting)
        if meeting.key != taken.key and closes < ctx.now < quarter.starts(ctx, meeting):
            return meeting
    return None


def _looks_like(ctx: ActorContext, meeting: QuarterlyMeeting, text: str) -> SubmittedChallenge | None:
    """Return the open challenge of the meeting most like the text, if it is alike enough."""
    wanted = text.casefold()
    best: tuple[float, SubmittedChallenge] | None = None
    for challenge in ctx.uow.challenges.of_meeting(ctx.tenant.id, meeting.key):
        if challenge.state is not ChallengeState.OPEN:
            continue
        score = fuzz.token_set_ratio(wanted, challenge.text.casefold())
        if score >= LOOKS_ALIKE and (best is None or score > best[0]):
            best = (score, challenge)
    return best[1] if best else None


def _offer_the_other(ctx: ActorContext, alike: SubmittedChallenge, text: str) -> None:
    state = {"step": _PENDING, "text": text, "since": ctx.now.isoformat()}
    ctx.uow.dialogues.save(ctx.actor.id, state, ctx.now)
    reference = quarter.ref(ctx, alike.number)
    ctx.reply(
        Text.of("challenge.looks_like", ref=reference),
        quarter.quote(alike),
        Text.of("challenge.looks_like_choice", ref=reference),
        actions=(
            Action(f"vote:{reference}", Text.of("button.vote_for", ref=reference), ButtonStyle.PRIMARY),
            Action(SUBMIT_ANYWAY_ACTION, Text.of("button.submit_anyway")),
        ),
    )


def _expired(state: dict[str, str], now: datetime) -> bool:
    return now - datetime.fromisoformat(state["since"]) > PENDING_LIFETIME
