"""Storage fixtures: a migrated database with the sample client, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_runtime
from bot.cli import SAMPLE_TENANT


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    """Return a runtime on a freshly migrated database holding the sample client."""
    built = build_runtime(database_url)
    apply_tenant(built.engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))
    yield built
    built.engine.dispose()
