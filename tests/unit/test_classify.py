"""The expertise-area classifier understands sparring requests as people really type them."""

from __future__ import annotations

import pytest

from bot.slack import markup as slack_markup
from handlers.sparring.classify import Classification, Classifier, tokenize
from handlers.sparring.expertise import BUILTIN_AREAS, ExpertiseArea
from tests.unit.classification_cases import (
    AMBIGUOUS_CASES,
    CASES,
    COMPOUND_CASES,
    DEFINITE_FORM_CASES,
    ENGLISH_CASES,
    FOLDING_CASES,
    MIXED_LANGUAGE_CASES,
    NO_AREA_TEXTS,
    SLACK_NOISE_CASES,
    TYPO_CASES,
    Case,
)

REQUIRED_ACCURACY = 0.90
AGILE = ExpertiseArea(
    key="agile",
    name_da="Agil projektledelse",
    name_en="Agile project management",
    keywords=("scrum", "sprint", "kanban", "agil"),
)


def _accuracy(classifier: Classifier, cases: tuple[Case, ...]) -> float:
    hits = sum(classifier.classify(text).area == expected for text, expected in cases)
    return hits / len(cases)


CLASSIFIER = Classifier(BUILTIN_AREAS)
# The figure the suite asserts on; `pytest -s` prints it too.
ACCURACY = _accuracy(CLASSIFIER, CASES)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return CLASSIFIER


def _wrongly_classified(classifier: Classifier, cases: tuple[Case, ...]) -> list[tuple[str, str, str | None]]:
    return [
        (text, expected, area)
        for text, expected in cases
        if (area := classifier.classify(text).area) != expected
    ]


def test_builtin_areas_are_the_ten_agreed_ones_each_with_a_rich_keyword_list() -> None:
    keys = [area.key for area in BUILTIN_AREAS]

    assert keys == [
        "pid",
        "steering-group",
        "test",
        "customer",
        "planning",
        "benefits",
        "budget",
        "risk",
        "stakeholders",
        "method",
    ]
    assert all(len(area.keywords) >= 20 for area in BUILTIN_AREAS)


def test_labelled_set_is_large_and_mostly_danish() -> None:
    assert len(CASES) >= 80
    assert len(AMBIGUOUS_CASES) >= 8
    assert len(ENGLISH_CASES) < len(CASES) / 2


def test_accuracy_on_the_labelled_set_is_at_least_90_percent(classifier: Classifier) -> None:
    print(f"\nclassifier accuracy: {ACCURACY:.1%} on {len(CASES)} labelled requests")

    assert ACCURACY >= REQUIRED_ACCURACY, _wrongly_classified(classifier, CASES)


def test_understands_danish_compounds_like_styregruppemoedet(classifier: Classifier) -> None:
    assert _wrongly_classified(classifier, COMPOUND_CASES) == []


def test_understands_definite_and_plural_forms_like_budgettet(classifier: Classifier) -> None:
    assert _wrongly_classified(classifier, DEFINITE_FORM_CASES) == []


def test_forgives_typos_like_budgt_and_styregrupe(classifier: Classifier) -> None:
    assert _wrongly_classified(classifier, TYPO_CASES) == []


def test_folds_aeoeaa_spellings_and_case_like_styregruppemoede(classifier: Classifier) -> None:
    assert _wrongly_classified(classifier, FOLDING_CASES) == []


@pytest.mark.parametrize(
    "spelling", ["planlægning", "planlaegning", "planlagning", "PLANLÆGNING", "Planlægning!"]
)
def test_every_spelling_of_aeoeaa_gives_the_same_area(classifier: Classifier, spelling: str) -> None:
    assert classifier.classify(f"hjælp til {spelling}").area == "planning"


def test_understands_danish_mixed_with_english(classifier: Classifier) -> None:
    assert _wrongly_classified(classifier, MIXED_LANGUAGE_CASES) == []


def test_understands_english_requests(classifier: Classifier) -> None:
    assert _wrongly_classified(classifier, ENGLISH_CASES) == []


def test_ignores_slack_mentions_links_and_emoji_as_the_slack_adapter_hands_them_on(
    classifier: Classifier,
) -> None:
    read = [(slack_markup.plain(text), key) for text, key in SLACK_NOISE_CASES]

    assert _wrongly_classified(classifier, read) == []


def test_word_inside_a_slack_link_or_mention_is_not_evidence(classifier: Classifier) -> None:
    text = slack_markup.plain("se <https://wiki.example.com/budget|siden her> og spørg <@U0BUDGET>")

    assert classifier.classify(text) == Classification(area=None, candidates=(), scores=())


def test_word_inside_a_plain_link_or_an_emoji_code_is_not_evidence(classifier: Classifier) -> None:
    result = classifier.classify("se https://wiki.example.com/budget og :moneybag_budget:")

    assert result == Classification(area=None, candidates=(), scores=())


@pytest.mark.parametrize(("text", "acceptable"), AMBIGUOUS_CASES)
def test_ambiguous_request_gets_an_acceptable_area_or_candidates_instead_of_a_wrong_guess(
    classifier: Classifier, text: str, acceptable: frozenset[str]
) -> None:
    result = classifier.classify(text)

    if result.area is None:
        assert acceptable <= set(result.candidates), result
    else:
        assert result.area in acceptable, result


def test_request_split_evenly_between_areas_is_not_guessed(classifier: Classifier) -> None:
    result = classifier.classify("hvordan planlægger vi styregruppemøderne og budgettet")

    assert result.area is None
    assert set(result.candidates) == {"planning", "steering-group", "budget"}


@pytest.mark.parametrize("text", NO_AREA_TEXTS)
def test_text_without_any_area_word_gives_no_area_and_no_candidates(
    classifier: Classifier, text: str
) -> None:
    assert classifier.classify(text) == Classification(area=None, candidates=(), scores=())


@pytest.mark.parametrize(
    "text",
    [
        "Jeg er ny projektleder og vil gerne have en sparringspartner",
        "Det afhænger af hvad direktøren siger",
        "Hvordan motiverer jeg mit team når alle er trætte?",
        "Hvad er det mest interessante ved jeres erfaringer?",
        "What's the latest?",
    ],
)
def test_everyday_words_close_to_keywords_are_not_mistaken_for_an_area(
    classifier: Classifier, text: str
) -> None:
    assert classifier.classify(text).candidates == ()


def test_confident_result_puts_its_area_first_with_scores_best_first(classifier: Classifier) -> None:
    result = classifier.classify("Budgettet er overskredet, og omkostningerne stiger")

    assert result.area == "budget"
    assert result.candidates[0] == "budget"
    assert [key for key, _ in result.scores] == list(result.candidates)
    assert [score for _, score in result.scores] == sorted(
        (score for _, score in result.scores), reverse=True
    )


def test_unsure_result_offers_at_most_three_candidates(classifier: Classifier) -> None:
    result = classifier.classify("test, budget, risiko, plan og kunde på én gang")

    assert result.area is None
    assert 2 <= len(result.candidates) <= 3


def test_classifies_a_5000_character_message_by_its_words(classifier: Classifier) -> None:
    # How fast is bench/classify.py's business; here only what comes out.
    text = ("Budgettet skrider fordi leverandøren fakturerer ekstra timer hver måned. " * 80)[:5000]
    assert len(text) == 5000

    result = classifier.classify(text)

    assert result.area == "budget"


def test_ignores_a_5000_character_run_without_spaces_as_junk(classifier: Classifier) -> None:
    assert classifier.classify("budget" * 834).candidates == ()


def test_recognises_a_tenant_extra_area_next_to_the_builtins() -> None:
    classifier = Classifier((*BUILTIN_AREAS, AGILE))

    assert classifier.classify("Hvordan kører vi sprintplanlægning i scrum?").area == "agile"
    assert classifier.classify("Vores kanban-tavle flyder over").area == "agile"
    assert classifier.classify("Hvem ejer budgettet?").area == "budget"


def test_without_the_extra_area_agile_words_point_nowhere_agile() -> None:
    assert "agile" not in Classifier(BUILTIN_AREAS).classify("Hvordan kører vi scrum?").candidates


@pytest.mark.parametrize(
    "text",
    [
        "Afdelingslederne bakker ikke op om projektet",
        "Medarbejderne bakker ikke rigtig op",
        "lederne bakker aldrig op",
    ],
)
def test_an_adverb_or_negation_may_stand_between_the_parts_of_a_phrase(
    classifier: Classifier, text: str
) -> None:
    assert classifier.classify(text).area == "stakeholders"


def test_words_between_do_not_join_a_compound(classifier: Classifier) -> None:
    # "testplan" is one word, not a phrase with room between its parts: "test ikke plan" is two topics.
    assert set(classifier.classify("test ikke plan").candidates) == {"test", "planning"}


def test_a_one_letter_word_is_kept_so_plan_b_is_a_fallback(classifier: Classifier) -> None:
    assert tokenize("vi har ingen plan B") == ["vi", "har", "ingen", "plan", "b"]
    assert classifier.classify("vi har ingen plan B").area == "risk"


def test_a_plural_in_aer_finds_its_keyword_after_folding(classifier: Classifier) -> None:
    assert classifier.classify("hvordan holder jeg styr på fakturaerne").area == "budget"
