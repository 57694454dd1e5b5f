"""The composition root: settings → engine (migrated) → unit of work → use-case dependencies."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays
from sqlalchemy import Engine

from handlers.classify import Classifier
from handlers.context import Deps
from handlers.expertise import BUILTIN_AREAS, ExpertiseArea
from handlers.model import Tenant
from handlers.ports import Clock
from scheduler.clock import SystemClock
from storage.db import make_engine
from storage.migrate import upgrade
from storage.outbox_store import OutboxStore
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


class DanishHolidays:
    """Danish public holidays (the ``holidays`` package's calendar for DK)."""

    def __init__(self) -> None:
        self._calendar = holidays.country_holidays("DK")

    def is_holiday(self, day: date) -> bool:
        """Tell whether the day is a Danish public holiday."""
        return day in self._calendar


@lru_cache(maxsize=256)
def _classifier(extra_areas: tuple[ExpertiseArea, ...]) -> Classifier:
    return Classifier((*BUILTIN_AREAS, *extra_areas))


def classifier_for(tenant: Tenant) -> Classifier:
    """Return the classifier for the tenant's areas, built once per set of areas."""
    return _classifier(tenant.extra_areas)


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything an entry point needs, built once."""

    engine: Engine
    deps: Deps
    outbox: OutboxStore


def build_runtime(database_url: str, *, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    """Build the runtime on a database, bringing its schema up to date first."""
    engine = make_engine(database_url)
    if migrate:
        upgrade(engine)
    units_of_work = SqlUnitOfWorkFactory(engine)
    deps = Deps(
        uow=units_of_work,
        clock=clock or SystemClock(),
        holidays=DanishHolidays(),
        classifier_for=classifier_for,
    )
    return Runtime(engine=engine, deps=deps, outbox=OutboxStore(engine, units_of_work.directory))
