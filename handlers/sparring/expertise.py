"""Expertise areas: what a sparring request is about and what a senior is good at."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class ExpertiseArea:
    """One area of expertise, named in Danish and English, with the words people use for it."""

    key: str
    name_da: str
    name_en: str
    keywords: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        """Return the area's name in the given language ("da" or "en")."""
        return self.name_da if language == "da" else self.name_en


# The built-in areas are data, not code: expertise_areas.toml beside this module (TOML keeps æøå readable and a
# keyword list is edited without touching Python). It ships inside the handlers package rather than in
# bot/i18n/ beside the catalogues because the core itself needs it (context.areas_of, the classifier, the
# tenant config check, the model trainer): a file owned by bot/ would make the core depend on the adapters
# or need every caller to inject the areas.
AREAS_RESOURCE = "expertise_areas.toml"


def load_areas(text: str) -> tuple[ExpertiseArea, ...]:
    """Parse a TOML list of ``[[area]]`` tables into areas, in file order; reject malformed entries."""
    entries = tomllib.loads(text).get("area")
    if not isinstance(entries, list) or not entries:
        raise ValueError("expected at least one [[area]] table")
    areas = tuple(_area(entry) for entry in entries)
    keys = [area.key for area in areas]
    if len(set(keys)) != len(keys):
        raise ValueError(f"area keys must be unique: {keys}")
    return areas


def _area(entry: dict[str, Any]) -> ExpertiseArea:
    fields = {name: entry.get(name) for name in ("key", "name_da", "name_en")}
    if not all(isinstance(value, str) and value for value in fields.values()):
        raise ValueError(f"an area needs key, name_da and name_en as text: {entry}")
    keywords = entry.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(word, str) and word for word in keywords):
        raise ValueError(f"keywords of {fields['key']!r} must be a list of text")
    if extra := set(entry) - {*fields, "keywords"}:
        raise ValueError(f"unknown fields in area {fields['key']!r}: {sorted(extra)}")
    return ExpertiseArea(
        key=entry["key"], name_da=entry["name_da"], name_en=entry["name_en"], keywords=tuple(keywords)
    )


# Read once, at import: a small file in the package, no I/O beyond it, and every caller sees one tuple.
BUILTIN_AREAS: tuple[ExpertiseArea, ...] = load_areas(
    resources.files(__package__ or "handlers.sparring").joinpath(AREAS_RESOURCE).read_text(encoding="utf-8")
)
