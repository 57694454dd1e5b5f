"""After the session: hours logged against the agreed level, and the requester's feedback."""

from __future__ import annotations

from handlers.shared.calendar_rules import quarter_of
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import HoursCorrection, SparringRequest, Status
from handlers.shared.text import Action, ButtonStyle, Text, Verbatim
from handlers.sparring.states import where_it_is

QUOTA_WARNINGS = (80, 100)
MAX_COMMENT_CHARS = 1000
# A 1:1 sparring session is an hour or two; a long workshop fills a working day. More than that for one
# session is usually a typo (100 for 1,00), so the senior confirms it before it counts against the level.
CONFIRM_ABOVE_HOURS = 8.0
# No single session is longer than a day and a night: above this the bot refuses and asks for the
# hours to be logged per session instead.
MAX_SESSION_HOURS = 24.0
_HELD = (Status.HELD, Status.FEEDBACK, Status.CLOSED)


def mark_held(ctx: ActorContext, number: int, hours: float, *, confirmed: bool = False) -> None:
    """Record that the senior held the session and how many hours it used; ask for feedback."""
    request = _session_of_actor(ctx, number)
    if request is None:
        return
    if request.status in _HELD:
        ctx.reply(
            Text.of("senior.already_held", ref=request.ref, hours=request.hours or 0.0),
            Text.of("senior.correct_hint", ref=request.ref),
            ref=request.ref,
        )
        return
    if request.status is not Status.ACCEPTED:
        ctx.reply(Text.of("error.cannot_mark_held", ref=request.ref), where_it_is(ctx, request))
        return
    if not _plausible(ctx, request, hours, confirmed, "held"):
        return
    request.status = Status.HELD
    request.held_at = ctx.now
    request.hours = hours
    ctx.uow.requests.save(request)
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


def correct_hours(ctx: ActorContext, number: int, hours: float, *, confirmed: bool = False) -> None:
    """Correct the hours of a held session (its senior or the coordinator); the change is kept."""
    request = _session_of_actor(ctx, number)
    if request is None:
        return
    if request.status not in _HELD or request.hours is None:
        ctx.reply(Text.of("error.cannot_correct", ref=request.ref), where_it_is(ctx, request))
        return
    if request.hours == hours:
        ctx.reply(Text.of("senior.hours_unchanged", ref=request.ref, hours=hours), ref=request.ref)
        return
    if not _plausible(ctx, request, hours, confirmed, "correct"):
        return
    old = request.hours
    request.hours_corrections = [
        *request.hours_corrections,
        HoursCorrection(at=ctx.now, by_id=ctx.actor.id, old=old, new=hours),
    ]
    request.hours = hours
    ctx.uow.requests.save(request)
    if request.senior_id is not None and request.senior_id != ctx.actor.id:
        ctx.notify(
            request.senior_id,
            Text.of("senior.hours_corrected_by", ref=request.ref, old=old, new=hours, who=ctx.actor.name),
            ref=request.ref,
            dedupe_key=f"hours-corrected:{request.id}:{len(request.hours_corrections)}",
        )
    used = _warn_about_quota(ctx)
    ctx.reply(
        Text.of("senior.hours_corrected", ref=request.ref, old=old, new=hours),
        Text.of("quota.status", used=used, agreed=ctx.tenant.agreed_hours_per_quarter),
        ref=request.ref,
    )


def _session_of_actor(ctx: ActorContext, number: int) -> SparringRequest | None:
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return None
    if request.senior_id != ctx.actor.id and not ctx.is_coordinator():
        ctx.reply(Text.of("error.not_your_session", ref=request.ref))
        return None
    return request


def _plausible(ctx: ActorContext, request: SparringRequest, hours: float, confirmed: bool, kind: str) -> bool:
    """Refuse impossible hours and ask before taking unusually many; True when they may be logged."""
    if hours > MAX_SESSION_HOURS:
        ctx.reply(
            Text.of("senior.hours_too_many", ref=request.ref, hours=hours, limit=MAX_SESSION_HOURS),
            ref=request.ref,
        )
        return False
    if hours > CONFIRM_ABOVE_HOURS and not confirmed:
        # The button carries the hours, so pressing it twice, or after a correction, changes nothing new.
        amount = f"{hours:g}"
        ctx.reply(
            Text.of("senior.confirm_hours", ref=request.ref, hours=hours, limit=CONFIRM_ABOVE_HOURS),
            Text.of(f"senior.confirm_hint_{kind}", ref=request.ref, hours=hours),
            actions=(
                Action(
                    f"{kind}:{request.ref}:{amount}",
                    Text.of("button.confirm_hours", hours=hours),
                    ButtonStyle.PRIMARY,
                ),
            ),
            ref=request.ref,
        )
        return False
    return True


def _warn_about_quota(ctx: TenantContext) -> float:
    """Warn the coordinators once per quarter when the hours used pass 80 % and 100 % of the level."""
    quarter = quarter_of(ctx.now, ctx.zone)
    used = ctx.uow.requests.hours_held(ctx.tenant.id, quarter.start, quarter.end)
    agreed = ctx.tenant.agreed_hours_per_quarter
    if agreed <= 0:
        return used
    reached = [t for t in QUOTA_WARNINGS if used * 100 >= agreed * t]
    if not reached:
        return used
    # Only the highest threshold passed: a jump from 50 % to 110 % is one message, not two.
    threshold = reached[-1]
    used_up = used >= agreed
    policy = ctx.tenant.over_quota.value
    ctx.notify_coordinators(
        Text.of(
            f"quota.warning_{threshold}",
            used=used,
            agreed=agreed,
            quarter=quarter.name,
            percent=int(used * 100 // agreed),
        ),
        Text.of(f"quota.policy_{policy}_{'used_up' if used_up else 'left'}"),
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
        ctx.reply(Text.of("error.no_feedback_now", ref=request.ref), where_it_is(ctx, request))
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
        ctx.uow.requests.save(request)
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
    ctx.uow.requests.save(request)
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
