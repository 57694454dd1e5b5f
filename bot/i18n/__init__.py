"""The one translation layer: catalogue keys → Danish or English, dates and numbers for the reader."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, parse_pattern

from handlers.shared.model import LANGUAGES
from handlers.shared.text import Bilingual, Param, Since, Text, Verbatim

_LOCALES = {"da": "da_DK", "en": "en_GB"}
_DATETIME_FORMATS = {"da": "EEEE 'den' d. MMMM 'kl.' HH:mm", "en": "EEEE d MMMM 'at' HH:mm"}
_DATE_FORMATS = {"da": "d. MMMM y", "en": "d MMMM y"}
_DAY_FORMATS = {"da": "d. MMM", "en": "d MMM"}
_DAY_AND_YEAR_FORMATS = {"da": "d. MMM y", "en": "d MMM y"}


class _Formatter(string.Formatter):
    """``str.format`` plus ``{name!l}`` (a name inside a sentence) and ``{count:one|many}`` (a plural).

    Area names are written as headings ("Budgettering", "Budgeting"); inside a sentence Danish and
    English write them in lower case ("arbejder især med budgettering"). Names whose second letter
    is a capital are acronyms or brands ("PID-udarbejdelse", "SAFe") and keep their spelling.
    ``{count:udfordring|udfordringer}`` writes the number and the word that fits it: Danish and
    English both use the singular for exactly one ("1 udfordring", "2 udfordringer"); with a leading
    bar, ``{count:|is|are}``, only the word is written.
    """

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" in format_spec:
            # "{count:|is|are}" (a leading bar) writes only the word.
            word_only = format_spec.startswith("|")
            one, _, many = format_spec.removeprefix("|").partition("|")
            word = one if str(value) == "1" else many
            return word if word_only else f"{value} {word}"
        return super().format_field(value, format_spec)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "l":
            text = str(value)
            return text[:1].lower() + text[1:] if text[1:2].islower() else text
        return super().convert_field(value, conversion)


_FORMATTER = _Formatter()
_WHOLE, _DECIMAL = "#,##0", "#,##0.##"


@cache
def _number_format(language: str, pattern: str) -> tuple[NumberPattern, Locale]:
    # What babel's format_decimal looks up and parses on every call (a third of its time).
    return parse_pattern(pattern), Locale.parse(_LOCALES[language])


def _number(value: float, language: str, pattern: str) -> str:
    number_pattern, locale = _number_format(language, pattern)
    return str(number_pattern.apply(value, locale))


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """Return the catalogue of a language, as flat dotted keys."""
    path = Path(__file__).with_name(f"{language}.toml")
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


def _identity(value: str) -> str:
    return value


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a text: their language and time zone decide wording and date format."""

    language: str
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unsupported language {self.language!r}")

    def render(self, text: Text, escape: Callable[[str], str] = _identity) -> str:
        """Render a text; ``escape`` is applied to every value people or configuration supplied."""
        template = catalogue(self.language).get(text.key)
        if template is None:
            raise KeyError(f"no {self.language} text for {text.key!r}")
        values = {name: self._param(value, escape) for name, value in text.params.items()}
        return _FORMATTER.vformat(template, (), values)

    def _param(self, value: Param, escape: Callable[[str], str]) -> str:
        locale = _LOCALES[self.language]
        if isinstance(value, Text):
            return self.render(value, escape)
        if isinstance(value, Verbatim):
            return escape(value.value)
        if isinstance(value, Since):
            return self._since(value)
        if isinstance(value, Bilingual):
            return escape(value.pick(self.language))
        if isinstance(value, datetime):
            return format_datetime(value, _DATETIME_FORMATS[self.language], tzinfo=self.zone, locale=locale)
        if isinstance(value, date):
            return format_date(value, _DATE_FORMATS[self.language], locale=locale)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, float):
            return _number(value, self.language, _DECIMAL)
        if isinstance(value, int):
            return _number(value, self.language, _WHOLE)
        return escape(value)

    def _since(self, value: Since) -> str:
        locale = _LOCALES[self.language]
        moment = value.moment.astimezone(self.zone)
        today = value.now.astimezone(self.zone).date()
        clock = format_datetime(moment, "HH:mm", tzinfo=self.zone, locale=locale)
        if moment.date() == today:
            return self.render(Text.of("when.today", time=clock))
        if moment.date() == today - timedelta(days=1):
            return self.render(Text.of("when.yesterday", time=clock))
        pattern = _DAY_FORMATS if moment.year == today.year else _DAY_AND_YEAR_FORMATS
        return format_date(moment.date(), pattern[self.language], locale=locale)


def in_both_languages(text: Text) -> str:
    """Render a text in Danish and English, for readers whose language nobody knows yet."""
    zone = ZoneInfo("Europe/Copenhagen")
    return " / ".join(Reader(language, zone).render(text) for language in LANGUAGES)
