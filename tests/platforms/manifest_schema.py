"""The published manifest schemas (shared/schemas) and the jsonschema package the manifest tests check with."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def jsonschema_or_skip() -> ModuleType:
    """Return the jsonschema package; without it skip the test, or fail it on CI, where it must be installed."""
    try:
        return importlib.import_module("jsonschema")  # only the schema tests need it
    except ImportError:
        message = "jsonschema is not installed (it belongs in the dev extra: pip install -e '.[dev]')"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def manifest_schema(path: Path, platform: str) -> dict[str, Any]:
    """Return the platform's manifest schema; fail the test, naming the file, when it is missing."""
    if not path.is_file():
        pytest.fail(f"the {platform} manifest schema is missing: expected {path}", pytrace=False)
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
