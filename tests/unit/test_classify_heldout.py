"""The classifier on requests it was not tuned on, and the rules issue 9 asked for.

The figures are printed by ``bench/classify.py`` with the misses; ``pytest -s`` prints them here too.
"""

from __future__ import annotations

import pytest

from bench.train_classifier import trained_model_json
from handlers import classify_model
from handlers.classify import Classifier
from handlers.expertise import BUILTIN_AREAS
from tests.unit.classification_cases import CASES, Case
from tests.unit.classification_heldout import HELDOUT_CASES, NEW_CASES, TUNING_CASES, TUNING_CASES_2

CLASSIFIER = Classifier(BUILTIN_AREAS)
AREAS = {area.key for area in BUILTIN_AREAS}


def _rates(cases: tuple[Case, ...]) -> tuple[float, float, list[tuple[str, str, str | None]]]:
    results = [(text, expected, CLASSIFIER.classify(text).area) for text, expected in cases]
    right = sum(area == expected for _, expected, area in results) / len(results)
    asked = sum(area is None for _, _, area in results) / len(results)
    return right, asked, [item for item in results if item[2] != item[1]]


HELDOUT_RIGHT, HELDOUT_ASKED, HELDOUT_MISSES = _rates(HELDOUT_CASES)


def test_new_set_has_over_60_held_out_requests_spread_over_all_ten_areas() -> None:
    assert len(HELDOUT_CASES) >= 60
    assert len(NEW_CASES) == len({text for text, _ in NEW_CASES})
    assert not {text for text, _ in NEW_CASES} & {text for text, _ in CASES}
    for key in AREAS:
        assert sum(expected == key for _, expected in HELDOUT_CASES) >= 6, key


def test_held_out_set_asks_back_on_at_most_10_percent() -> None:
    print(f"\nheld-out: {HELDOUT_RIGHT:.1%} right, {HELDOUT_ASKED:.1%} asked back, misses {HELDOUT_MISSES}")

    assert HELDOUT_ASKED <= 0.10, HELDOUT_MISSES


def test_held_out_set_does_not_fall_below_the_figure_reached() -> None:
    assert HELDOUT_RIGHT >= 0.88, HELDOUT_MISSES


@pytest.mark.xfail(strict=True, reason="goal of issue 9 not reached yet: 88.6 % right on the held-out set")
def test_held_out_set_is_at_least_90_percent_right_on_first_try() -> None:
    assert HELDOUT_RIGHT >= 0.90, HELDOUT_MISSES


def test_existing_set_does_not_regress() -> None:
    right, asked, misses = _rates(CASES)

    assert right >= 0.97, misses
    assert asked <= 0.03, misses


def test_tuning_set_is_at_least_90_percent_right() -> None:
    right, _, misses = _rates(TUNING_CASES + TUNING_CASES_2)

    assert right >= 0.90, misses


@pytest.mark.parametrize(
    "text",
    [
        "sparring Hvordan forklarer jeg en budgetoverskridelse?",
        "sparring Hvordan forklarer jeg en budgetoverskridelse for styregruppen?",
        "Hvordan forklarer jeg en budgetoverskridelse til direktionen?",
        "How do I explain a budget overrun to the steering committee?",
    ],
)
def test_readme_example_routes_to_budget_with_the_steering_group_as_audience(text: str) -> None:
    assert CLASSIFIER.classify(text).area == "budget"


def test_a_named_audience_alone_is_still_the_topic() -> None:
    assert CLASSIFIER.classify("Hvordan skriver jeg til styregruppen?").area == "steering-group"


@pytest.mark.parametrize(
    "hedge", ["Jeg er usikker på", "Jeg er i tvivl om", "Ikke sikker på", "Not sure about", "Jeg tvivler på"]
)
def test_hedging_words_are_no_evidence_of_risk(hedge: str) -> None:
    result = CLASSIFIER.classify(f"{hedge} hvordan vi laver testplanen")

    assert result.area == "test"
    assert "risk" not in result.candidates


def test_uncertainty_as_a_topic_still_is_risk() -> None:
    assert CLASSIFIER.classify("Hvordan håndterer vi usikkerheden i projektet?").area == "risk"


def test_the_model_only_chooses_between_two_candidates_the_rules_found() -> None:
    result = CLASSIFIER.classify("Jeg skal skrive et projektgrundlag til direktionen i morgen")
    split = CLASSIFIER.classify("hvordan planlægger vi styregruppemøderne og budgettet")

    assert result.area == "pid"
    assert split.area is None


def test_when_the_model_picks_the_second_of_two_level_candidates_it_comes_first() -> None:
    # The rules find "scope" (pid, first in area order) and "client" (customer) level; the model picks.
    result = CLASSIFIER.classify("Our client keeps adding scope without paying")

    assert result.area == "customer"
    assert result.candidates == ("customer", "pid")
    assert [key for key, _ in result.scores] == list(result.candidates)


def test_shipped_model_is_the_one_trained_from_the_labelled_data() -> None:
    assert classify_model.MODEL_PATH.read_text(encoding="utf-8") == trained_model_json(), (
        "run: .venv/bin/python -m bench.train_classifier"
    )
