"""The consultancy's network file (``vpmo network apply``): ERFA meetings across non-competing clients.

Read and reported like the tenant file (bot/admin/tenant_config.py): every mistake at once, one sentence
each, with the line it is on; the network's own rules (competitors never meet, keys once, invitees in the
network) are :func:`handlers.erfa.network.check_network`'s. A file with any problem is refused whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from bot.admin.tenant_config import (
    ConfigModel,
    Duration,
    Problem,
    Shown,
    Slug,
    TenantConfigError,
    describe,
    field_problems,
    local_datetime,
    read_document,
    shown,
    wall_time_problem,
)
from handlers.erfa.network import NETWORK_ZONE, Network, NetworkMeeting, check_network


def _copenhagen_time(value: object) -> dt.datetime:
    # Whole minutes of local wall time, as the tenant file's meetings, but always Copenhagen's.
    moment = local_datetime(value)
    if moment is None:
        raise ValueError(
            f"must be local time in Copenhagen without an offset, like 2027-05-20T13:00, not {shown(value)}"
        )
    return moment


CopenhagenTime = Annotated[dt.datetime, BeforeValidator(_copenhagen_time)]


class NetworkMeetingConfig(ConfigModel):
    """A network ERFA meeting, at local time in Copenhagen; its key keeps it the same meeting when moved."""

    key: Slug
    title: Shown
    at: CopenhagenTime
    duration: Duration
    place: Shown
    tenants: tuple[Slug, ...] = Field(min_length=1)
    seats_per_tenant: int | None = Field(default=None, ge=1)  # None: no limit per tenant
    # Called off: kept in the file so that everyone who answered is told and gets a cancelling invite.
    cancelled: bool = False


class NetworkConfig(ConfigModel):
    """A network of client tenants, who among them compete, and the meetings they are invited to."""

    slug: Slug
    tenants: tuple[Slug, ...] = Field(min_length=1)
    # Pairs; check_network says what is wrong with a pair that is not one.
    competitors: tuple[tuple[Slug, ...], ...] = ()
    meetings: tuple[NetworkMeetingConfig, ...] = ()

    def network(self) -> Network:
        """Return the network the file describes."""
        return Network(
            slug=self.slug,
            tenants=self.tenants,
            competitors=tuple((pair[0], pair[1]) for pair in self.competitors),
            meetings=tuple(
                NetworkMeeting(
                    key=m.key,
                    title=m.title,
                    at=m.at,
                    duration=m.duration,
                    place=m.place,
                    tenants=m.tenants,
                    seats_per_tenant=m.seats_per_tenant,
                    cancelled=m.cancelled,
                )
                for m in self.meetings
            ),
        )


_MODELS_BY_PATH: dict[tuple[str, ...], type[BaseModel]] = {
    (): NetworkConfig,
    ("meetings",): NetworkMeetingConfig,
}


class NetworkConfigError(Exception):
    """The network file is invalid or may not be applied; `problems` holds one sentence per mistake."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        super().__init__("\n".join([f"the network file has {count}:", *self.problems]))


def load_network_config(text: str) -> NetworkConfig:
    """Parse and validate a network file, reporting every problem at once (rules across fields too)."""
    try:
        document, data = read_document(text, "slug, tenants and meetings")
    except TenantConfigError as error:
        raise NetworkConfigError(error.problems) from None
    problems: list[Problem] = _wall_time_problems(data)
    config: NetworkConfig | None = None
    try:
        config = NetworkConfig.model_validate(data)
    except ValidationError as error:
        problems += field_problems(error, _MODELS_BY_PATH)
    lines = describe(problems, document) + list(_rule_problems(data))
    if lines or config is None:
        raise NetworkConfigError(lines)
    return config


def _wall_time_problems(data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for index, meeting in _mappings(data.get("meetings")):
        moment = local_datetime(meeting.get("at"))
        if moment is not None and (problem := wall_time_problem(moment, NETWORK_ZONE)):
            problems.append((("meetings", index, "at"), problem))
    return problems


def _rule_problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Run the network's rules on what can be read of the file, so they are said with the field problems."""
    meetings = [
        NetworkMeeting(
            key=_text(meeting.get("key")),
            title="",
            at=dt.datetime.min,
            duration=dt.timedelta(),
            place="",
            tenants=_texts(meeting.get("tenants")),
            seats_per_tenant=None,
        )
        for _, meeting in _mappings(data.get("meetings"))
    ]
    competitors = [_texts(pair) for pair in _list(data.get("competitors"))]
    return check_network(_texts(data.get("tenants")), competitors, meetings)


def _mappings(value: object) -> list[tuple[int, Mapping[str, Any]]]:
    return [(index, item) for index, item in enumerate(_list(value)) if isinstance(item, Mapping)]


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _texts(value: object) -> tuple[str, ...]:
    return tuple(item.strip() for item in _list(value) if isinstance(item, str))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else "?"
