"""Train the classifier's tie-breaking model and write handlers/sparring/classify_model.json.

    .venv/bin/python -m bench.train_classifier

The training data is the labelled requests of tests/unit/classification_cases.py, of
tests/unit/classification_heldout.py (its former held-out part too, since the second round), of
tests/unit/classification_training.py and the built-in areas' keywords; the blind fresh set
(tests/unit/classification_fresh.py) is never used.
Run it again after changing any of them (a unit test checks the shipped model is up to date).
"""

from __future__ import annotations

from collections.abc import Iterable

from handlers.sparring import classify_model
from handlers.sparring.classify import STOPWORDS, tokenize
from handlers.sparring.expertise import BUILTIN_AREAS
from tests.unit.classification_cases import CASES, Case
from tests.unit.classification_heldout import HELDOUT_CASES, TUNING_CASES, TUNING_CASES_2
from tests.unit.classification_training import TRAINING_CASES

LABELLED: tuple[Case, ...] = (*CASES, *TUNING_CASES, *TUNING_CASES_2, *HELDOUT_CASES, *TRAINING_CASES)


def documents(labelled: Iterable[Case]) -> list[tuple[list[str], str]]:
    """Return the content words and area of the labelled requests and of every built-in keyword."""
    keywords = [(keyword, area.key) for area in BUILTIN_AREAS for keyword in area.keywords]
    cases = [*labelled, *keywords]
    return [([word for word in tokenize(text) if word not in STOPWORDS], key) for text, key in cases]


def training_documents() -> list[tuple[list[str], str]]:
    """Return the content words and area of every training request and keyword."""
    return documents(LABELLED)


def train(labelled: Iterable[Case]) -> classify_model.NaiveBayes:
    """Return the model trained on the labelled requests and the built-in keywords."""
    return classify_model.train(documents(labelled), [area.key for area in BUILTIN_AREAS])


def trained_model_json() -> str:
    """Return the model trained on the training documents, serialised as it is shipped."""
    return classify_model.dumps(train(LABELLED))


def main() -> None:
    text = trained_model_json()
    classify_model.MODEL_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {classify_model.MODEL_PATH} ({len(text):,} bytes)")


if __name__ == "__main__":
    main()
