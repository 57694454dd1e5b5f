"""After an ERFA meeting: each seated attendee is asked once for a 1-5 rating and one thing they take home.

A rating comes by button; the takeaway is the person's next free text after rating (remembered through the
Dialogues port, as the sparring intake does) or ``erfa tag-med <key> <tekst>``. A takeaway may go on to the
next quarterly meeting as a challenge (the router hands it to the challenges' own use case). The coordinator gets one
summary: when everyone asked has rated and written, or three days after the meeting, whichever is first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.erfa import meeting as m
from handlers.erfa.commands import challenge_action, rate_action
from handlers.erfa.rsvp import Seating
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.model import ErfaFeedback
from handlers.shared.post_timing import MISSED_WINDOW
from handlers.shared.text import QUOTE, Action, ButtonStyle, Text, Verbatim

SUMMARY_AFTER = timedelta(days=3)
"""The coordinator's summary comes this long after the meeting ended, unless everyone answered sooner."""
TAKEAWAY_LIFETIME = timedelta(hours=1)
"""After rating, the person's next free text within this time is their takeaway (later, it is a question)."""
MAX_TAKEAWAY_CHARS = 1000
RATINGS = range(1, 6)
_STEP = "erfa-takeaway"


def ask_and_sum_up(ctx: TenantContext, meeting: ErfaMeeting) -> bool:
    """After the meeting: ask the seated attendees once, and send the coordinator's summary once."""
    end = m.ends(ctx, meeting)
    if ctx.now < end or ctx.now - end > MISSED_WINDOW:
        return False
    seated = m.seating(ctx, meeting)
    base = m.key_of(ctx, meeting)
    asked = False
    for person_id in m.person_ids(seated.seated):
        asked |= ctx.notify(
            person_id,
            Text.of("erfa.feedback.ask", title=m.title(meeting)),
            Text.of("erfa.feedback.ask_how", meeting=meeting.key),
            dedupe_key=f"{base}:feedback:{person_id}",
            actions=_rating_buttons(meeting),
        )
    return _sum_up(ctx, meeting, seated, end) or asked


def _rating_buttons(meeting: ErfaMeeting) -> tuple[Action, ...]:
    return tuple(
        Action(rate_action(meeting.key, n), Text.of("erfa.button.rate", rating=str(n))) for n in RATINGS
    )


def _sum_up(ctx: TenantContext, meeting: ErfaMeeting, seated: Seating, end: datetime) -> bool:
    given = ctx.uow.erfa.feedback(ctx.tenant.id, meeting.key)
    asked = set(m.person_ids(seated.seated))
    done = {f.person_id for f in given if f.rating is not None and f.takeaway is not None}
    key = f"{m.key_of(ctx, meeting)}:summary"
    if (ctx.now - end < SUMMARY_AFTER and not asked <= done) or ctx.uow.outbox.has(ctx.tenant.id, key):
        return False
    figures = seated.counts
    ratings = [f.rating for f in given if f.rating is not None]
    lines = [
        Text.of("erfa.summary.head", title=m.title(meeting), start=m.starts(ctx, meeting)),
        Text.of(
            "erfa.summary.answers",
            attending=figures.attending,
            maybe=figures.maybe,
            not_attending=figures.not_attending,
        ),
        Text.of("erfa.summary.rating", average=round(sum(ratings) / len(ratings), 1), count=len(ratings))
        if ratings
        else Text.of("erfa.summary.no_rating"),
    ]
    takeaways = [f.takeaway for f in given if f.takeaway]
    if takeaways:
        lines.append(Text.of("erfa.summary.takeaways", count=len(takeaways)))
        lines.extend(Text.of(QUOTE, text=Verbatim(text)) for text in takeaways)
    ctx.notify_coordinators(*lines, dedupe=key)
    return True


def rate(ctx: ActorContext, key: str, rating: int) -> None:
    """Keep the actor's rating of a meeting they attended, then ask for their takeaway."""
    meeting = _attended(ctx, key)
    if meeting is None:
        return
    if rating not in RATINGS:
        ctx.reply(Text.of("erfa.usage.rate"))
        return
    ctx.uow.erfa.give_feedback(ctx.tenant.id, key, ErfaFeedback(ctx.actor.id, rating, None, ctx.now))
    if _takeaway_of(ctx, key) is not None:
        ctx.reply(Text.of("erfa.feedback.rated", rating=rating))
        return
    ctx.uow.dialogues.save(
        ctx.actor.id, {"step": _STEP, "meeting": key, "since": ctx.now.isoformat()}, ctx.now
    )
    ctx.reply(
        Text.of("erfa.feedback.rated", rating=rating), Text.of("erfa.feedback.ask_takeaway", meeting=key)
    )


def take_home(ctx: ActorContext, key: str, text: str) -> None:
    """Keep the one thing the actor takes home from a meeting they attended; offer it as a challenge."""
    meeting = _attended(ctx, key)
    if meeting is None:
        return
    text = text.strip()
    if not text or len(text) > MAX_TAKEAWAY_CHARS:
        ctx.reply(Text.of("erfa.feedback.takeaway_length", limit=MAX_TAKEAWAY_CHARS))
        return
    ctx.uow.erfa.give_feedback(ctx.tenant.id, key, ErfaFeedback(ctx.actor.id, None, text, ctx.now))
    ctx.uow.dialogues.clear(ctx.actor.id)
    if ctx.tenant.challenges is None:
        ctx.reply(Text.of("erfa.feedback.thanks"))
        return
    button = Action(challenge_action(key), Text.of("erfa.button.as_challenge"), ButtonStyle.PRIMARY)
    ctx.reply(Text.of("erfa.feedback.thanks"), Text.of("erfa.feedback.as_challenge"), actions=(button,))


def takes_free_text(ctx: ActorContext) -> str | None:
    """Return the meeting whose takeaway the actor's free text is (they just rated it), if any."""
    state = ctx.uow.dialogues.get(ctx.actor.id)
    if state is None or state.get("step") != _STEP:
        return None
    if ctx.now - datetime.fromisoformat(state["since"]) > TAKEAWAY_LIFETIME:
        return None
    return state["meeting"]


def takeaway_to_submit(ctx: ActorContext, key: str) -> str | None:
    """Return the actor's takeaway from a meeting, to submit as a challenge; None: told they wrote none."""
    takeaway = _takeaway_of(ctx, key)
    if takeaway is None:
        ctx.reply(Text.of("erfa.feedback.no_takeaway", meeting=key))
    return takeaway


def _takeaway_of(ctx: ActorContext, key: str) -> str | None:
    mine = [f for f in ctx.uow.erfa.feedback(ctx.tenant.id, key) if f.person_id == ctx.actor.id]
    return mine[-1].takeaway if mine else None


def _attended(ctx: ActorContext, key: str) -> ErfaMeeting | None:
    """Return the meeting if it has ended and the actor had a seat; else tell them why not."""
    meeting = m.find(ctx, key)
    if meeting is None:
        ctx.reply(m.unknown_meeting(ctx))
        return None
    if ctx.now < m.ends(ctx, meeting):
        ctx.reply(Text.of("erfa.feedback.not_yet", title=m.title(meeting), end=m.ends(ctx, meeting)))
        return None
    if str(ctx.actor.id) not in m.seating(ctx, meeting).seated:
        ctx.reply(Text.of("erfa.feedback.not_attended", title=m.title(meeting)))
        return None
    return meeting
