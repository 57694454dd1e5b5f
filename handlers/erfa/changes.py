"""What changed in a meeting since people were told, and telling them: a new place, a new time, a cancellation.

Each tick compares the tenant file's meeting with the record of what was last told
(:class:`~handlers.shared.model.ErfaRecord`). A new place or title keeps the answers; a new start resets
them (they are kept per start, so the old ones simply no longer count) and every reminder is planned
afresh for the new time; a cancellation stops the reminders. Every change raises the invites' SEQUENCE
and is told exactly once: its keys hold the record's new sequence.
"""

from __future__ import annotations

import dataclasses

from handlers.erfa import meeting as m
from handlers.erfa import planning, rsvp
from handlers.shared.context import TenantContext
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import ErfaRecord
from handlers.shared.post_timing import Delivery
from handlers.shared.text import Text, Verbatim

_DUE = (Delivery.ON_TIME, Delivery.LATE)


def apply(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting) -> bool:
    """Tell the change of an announced meeting, if it has one; True when something was told."""
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    if record is None or record.cancelled:
        return False
    if meeting.cancelled:
        _cancel(ctx, settings, meeting, record)
    elif m.starts(ctx, meeting) != record.start:
        _move(ctx, settings, meeting, record)
    elif _details_changed(meeting, record):
        _change(ctx, settings, meeting, record)
        _reseat(ctx, meeting, record)
    elif not _reseat(ctx, meeting, record):
        return False
    m.keep_current(ctx, settings, meeting)
    return True


def _details_changed(meeting: ErfaMeeting, record: ErfaRecord) -> bool:
    """Tell whether what a calendar invite holds changed, apart from the start: title, place or length."""
    longer = record.duration is not None and meeting.duration != record.duration
    return longer or (meeting.place, meeting.title) != (record.place, record.title)


def since_announced(ctx: TenantContext, meeting: ErfaMeeting) -> tuple[Text, ...]:
    """Return the lines of a later reminder that say what changed since the announcement."""
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    lines = []
    # The announcement's key holds the start it announced.
    if record is not None and record.announced and not record.announced.startswith(m.key_of(ctx, meeting)):
        lines.append(Text.of("erfa.since.moved", start=m.starts(ctx, meeting)))
    if ctx.uow.outbox.has(ctx.tenant.id, f"{_base(ctx, meeting)}:place"):
        lines.append(Text.of("erfa.since.place", place=Verbatim(meeting.place)))
    return tuple(lines)


def _base(ctx: TenantContext, meeting: ErfaMeeting) -> str:
    return f"erfa:{ctx.tenant.slug}:{meeting.key}"


def _told(ctx: TenantContext, meeting: ErfaMeeting, record: ErfaRecord) -> tuple[list[int], list[int]]:
    """Return who answered Deltager or Måske for the start people were told: (seated or Måske, waiting)."""
    answers = rsvp.settle(ctx.uow.erfa.answers(ctx.tenant.id, meeting.key), record.start)
    seated = rsvp.seating(answers, meeting.seats)
    return m.person_ids(m.coming(seated)), m.person_ids(seated.waiting)


def _renewed(
    ctx: TenantContext, meeting: ErfaMeeting, record: ErfaRecord, *, cancelled: bool = False
) -> ErfaRecord:
    """Store what is told now (a cancellation keeps the start people knew) under the next sequence."""
    moved = not cancelled and m.starts(ctx, meeting) != record.start
    renewed = dataclasses.replace(
        record,
        # The move's post says what every reminder of the new start due by now would have said.
        reminded_until=ctx.now if moved else record.reminded_until,
        start=record.start if cancelled else m.starts(ctx, meeting),
        place=meeting.place,
        title=meeting.title,
        sequence=record.sequence + 1,
        cancelled=cancelled,
        duration=meeting.duration,
        seats=meeting.seats,
    )
    ctx.uow.erfa.save(renewed)
    return renewed


def _cancel(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting, record: ErfaRecord) -> None:
    coming, waiting = _told(ctx, meeting, record)
    renewed = _renewed(ctx, meeting, record, cancelled=True)
    key = f"{_base(ctx, meeting)}:cancelled:{renewed.sequence}"
    title, start = m.title(meeting), record.start
    m.post(
        ctx,
        settings,
        meeting,
        (Text.of("erfa.cancelled_post", title=title, start=start),),
        dedupe_key=key,
        buttons=False,
    )
    for person_id in coming:
        invite = m.personal_invite(ctx, meeting, person_id)
        ctx.notify(
            person_id,
            Text.of("erfa.cancelled_personal", title=title, start=start),
            dedupe_key=f"{key}:{person_id}",
            invite=invite,
        )
    for person_id in waiting:
        ctx.notify(
            person_id,
            Text.of("erfa.cancelled_waiting", title=title, start=start),
            dedupe_key=f"{key}:{person_id}",
        )


def _move(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting, record: ErfaRecord) -> None:
    coming, waiting = _told(ctx, meeting, record)
    asked_before = _forget_answers_for_new_start(ctx, meeting)
    renewed = _renewed(ctx, meeting, record)
    key = _move_key(ctx, settings, meeting, renewed)
    title, old, start = m.title(meeting), record.start, renewed.start
    lines = (
        Text.of("erfa.moved_post", title=title, old=old, start=start),
        *m.details(ctx, meeting),
        Text.of("erfa.answer_again"),
    )
    m.post(ctx, settings, meeting, lines, dedupe_key=key)
    told_old = {*coming, *waiting}
    for person_id in dict.fromkeys((*coming, *waiting, *asked_before)):
        # Whoever answered only for the time it moves back to is told that that answer no longer counts.
        text = "erfa.moved_personal" if person_id in told_old else "erfa.moved_back_personal"
        ctx.notify(
            person_id,
            Text.of(text, title=title, old=old, start=start),
            dedupe_key=f"{key}:{person_id}",
            invite=m.personal_invite(ctx, meeting, person_id),
            actions=m.answer_buttons(meeting),
        )


def _forget_answers_for_new_start(ctx: TenantContext, meeting: ErfaMeeting) -> list[int]:
    """Drop the answers once given for the start the meeting moves to; return whose they were."""
    # Answers are kept per start, so a meeting moved back to a time it had before (10 March, then 17 March,
    # then 10 March again) would bring back the first answers unasked. But those people were told the 10th
    # was off and asked again; some have planned otherwise since. The coordinator plans the room by answers
    # given to the plan as it stands, and a participant who read "svar igen" expects to be asked, not
    # counted: so every move asks everyone again, whichever time it goes to, those who answered it
    # before personally.
    start = m.starts(ctx, meeting)
    given = rsvp.settle(ctx.uow.erfa.answers(ctx.tenant.id, meeting.key), start)
    if given:
        ctx.uow.erfa.forget_answers(ctx.tenant.id, meeting.key, start)
    return m.person_ids(list(given))


def _move_key(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting, renewed: ErfaRecord) -> str:
    """Return the key of the move's post: that of the new time's latest due reminder, which it replaces.

    A reminder already sent for that time before (the meeting had it once) says nothing of this move, so
    the post then has a key of its own.
    """
    due = [
        r
        for r in planning.plan(ctx.tenant.slug, ctx.zone, [meeting], settings, ctx.now)
        if planning.decide(r, ctx.now) in _DUE
    ]
    if due and not ctx.uow.outbox.has(ctx.tenant.id, due[-1].dedupe_key):
        return due[-1].dedupe_key
    return f"{_base(ctx, meeting)}:moved:{renewed.sequence}"


def _change(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting, record: ErfaRecord) -> None:
    coming, waiting = _told(ctx, meeting, record)
    renewed = _renewed(ctx, meeting, record)
    # The key says whether the place changed: later reminders read it to repeat the new place.
    kind = "place" if meeting.place != record.place else "title"
    key = f"{_base(ctx, meeting)}:{kind}:{renewed.sequence}"
    what = _what_changed(meeting, record)
    m.post(
        ctx,
        settings,
        meeting,
        (*what, *m.details(ctx, meeting), Text.of("erfa.answers_stand")),
        dedupe_key=key,
    )
    for person_id in coming:
        invite = m.personal_invite(ctx, meeting, person_id)
        ctx.notify(
            person_id,
            *what,
            Text.of("erfa.changed_personal"),
            dedupe_key=f"{key}:{person_id}",
            invite=invite,
        )
    for person_id in waiting:
        ctx.notify(person_id, *what, Text.of("erfa.changed_waiting"), dedupe_key=f"{key}:{person_id}")


def _reseat(ctx: TenantContext, meeting: ErfaMeeting, record: ErfaRecord) -> bool:
    """Tell those a new number of seats moved up or down; True when the number changed.

    Answers and invites stand (seats are not on an invite), so the sequence stays.
    """
    if meeting.seats == record.seats:
        return False
    answers = m.standing(ctx, meeting)
    before, after = rsvp.seating(answers, record.seats), rsvp.seating(answers, meeting.seats)
    ctx.uow.erfa.save(
        dataclasses.replace(ctx.uow.erfa.get(ctx.tenant.id, meeting.key) or record, seats=meeting.seats)
    )
    m.tell_moved_up(ctx, meeting, rsvp.moved_up(before, after))
    base = m.key_of(ctx, meeting)
    for person in rsvp.moved_down(before, after):
        position = after.waiting.index(person) + 1
        ctx.notify(
            int(person),
            Text.of("erfa.moved_down", title=m.title(meeting), position=position),
            dedupe_key=f"{base}:moved-down:{person}:{answers[person].at:%Y%m%dT%H%M%S%f}",
        )
    return True


def _what_changed(meeting: ErfaMeeting, record: ErfaRecord) -> tuple[Text, ...]:
    lines = [Text.of("erfa.changed", title=m.title(meeting))]
    if meeting.title != record.title:
        lines.append(Text.of("erfa.changed_title", old=Verbatim(record.title), new=m.title(meeting)))
    if meeting.place != record.place:
        lines.append(Text.of("erfa.changed_place", old=Verbatim(record.place), new=Verbatim(meeting.place)))
    if record.duration is not None and meeting.duration != record.duration:
        lines.append(
            Text.of(
                "erfa.changed_duration", old=m.duration(record.duration), new=m.duration(meeting.duration)
            )
        )
    return tuple(lines)
