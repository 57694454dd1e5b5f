"""Engines for SQLite (embedded default) and PostgreSQL (production), set up for a concurrent app,
and how an event loop runs work on each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_TIMEOUT_S = 30
# Without it libpq waits for the operating system's TCP timeout (minutes) on a host that never answers,
# and `vpmo serve` would hang at start instead of saying the database cannot be reached.
POSTGRES_CONNECT_TIMEOUT_S = 10
P = ParamSpec("P")
T = TypeVar("T")


def is_sqlite(url: str) -> bool:
    """Tell whether the database URL names SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; on SQLite with WAL, foreign keys, a busy timeout and write-locking transactions."""
    if is_sqlite(url):
        # One connection per process: SQLite has one writer anyway, and threads queueing on the pool
        # wait their turn in order, where BEGIN IMMEDIATE on several connections would poll the lock
        # with growing sleeps (its busy handler) and leave the database idle in between.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_POOL_TIMEOUT_S,
        )
        _configure_sqlite(engine)
        return engine
    # A connect_timeout in the URL's query wins over ours.
    connect_args = (
        {} if "connect_timeout" in make_url(url).query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    )
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so two read-modify-write transactions
        # queue behind each other instead of one silently overwriting the other.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_insert(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT for the dialect (``postgresql`` or ``sqlite``) that can say ON CONFLICT."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


class DatabaseWork(Protocol):
    """Run blocking database work for the event loop and return what it returns."""

    def __call__(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[T]: ...


async def in_worker_thread(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the work in a worker thread: the loop serves others while it waits on the database."""
    return await asyncio.to_thread(work, *args, **kwargs)


async def in_place(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the work in the event loop's own thread."""
    return work(*args, **kwargs)


def database_work(engine: Engine) -> DatabaseWork:
    """Return how the event loop runs a request's work on this database.

    PostgreSQL is across a network: its work waits, so it runs in a worker thread. SQLite works in this
    process, on its one connection (see ``make_engine``), holding the GIL for nearly all of it: a worker
    thread buys no parallelism there, and handing each piece of work to one and back cost 0.4 ms of
    CPU per ``/sparring`` (a sixth of it; ``bench/slack_ack``), so it runs in place. The loop then
    waits while the tick's thread or another command holds the database, as every request's work on
    SQLite already waited for that one connection. Long background work (the ticks) keeps its thread.
    """
    return in_place if engine.dialect.name == "sqlite" else in_worker_thread
