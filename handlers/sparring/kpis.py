"""The coordinator's key figures for the sparring service, computed from plain request data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from handlers.shared.model import SparringRequest, Status


@dataclass(frozen=True, slots=True)
class SparringKpis:
    """How much sparring, how fast, how satisfied, and how much of the agreed level is used."""

    requests: int
    accepted: int
    cancelled: int
    open_escalations: int
    median_hours_to_accept: float | None
    average_rating: float | None
    ratings: int
    hours_used: float
    hours_agreed: float
    by_area: tuple[tuple[str, int], ...]

    @property
    def percent_used(self) -> int | None:
        """Return the share of the agreed hours used, in whole percent (None when nothing is agreed)."""
        if self.hours_agreed <= 0:
            return None
        return round(100 * self.hours_used / self.hours_agreed)


_TAKEN = frozenset({Status.ACCEPTED, Status.HELD, Status.FEEDBACK, Status.CLOSED})


def compute_kpis(
    created: Sequence[SparringRequest],
    open_requests: Sequence[SparringRequest],
    hours_used: float,
    agreed: float,
) -> SparringKpis:
    """Compute the key figures of a period from the requests created in it and those still open."""
    waits = [
        (r.accepted_at - r.created_at).total_seconds() / 3600
        for r in created
        if r.accepted_at is not None and r.status in _TAKEN
    ]
    ratings = [r.rating for r in created if r.rating is not None]
    areas = Counter(r.area for r in created if r.area is not None)
    return SparringKpis(
        requests=len(created),
        accepted=sum(1 for r in created if r.status in _TAKEN),
        cancelled=sum(1 for r in created if r.status is Status.CANCELLED),
        open_escalations=sum(1 for r in open_requests if r.escalations > 0),
        median_hours_to_accept=round(median(waits), 1) if waits else None,
        average_rating=round(sum(ratings) / len(ratings), 1) if ratings else None,
        ratings=len(ratings),
        hours_used=hours_used,
        hours_agreed=agreed,
        by_area=tuple(areas.most_common()),
    )
