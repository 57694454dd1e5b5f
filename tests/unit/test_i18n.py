"""The Danish and English catalogues match each other and the core, and the reader formats values."""

from __future__ import annotations

import ast
import string
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Reader, catalogue
from handlers.challenges.commands import ChallengeUsage
from handlers.challenges.planning import PostKind
from handlers.commands import parse_text
from handlers.erfa.rsvp import Answer
from handlers.shared.model import ChallengeState, Decision, OverQuota, Role
from handlers.shared.text import Bilingual, Since, Text, Verbatim
from handlers.sparring.commands import Malformed
from handlers.sparring.overview import HELP, WAITING_KINDS
from handlers.sparring.sessions import QUOTA_WARNINGS
from handlers.sparring.states import STATE_KEYS

ROOT = Path(__file__).parents[2]
# The core builds most texts; adapters and the dispatcher build a few (undeliverable reasons, forms).
SOURCES = [
    path for package in ("handlers", "scheduler", "bot") for path in sorted((ROOT / package).rglob("*.py"))
]
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DANISH = Reader("da", COPENHAGEN)
ENGLISH = Reader("en", COPENHAGEN)
LANGUAGES = ("da", "en")

# Typed text that is malformed for each command that has a usage line.
MALFORMED_INPUTS = (
    "language fr",
    "cancel abc",
    "accept",
    "decline",
    "done S-4",
    "ret S-4",
    "feedback S-4 9",
    "approve",
    "reject",
    "assign S-4",
    "why",
    "uddannelse",
    "udfordring",
    "stem",
    "fortryd U-7 U-8",
    "flet U-7",
    "træk U-7",
    "beslut U-7 vedtaget",
    "metode færdig U-7",
)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _text_of_calls() -> list[tuple[str, ast.Call]]:
    calls: list[tuple[str, ast.Call]] = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "of"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "Text"
                and node.args
            ):
                calls.append((path.name, node))
    return calls


TEXT_OF_CALLS = _text_of_calls()


def literal_keys() -> dict[str, set[str]]:
    """Return each literal key the core uses, with the keyword parameters of every use."""
    found: dict[str, set[str]] = {}
    for _, call in TEXT_OF_CALLS:
        key = call.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
            found.setdefault(key.value, set()).update(names)
    return found


def family_prefixes() -> set[str]:
    """Return the literal beginnings of the keys the core builds with f-strings."""
    prefixes: set[str] = set()
    for _, call in TEXT_OF_CALLS:
        key = call.args[0]
        if isinstance(key, ast.JoinedStr):
            first = key.values[0]
            assert isinstance(first, ast.Constant)
            prefixes.add(str(first.value))
    return prefixes


def malformed_names() -> set[str]:
    names = set()
    for typed in MALFORMED_INPUTS:
        command = parse_text(typed)
        assert isinstance(command, Malformed | ChallengeUsage), typed
        names.add(command.command)
    return names


def families() -> dict[str, set[str]]:
    """Return the keys the core builds with f-strings, by their literal prefix."""
    return {
        "usage.": {f"usage.{name}" for name in malformed_names()},
        "quota.warning_": {f"quota.warning_{threshold}" for threshold in QUOTA_WARNINGS},
        "quota.policy_": {f"quota.policy_{p}_{when}" for p in OverQuota for when in ("left", "used_up")},
        "state.": {f"state.{key}" for key in STATE_KEYS},
        "waiting.": {f"waiting.{kind}" for kind in WAITING_KINDS},
        "senior.confirm_hint_": {"senior.confirm_hint_held", "senior.confirm_hint_correct"},
        "error.senior_": {"error.senior_accepts", "error.senior_declines"},
        "error.already_accepted_": {"error.already_accepted_accept", "error.already_accepted_decline"},
        "help.group.": {f"help.group.{group}" for group in HELP},
        "challenge.decided.": {f"challenge.decided.{d}" for d in Decision},
        "challenge.outcome.": {f"challenge.outcome.{d}" for d in Decision},
        "challenge.decision.": {f"challenge.decision.{d}" for d in Decision},
        "challenge.dropped.": {f"challenge.dropped.{kind}" for kind in PostKind},
        "challenge.state.": {f"challenge.state.{state}" for state in ChallengeState},
        "help.command.": {f"help.command.{command}" for commands in HELP.values() for command in commands},
        "erfa.answered.": {f"erfa.answered.{answer}" for answer in Answer},
        "erfa.again.": {f"erfa.again.{answer}" for answer in Answer},
        "erfa.yours.": {f"erfa.yours.{answer}" for answer in Answer},
        "erfa.button.": {f"erfa.button.{answer}" for answer in Answer},
        "erfa.attendees.": {f"erfa.attendees.{group}" for group in (*Answer, "waiting")},
        "erfa.role.": {f"erfa.role.{role}" for role in Role},
        "erfa.usage.": {f"erfa.usage.{name}" for name in ("list", "attendees", "takeaway")},
    }


# --- the catalogues agree ------------------------------------------------------------------------


def test_both_catalogues_have_exactly_the_same_keys() -> None:
    danish, english = set(catalogue("da")), set(catalogue("en"))

    assert danish - english == set()
    assert english - danish == set()


def test_every_key_has_the_same_fields_in_both_languages() -> None:
    danish, english = catalogue("da"), catalogue("en")

    differing = {key for key in danish if fields(danish[key]) != fields(english.get(key, ""))}

    assert differing == set()


def test_no_catalogue_text_is_empty() -> None:
    empty = [
        (language, key) for language in LANGUAGES for key, text in catalogue(language).items() if not text
    ]

    assert empty == []


# --- the catalogues cover the core ---------------------------------------------------------------


def test_the_scan_of_the_core_finds_its_texts() -> None:
    keys = literal_keys()

    assert len(keys) > 80
    assert "ask.routed" in keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_literal_key_the_core_uses_exists(language: str) -> None:
    missing = set(literal_keys()) - set(catalogue(language))

    assert missing == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_core_passes_every_field_a_text_needs(language: str) -> None:
    texts = catalogue(language)

    unfilled = {
        key: fields(texts[key]) - passed
        for key, passed in literal_keys().items()
        if key in texts and fields(texts[key]) - passed
    }

    assert unfilled == {}


def test_the_keys_built_from_values_are_the_known_families() -> None:
    prefixes = family_prefixes()

    assert prefixes == set(families())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_built_from_values_exists(language: str) -> None:
    built = set().union(*families().values())

    missing = built - set(catalogue(language))

    assert missing == set()


def test_every_family_key_needs_no_fields_or_gets_them() -> None:
    # policy lines are rendered without parameters; warnings get used/agreed/quarter.
    texts = catalogue("en")

    assert all(fields(texts[key]) == set() for key in families()["quota.policy_"])
    assert all(fields(texts[f"usage.{name}"]) == set() for name in malformed_names())
    assert all(
        fields(texts[f"quota.warning_{t}"]) <= {"used", "agreed", "quarter", "percent"}
        for t in QUOTA_WARNINGS
    )
    assert all(fields(texts[key]) <= {"ref", "senior"} for key in families()["state."])
    assert all(
        fields(texts[key]) <= {"ref", "area", "requester", "waited", "senior"}
        for key in families()["waiting."]
    )
    assert all(fields(texts[key]) <= {"ref", "hours"} for key in families()["senior.confirm_hint_"])
    assert all(fields(texts[key]) == {"ref"} for key in families()["error.senior_"])
    assert all(fields(texts[key]) == {"ref"} for key in families()["error.already_accepted_"])


# --- the reader ----------------------------------------------------------------------------------


def test_a_moment_is_shown_in_danish_in_copenhagen_time() -> None:
    text = Text.of("offer.answer_by", deadline=datetime(2027, 3, 5, 13, 0, tzinfo=UTC))

    rendered = DANISH.render(text)

    assert "fredag den 5. marts kl. 14:00" in rendered


def test_a_moment_is_shown_in_english_in_copenhagen_time() -> None:
    text = Text.of("offer.answer_by", deadline=datetime(2027, 7, 2, 6, 30, tzinfo=UTC))

    rendered = ENGLISH.render(text)

    assert "Friday 2 July at 08:30" in rendered


def test_a_date_is_shown_in_the_readers_language() -> None:
    text = Text.of("routing.absent", senior="Anna", until=date(2027, 3, 12))

    assert "12. marts 2027" in DANISH.render(text)
    assert "12 March 2027" in ENGLISH.render(text)


def test_hours_use_a_decimal_comma_in_danish_and_a_point_in_english() -> None:
    text = Text.of("senior.held", ref="S-4", hours=1.5)

    assert "1,5" in DANISH.render(text)
    assert "1.5" in ENGLISH.render(text)


def test_whole_hours_are_shown_without_decimals() -> None:
    text = Text.of("quota.status", used=48.0, agreed=60.0)

    assert DANISH.render(text) == "Dette kvartal: 48 af 60 aftalte timer brugt."


def test_a_bilingual_name_is_shown_in_the_readers_language() -> None:
    text = Text.of("area", name=Bilingual("Budgettering", "Budgeting"))

    assert (DANISH.render(text), ENGLISH.render(text)) == ("Budgettering", "Budgeting")


def test_nested_texts_are_rendered_in_the_same_language() -> None:
    waited = Text.of("duration.hours", count=3)
    text = Text.of("waiting.approval", ref="S-4", area="PID", requester="Jonas Friis", waited=waited)

    assert "har ventet 3 timer:" in DANISH.render(text)
    assert "waiting 3 hours:" in ENGLISH.render(text)


def test_verbatim_text_goes_through_the_escape_function_and_catalogue_text_does_not() -> None:
    def escape(value: str) -> str:
        return value.replace("<", "&lt;").replace(">", "&gt;")

    quoted = ENGLISH.render(Text.of("quote", text=Verbatim("<b>budget</b>")), escape)
    help_text = ENGLISH.render(Text.of("help.command.sparring"), escape)

    assert quoted == "“&lt;b&gt;budget&lt;/b&gt;”"
    assert "sparring <what you need>" in help_text


def test_plain_string_parameters_go_through_the_escape_function() -> None:
    rendered = ENGLISH.render(Text.of("routing.preferred", senior="<Anna>"), lambda value: value.upper())

    assert rendered == "The requester asked for <ANNA>."


def test_a_missing_key_is_an_error() -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        DANISH.render(Text.of("no.such.key"))


def test_an_unsupported_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        Reader("fr", COPENHAGEN)


def test_large_numbers_are_grouped_the_way_each_language_groups_them() -> None:
    text = Text.of("quota.status", used=1234.5, agreed=2000)

    assert DANISH.render(text) == "Dette kvartal: 1.234,5 af 2.000 aftalte timer brugt."
    assert ENGLISH.render(text) == "This quarter: 1,234.5 of 2,000 agreed hours used."


# --- moments relative to now ---------------------------------------------------------------------

NOW = datetime(2027, 1, 14, 15, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))


def since(moment: datetime, language: str = "da") -> str:
    return Reader(language, ZoneInfo("Europe/Copenhagen")).render(
        Text.of("status.now.cancelled", since=Since(moment, NOW))
    )


def test_a_moment_earlier_today_is_told_as_today_with_the_local_time() -> None:
    moment = datetime(2027, 1, 14, 13, 0, tzinfo=UTC)

    assert since(moment) == "annulleret i dag kl. 14:00"
    assert since(moment, "en") == "cancelled today at 14:00"


def test_a_moment_yesterday_is_told_as_yesterday_in_the_tenants_time_zone() -> None:
    # 23:30 UTC on the 12th is already the 13th in Copenhagen: yesterday, seen from the 14th.
    moment = datetime(2027, 1, 12, 23, 30, tzinfo=UTC)

    assert since(moment) == "annulleret i går kl. 00:30"


def test_an_older_moment_is_told_as_a_short_date_with_the_year_only_when_it_differs() -> None:
    assert since(datetime(2027, 1, 2, 9, 0, tzinfo=UTC)) == "annulleret 2. jan."
    assert since(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)) == "annulleret 2. dec. 2026"


def test_a_count_picks_the_singular_only_for_exactly_one() -> None:
    one = DANISH.render(
        Text.of("challenge.agenda_posted", meeting=datetime(2027, 3, 9, 12, tzinfo=UTC), count=1)
    )
    two = ENGLISH.render(
        Text.of(
            "challenge.remind_none",
            meeting=datetime(2027, 3, 9, 12, tzinfo=UTC),
            deadline=datetime(2027, 3, 7, 12, tzinfo=UTC),
        )
    )
    many = ENGLISH.render(
        Text.of(
            "challenge.agenda_hidden",
            count=2,
            meeting=datetime(2027, 3, 9, 12, tzinfo=UTC),
            deadline=datetime(2027, 3, 7, 12, tzinfo=UTC),
        )
    )

    assert "er klar: 1 udfordring, ordnet" in one
    assert "There are no challenges yet" in two
    assert many.startswith("There are 2 challenges for")
