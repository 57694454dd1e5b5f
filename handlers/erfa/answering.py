"""Answering an ERFA meeting: Deltager / Måske / Deltager ikke, a seat or a place on the waiting list.

The answer is kept with the platform's event time of the click, so a repeated or replayed click changes
nothing and says nothing new. One who answers Deltager or Måske gets a personal calendar invite; a Deltager
ikke frees a seat for the first on the waiting list, who is told. The announcement in the channel is then
kept current. Anyone in the tenant may answer, in the audience or not.
"""

from __future__ import annotations

from datetime import datetime

from handlers.erfa import meeting as m
from handlers.erfa import rsvp
from handlers.erfa.rsvp import Answer, Answered, Rsvp
from handlers.shared.context import ActorContext
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.text import Message, Text


def answer(ctx: ActorContext, key: str, given: Answer, at: datetime | None = None) -> None:
    """Keep the actor's answer to a meeting and tell them where they stand."""
    meeting = m.find(ctx, key)
    settings = ctx.tenant.erfa
    if meeting is None or settings is None:
        ctx.reply(m.unknown_meeting(ctx))
        return
    if m.is_off(ctx, meeting):
        ctx.reply(Text.of("erfa.answer_cancelled", title=m.title(meeting)))
        return
    start = m.starts(ctx, meeting)
    if ctx.now >= start:
        ctx.reply(Text.of("erfa.answer_begun", title=m.title(meeting)))
        return
    click = Rsvp(str(ctx.actor.id), given, at or ctx.now, start)
    outcome = rsvp.answer(ctx.uow.erfa.answers(ctx.tenant.id, key), click, meeting.seats)
    # Stored even when it changes nothing: a repeat moves the latest press on, so a late older press loses.
    ctx.uow.erfa.answer(ctx.tenant.id, key, click)
    if not outcome.changed:
        ctx.reply(_where(meeting, outcome, again=True))
        return
    _confirm(ctx, meeting, outcome)
    m.tell_moved_up(ctx, meeting, outcome.moved_up)
    m.keep_current(ctx, settings, meeting)


def _confirm(ctx: ActorContext, meeting: ErfaMeeting, outcome: Answered) -> None:
    person = str(ctx.actor.id)
    lines = (_where(meeting, outcome, again=False), *m.details(ctx, meeting)[:2])
    coming = person in m.coming(outcome.seating)
    invite = m.personal_invite(ctx, meeting, ctx.actor.id) if coming else None
    ctx.replies.append(Message(lines, to_person=ctx.actor.id, invite=invite))


def _where(meeting: ErfaMeeting, outcome: Answered, *, again: bool) -> Text:
    """Return the sentence that says the actor's answer and, with seats, their seat or place in the queue."""
    person, title = outcome.standing.person, m.title(meeting)
    if person in outcome.seating.waiting:
        position = outcome.seating.waiting.index(person) + 1
        if again:
            return Text.of("erfa.again.waiting", title=title, position=position)
        return Text.of("erfa.answered.waiting", title=title, position=position)
    given = outcome.standing.answer.value
    return (
        Text.of(f"erfa.again.{given}", title=title)
        if again
        else Text.of(f"erfa.answered.{given}", title=title)
    )
