"""Benchmark: the classifier's accuracy and asking-back rate, per labelled set, with the misses.

    .venv/bin/python -m bench.classify [--misses all|tuning|none]

"Right" is the classifier's area equal to the label on the first try; "asked back" is no area (the bot
asks which area is meant); the rest is wrong. The fresh set (tests/unit/classification_fresh.py) is
blind: written by someone who never saw the classifier, never tuned on and no training data. It is the
final test, with the targets of issue 9: at least 90 % right, at most 10 % asked back. Its misses are
printed only with ``--misses all``, so that looking at them stays a decision. The other sets, the
former held-out one included (88.6 % right, 7.1 % asked back before the second round), are tuned and
trained on; by default the misses of all of them are printed.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from unittest import mock

from bench.train_classifier import LABELLED, train
from handlers.sparring import classify_model
from handlers.sparring.classify import Classification, Classifier
from handlers.sparring.expertise import BUILTIN_AREAS
from tests.unit.classification_cases import CASES, Case
from tests.unit.classification_fresh import FRESH_CASES
from tests.unit.classification_heldout import HELDOUT_CASES, TUNING_CASES, TUNING_CASES_2

FRESH_NAME = "fresh (blind, final)"

SETS: tuple[tuple[str, tuple[Case, ...]], ...] = (
    ("existing (tuned, trained)", CASES),
    ("new: tuning (trained)", TUNING_CASES + TUNING_CASES_2),
    ("former held-out (tuned)", HELDOUT_CASES),
    (FRESH_NAME, FRESH_CASES),
)


@dataclass(frozen=True)
class Figures:
    """How the classifier did on one labelled set."""

    total: int
    right: int
    asked: int
    misses: tuple[tuple[str, str, Classification], ...]

    @property
    def wrong(self) -> int:
        return self.total - self.right - self.asked


def measure(classifier: Classifier, cases: tuple[Case, ...]) -> Figures:
    """Classify every case and count right answers, asking back and wrong answers."""
    results = [(text, expected, classifier.classify(text)) for text, expected in cases]
    right = sum(result.area == expected for _, expected, result in results)
    asked = sum(result.area is None for _, _, result in results)
    misses = tuple(item for item in results if item[2].area != item[1])
    return Figures(len(results), right, asked, misses)


CV_NAME = "all labelled, model 5-fold CV"
CV_FOLDS = 5


def cross_validated(folds: int = CV_FOLDS) -> Figures:
    """Classify every labelled request with a model trained without it.

    The rules were tuned on all of these requests, so this is no test on new text; it only keeps the
    model from having seen the very request it decides, the best estimate before the fresh set is there.
    """
    total = right = asked = 0
    misses: list[tuple[str, str, Classification]] = []
    for fold in range(folds):
        held = LABELLED[fold::folds]
        model = train(case for index, case in enumerate(LABELLED) if index % folds != fold)
        with mock.patch.object(classify_model, "load", lambda model=model: model):
            figures = measure(Classifier(BUILTIN_AREAS), held)
        total, right, asked = total + figures.total, right + figures.right, asked + figures.asked
        misses.extend(figures.misses)
    return Figures(total, right, asked, tuple(misses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--misses", choices=("all", "tuning", "none"), default="tuning")
    args = parser.parse_args()
    classifier = Classifier(BUILTIN_AREAS)
    print(f"{'set':30} {'n':>4} {'right':>7} {'asked back':>11} {'wrong':>7}")
    measured = [(name, measure(classifier, cases)) for name, cases in SETS if name != FRESH_NAME]
    measured.append((CV_NAME, cross_validated()))
    measured.append((FRESH_NAME, measure(classifier, FRESH_CASES)))
    for name, figures in measured:
        print(
            f"{name:30} {figures.total:4} {figures.right / figures.total:7.1%} "
            f"{figures.asked / figures.total:11.1%} {figures.wrong / figures.total:7.1%}"
        )
    for name, figures in measured:
        if args.misses == "none" or (args.misses == "tuning" and name in (CV_NAME, FRESH_NAME)):
            continue
        print(f"\nmisses on {name}:")
        for text, expected, result in figures.misses:
            got = result.area or f"asked back {list(result.candidates)}"
            print(f"  {expected:>14} -> {got}: {text}")
    texts = [text for _, cases in SETS for text, _ in cases]
    fresh = Classifier(BUILTIN_AREAS)
    start = time.perf_counter()
    for text in texts:
        fresh.classify(text)
    cold = (time.perf_counter() - start) / len(texts)
    start = time.perf_counter()
    for _ in range(10):
        for text in texts:
            fresh.classify(text)
    warm = (time.perf_counter() - start) / len(texts) / 10
    print(f"\nper request: {cold * 1e6:.0f} µs with a cold word cache, {warm * 1e6:.0f} µs warm")
    # The longest message a user can send (it was a < 50 ms assertion in tests/unit/test_classify.py).
    long = ("Budgettet skrider fordi leverandøren fakturerer ekstra timer hver måned. " * 80)[:5000]
    start = time.perf_counter()
    Classifier(BUILTIN_AREAS).classify(long)
    print(f"a 5,000-character message: {(time.perf_counter() - start) * 1e3:.1f} ms (cold cache)")


if __name__ == "__main__":
    main()
