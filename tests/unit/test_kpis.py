"""The coordinator's key figures, computed from plain request data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.shared.model import SparringRequest, Status
from handlers.sparring.kpis import compute_kpis

CREATED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def request(
    number: int,
    status: Status,
    *,
    area: str | None = "budget",
    hours_to_accept: float | None = None,
    rating: int | None = None,
    escalations: int = 0,
) -> SparringRequest:
    accepted_at = CREATED + timedelta(hours=hours_to_accept) if hours_to_accept is not None else None
    return SparringRequest(
        tenant_id=1,
        number=number,
        requester_id=10,
        text="Hjælp til budgettet",
        created_at=CREATED,
        area=area,
        status=status,
        accepted_at=accepted_at,
        rating=rating,
        escalations=escalations,
    )


def test_requests_are_counted_by_outcome() -> None:
    created = [
        request(1, Status.OFFERED),
        request(2, Status.ACCEPTED, hours_to_accept=1),
        request(3, Status.HELD, hours_to_accept=2),
        request(4, Status.FEEDBACK, hours_to_accept=3),
        request(5, Status.CLOSED, hours_to_accept=4, rating=5),
        request(6, Status.CANCELLED),
        request(7, Status.REJECTED),
    ]

    kpis = compute_kpis(created, [], 10.0, 60.0)

    assert kpis.requests == 7
    assert kpis.accepted == 4
    assert kpis.cancelled == 1


def test_the_median_time_to_accept_is_in_hours_with_one_decimal() -> None:
    created = [
        request(1, Status.ACCEPTED, hours_to_accept=1.0),
        request(2, Status.HELD, hours_to_accept=2.25),
        request(3, Status.CLOSED, hours_to_accept=30.0),
    ]

    kpis = compute_kpis(created, [], 0.0, 60.0)

    assert kpis.median_hours_to_accept == 2.2


def test_the_time_to_accept_ignores_requests_no_longer_taken() -> None:
    # Accepted, then cancelled: it does not count as taken.
    created = [
        request(1, Status.CANCELLED, hours_to_accept=50.0),
        request(2, Status.ACCEPTED, hours_to_accept=2),
    ]

    kpis = compute_kpis(created, [], 0.0, 60.0)

    assert kpis.median_hours_to_accept == 2.0


def test_without_accepted_requests_there_is_no_median() -> None:
    kpis = compute_kpis([request(1, Status.OFFERED)], [], 0.0, 60.0)

    assert kpis.median_hours_to_accept is None
    assert kpis.average_rating is None
    assert kpis.ratings == 0


def test_the_average_rating_is_rounded_to_one_decimal_and_counts_the_answers() -> None:
    created = [
        request(1, Status.CLOSED, rating=5),
        request(2, Status.CLOSED, rating=4),
        request(3, Status.FEEDBACK, rating=4),
        request(4, Status.HELD),
    ]

    kpis = compute_kpis(created, [], 0.0, 60.0)

    assert kpis.average_rating == 4.3
    assert kpis.ratings == 3


def test_the_share_of_the_agreed_hours_used_is_in_whole_percent() -> None:
    kpis = compute_kpis([], [], 45.5, 60.0)

    assert kpis.hours_used == 45.5
    assert kpis.hours_agreed == 60.0
    assert kpis.percent_used == 76


def test_the_share_used_can_pass_one_hundred_percent() -> None:
    kpis = compute_kpis([], [], 66.0, 60.0)

    assert kpis.percent_used == 110


def test_without_agreed_hours_there_is_no_share_used() -> None:
    kpis = compute_kpis([], [], 5.0, 0.0)

    assert kpis.percent_used is None


def test_requests_are_counted_per_area_most_frequent_first() -> None:
    created = [
        request(1, Status.OFFERED, area="risk"),
        request(2, Status.OFFERED, area="budget"),
        request(3, Status.OFFERED, area="budget"),
        request(4, Status.REQUESTED, area=None),
    ]

    kpis = compute_kpis(created, [], 0.0, 60.0)

    assert kpis.by_area == (("budget", 2), ("risk", 1))


def test_open_escalations_count_the_open_requests_that_were_escalated() -> None:
    still_open = [
        request(1, Status.OFFERED, escalations=1),
        request(2, Status.REQUESTED, escalations=2),
        request(3, Status.OFFERED),
    ]

    kpis = compute_kpis([], still_open, 0.0, 60.0)

    assert kpis.open_escalations == 2


def test_an_empty_quarter_has_zero_counts() -> None:
    kpis = compute_kpis([], [], 0.0, 60.0)

    assert (kpis.requests, kpis.accepted, kpis.cancelled, kpis.open_escalations) == (0, 0, 0, 0)
    assert kpis.by_area == ()
    assert kpis.percent_used == 0
