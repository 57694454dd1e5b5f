"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

Tests take ``database_url`` and run once per backend (ids ``[sqlite]`` / ``[postgres]``);
tests that only make sense on PostgreSQL take ``postgres_url``.

PostgreSQL comes from ``VPMO_TEST_POSTGRES_URL`` (``scripts/check`` starts a throwaway server
and sets it).  Without it the PostgreSQL variants are skipped locally and fail in CI.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POSTGRES_URL_ENV = "VPMO_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        if _in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {POSTGRES_URL_ENV} is not set", pytrace=False)
        pytest.skip(f"no PostgreSQL: {POSTGRES_URL_ENV} is not set (scripts/check starts a server)")
    return url


@contextmanager
def _fresh_postgres_database() -> Iterator[str]:
    """Create an empty database on the test server, yield its URL, drop it afterwards."""
    server_url = _postgres_server_url()

    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    # psycopg wants a libpq URL: same server, no "+driver", the "postgres" maintenance db.
    admin_conninfo = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(admin_conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_conninfo, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/vpmo.db"
    else:
        with _fresh_postgres_database() as url:
            yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty PostgreSQL database (for PostgreSQL-only tests)."""
    with _fresh_postgres_database() as url:
        yield url


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Undo what a command run in-process did to logging (``configure_logging``), for the next test.

    Otherwise one ``VPMO_LOG_LEVEL=DEBUG`` run leaves its handler and levels behind, and every later
    test in the worker prints aiohttp's access log.
    """
    from bot.logs import PROJECT_PACKAGES

    root = logging.getLogger()
    level = root.level
    packages = {name: logging.getLogger(name).level for name in PROJECT_PACKAGES}
    handlers = set(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers and type(h).__module__ == "bot.logs"]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, package_level in packages.items():
        logging.getLogger(name).setLevel(package_level)
