"""The composition root: settings → engine (migrated) → unit of work → use-case dependencies."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial

import holidays
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from handlers.shared.context import Deps
from handlers.shared.model import Tenant
from handlers.shared.ports import Clock, Messenger
from handlers.sparring.classify import Classifier
from handlers.sparring.escalation import report_undeliverable
from handlers.sparring.expertise import BUILTIN_AREAS, ExpertiseArea
from scheduler.clock import SystemClock
from scheduler.dispatcher import Dispatcher
from storage.db import make_engine
from storage.migrate import SchemaNewerError, ensure_current
from storage.outbox_store import OutboxStore
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


class DanishHolidays:
    """Danish public holidays (the ``holidays`` package's calendar for DK)."""

    def __init__(self) -> None:
        self._calendar = holidays.country_holidays("DK", language="da")

    def is_holiday(self, day: date) -> bool:
        """Tell whether the day is a Danish public holiday."""
        return day in self._calendar

    def name_of(self, day: date) -> str | None:
        """Return the Danish name of the public holiday on the day (such as Kristi himmelfartsdag), if any."""
        return self._calendar.get(day)


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


class DatabaseSetupError(Exception):
    """The database cannot be opened or migrated; the message is one sentence for the operator."""


def open_database(database_url: str, *, migrate: bool = True) -> Engine:
    """Return an engine on the database, its schema brought up to date; raise DatabaseSetupError."""
    try:
        engine = make_engine(database_url)
        if migrate:
            ensure_current(engine)
    except SchemaNewerError as error:
        raise DatabaseSetupError(str(error)) from error
    except ArgumentError as error:
        raise DatabaseSetupError(f"VPMO_DATABASE_URL is not a database URL vpmo can use: {error}") from error
    except ImportError as error:
        raise DatabaseSetupError(
            f"VPMO_DATABASE_URL needs a database driver that is not installed ({error.name}); "
            "use sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST/DB"
        ) from error
    except SQLAlchemyError as error:
        raise DatabaseSetupError(_cannot_use(database_url, error)) from error
    return engine


def _cannot_use(database_url: str, error: SQLAlchemyError) -> str:
    url = make_url(database_url)
    # The driver's own first line says what went wrong (refused, authentication, no such file);
    # SQLAlchemy's wrapper around it adds the statement and a link.
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    hint = (
        " (does the directory exist, and may vpmo write there?)" if url.get_backend_name() == "sqlite" else ""
    )
    return f"cannot use the database {url.render_as_string(hide_password=True)}: {reason}{hint}"


def build_runtime(database_url: str, *, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    """Build the runtime on a database, bringing its schema up to date first."""
    engine = open_database(database_url, migrate=migrate)
    units_of_work = SqlUnitOfWorkFactory(engine)
    deps = Deps(
        uow=units_of_work,
        clock=clock or SystemClock(),
        holidays=DanishHolidays(),
        classifier_for=classifier_for,
    )
    return Runtime(
        engine=engine, deps=deps, outbox=OutboxStore(engine, units_of_work.directory, units_of_work.handover)
    )


def build_dispatcher(runtime: Runtime, messenger: Messenger) -> Dispatcher:
    """Build the one dispatcher of a process: it sends through the messenger, on the runtime's clock.

    ``vpmo serve``, the worker and the console each build theirs here, once, and close it at the end
    (it holds a thread pool for the outbox's database calls). It takes over what the process's own
    units of work queue due now, claimed as they commit (see storage.handover).
    """
    return Dispatcher(
        runtime.outbox,
        messenger,
        runtime.deps.clock,
        on_undeliverable=partial(report_undeliverable, runtime.deps),
        takes_handover=True,
    )
