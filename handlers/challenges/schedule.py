"""The cycle's scheduled posts: the call, the reminder, the agenda, the yearly method review.

The scheduler's tick asks :func:`due_posts` what is due, reconciles the Slack votes before an agenda
(``reconcile``: the platform call is the tick's, outside any transaction), then calls :func:`send`.
Every post goes through the outbox under an idempotency key per tenant, meeting and kind, so a
restart, a second process or a replayed tick never posts it twice; a post that was due while the bot
was down goes out late and says so, and one whose meeting has begun is dropped with a note to the
coordinator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from handlers.challenges import agenda, deciding, planning, quarter, voting
from handlers.challenges.planning import PlannedPost, PostKind
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.context import Deps, TenantContext
from handlers.shared.model import Role, Tenant
from handlers.shared.post_timing import Delivery
from handlers.shared.text import Message, Text

REVIEW_AT = time(9, 0)
"""The yearly method review goes out on the first day of its month at this local time."""
_VOTERS = tuple(Role)


@dataclass(frozen=True, slots=True)
class DuePost:
    """A post whose time has come (or gone), not yet in the outbox."""

    tenant: Tenant
    post: PlannedPost
    delivery: Delivery

    @property
    def reconciles(self) -> bool:
        """Tell whether the votes are to be reconciled with the platform first (before an agenda)."""
        return self.post.kind is PostKind.AGENDA and self.delivery is not Delivery.DROP


def due_posts(deps: Deps) -> list[DuePost]:
    """Return every tenant's challenge posts that are due now and were never queued."""
    now = deps.clock.now()
    due: list[DuePost] = []
    with deps.uow() as uow:
        for tenant in uow.tenants.with_challenge_cycle():
            chosen = quarter.settings(tenant)
            if chosen is None:
                continue
            ctx = TenantContext(uow, tenant, now, deps)
            meetings = tenant.quarterly_meetings
            planned = (
                *planning.missed(tenant.slug, ctx.zone, meetings, chosen, now),
                *planning.plan(tenant.slug, ctx.zone, meetings, chosen, now),
            )
            for post in planned:
                delivery = planning.decide(post, now)
                if delivery is not Delivery.WAIT and not uow.outbox.has(tenant.id, post.dedupe_key):
                    due.append(DuePost(tenant, post, delivery))
    return due


def posts_to_reconcile(deps: Deps, due: DuePost) -> list[tuple[int, str]]:
    """Return (number, platform message id) of the challenge posts whose votes the platform may know better."""
    if not due.reconciles or not due.tenant.slack_team_id:
        return []
    with deps.uow() as uow:
        return uow.challenges.posts(due.tenant.id, due.post.meeting)


def reconcile(deps: Deps, tenant: Tenant, number: int, current: Mapping[str, Sequence[str]]) -> int:
    """Make a challenge's stored Slack reactions match ``reactions.get``; return how many marks changed."""
    with deps.uow() as uow:
        changed = voting.reconcile(
            TenantContext(uow, tenant, deps.clock.now(), deps), number, "slack", current
        )
        uow.commit()
    return changed


def send(deps: Deps, due: DuePost) -> None:
    """Queue a due post (or, for a meeting that has begun, the coordinator's note that it was missed)."""
    with deps.uow() as uow:
        tenant = uow.tenants.get(due.tenant.id)
        chosen = quarter.settings(tenant) if tenant is not None else None
        if tenant is None or chosen is None:
            return
        ctx = TenantContext(uow, tenant, deps.clock.now(), deps)
        meeting = quarter.meeting(ctx, due.post.meeting)
        if meeting is not None:
            _send(ctx, chosen, meeting, due)
        uow.commit()


def send_yearly(deps: Deps) -> int:
    """Queue the yearly method reviews and the undecided-challenge notes that are due; return how many."""
    now = deps.clock.now()
    queued = 0
    with deps.uow() as uow:
        for tenant in uow.tenants.with_challenge_cycle():
            chosen = quarter.settings(tenant)
            if chosen is None:
                continue
            ctx = TenantContext(uow, tenant, now, deps)
            queued += _method_review(ctx, chosen) + _undecided_note(ctx)
        uow.commit()
    return queued


def _send(ctx: TenantContext, chosen: ChallengeSettings, meeting: QuarterlyMeeting, due: DuePost) -> None:
    post = due.post
    if due.delivery is Delivery.DROP:
        ctx.notify_coordinators(
            Text.of(
                f"challenge.dropped.{post.kind.value}", meeting=quarter.starts(ctx, meeting), due=post.due_at
            ),
            dedupe=f"{post.dedupe_key}:dropped",
        )
        return
    late = (Text.of("challenge.late", due=post.due_at),) if due.delivery is Delivery.LATE else ()
    if post.kind is PostKind.CALL:
        _post_in_channel(ctx, chosen, post, (*late, *_call(ctx, chosen, meeting)))
    elif post.kind is PostKind.REMINDER:
        _remind(ctx, chosen, meeting, post, late)
    else:
        _post_agenda(ctx, chosen, meeting, post, late)


def _call(ctx: TenantContext, chosen: ChallengeSettings, meeting: QuarterlyMeeting) -> tuple[Text, ...]:
    when = quarter.starts(ctx, meeting)
    place = (Text.of("challenge.call_place", place=meeting.place),) if meeting.place else ()
    closes = quarter.deadline(ctx, chosen, meeting)
    # Teams has no slash command: there it is a message to the bot or the message action.
    how = (
        Text.of("challenge.call_how_teams", deadline=closes)
        if quarter.on_teams(ctx.tenant)
        else Text.of("challenge.call_how", deadline=closes)
    )
    return (
        Text.of("challenge.call", meeting=when),
        *place,
        how,
        Text.of("challenge.call_vote", reaction=quarter.reaction_shown(ctx.tenant, chosen)),
    )


def _remind(
    ctx: TenantContext,
    chosen: ChallengeSettings,
    meeting: QuarterlyMeeting,
    post: PlannedPost,
    late: tuple[Text, ...],
) -> None:
    round_ = quarter.round_of(ctx, chosen, meeting)
    ranked = round_.ranked()
    closes = round_.deadline
    when = quarter.starts(ctx, meeting)
    if not ranked:
        # Nothing to vote on yet: the channel is reminded that there is still time to submit.
        _post_in_channel(
            ctx, chosen, post, (*late, Text.of("challenge.remind_none", meeting=when, deadline=closes))
        )
        return
    remind = Text.of("challenge.remind_channel", count=len(ranked), meeting=when, deadline=closes)
    _post_in_channel(ctx, chosen, post, (*late, remind))
    voted = {person for _, entry in ranked for person in (*entry.voters, *entry.late, *entry.over_budget)}
    for person in quarter.people_in_roles(ctx, _VOTERS):
        # The consultancy's own seniors (external) run the meeting; the client's people vote.
        if str(person.id) in voted or person.external:
            continue
        ctx.notify(
            person.id,
            Text.of("challenge.remind", count=len(ranked), meeting=when, deadline=closes),
            Text.of("challenge.remind_how", reaction=quarter.reaction_shown(ctx.tenant, chosen)),
            dedupe_key=f"{post.dedupe_key}:{person.id}",
        )


def _post_agenda(
    ctx: TenantContext,
    chosen: ChallengeSettings,
    meeting: QuarterlyMeeting,
    post: PlannedPost,
    late: tuple[Text, ...],
) -> None:
    round_ = quarter.round_of(ctx, chosen, meeting)
    ranked = round_.ranked()
    when = quarter.starts(ctx, meeting)
    if not ranked:
        # Nothing to rank: the channel hears it, nobody gets an empty agenda of their own.
        _post_in_channel(ctx, chosen, post, (*late, Text.of("challenge.agenda_nothing", meeting=when)))
        return
    head = Text.of("challenge.agenda_posted", meeting=when, count=len(ranked))
    lines = agenda.agenda_lines(ctx, chosen, round_)
    _post_in_channel(ctx, chosen, post, (*late, head, *lines))
    unknown = voting.unknown_voters(round_)
    for reader in agenda.readers_of_agenda(ctx):
        notes = ()
        if reader.has(Role.COORDINATOR):
            notes = (
                *((Text.of("challenge.unknown_voters", count=unknown),) if unknown else ()),
                Text.of("challenge.coordinator_hint"),
            )
        ctx.notify(reader.id, head, *lines, *notes, dedupe_key=f"{post.dedupe_key}:{reader.id}")


def _post_in_channel(
    ctx: TenantContext, chosen: ChallengeSettings, post: PlannedPost, lines: tuple[Text, ...]
) -> None:
    message = Message(lines, to_channel=quarter.channel(ctx.tenant, chosen), dedupe_key=post.dedupe_key)
    ctx.uow.outbox.add(ctx.tenant.id, message, ctx.now)


def _method_review(ctx: TenantContext, chosen: ChallengeSettings) -> int:
    local = ctx.now.astimezone(ctx.zone)
    starts = datetime.combine(local.date().replace(day=1), REVIEW_AT, ctx.zone)
    if local.month != chosen.method_review_month or local < starts:
        return 0
    key = f"challenges:{ctx.tenant.slug}:method-review:{local.year}"
    if ctx.uow.outbox.has(ctx.tenant.id, key):
        return 0
    pending = ctx.uow.challenges.adopted_without_version(ctx.tenant.id)
    if not pending:
        return 0
    readers = agenda.readers_of_agenda(ctx)
    for reader in readers:
        ctx.notify(
            reader.id,
            Text.of("challenge.review", count=len(pending), year=str(local.year)),
            *deciding.method_lines(ctx, pending),
            Text.of("challenge.method_hint"),
            dedupe_key=f"{key}:{reader.id}",
        )
    return len(readers)


def _undecided_note(ctx: TenantContext) -> int:
    overdue = deciding.undecided(ctx)
    if not overdue:
        return 0
    meetings = sorted({c.meeting for c in overdue})
    key = f"challenges:{ctx.tenant.slug}:{':'.join(meetings)}:undecided"
    if ctx.uow.outbox.has(ctx.tenant.id, key):
        return 0
    refs = ", ".join(quarter.ref(ctx, c.number) for c in overdue[: deciding.METHOD_LIST_LIMIT])
    ctx.notify_coordinators(Text.of("challenge.undecided_note", count=len(overdue), refs=refs), dedupe=key)
    return 1
