"""The built-in expertise areas are read once from the data file shipped with the handlers package."""

from __future__ import annotations

from importlib import resources

import pytest

from handlers.sparring import expertise
from handlers.sparring.expertise import AREAS_RESOURCE, BUILTIN_AREAS, ExpertiseArea, load_areas

BUDGET = """
[[area]]
key = "budget"
name_da = "Budgettering"
name_en = "Budgeting"
keywords = ["budget", "økonomi", "omkostning"]
"""


def test_builtin_areas_come_from_the_data_file_in_the_handlers_package() -> None:
    text = resources.files("handlers.sparring").joinpath(AREAS_RESOURCE).read_text(encoding="utf-8")

    assert load_areas(text) == BUILTIN_AREAS
    assert expertise.BUILTIN_AREAS is BUILTIN_AREAS


def test_loading_keeps_danish_letters_and_the_order_of_keywords() -> None:
    areas = load_areas(BUDGET)

    assert areas == (
        ExpertiseArea("budget", "Budgettering", "Budgeting", ("budget", "økonomi", "omkostning")),
    )


def test_builtin_areas_have_danish_and_english_names_and_no_blank_or_repeated_keywords() -> None:
    for area in BUILTIN_AREAS:
        assert area.name("da")
        assert area.name("en")
        assert len(set(area.keywords)) == len(area.keywords), area.key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        (BUDGET + BUDGET, "unique"),
        ('[[area]]\nkey = "budget"\nname_da = "Budgettering"\n', "name_en"),
        (BUDGET.replace('["budget", "økonomi", "omkostning"]', '"budget"'), "list of text"),
        (BUDGET + 'note = "x"\n', "unknown fields"),
    ],
)
def test_malformed_area_files_are_rejected_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_areas(text)
