"""A small naive Bayes model over words and character n-grams, trained on labelled sparring requests.

The keyword rules in handlers/sparring/classify.py decide; this model only chooses when the rules found evidence
for exactly two areas and cannot tell them apart ("Jeg skal skrive et projektgrundlag til direktionen"),
or when they found none at all and the model is sure and backed by a word it has seen for the area
("Hvordan får jeg afdelingslederne til at tage ansvar for ændringen?").
It was trained at build time by ``bench/train_classifier.py`` from the labelled requests in tests/unit
(never the blind fresh set) and the built-in areas' keywords, and ships as classify_model.json next to this
module; nothing is downloaded. It knows only the built-in areas.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("classify_model.json")
NGRAM_SIZES = (4, 5)
ALPHA = 0.1


def features(words: Iterable[str]) -> list[str]:
    """Return the features of folded content words: each word, and its character 4- and 5-grams."""
    found: list[str] = []
    for word in words:
        found.append(f"w:{word}")
        bounded = f"<{word}>"
        for size in NGRAM_SIZES:
            found.extend(f"c:{bounded[i : i + size]}" for i in range(len(bounded) - size + 1))
    return found


@dataclass(frozen=True, slots=True)
class NaiveBayes:
    """Feature counts per area; scores are log-likelihoods with additive smoothing."""

    areas: tuple[str, ...]
    totals: tuple[int, ...]
    counts: dict[str, dict[str, int]]

    def log_scores(self, feats: Sequence[str], among: Iterable[str]) -> dict[str, float]:
        """Return the log-likelihood of the features for each of the given areas the model knows."""
        vocabulary = len(self.counts)
        known = [self.counts[feat] for feat in feats if feat in self.counts]
        scores: dict[str, float] = {}
        for key in among:
            if key not in self.areas:
                continue
            denominator = math.log(self.totals[self.areas.index(key)] + ALPHA * vocabulary)
            scores[key] = sum(math.log(per_area.get(key, 0) + ALPHA) - denominator for per_area in known)
        return scores

    def guess(
        self, words: Sequence[str], min_share: float, temperature: float, min_backing: int
    ) -> tuple[str, float] | None:
        """Return the likeliest of all areas for the content words and its share, None unless it is clear.

        Naive Bayes counts a word's character n-grams as independent evidence, which they are not, so it
        is far too sure of itself; dividing the log-likelihoods by the temperature calibrates it. On top
        of that share, one of the words must itself have been seen in at least min_backing training
        requests, most of them the area's: n-grams alone name an area even for "Jeg er ny projektleder".
        """
        backed: set[str] = set()
        for word in words:
            per_area = self.counts.get(f"w:{word}")
            if per_area:
                most = max(per_area.values())
                backed.update(key for key, count in per_area.items() if count == most >= min_backing)
        if not backed:
            return None
        scores = self.log_scores(features(words), self.areas)
        key = max(scores, key=lambda area: scores[area])
        share = 1.0 / sum(math.exp((score - scores[key]) / temperature) for score in scores.values())
        return (key, share) if key in backed and share >= min_share else None

    def choose(self, feats: Sequence[str], among: Sequence[str], min_share: float) -> str | None:
        """Return the likeliest of the areas if it has at least min_share of their probability."""
        scores = self.log_scores(feats, among)
        if len(scores) < len(among) or not scores:
            return None
        best = max(scores.values())
        total = sum(math.exp(score - best) for score in scores.values())
        key = max(scores, key=lambda area: scores[area])
        return key if 1.0 / total >= min_share else None


def train(documents: Iterable[tuple[Sequence[str], str]], areas: Sequence[str]) -> NaiveBayes:
    """Count each document's distinct features under its area."""
    counts: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(areas, 0)
    for words, key in documents:
        for feat in set(features(words)):
            per_area = counts.setdefault(feat, {})
            per_area[key] = per_area.get(key, 0) + 1
            totals[key] += 1
    return NaiveBayes(tuple(areas), tuple(totals[key] for key in areas), counts)


def dumps(model: NaiveBayes) -> str:
    """Serialise the model as compact, stable JSON."""
    payload = {"areas": model.areas, "totals": model.totals, "counts": model.counts}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


@cache
def load() -> NaiveBayes | None:
    """Load the shipped model once; None when it is missing (the rules then work alone)."""
    try:
        payload = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return NaiveBayes(tuple(payload["areas"]), tuple(payload["totals"]), payload["counts"])
