"""After the session: hours logged against the agreed level, and the requester's feedback."""

from __future__ import annotations

from handlers.calendar_rules import quarter_of
from handlers.context import ActorContext, TenantContext
from handlers.model import SparringRequest, Status
from handlers.text import Action, Text, Verbatim

QUOTA_WARNINGS = (80, 100)
MAX_COMMENT_CHARS = 1000


def mark_held(ctx: ActorContext, number: int, hours: float) -> None:
    """Record that the senior held the session and how many hours it used; ask for feedback."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    if request.senior_id != ctx.actor.id and not ctx.is_coordinator():
        ctx.reply(Text.of("error.not_your_session", ref=request.ref))
        return
    if request.status is not Status.ACCEPTED:
        ctx.reply(
            Text.of("error.cannot_mark_held", ref=request.ref, status=Text.of(f"status.{request.status}"))
        )
        return
    request.status = Status.HELD
    request.held_at = ctx.now
    request.hours = hours
    ctx.uow.requests.update(request)
    ctx.notify(
        request.requester_id,
        Text.of("requester.feedback_please", ref=request.ref),
        Text.of("requester.feedback_hint", ref=request.ref),
        actions=tuple(
            Action(f"rate:{request.ref}:{n}", Text.of("button.rating", rating=n)) for n in range(1, 6)
        ),
        ref=request.ref,
        dedupe_key=f"feedback-please:{request.id}",
    )
    used = _warn_about_quota(ctx)
    ctx.reply(
        Text.of("senior.held", ref=request.ref, hours=hours),
        Text.of("quota.status", used=used, agreed=ctx.tenant.agreed_hours_per_quarter),
        ref=request.ref,
    )


def _warn_about_quota(ctx: TenantContext) -> float:
    """Warn the coordinators once per quarter when the hours used pass 80 % and 100 % of the level."""
    quarter = quarter_of(ctx.now, ctx.zone)
    used = ctx.uow.requests.hours_held(ctx.tenant.id, quarter.start, quarter.end)
    agreed = ctx.tenant.agreed_hours_per_quarter
    if agreed <= 0:
        return used
    for threshold in QUOTA_WARNINGS:
        if used * 100 >= agreed * threshold:
            ctx.notify_coordinators(
                Text.of(f"quota.warning_{threshold}", used=used, agreed=agreed, quarter=quarter.name),
                Text.of(f"quota.policy_{ctx.tenant.over_quota}"),
                dedupe=f"quota:{quarter.label}:{threshold}",
            )
    return used


def give_feedback(ctx: ActorContext, number: int, rating: int | None, comment: str | None) -> None:
    """Record the requester's rating (1–5) and optional comment; the request closes with it."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.requester_id != ctx.actor.id:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    if request.status not in (Status.HELD, Status.FEEDBACK):
        ctx.reply(
            Text.of("error.no_feedback_now", ref=request.ref, status=Text.of(f"status.{request.status}"))
        )
        return
    if rating is None and request.rating is None:
        ctx.reply(Text.of("usage.feedback"))
        return
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        ctx.reply(Text.of("ask.too_long", length=len(comment), limit=MAX_COMMENT_CHARS))
        return
    if rating is not None:
        request.rating = rating
    if comment is None:
        request.status = Status.FEEDBACK
        ctx.uow.requests.update(request)
        ctx.reply(
            Text.of("requester.thanks_rating", ref=request.ref, rating=request.rating or 0),
            Text.of("requester.comment_hint", ref=request.ref),
            actions=(
                Action(f"comment:{request.ref}", Text.of("button.add_comment")),
                Action(f"no-comment:{request.ref}", Text.of("button.no_comment")),
            ),
            ref=request.ref,
        )
        return
    _close(ctx, request, comment)


def _close(ctx: ActorContext, request: SparringRequest, comment: str) -> None:
    ref = request.ref
    request.comment = comment or None
    request.status = Status.CLOSED
    request.closed_at = ctx.now
    ctx.uow.requests.update(request)
    ctx.reply(Text.of("requester.thanks_closed", ref=ref), ref=ref)
    if request.senior_id is not None:
        lines = [Text.of("senior.feedback", ref=ref, rating=request.rating or 0)]
        if request.comment:
            lines.append(Text.of("quote", text=Verbatim(request.comment)))
        ctx.notify(request.senior_id, *lines, ref=ref, dedupe_key=f"feedback:{request.id}")


def ask_for_comment(ctx: ActorContext, number: int) -> None:
    """Tell the requester how to add a comment (platforms with forms show one instead)."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.requester_id != ctx.actor.id:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    ctx.reply(Text.of("requester.comment_hint", ref=request.ref), ref=request.ref)
