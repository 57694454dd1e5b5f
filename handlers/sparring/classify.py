"""Decide which expertise area a free-text sparring request is about.

The classifier is a weighted keyword matcher built for chat text in Danish and English. Text and keywords
go through the same folding (case, æøå written as æ/ae/a, accents, links and emoji codes), so they meet
in one spelling (each platform's own markup is stripped by its adapter before the text gets here).
Keywords are indexed as written and by their snowball stem. Each word of a request then earns evidence
for an area, trying in turn:

1. exact match with a keyword form, also after stripping an inflection ("budgettet" -> "budget");
2. fuzzy match for a typo of a whole keyword ("budgt"), only for longer words and with a high cutoff;
3. compound containment: the word contains a keyword ("styregruppemødet"), weighted by how much it covers.

Adjacent words are first tried joined, which catches phrases ("risk register") and compounds written
apart ("styre gruppen"); the parts of a phrase may have an adverb or a negation between them, as Danish
puts one between a verb and its particle ("bakker ikke op"). Hedges ("jeg er usikker på", "i tvivl om") are no evidence of anything, and a
group named as the audience ("... for styregruppen") weighs less than the topic. The best area wins only
when it is clearly ahead. When exactly two areas are level, a small model trained on labelled requests
(handlers/sparring/classify_model.py, shipped as JSON) may choose; when the rules find nothing, the model may
name an area if it is sure and a word it has seen for the area backs it (its score is then the model's
calibrated share). Otherwise the caller gets the likeliest candidates to ask about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Indel

from handlers.sparring import classify_model
from handlers.sparring.expertise import ExpertiseArea

# Only the start of a message is read: people state their topic early, and this bounds the work.
MAX_CHARS = 2_000
MAX_TOKENS = 150
# Longer "words" are IDs, hashes or pasted junk; matching inside them costs time and finds nonsense.
MAX_WORD = 40

# Confidence rule, tuned on tests/unit/classification_cases.py.
MIN_CONFIDENT_SCORE = 0.6
CONFIDENCE_RATIO = 1.5
# Candidates weaker than this fraction of the best are noise, not a question worth asking.
CANDIDATE_FLOOR = 0.25
MAX_CANDIDATES = 3

# Evidence weights per kind of match.
PHRASE_WEIGHT = 1.25
COMPOUND_BASE = 0.6
COMPOUND_SPAN = 0.35
FUZZY_WEIGHT = 0.85

# Shorter keywords match inside too many unrelated words ("test" in "latest").
MIN_PART = 4
# Snowball stems only match whole words, and short ones ("proc", "fund") not at all: too much starts so.
MIN_SNOWBALL_STEM = 5
# Shorter words that look like a typo of a keyword are too often just other words.
MIN_FUZZY = 5
# A compound part in front of a keyword is at least this long ("ex" in "explanation" is not a word).
MIN_COMPOUND_PART = 3
# Normalised insert/delete similarity. 0.905 lets through one missing or extra letter from 6 letters on
# ("budgt", "risko"), a wrong letter from 11 and two missing from 12 ("komisorium"); a wrong letter in a
# shorter word is not a typo worth guessing at, it is usually another real word ("kender"/"kunder").
FUZZY_CUTOFF = 0.905
# Longest n-gram tried as a joined phrase or split compound.
MAX_NGRAM = 3
# Most words that may stand between the two parts of a phrase ("bakker ikke rigtig op").
MAX_GAP = 2
# When the rules find two areas and cannot choose, the shipped model may, if it gives one this share.
MODEL_MIN_SHARE = 0.9
# When the rules find nothing, the model may name an area if, calibrated by the temperature, it gives it
# this share of all ten and a word seen in this many training requests backs it. Tuned by 5-fold
# cross-validation over the labelled requests: none of the everyday texts got an area, none of the
# requests a wrong one.
MODEL_GUESS_SHARE = 0.9
MODEL_TEMPERATURE = 10.0
MODEL_MIN_BACKING = 2
# A group named as the audience ("... for styregruppen") weighs this much next to the topic's words.
AUDIENCE_WEIGHT = 0.5
_CACHE_SIZE = 20_000

# Endings stripped to find a keyword's base form ("budgettet" -> "budget"), already folded (no æøå);
# the empty ending lets a keyword that runs to the end of a word count as covering it.
_INFLECTIONS = frozenset(
    {
        *("", "e", "en", "et", "er", "ere", "erne", "ene", "ens", "ets", "es", "s", "n", "t", "r", "ne"),
        *("ede", "ende", "ning", "ningen", "ninger", "ingen", "inger", "ingerne", "ingens", "ers"),
        *("ernes", "enes", "te", "de", "lig", "lige", "ligt", "isk", "iske"),
        # "-aer(ne)" after a final a ("fakturaerne") folds to "-ar(ne)".
        *("rne", "rnes"),
        *("ed", "ing", "ings", "ies", "ied", "ion", "ions", "ation", "ations", "ment", "ments", "ly"),
    }
)
_LONGEST_INFLECTION = max(map(len, _INFLECTIONS))

_COMBINING_MARK = re.compile(r"[\u0300-\u036f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# What any chat text may hold that names no topic: plain links and :emoji: codes (typed as such in the
# console and in Teams too; a word inside a link, "…/budget", is not evidence). A platform's own markup
# (Slack's <@U…>, <#C…>, <!here>, <url|label>; Teams' <at>…</at> and HTML) is its adapter's to strip.
_MARKUP = re.compile(r"https?://\S+|:[a-z0-9_+\-]+:")
_WORD = re.compile(r"[a-z0-9]+")

# Words that never carry a topic. They are skipped entirely, which also keeps fuzzy matching from
# turning everyday words into keywords ("klarer" is one letter from "klager").
_STOPWORDS_RAW = """
    af alle alt andre at bare bliver blev blive bruge brug da de dem den denne der deres det dette dig
    din dine disse du efter eller en end er et for fordi fra få får går gør gøre godt ham han hans har
    have hej hele her hende hun hvad hvem hvilke hvilken hvis hvor hvordan hvorfor hvornår i ikke ind
    ingen jeg jer kan kommer kun kunne lave laver lidt man mange med meget men mere mig min mine mit mod
    må måske nogen noget nok nu når og også om op os over på sig sin skal skulle som så tak til uden
    under ud var vi vil ville vores være været ved hjælp hjælpe sparring sparringspartner sparre
    projektet projekter
    projektets klarer klare kigge kigger sige siger synes tror næste sidste uge ugen dag dagen gerne
    altid aldrig igen helt stadig lige mellem både hver hvert sådan særligt virkelig rigtig rigtigt
    effektiv effektivt effektive direkte interessant interessante interesse interessen interesser
    afhænger procent
    initiativ initiativet initiativer realistisk realistiske realistic
    projektleder projektlederen projektledere projektlederne seniorprojektleder leder lederen koordinator
    udfordring udfordringen udfordringer kvartalsmøde kvartalsmødet erfa erfaring erfaringer
    a about all also am an and any are as at be been being but by can could did do does doing for from
    get got had has have help how i if in into is it its just me my need needs of on or our out please
    should so some than that the their them then there these they this to up us was we what when where
    which who why will with would you your hi hello thanks projects dashboard latest greatest
    biggest fastest contest protest protester protesterer next last week probably
    manager senior challenge challenges format
"""

# Hedges say how sure the writer is, not that the topic is risk: "jeg er usikker på", "i tvivl om",
# "ikke sikker", "not sure". Without this they are one letter from the stem of "usikkerhed".
_HEDGES_RAW = """
    usikker usikre usikkert sikker sikre sikkert tvivl tvivler tvivlsom tvivlsomt unsure sure uncertain
    doubt wondering spekulerer overvejer
"""

# Groups a request is often for or from rather than about. Named as the audience ("forklare X for
# styregruppen", "til kunden", "to the steering committee") or as the one who wants something ("vores
# steerco vil have ..."), they weigh less than the topic; when nothing else is named they are the topic.
_AUDIENCE_RAW = """
    styregruppe styregrupper styregruppemedlem styregruppemedlemmer steerco steeringgroup
    steeringcommittee projectboard board direktion direktionen topledelse topledelsen ledelse ledelsen
    sponsor sponsoren projektejer projektejeren kunde kunden kunder kunderne klient klienten bestiller
    bestilleren ordregiver customer customers client clients interessent interessenter stakeholder
    stakeholders bestyrelse bestyrelsen executive executives management
"""
# Words before a group that make it the audience, and determiners that may stand between.
_AUDIENCE_BEFORE_RAW = "for til overfor foran to with"
_AUDIENCE_AFTER_RAW = "vil onsker beder kraver godkender wants asks needs expects requires approves"
_DETERMINERS_RAW = "the our my vores min mit den det de hele alle"

# Words that may stand between the two parts of a phrase: Danish puts its sentence adverbs and negation
# between a verb and its particle ("bakker ikke op", "følger aldrig op"), and an object pronoun too.
_PHRASE_GAP_RAW = """
    ikke aldrig altid ofte sjældent også nok jo vist bare lige heller kun endnu stadig allerede gerne
    måske faktisk rigtig rigtigt helt godt slet ordentligt dem ham hende os jer mig det den
    not never always really fully also
"""


def fold(text: str) -> str:
    """Return text casefolded, with æøå and their ae/oe/aa spellings collapsed to a/o/a and no accents."""
    folded = text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    if not folded.isascii():
        folded = _COMBINING_MARK.sub("", unicodedata.normalize("NFKD", folded))
        folded = _NON_ASCII.sub(" ", folded)
    # "planlægning", "planlaegning" and "planlagning" must meet in one spelling.
    return folded.replace("ae", "a").replace("oe", "o").replace("aa", "a")


def _folded(raw: str) -> frozenset[str]:
    return frozenset(fold(word) for word in raw.split())


HEDGES: frozenset[str] = _folded(_HEDGES_RAW)
STOPWORDS: frozenset[str] = _folded(_STOPWORDS_RAW) | HEDGES
_AUDIENCE = _folded(_AUDIENCE_RAW)
_AUDIENCE_BEFORE = _folded(_AUDIENCE_BEFORE_RAW)
_AUDIENCE_AFTER = _folded(_AUDIENCE_AFTER_RAW)
_DETERMINERS = _folded(_DETERMINERS_RAW)
_PHRASE_GAP = _folded(_PHRASE_GAP_RAW)

# The areas one word or phrase points at, each with the strength of the hint.
_Evidence: TypeAlias = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's verdict on one request."""

    area: str | None
    candidates: tuple[str, ...]
    scores: tuple[tuple[str, float], ...]


def tokenize(text: str) -> list[str]:
    """Return the folded words of a chat message, without markup and numbers ("plan B" keeps its "b")."""
    cleaned = _MARKUP.sub(" ", text[:MAX_CHARS].casefold())
    words = _WORD.findall(fold(cleaned))
    return [word for word in words if len(word) <= MAX_WORD and not word.isdigit()]


class Classifier:
    """Classify requests into a fixed set of expertise areas; build once, call from any thread."""

    def __init__(self, areas: Sequence[ExpertiseArea]) -> None:
        self._order = {area.key: index for index, area in enumerate(areas)}
        forms, surfaces, word_forms = _keyword_forms(areas)
        self._stopwords = STOPWORDS - forms.keys()
        self._exact: dict[str, _Evidence] = {form: _shared(keys) for form, keys in forms.items()}
        # Only phrases written as several words may have words between their parts, not compounds.
        self._phrases = {form: self._exact[form] for form in forms.keys() - word_forms}
        # Joined words can only be a keyword form if they start like one; this skips most n-grams cheaply.
        self._prefixes = frozenset(form[:end] for form in forms for end in range(1, len(form) + 1))
        self._compound_parts = _index_compound_parts({form: self._exact[form] for form in surfaces})
        # A typo is of one word, so phrases ("kritisk vej") are no fuzzy target for a word ("kritiske").
        self._fuzzy_vocab = _index_fuzzy(word_forms)
        # Words repeat across requests; caching their evidence makes the usual case a dict lookup.
        self._cache: dict[str, _Evidence] = {}

    def classify(self, text: str) -> Classification:
        """Return the area the text is about, or the likeliest candidates when unsure."""
        tokens = tokenize(text)[:MAX_TOKENS]
        scores: dict[str, float] = {}
        audience: dict[str, float] = {}
        for evidence, weight, is_audience in self._evidence(tokens):
            target = audience if is_audience else scores
            for key, strength in evidence:
                target[key] = target.get(key, 0.0) + strength * weight
        # The audience is the topic only when nothing else is named.
        share = AUDIENCE_WEIGHT if scores else 1.0
        for key, score in audience.items():
            scores[key] = scores.get(key, 0.0) + score * share
        verdict = self._verdict(scores)
        if verdict.area is not None or len(verdict.candidates) not in (0, 2):
            return verdict
        # Two areas and no clear winner, or nothing found: the model, which has seen how people word each
        # area, may choose. It is loaded on first need, once per process.
        words = [token for token in tokens if token not in STOPWORDS]
        model = classify_model.load() if words else None
        if model is None:
            return verdict
        if verdict.candidates:
            area = model.choose(classify_model.features(words), verdict.candidates, MODEL_MIN_SHARE)
            return verdict if area is None else _chosen(verdict, area)
        guessed = model.guess(words, MODEL_GUESS_SHARE, MODEL_TEMPERATURE, MODEL_MIN_BACKING)
        if guessed is None:
            return verdict
        area, share = guessed
        return Classification(area=area, candidates=(area,), scores=((area, round(share, 3)),))

    def _evidence(self, tokens: list[str]) -> Iterable[tuple[_Evidence, float, bool]]:
        """Yield each phrase's and remaining content word's evidence, its weight and if it is an audience."""
        used = [False] * len(tokens)
        audience = _audience_positions(tokens)
        # A phrase's first word is wholly inside the keyword form, so it must start like one; and no
        # phrase starts with a stopword, or "for ændringer" would read as "forandringer"; nor with one
        # letter, which is more often an abbreviation's than a word's.
        starts = [
            len(token) > 1 and token in self._prefixes and token not in self._stopwords for token in tokens
        ]
        for size in range(MAX_NGRAM, 1, -1):
            for start in range(len(tokens) - size + 1):
                if not starts[start] or any(used[start : start + size]):
                    continue
                joined = "".join(tokens[start : start + size])
                if not self._could_be_keyword(joined):
                    continue
                evidence = self._exact_or_inflected(joined)
                if evidence:
                    used[start : start + size] = [True] * size
                    yield evidence, PHRASE_WEIGHT, audience[start]
        for start, evidence in self._gapped_phrases(tokens, starts, used):
            yield evidence, PHRASE_WEIGHT, audience[start]
        for token, is_used, is_audience in zip(tokens, used, audience, strict=True):
            if not is_used and token not in self._stopwords:
                yield self._word_evidence(token), 1.0, is_audience

    def _gapped_phrases(
        self, tokens: list[str], starts: list[bool], used: list[bool]
    ) -> Iterable[tuple[int, _Evidence]]:
        """Yield where two words with only gap words between them make a phrase, and its evidence."""
        for start, token in enumerate(tokens):
            if not starts[start] or used[start]:
                continue
            end = start + 1
            while end < len(tokens) and end - start <= MAX_GAP and tokens[end] in _PHRASE_GAP:
                end += 1
            if end == start + 1 or end >= len(tokens) or used[end]:
                continue
            evidence = self._phrase(token + tokens[end])
            if evidence:
                used[start] = used[end] = True
                yield start, evidence

    def _phrase(self, joined: str) -> _Evidence:
        """Return the evidence of a phrase keyword equal to the joined words or to their base."""
        found = self._phrases.get(joined)
        if found:
            return found
        for base in _bases(joined):
            found = self._phrases.get(base)
            if found:
                return found
        return ()

    def _could_be_keyword(self, word: str) -> bool:
        """Tell whether the word starts like some keyword form once an inflection is stripped."""
        return word[: max(MIN_PART - 1, len(word) - _LONGEST_INFLECTION - 1)] in self._prefixes

    def _word_evidence(self, word: str) -> _Evidence:
        """Return the areas one word points at, trying exact, fuzzy and compound matching in turn."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        # A typo of a whole keyword ("tesplanen") beats a keyword found inside a word ("plan").
        evidence = self._exact_or_inflected(word) or self._fuzzy(word) or self._compound(word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = evidence
        return evidence

    def _exact_or_inflected(self, word: str) -> _Evidence:
        """Return the evidence of a keyword form equal to the word or to its uninflected base."""
        found = self._exact.get(word)
        if found:
            return found
        for base in _bases(word):
            found = self._exact.get(base)
            if found:
                return found
        return ()

    def _compound(self, word: str) -> _Evidence:
        """Return evidence for keywords inside the word, each weighted by how much of it they cover."""
        spans: list[tuple[int, int, _Evidence]] = []
        for start in range(len(word) - MIN_PART + 1):
            if 0 < start < MIN_COMPOUND_PART:
                continue
            for part, evidence in self._compound_parts.get(word[start : start + MIN_PART], ()):
                if word.startswith(part, start):
                    spans.append((start, start + len(part), evidence))
        best: dict[str, float] = {}
        for start, end, evidence in _outermost(spans):
            strength = COMPOUND_BASE + COMPOUND_SPAN * _coverage(word, start, end)
            for key, share in evidence:
                best[key] = max(best.get(key, 0.0), strength * share)
        return tuple(best.items())

    def _fuzzy(self, word: str) -> _Evidence:
        """Return the evidence of the keyword form closest to the word, if it is a likely typo of it."""
        vocabulary = self._fuzzy_vocab.get(word[:1])
        if len(word) < MIN_FUZZY or not vocabulary:
            return ()
        best_form, best_similarity = "", 0.0
        for candidate in (word, *(base for base in _bases(word) if len(base) >= MIN_FUZZY)):
            match = process.extractOne(
                candidate, vocabulary, scorer=Indel.normalized_similarity, score_cutoff=FUZZY_CUTOFF
            )
            if match is not None and match[1] > best_similarity:
                best_form, best_similarity = match[0], match[1]
        if not best_form:
            return ()
        return tuple((key, share * FUZZY_WEIGHT * best_similarity) for key, share in self._exact[best_form])

    def _verdict(self, scores: dict[str, float]) -> Classification:
        """Turn area scores into a confident area or a short list of candidates."""
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self._order.get(item[0], 0)))
        if not ranked or ranked[0][1] <= 0.0:
            return Classification(area=None, candidates=(), scores=())
        top = ranked[0][1]
        kept = [
            (key, round(score, 3)) for key, score in ranked[:MAX_CANDIDATES] if score >= top * CANDIDATE_FLOOR
        ]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confident = top >= MIN_CONFIDENT_SCORE and top >= second * CONFIDENCE_RATIO
        return Classification(
            area=kept[0][0] if confident else None,
            candidates=tuple(key for key, _ in kept),
            scores=tuple(kept),
        )


def _chosen(verdict: Classification, area: str) -> Classification:
    """Return the verdict with the chosen area, which then comes first among candidates and scores."""
    return Classification(
        area=area,
        candidates=(area, *(key for key in verdict.candidates if key != area)),
        scores=tuple(sorted(verdict.scores, key=lambda item: item[0] != area)),
    )


def _audience_positions(tokens: list[str]) -> list[bool]:
    """Mark the words that name a group as the audience or the asker rather than as the topic."""
    marks = [False] * len(tokens)
    for index in range(len(tokens)):
        size = _audience_size(tokens, index)
        if not size:
            continue
        before = index - 1
        while before >= 0 and tokens[before] in _DETERMINERS:
            before -= 1
        after = index + size
        if (before >= 0 and tokens[before] in _AUDIENCE_BEFORE) or (
            after < len(tokens) and tokens[after] in _AUDIENCE_AFTER
        ):
            marks[index : index + size] = [True] * size
    return marks


def _audience_size(tokens: list[str], index: int) -> int:
    """Return how many words from index on name an audience group (0 for none)."""
    for size in (2, 1):
        joined = "".join(tokens[index : index + size])
        if len(tokens) - index >= size and (
            joined in _AUDIENCE or any(base in _AUDIENCE for base in _bases(joined))
        ):
            return size
    return 0


def _bases(word: str) -> Iterable[str]:
    """Yield the word without each inflection it ends in, also with a doubled final consonant undone."""
    for size in range(min(_LONGEST_INFLECTION, len(word) - MIN_PART + 1), 0, -1):
        if word[-size:] in _INFLECTIONS:
            base = word[:-size]
            yield base
            if base[-1] == base[-2]:
                yield base[:-1]


def _keyword_forms(areas: Sequence[ExpertiseArea]) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """Map every folded keyword form to its areas; also return the unstemmed forms and one-word forms."""
    danish = snowballstemmer.stemmer("danish")
    english = snowballstemmer.stemmer("english")
    forms: dict[str, set[str]] = {}
    surfaces: set[str] = set()
    word_forms: set[str] = set()
    for area in areas:
        for keyword in (*area.keywords, area.key.replace("-", " "), area.name_da, area.name_en):
            words = tokenize(keyword)
            joined = "".join(words)
            if not joined:
                continue
            surfaces.add(joined)
            # Keywords carry no language tag, and a stemmer given the other language's word overcuts
            # ("interessent" -> "interess" in English); the longer stem is the one both can live with.
            stem = max(danish.stemWord(joined), english.stemWord(joined), key=len)
            for form in {joined, stem} if len(stem) >= MIN_SNOWBALL_STEM else {joined}:
                forms.setdefault(form, set()).add(area.key)
                if len(words) == 1:
                    word_forms.add(form)
    return forms, surfaces, word_forms


def _shared(keys: set[str]) -> _Evidence:
    """Split one unit of evidence between the areas that share a keyword form."""
    return tuple((key, 1.0 / len(keys)) for key in sorted(keys))


def _index_compound_parts(exact: dict[str, _Evidence]) -> dict[str, tuple[tuple[str, _Evidence], ...]]:
    """Index keywords long enough to be found inside compounds by their first letters."""
    index: dict[str, list[tuple[str, _Evidence]]] = {}
    for form, evidence in exact.items():
        if len(form) >= MIN_PART:
            index.setdefault(form[:MIN_PART], []).append((form, evidence))
    return {head: tuple(entries) for head, entries in index.items()}


def _index_fuzzy(forms: Iterable[str]) -> dict[str, list[str]]:
    """Group keyword forms by first letter: typos rarely hit it, and it cuts the search a lot."""
    index: dict[str, list[str]] = {}
    for form in forms:
        if len(form) >= MIN_PART:
            index.setdefault(form[0], []).append(form)
    return index


def _outermost(spans: list[tuple[int, int, _Evidence]]) -> list[tuple[int, int, _Evidence]]:
    """Drop spans lying inside a longer one: "testplan" explains its "plan"."""
    kept: list[tuple[int, int, _Evidence]] = []
    for span in sorted(spans, key=lambda item: item[0] - item[1]):
        if not any(other[0] <= span[0] and span[1] <= other[1] for other in kept):
            kept.append(span)
    return kept


def _coverage(word: str, start: int, end: int) -> float:
    """Return how much of the word a keyword covers, counting a trailing inflection as covered."""
    rest = word[end:]
    if rest in _INFLECTIONS or (rest[:1] == word[end - 1 : end] and rest[1:] in _INFLECTIONS):
        end = len(word)
    return (end - start) / len(word)
