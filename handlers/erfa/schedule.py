"""The ERFA meetings' scheduled work, run by the tick: channel reminders, personal reminders and nudges.

Every tick looks at each meeting afresh: first what changed in the file since people were told
(:mod:`handlers.erfa.changes`), then the channel reminders that are due, then the personal reminders of
the day before, then the feedback after the meeting (:mod:`handlers.erfa.feedback`). Everything goes
through the outbox under idempotency keys that hold the tenant, the meeting and its start, so a restart, a
second process or a replayed tick never sends anything twice, and nothing is ever sent for an old time.

The first channel reminder that goes out is the announcement; it is then kept current in place. A reminder
due while the bot was down goes out late and says so; one whose meeting has begun is dropped, and the
coordinator gets one note instead.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from handlers.erfa import changes, feedback, planning
from handlers.erfa import meeting as m
from handlers.erfa.planning import PlannedReminder
from handlers.shared import post_timing
from handlers.shared.context import Deps, TenantContext
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import ErfaRecord
from handlers.shared.post_timing import Delivery
from handlers.shared.text import Text, Verbatim

NUDGE_WITHIN = timedelta(days=7)
"""People who have not answered get their one nudge with the first reminder this close to the meeting."""
_SENT = (Delivery.ON_TIME, Delivery.LATE)


def tenants(deps: Deps) -> list[int]:
    """Return the ids of the tenants with ERFA meetings."""
    with deps.uow() as uow:
        return [tenant.id for tenant in uow.tenants.with_erfa()]


def run_for_tenant(deps: Deps, tenant_id: int) -> int:
    """Do one tenant's due ERFA work in one transaction; return how many meetings had something queued."""
    with deps.uow() as uow:
        tenant = uow.tenants.get(tenant_id)
        if tenant is None or tenant.erfa is None:
            return 0
        ctx = TenantContext(uow, tenant, deps.clock.now(), deps)
        # One statement for every meeting's record; a tick with nothing due then needs no other.
        uow.erfa.lock_tenant(tenant.id)
        busy = sum(run_meeting(ctx, tenant.erfa, meeting) for meeting in tenant.erfa_meetings)
        uow.commit()
    return busy


def run_meeting(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting) -> bool:
    """Tell what changed, post the due reminders, remind and ask for feedback; True if anything was queued."""
    before = changes.apply(ctx, settings, meeting)
    if m.is_off(ctx, meeting):
        return before
    reminded = remind_channel(ctx, settings, meeting)
    personal = remind_personally(ctx, meeting)
    asked = feedback.ask_and_sum_up(ctx, meeting)
    return before or reminded or personal or asked


def remind_channel(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting) -> bool:
    """Queue the channel reminders now due (only the latest of several); note those missed for good."""
    slug, zone, now = ctx.tenant.slug, ctx.zone, ctx.now
    planned = (
        *planning.missed(slug, zone, [meeting], settings, now),
        *planning.plan(slug, zone, [meeting], settings, now),
    )
    due = [r for r in planned if planning.decide(r, now) is not Delivery.WAIT]
    if not due:
        return False
    redundant = planning.superseded(due, now)
    queued = _handled(ctx, meeting, due)
    sent = False
    dropped: list[PlannedReminder] = []
    for reminder in due:
        if reminder.dedupe_key in redundant or _taken(reminder, queued):
            continue
        if planning.decide(reminder, now) is Delivery.DROP:
            dropped.append(reminder)
            continue
        _send(ctx, settings, meeting, reminder, planning.decide(reminder, now))
        queued.append(reminder)
        sent = True
    if dropped:
        _note_dropped(ctx, meeting, dropped[-1])
    return sent or bool(dropped)


def _handled(ctx: TenantContext, meeting: ErfaMeeting, due: list[PlannedReminder]) -> list[PlannedReminder]:
    """Return the due reminders already sent or noted as missed: the record says, or else the outbox."""
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    if record is not None and record.reminded_until is not None:
        until = record.reminded_until
        return [r for r in due if r.meeting_at == record.start and r.due_at <= until]
    return [r for r in due if ctx.uow.outbox.has(ctx.tenant.id, r.dedupe_key)]


def _taken(reminder: PlannedReminder, queued: list[PlannedReminder]) -> bool:
    """Tell whether the reminder, or a later one of the same start, was queued (it then says it all)."""
    return any(q.meeting_at == reminder.meeting_at and q.due_at >= reminder.due_at for q in queued)


def _mark_reminded(ctx: TenantContext, meeting: ErfaMeeting, reminder: PlannedReminder) -> None:
    """Record that the meeting's channel reminders up to this one are handled."""
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    if record is not None:
        ctx.uow.erfa.save(dataclasses.replace(record, reminded_until=reminder.due_at))


def _send(
    ctx: TenantContext,
    settings: ErfaSettings,
    meeting: ErfaMeeting,
    reminder: PlannedReminder,
    delivery: Delivery,
) -> None:
    late = (Text.of("erfa.late", due=reminder.due_at),) if delivery is Delivery.LATE else ()
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    if record is None:
        m.post(
            ctx,
            settings,
            meeting,
            (*late, *m.announcement_lines(ctx, meeting)),
            dedupe_key=reminder.dedupe_key,
        )
        ctx.uow.erfa.save(
            ErfaRecord(
                tenant_id=ctx.tenant.id,
                key=meeting.key,
                start=m.starts(ctx, meeting),
                place=meeting.place,
                title=meeting.title,
                announced=reminder.dedupe_key,
                duration=meeting.duration,
                seats=meeting.seats,
                reminded_until=reminder.due_at,
            )
        )
    else:
        lines = (
            *late,
            _countdown(ctx, meeting),
            *m.details(ctx, meeting),
            *changes.since_announced(ctx, meeting),
            m.counts(m.seating(ctx, meeting)),
            Text.of("erfa.answer_how"),
        )
        m.post(ctx, settings, meeting, lines, dedupe_key=reminder.dedupe_key)
        _mark_reminded(ctx, meeting, reminder)
    if reminder.meeting_at - reminder.due_at <= NUDGE_WITHIN:
        _nudge(ctx, meeting)


def _countdown(ctx: TenantContext, meeting: ErfaMeeting) -> Text:
    """Return "Om 7 dage: …", "I morgen: …" or "Om 2 timer: …", counted from now."""
    start = m.starts(ctx, meeting)
    days = (start.astimezone(ctx.zone).date() - ctx.now.astimezone(ctx.zone).date()).days
    if start - ctx.now >= timedelta(hours=20) and days >= 1:
        key = "erfa.countdown.tomorrow" if days == 1 else "erfa.countdown.days"
        return Text.of(key, days=days, title=m.title(meeting))
    hours = max(round((start - ctx.now) / timedelta(hours=1)), 1)
    return Text.of("erfa.countdown.hours", hours=hours, title=m.title(meeting))


def _nudge(ctx: TenantContext, meeting: ErfaMeeting) -> None:
    """Ask the audience who have not answered, once per meeting start, whether they come.

    Whoever answered for an earlier start is told the answer is missing for the new one, not that it never came.
    """
    answers = ctx.uow.erfa.answers(ctx.tenant.id, meeting.key)
    answered = m.standing(ctx, meeting)
    answered_before = {answer.person for answer in answers}
    base = m.key_of(ctx, meeting)
    for person in m.audience(ctx, meeting):
        if str(person.id) in answered:
            continue
        ctx.notify(
            person.id,
            Text.of(
                "erfa.nudge_moved" if str(person.id) in answered_before else "erfa.nudge",
                title=m.title(meeting),
                start=m.starts(ctx, meeting),
                place=Verbatim(meeting.place),
            ),
            dedupe_key=f"{base}:nudge:{person.id}",
            actions=m.answer_buttons(meeting),
        )


def _note_dropped(ctx: TenantContext, meeting: ErfaMeeting, reminder: PlannedReminder) -> None:
    ctx.notify_coordinators(
        Text.of("erfa.dropped", title=m.title(meeting), start=reminder.meeting_at, due=reminder.due_at),
        dedupe=f"{reminder.dedupe_key}:dropped",
    )
    _mark_reminded(ctx, meeting, reminder)


def remind_personally(ctx: TenantContext, meeting: ErfaMeeting) -> bool:
    """The day before, at the meeting's wall time: remind those seated and the Måske, and tell the waiting list."""
    start = m.starts(ctx, meeting)
    due = post_timing.days_before(meeting.at, 1, ctx.zone)
    if post_timing.delivery(due, start, ctx.now) not in _SENT:
        return False
    seated = m.seating(ctx, meeting)
    base = m.key_of(ctx, meeting)
    title, place = m.title(meeting), Verbatim(meeting.place)
    queued = False
    # A Måske holds no seat to give up: they are asked to settle their answer instead.
    for person_id, key in (
        *((p, "erfa.tomorrow") for p in m.person_ids(seated.seated)),
        *((p, "erfa.tomorrow_maybe") for p in m.person_ids(seated.maybe)),
    ):
        queued |= ctx.notify(
            person_id,
            Text.of(key, title=title, start=start, place=place),
            dedupe_key=f"{base}:day-before:{person_id}",
            invite=m.personal_invite(ctx, meeting, person_id),
        )
    for position, person_id in enumerate(m.person_ids(seated.waiting), start=1):
        queued |= ctx.notify(
            person_id,
            Text.of("erfa.tomorrow_waiting", position=position, title=title, start=start, place=place),
            dedupe_key=f"{base}:day-before:{person_id}",
        )
    return queued
