"""The core imports only the standard library, itself and an explicit list of pure computation libraries.

import-linter's contracts (pyproject.toml) deny; this test allows. A new third-party import in handlers/
fails here until it is added to ALLOWED with the reason it is safe in the core: pure computation, no I/O,
no platform, no framework, no global state.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

CORE = "handlers"
CORE_DIR = Path(__file__).resolve().parents[2] / CORE

# The third-party libraries the core may import, each with why it belongs in a pure core.
ALLOWED: dict[str, str] = {
    "snowballstemmer": "Danish and English stemming for the classifier; pure Python, no I/O",
    "rapidfuzz": "typo-tolerant keyword matching for the classifier; pure string computation",
}


def _top_level_imports(path: Path) -> set[str]:
    """Return the top-level package of every absolute import in the file, at any depth (TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


def _core_imports() -> dict[str, list[str]]:
    """Map each imported top-level package to the core files that import it."""
    importers: dict[str, list[str]] = defaultdict(list)
    for path in sorted(CORE_DIR.rglob("*.py")):
        for package in _top_level_imports(path):
            importers[package].append(str(path.relative_to(CORE_DIR.parent)))
    return importers


def test_the_core_imports_only_the_standard_library_itself_and_the_allowed_libraries() -> None:
    importers = _core_imports()

    unexpected = {
        package: files
        for package, files in importers.items()
        if package not in sys.stdlib_module_names and package != CORE and package not in ALLOWED
    }
    assert unexpected == {}


def test_every_allowed_library_is_still_used_by_the_core() -> None:
    importers = _core_imports()

    assert [library for library in ALLOWED if library not in importers] == []


def test_the_walk_sees_the_core_and_the_allowed_libraries_are_not_standard_library() -> None:
    assert (CORE_DIR / "__init__.py").is_file()
    assert not set(ALLOWED) & sys.stdlib_module_names
