"""What people see when they ask: ``erfa`` (the upcoming meetings and one's answer) and the attendee list.

Each meeting is its own message with the answer buttons, so a press answers that meeting. The coordinator
also sees the counts, and ``erfa deltagere <key>`` names who answered what (the waiting list in order).
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.erfa import meeting as m
from handlers.shared.context import ActorContext
from handlers.shared.erfa_settings import ErfaMeeting
from handlers.shared.text import Text, Verbatim

LIST_LIMIT = 20
"""Names shown per answer in chat; the CLI's CSV export has them all."""


def show_erfa(ctx: ActorContext) -> None:
    """List the upcoming meetings with the actor's answer and the buttons to answer."""
    if ctx.tenant.erfa is None:
        ctx.reply(Text.of("erfa.none_configured"))
        return
    meetings = m.upcoming(ctx)
    if not meetings:
        ctx.reply(Text.of("erfa.none_upcoming"))
        return
    ctx.reply(Text.of("erfa.list_head", count=len(meetings)))
    for meeting in meetings:
        ctx.reply(*_meeting_lines(ctx, meeting), actions=m.answer_buttons(meeting))


def _meeting_lines(ctx: ActorContext, meeting: ErfaMeeting) -> tuple[Text, ...]:
    seated = m.seating(ctx, meeting)
    mine = m.standing(ctx, meeting).get(str(ctx.actor.id))
    me = str(ctx.actor.id)
    if mine is None:
        answer = Text.of("erfa.yours.none")
    elif me in seated.waiting:
        answer = Text.of("erfa.yours.waiting", position=seated.waiting.index(me) + 1)
    else:
        answer = Text.of(f"erfa.yours.{mine.answer.value}")
    coordinator = (
        (m.counts(seated), Text.of("erfa.attendees_hint", meeting=meeting.key))
        if ctx.is_coordinator()
        else ()
    )
    return (
        Text.of("erfa.list_line", title=m.title(meeting), meeting=meeting.key),
        *m.details(ctx, meeting),
        answer,
        *coordinator,
    )


def show_attendees(ctx: ActorContext, key: str) -> None:
    """Show the coordinator who answered what, the waiting list in order; others are told who may."""
    if not ctx.is_coordinator():
        names = ", ".join(p.name for p in ctx.coordinators()) or "?"
        ctx.reply(Text.of("erfa.attendees_coordinator_only", coordinator=names))
        return
    meeting = m.find(ctx, key)
    if meeting is None:
        ctx.reply(m.unknown_meeting(ctx))
        return
    seated = m.seating(ctx, meeting)
    groups = (
        ("attending", seated.seated),
        ("waiting", seated.waiting),
        ("maybe", seated.maybe),
        ("not_attending", seated.not_attending),
    )
    lines = [
        Text.of("erfa.attendees_head", title=m.title(meeting), start=m.starts(ctx, meeting)),
        m.counts(seated),
    ]
    for group, people in groups:
        if people:
            lines.extend(_group(ctx, meeting, group, people))
    if not any(people for _, people in groups):
        lines.append(Text.of("erfa.attendees_none"))
    ctx.reply(*lines)


def _group(ctx: ActorContext, meeting: ErfaMeeting, group: str, people: Sequence[str]) -> list[Text]:
    names = [_name(ctx, person) for person in people]
    lines = [Text.of(f"erfa.attendees.{group}", count=len(names))]
    numbered = group == "waiting"
    lines.extend(
        Text.of("erfa.attendee_numbered", position=n, name=Verbatim(name)) if numbered
        else Text.of("erfa.attendee", name=Verbatim(name))
        for n, name in enumerate(names[:LIST_LIMIT], start=1)
    )  # fmt: skip
    if len(names) > LIST_LIMIT:
        lines.append(
            Text.of(
                "erfa.attendees_more",
                count=len(names) - LIST_LIMIT,
                slug=ctx.tenant.slug,
                meeting=meeting.key,
            )
        )
    return lines


def _name(ctx: ActorContext, person: str) -> str:
    found = ctx.uow.people.get(int(person)) if person.isdigit() else None
    return found.name if found is not None else person
