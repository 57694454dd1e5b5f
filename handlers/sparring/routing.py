"""Choosing the senior project manager for a sparring request, with the reasons for the choice."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from handlers.shared.model import Person
from handlers.shared.text import Param, Text


@dataclass(frozen=True, slots=True)
class SeniorLoad:
    """How busy a senior is: open requests now and hours logged this month."""

    open_requests: int = 0
    hours_this_month: float = 0.0


@dataclass(frozen=True, slots=True)
class RoutingLoads:
    """What routing reads from storage in one go: who helped the requester before, and seniors' loads.

    ``loads`` holds the seniors asked for and the previous senior (when there is one).
    """

    previous_senior_id: int | None
    loads: Mapping[int, SeniorLoad]


@dataclass(frozen=True, slots=True)
class RoutingInput:
    """Everything the routing rule looks at, as plain values."""

    area: str
    area_name: Param
    seniors: Sequence[Person]
    loads: Mapping[int, SeniorLoad]
    today: date
    previous_senior_id: int | None = None
    preferred_senior_id: int | None = None
    excluded: Collection[int] = ()


@dataclass(frozen=True, slots=True)
class Routing:
    """The chosen senior (None: nobody fits, the coordinator decides) and why.

    ``summary`` is the one human reason for the requester; ``reasons`` is the full scoring, for the
    coordinator (``hvorfor S-4``).
    """

    senior_id: int | None
    reasons: tuple[Text, ...]
    passed_over: tuple[Text, ...] = ()
    summary: Text | None = None


def choose_senior(data: RoutingInput) -> Routing:
    """Choose the best senior for the area, explaining the choice and the seniors passed over.

    Order of preference: the senior the requester asked for, then the senior who helped the same
    requester with the same area before (continuity), then the strongest expertise, the fewest open
    requests and the most capacity left. Absent seniors and seniors without capacity are passed over.
    """
    skipped: list[Text] = []
    best: tuple[tuple[bool, bool, int, int, float, str], Person] | None = None
    excluded = set(data.excluded)
    for senior in data.seniors:
        if data.area not in senior.expertise or senior.id in excluded:
            continue
        why_not = _why_unavailable(senior, data)
        if why_not is not None:
            skipped.append(why_not)
            continue
        rank = _rank(senior, data)
        if best is None or rank < best[0]:
            best = (rank, senior)
    if best is None:
        return Routing(None, (Text.of("routing.nobody", area=data.area_name), *skipped), tuple(skipped))
    chosen = best[1]
    return Routing(
        chosen.id, (*_reasons_for(chosen, data), *skipped), tuple(skipped), _summary_for(chosen, data)
    )


def preference_tiers(
    seniors: Sequence[Person], area: str, previous_senior_id: int | None, preferred_senior_id: int | None
) -> list[list[Person]]:
    """Group the seniors who know the area by the preferences that outrank load, best tier first.

    ``choose_senior`` on each tier in turn gives the same answer as on all of them at once, but only
    the loads of the tiers actually looked at are needed (with a thousand seniors, that matters).
    """
    tiers: dict[tuple[bool, bool, int], list[Person]] = {}
    for senior in seniors:
        if area in senior.expertise:
            key = (
                senior.id != preferred_senior_id,
                senior.id != previous_senior_id,
                senior.expertise.index(area),
            )
            tiers.setdefault(key, []).append(senior)
    return [tiers[key] for key in sorted(tiers)]


def first_choices(seniors: Sequence[Person], area: str, preferred_senior_id: int | None) -> list[int]:
    """Return the seniors most likely chosen (the one asked for, the strongest in the area), by id.

    Their loads are read together with the previous senior, whose load the database adds itself:
    most requests are then routed on one read, and only when none of them is free are the loads of
    the next tiers read.
    """
    knowing = [s for s in seniors if area in s.expertise]
    strongest = min((s.expertise.index(area) for s in knowing), default=0)
    return [s.id for s in knowing if s.id == preferred_senior_id or s.expertise.index(area) == strongest]


def _why_unavailable(senior: Person, data: RoutingInput) -> Text | None:
    absence = senior.absence_on(data.today)
    if absence is not None:
        return Text.of("routing.absent", senior=senior.name, until=absence.end)
    load = data.loads.get(senior.id, SeniorLoad())
    if load.hours_this_month >= senior.capacity_hours_per_month:
        return Text.of("routing.no_capacity", senior=senior.name, capacity=senior.capacity_hours_per_month)
    return None


def _rank(senior: Person, data: RoutingInput) -> tuple[bool, bool, int, int, float, str]:
    load = data.loads.get(senior.id, SeniorLoad())
    capacity_left = senior.capacity_hours_per_month - load.hours_this_month
    return (
        senior.id != data.preferred_senior_id,
        senior.id != data.previous_senior_id,
        senior.expertise.index(data.area),
        load.open_requests,
        -capacity_left,
        senior.name,
    )


def _summary_for(senior: Person, data: RoutingInput) -> Text:
    first = first_name(senior)
    if senior.id == data.preferred_senior_id:
        return Text.of("reason.preferred", senior=senior.name)
    if data.preferred_senior_id is not None:
        return Text.of("reason.preferred_unavailable", senior=first, area=data.area_name)
    if senior.id == data.previous_senior_id:
        return Text.of("reason.continuity", senior=first, area=data.area_name)
    if senior.expertise.index(data.area) == 0:
        return Text.of("reason.strongest", senior=first, area=data.area_name)
    return Text.of("reason.expertise", senior=first, area=data.area_name)


def first_name(person: Person) -> str:
    """Return the first name a person is called by in a friendly sentence."""
    return person.name.split()[0]


def _reasons_for(senior: Person, data: RoutingInput) -> list[Text]:
    load = data.loads.get(senior.id, SeniorLoad())
    reasons: list[Text] = []
    if senior.id == data.preferred_senior_id:
        reasons.append(Text.of("routing.preferred", senior=senior.name))
    elif data.preferred_senior_id is not None:
        reasons.append(Text.of("routing.preferred_unavailable"))
    if senior.id == data.previous_senior_id:
        reasons.append(Text.of("routing.continuity", senior=senior.name, area=data.area_name))
    rank = senior.expertise.index(data.area)
    if rank == 0:
        reasons.append(Text.of("routing.strongest", senior=senior.name, area=data.area_name))
    else:
        reasons.append(Text.of("routing.expertise", senior=senior.name, area=data.area_name, rank=rank + 1))
    reasons.append(
        Text.of(
            "routing.load",
            senior=senior.name,
            open=load.open_requests,
            left=round(senior.capacity_hours_per_month - load.hours_this_month, 1),
            capacity=senior.capacity_hours_per_month,
        )
    )
    return reasons
