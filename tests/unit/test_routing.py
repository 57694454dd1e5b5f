"""Choosing the senior project manager for a request, and saying why."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date

from handlers.shared.model import Absence, Person, Role
from handlers.shared.text import Text
from handlers.sparring.routing import Routing, RoutingInput, SeniorLoad, choose_senior

TODAY = date(2027, 3, 5)
BUDGET = "Budgettering"


def senior(
    person_id: int,
    name: str,
    expertise: tuple[str, ...],
    *,
    capacity: float = 12.0,
    absences: tuple[Absence, ...] = (),
) -> Person:
    return Person(
        id=person_id,
        tenant_id=1,
        email=f"{name.lower()}@example.dk",
        name=name,
        roles=frozenset({Role.SENIOR}),
        expertise=expertise,
        capacity_hours_per_month=capacity,
        absences=absences,
    )


ANNA = senior(1, "Anna", ("budget", "benefits"))
LARS = senior(2, "Lars", ("steering-group", "pid", "stakeholders"))
SOFIE = senior(3, "Sofie", ("test", "planning", "budget", "risk"), capacity=8.0)


def route(
    seniors: Sequence[Person] = (ANNA, LARS, SOFIE),
    *,
    area: str = "budget",
    loads: Mapping[int, SeniorLoad] | None = None,
    previous: int | None = None,
    preferred: int | None = None,
    excluded: Collection[int] = (),
) -> Routing:
    return choose_senior(
        RoutingInput(
            area=area,
            area_name=BUDGET,
            seniors=seniors,
            loads=loads or {},
            today=TODAY,
            previous_senior_id=previous,
            preferred_senior_id=preferred,
            excluded=excluded,
        )
    )


def reason(routing: Routing, key: str) -> Text:
    return next(text for text in routing.reasons if text.key == key)


def reason_keys(routing: Routing) -> list[str]:
    return [text.key for text in routing.reasons]


# --- expertise -----------------------------------------------------------------------------------


def test_the_senior_with_the_strongest_expertise_is_chosen_first() -> None:
    routing = route()

    assert routing.senior_id == ANNA.id
    assert reason(routing, "routing.strongest").params["senior"] == "Anna"


def test_a_senior_without_the_area_is_never_chosen() -> None:
    routing = route([LARS])

    assert routing.senior_id is None
    assert reason_keys(routing) == ["routing.nobody"]


def test_a_weaker_area_is_explained_with_its_rank_on_the_list() -> None:
    routing = route([LARS, SOFIE])

    assert routing.senior_id == SOFIE.id
    assert reason(routing, "routing.expertise").params["rank"] == 3


# --- availability --------------------------------------------------------------------------------


def test_an_absent_senior_is_skipped_with_the_date_the_absence_ends() -> None:
    away = senior(1, "Anna", ("budget",), absences=(Absence(date(2027, 3, 1), date(2027, 3, 12)),))

    routing = route([away, SOFIE])

    assert routing.senior_id == SOFIE.id
    absent = reason(routing, "routing.absent")
    assert absent.params["senior"] == "Anna"
    assert absent.params["until"] == date(2027, 3, 12)


def test_an_absence_that_ended_yesterday_does_not_count() -> None:
    back = senior(1, "Anna", ("budget",), absences=(Absence(date(2027, 2, 20), date(2027, 3, 4)),))

    routing = route([back, SOFIE])

    assert routing.senior_id == back.id
    assert "routing.absent" not in reason_keys(routing)


def test_a_senior_with_no_capacity_left_this_month_is_skipped() -> None:
    routing = route(loads={ANNA.id: SeniorLoad(open_requests=0, hours_this_month=12.0)})

    assert routing.senior_id == SOFIE.id
    skipped = reason(routing, "routing.no_capacity")
    assert skipped.params["senior"] == "Anna"
    assert skipped.params["capacity"] == 12.0


def test_a_senior_with_no_capacity_at_all_is_skipped() -> None:
    routing = route([senior(1, "Anna", ("budget",), capacity=0.0), SOFIE])

    assert routing.senior_id == SOFIE.id
    assert "routing.no_capacity" in reason_keys(routing)


# --- load and continuity -------------------------------------------------------------------------


def test_fewest_open_requests_breaks_a_tie_between_equal_expertise() -> None:
    bo = senior(4, "Bo", ("budget",))
    loads = {ANNA.id: SeniorLoad(open_requests=3), bo.id: SeniorLoad(open_requests=1)}

    routing = route([ANNA, bo], loads=loads)

    assert routing.senior_id == bo.id


def test_more_capacity_left_breaks_a_tie_of_expertise_and_open_requests() -> None:
    bo = senior(4, "Bo", ("budget",))
    loads = {ANNA.id: SeniorLoad(1, hours_this_month=2.0), bo.id: SeniorLoad(1, hours_this_month=6.0)}

    routing = route([bo, ANNA], loads=loads)

    assert routing.senior_id == ANNA.id


def test_stronger_expertise_beats_a_lighter_load() -> None:
    loads = {ANNA.id: SeniorLoad(open_requests=4), SOFIE.id: SeniorLoad(open_requests=0)}

    routing = route(loads=loads)

    assert routing.senior_id == ANNA.id


def test_continuity_beats_load_and_expertise() -> None:
    loads = {ANNA.id: SeniorLoad(open_requests=0), SOFIE.id: SeniorLoad(open_requests=5)}

    routing = route(loads=loads, previous=SOFIE.id)

    assert routing.senior_id == SOFIE.id
    assert reason(routing, "routing.continuity").params["senior"] == "Sofie"


def test_continuity_does_not_override_an_absence() -> None:
    away = senior(3, "Sofie", ("budget",), absences=(Absence(TODAY, TODAY),))

    routing = route([ANNA, away], previous=away.id)

    assert routing.senior_id == ANNA.id
    assert "routing.continuity" not in reason_keys(routing)


# --- preferred seniors ---------------------------------------------------------------------------


def test_the_preferred_senior_wins_when_available_and_the_reason_says_so() -> None:
    routing = route(preferred=SOFIE.id, previous=ANNA.id)

    assert routing.senior_id == SOFIE.id
    assert routing.reasons[0] == Text.of("routing.preferred", senior="Sofie")


def test_a_preferred_but_absent_senior_gives_the_next_best_with_a_reason() -> None:
    away = senior(3, "Sofie", ("budget",), absences=(Absence(TODAY, date(2027, 3, 19)),))

    routing = route([ANNA, away], preferred=away.id)

    assert routing.senior_id == ANNA.id
    assert routing.reasons[0].key == "routing.preferred_unavailable"
    assert "routing.absent" in reason_keys(routing)


def test_a_senior_who_declined_is_never_chosen_even_when_preferred() -> None:
    routing = route(preferred=ANNA.id, excluded=[ANNA.id])

    assert routing.senior_id == SOFIE.id
    assert "routing.preferred" not in reason_keys(routing)


def test_when_every_senior_declined_nobody_is_chosen() -> None:
    routing = route(excluded=[ANNA.id, SOFIE.id])

    assert routing.senior_id is None
    assert reason_keys(routing) == ["routing.nobody"]


# --- nobody fits ---------------------------------------------------------------------------------


def test_when_nobody_fits_the_coordinator_decides_and_the_skipped_seniors_are_listed() -> None:
    away = senior(1, "Anna", ("budget",), absences=(Absence(TODAY, TODAY),))
    loads = {SOFIE.id: SeniorLoad(hours_this_month=8.0)}

    routing = route([away, SOFIE], loads=loads)

    assert routing.senior_id is None
    assert routing.reasons[0] == Text.of("routing.nobody", area=BUDGET)
    assert reason_keys(routing)[1:] == ["routing.absent", "routing.no_capacity"]


def test_the_reasons_of_the_chosen_senior_end_with_their_load() -> None:
    loads = {ANNA.id: SeniorLoad(open_requests=2, hours_this_month=4.5)}

    routing = route(loads=loads)

    assert routing.senior_id == ANNA.id
    assert routing.reasons[-1] == Text.of("routing.load", senior=ANNA.name, open=2, left=7.5, capacity=12.0)


# --- the short reason for the requester ----------------------------------------------------------


def test_the_requester_hears_one_short_reason_by_first_name() -> None:
    routing = route([senior(1, "Anna Berg", ("budget",))])

    assert routing.summary == Text.of("reason.strongest", senior="Anna", area=BUDGET)


def test_the_short_reason_of_a_senior_with_the_area_lower_on_their_list_says_among_other_things() -> None:
    routing = route([SOFIE])

    assert routing.summary == Text.of("reason.expertise", senior="Sofie", area=BUDGET)


def test_the_short_reason_names_continuity_before_expertise() -> None:
    routing = route(previous=SOFIE.id)

    assert routing.summary == Text.of("reason.continuity", senior="Sofie", area=BUDGET)


def test_the_short_reason_says_when_the_preferred_senior_could_not_take_it() -> None:
    away = senior(3, "Sofie", ("budget",), absences=(Absence(TODAY, date(2027, 3, 19)),))

    routing = route([ANNA, away], preferred=away.id)

    assert routing.summary == Text.of("reason.preferred_unavailable", senior="Anna", area=BUDGET)


def test_nobody_chosen_has_no_short_reason() -> None:
    routing = route(excluded=[ANNA.id, SOFIE.id])

    assert routing.summary is None
