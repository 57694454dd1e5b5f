"""Where a request is, said as a whole sentence, and how long something has waited."""

from __future__ import annotations

from datetime import datetime

from handlers.shared.context import TenantContext
from handlers.shared.model import SparringRequest, Status
from handlers.shared.text import Text

# The sentences of where_it_is (state.*): one per status, and two for a senior who has left.
STATE_KEYS = (
    *(status.value for status in Status),
    "requested_area",
    "offered_gone",
    "accepted_gone",
    "training_approval",
)


def where_it_is(ctx: TenantContext, request: SparringRequest) -> Text:
    """Return the sentence that says where the request is now (``S-4 er accepteret af Anna Berg.``)."""
    senior = ctx.uow.people.get(request.senior_id) if request.senior_id is not None else None
    key = request.status.value
    if request.status is Status.REQUESTED and request.area is None:
        key = "requested_area"
    if request.status in (Status.OFFERED, Status.ACCEPTED) and senior is None:
        key = f"{key}_gone"
    if request.status is Status.AWAITING_APPROVAL and request.training:
        key = "training_approval"
    return Text.of(f"state.{key}", ref=request.ref, senior=senior.name if senior else "?")


def waited(since: datetime, now: datetime) -> Text:
    """Return how long something has waited, roughly: minutes, hours or days."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return Text.of("duration.moment")
    if minutes < 60:
        return Text.of("duration.minutes", count=minutes)
    if minutes < 2 * 60:
        return Text.of("duration.hour")
    if minutes < 48 * 60:
        return Text.of("duration.hours", count=minutes // 60)
    return Text.of("duration.days", count=minutes // (24 * 60))
