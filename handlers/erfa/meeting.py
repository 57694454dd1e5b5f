"""What every ERFA use case asks of a tenant's meeting: where it is posted, who it is for, who answered.

The meetings are the tenant file's (:class:`~handlers.shared.erfa_settings.ErfaMeeting`, the tenant's own
and the network meetings it is invited to); the answers, the record of what was told and the invite
tokens are ``uow.erfa``'s. Each tenant sees only its own people's answers, and seats count per tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.erfa import planning, rsvp
from handlers.erfa.commands import answer_action
from handlers.erfa.rsvp import Answer, Rsvp, Seating
from handlers.shared.context import TenantContext
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import ErfaRecord, Person, Role, Tenant
from handlers.shared.text import Action, ButtonStyle, InviteFile, Message, Text, Verbatim, current_key

CONSOLE_CHANNEL = "erfa"
"""Where a tenant on neither Slack nor Teams (the console) sees its ERFA channel, if the file names none."""
_BUTTON_STYLES = {Answer.ATTENDING: ButtonStyle.PRIMARY}


def channel(tenant: Tenant, settings: ErfaSettings) -> str:
    """Return the ERFA channel on the tenant's platform (the console reads the Slack channel's name)."""
    return tenant.channel(settings.channel_slack, settings.channel_teams, CONSOLE_CHANNEL)


def find(ctx: TenantContext, key: str) -> ErfaMeeting | None:
    """Return the tenant's configured meeting with the key."""
    return next((m for m in ctx.tenant.erfa_meetings if m.key == key), None)


def starts(ctx: TenantContext, meeting: ErfaMeeting) -> datetime:
    """Return the meeting's start as aware UTC."""
    return planning.starts_at(meeting, ctx.zone)


def ends(ctx: TenantContext, meeting: ErfaMeeting) -> datetime:
    """Return the meeting's end as aware UTC."""
    return starts(ctx, meeting) + meeting.duration


def is_off(ctx: TenantContext, meeting: ErfaMeeting) -> bool:
    """Tell whether the meeting is called off, in the file or in what people were told."""
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    return meeting.cancelled or (record is not None and record.cancelled)


def upcoming(ctx: TenantContext) -> list[ErfaMeeting]:
    """Return the meetings not begun and not called off, soonest first."""
    ahead = [m for m in ctx.tenant.erfa_meetings if starts(ctx, m) > ctx.now and not m.cancelled]
    return sorted(ahead, key=lambda m: starts(ctx, m))


def standing(ctx: TenantContext, meeting: ErfaMeeting) -> dict[str, Rsvp]:
    """Return each person's standing answer for the meeting's current start."""
    return rsvp.settle(ctx.uow.erfa.answers(ctx.tenant.id, meeting.key), starts(ctx, meeting))


def seating(ctx: TenantContext, meeting: ErfaMeeting) -> Seating:
    """Return who is seated, waiting, maybe and not coming, as the answers stand now."""
    return rsvp.seating(standing(ctx, meeting), meeting.seats)


def audience(ctx: TenantContext, meeting: ErfaMeeting) -> list[Person]:
    """Return the tenant's people the meeting is for (the consultancy's own seniors run it, not attend)."""
    roles = tuple(Role(role) for role in meeting.audience if role in Role.__members__.values())
    people: dict[int, Person] = {}
    for role in roles:
        for person in ctx.uow.people.with_role(ctx.tenant.id, role):
            if not person.external:
                people.setdefault(person.id, person)
    return list(people.values())


def coming(seated: Seating) -> tuple[str, ...]:
    """Return the people with a seat or a Måske: those who get invites, reminders and changes."""
    return (*seated.seated, *seated.maybe)


def person_ids(people: Sequence[str]) -> list[int]:
    """Return the person ids of the answers' people (stored as text)."""
    return [int(person) for person in people if person.isdigit()]


def key_of(ctx: TenantContext, meeting: ErfaMeeting, start: datetime | None = None) -> str:
    """Return the prefix of every idempotency key of the meeting at a start (the current one by default)."""
    at = start if start is not None else starts(ctx, meeting)
    return f"erfa:{ctx.tenant.slug}:{meeting.key}:{at:%Y-%m-%dT%H:%MZ}"


def channel_invite(ctx: TenantContext, meeting: ErfaMeeting) -> InviteFile:
    """Return the channel's calendar invite (the meeting to add to one's calendar, or to remove if called off)."""
    return _invite(ctx, meeting, None)


def personal_invite(ctx: TenantContext, meeting: ErfaMeeting, person_id: int) -> InviteFile:
    """Return a person's own calendar invite, which holds their answer (or cancels, if called off)."""
    return _invite(ctx, meeting, person_id)


def _invite(ctx: TenantContext, meeting: ErfaMeeting, person_id: int | None) -> InviteFile:
    token = ctx.uow.erfa.invite_token(ctx.tenant.id, meeting.key, person_id)
    return InviteFile(token, f"erfa-{meeting.key}.ics", cancels=is_off(ctx, meeting))


def answer_buttons(meeting: ErfaMeeting) -> tuple[Action, ...]:
    """Return the Deltager / Måske / Deltager ikke buttons."""
    return tuple(
        Action(
            answer_action(meeting.key, answer),
            Text.of(f"erfa.button.{answer.value}"),
            _BUTTON_STYLES.get(answer, ButtonStyle.DEFAULT),
        )
        for answer in Answer
    )


def title(meeting: ErfaMeeting) -> Verbatim:
    """Return the meeting's title as the file gives it (never read as markup)."""
    return Verbatim(meeting.title)


def details(ctx: TenantContext, meeting: ErfaMeeting) -> tuple[Text, ...]:
    """Return the lines that say when, how long, where and for whom."""
    return (
        Text.of("erfa.when", start=starts(ctx, meeting), duration=duration(meeting.duration)),
        Text.of("erfa.place", place=Verbatim(meeting.place)),
        Text.of("erfa.audience", roles=audience_names(meeting)),
    )


def duration(length: timedelta) -> Text:
    """Return a meeting's length: "3 timer", "45 minutter", "2 timer og 30 minutter"."""
    hours, minutes = divmod(int(length.total_seconds() // 60), 60)
    if not minutes:
        return Text.of("erfa.hours", hours=hours)
    if not hours:
        return Text.of("erfa.minutes", minutes=minutes)
    return Text.of("erfa.hours_minutes", hours=hours, minutes=minutes)


def audience_names(meeting: ErfaMeeting) -> Text:
    """Return the audience's roles named in the reader's language ("projektledere, testere og styregrupper")."""
    names = [Text.of(f"erfa.role.{role}") for role in meeting.audience if role in Role.__members__.values()]
    return joined(names) if names else Text.of("erfa.role.everyone")


def joined(items: Sequence[Text]) -> Text:
    """Return a list in a sentence: "a", "a og b", "a, b og c"."""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return Text.of("erfa.list.and", first=items[0], last=items[1])
    return Text.of("erfa.list.comma", first=items[0], rest=joined(items[1:]))


def counts(seated: Seating) -> Text:
    """Return "12 deltagere, 3 måske · 40 pladser, 28 ledige" (and the waiting list, when there is one)."""
    figures = seated.counts
    answered = Text.of("erfa.counts", attending=figures.attending, maybe=figures.maybe)
    if figures.seats is None:
        return answered
    free = max(figures.free or 0, 0)
    seats = Text.of("erfa.seats", seats=figures.seats, free=free)
    if figures.waiting:
        seats = Text.of("erfa.seats_waiting", seats=figures.seats, waiting=figures.waiting)
    elif not free:
        seats = Text.of("erfa.seats_full", seats=figures.seats)
    return Text.of("erfa.counts_and_seats", answered=answered, seats=seats)


def announcement(
    ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting, record: ErfaRecord
) -> Message:
    """Return the first channel post as it stands now, to edit in place (``record.announced`` names it)."""
    if record.announced is None:
        raise ValueError(f"ERFA meeting {meeting.key} was never announced")
    where = channel(ctx.tenant, settings)
    current = current_key(record.announced)
    if record.cancelled:
        lines = (Text.of("erfa.cancelled_announcement", title=title(meeting), start=record.start),)
        return Message(lines, to_channel=where, updates=record.announced, dedupe_key=current)
    return Message(
        announcement_lines(ctx, meeting),
        to_channel=where,
        actions=answer_buttons(meeting),
        updates=record.announced,
        dedupe_key=current,
        invite=channel_invite(ctx, meeting),
    )


def announcement_lines(ctx: TenantContext, meeting: ErfaMeeting) -> tuple[Text, ...]:
    """Return the announcement's lines: what, when, where, for whom, the answers so far, how to answer."""
    return (
        Text.of("erfa.announce", title=title(meeting)),
        *details(ctx, meeting),
        counts(seating(ctx, meeting)),
        Text.of("erfa.answer_how"),
    )


def keep_current(ctx: TenantContext, settings: ErfaSettings, meeting: ErfaMeeting) -> None:
    """Queue the edit that makes the announcement show the meeting and its answers as they stand now."""
    record = ctx.uow.erfa.get(ctx.tenant.id, meeting.key)
    if record is not None and record.announced is not None:
        ctx.uow.outbox.keep_current(ctx.tenant.id, announcement(ctx, settings, meeting, record), ctx.now)


def tell_moved_up(ctx: TenantContext, meeting: ErfaMeeting, people: Sequence[str]) -> None:
    """Tell the people taken from the waiting list onto a seat, with their invite."""
    answers = standing(ctx, meeting)
    for person in people:
        # Keyed by the time of their Deltager: one who leaves and queues again is told again.
        since = answers[person].at if person in answers else ctx.now
        person_id = int(person)
        ctx.notify(
            person_id,
            Text.of("erfa.moved_up", title=title(meeting), start=starts(ctx, meeting)),
            dedupe_key=f"{key_of(ctx, meeting)}:moved-up:{person_id}:{since:%Y%m%dT%H%M%S%f}",
            invite=personal_invite(ctx, meeting, person_id),
        )


def post(
    ctx: TenantContext,
    settings: ErfaSettings,
    meeting: ErfaMeeting,
    lines: tuple[Text, ...],
    *,
    dedupe_key: str,
    buttons: bool = True,
) -> bool:
    """Queue a new post in the ERFA channel with the channel's invite; False when its key was queued before."""
    message = Message(
        lines,
        to_channel=channel(ctx.tenant, settings),
        actions=answer_buttons(meeting) if buttons else (),
        dedupe_key=dedupe_key,
        invite=channel_invite(ctx, meeting),
    )
    return ctx.uow.outbox.add(ctx.tenant.id, message, ctx.now)


def unknown_meeting(ctx: TenantContext) -> Text:
    """Return the sentence for a meeting key nobody configured, naming the upcoming ones."""
    keys = ", ".join(meeting.key for meeting in upcoming(ctx))
    return Text.of("erfa.unknown", keys=keys) if keys else Text.of("erfa.unknown_none")
