"""Benchmark: the classifier's accuracy and asking-back rate, per labelled set, with the misses.

    .venv/bin/python -m bench.classify [--misses all|heldout|none]

"Right" is the classifier's area equal to the label on the first try; "asked back" is no area (the bot
asks which area is meant); the rest is wrong. The held-out set (tests/unit/classification_heldout.py)
was not tuned on and is no training data for the model; the other sets were tuned on or trained on.
Targets on the held-out set: at least 90 % right, at most 10 % asked back.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from handlers.classify import Classification, Classifier
from handlers.expertise import BUILTIN_AREAS
from tests.unit.classification_cases import CASES, Case
from tests.unit.classification_heldout import HELDOUT_CASES, TUNING_CASES, TUNING_CASES_2

SETS: tuple[tuple[str, tuple[Case, ...]], ...] = (
    ("existing (tuned, trained)", CASES),
    ("new: tuning (trained)", TUNING_CASES + TUNING_CASES_2),
    ("new: held-out", HELDOUT_CASES),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--misses", choices=("all", "heldout", "none"), default="heldout")
    args = parser.parse_args()
    classifier = Classifier(BUILTIN_AREAS)
    print(f"{'set':28} {'n':>4} {'right':>7} {'asked back':>11} {'wrong':>7}")
    measured = [(name, measure(classifier, cases)) for name, cases in SETS]
    for name, figures in measured:
        print(
            f"{name:28} {figures.total:4} {figures.right / figures.total:7.1%} "
            f"{figures.asked / figures.total:11.1%} {figures.wrong / figures.total:7.1%}"
        )
    for name, figures in measured:
        if args.misses == "none" or (args.misses == "heldout" and name != SETS[-1][0]):
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


if __name__ == "__main__":
    main()
