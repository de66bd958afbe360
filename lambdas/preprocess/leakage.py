"""Training data leaking into evaluation, and training questions that contradict each other.

A question is normalized before it is compared: NFKC (full-width and half-width forms fold
together), case-folded, and stripped of everything but letters and digits (punctuation,
symbols, spaces), so "What's the default?" and "whats the DEFAULT" are the same question.

Two questions match exactly when their normalized forms are equal, and nearly when the Jaccard
similarity of their character n-gram sets is at least NEAR_THRESHOLD (0.75). The n-gram size
depends on the script: 3 for a Japanese, Chinese or Korean question (one CJK character carries
about as much as a short English syllable group, and such text has no spaces), 5 for any
other (`shared.text.language` decides). Measured on hand-made pairs (tests/unit/test_leakage.py):
copies with small edits (a changed sentence ending "何ですか" / "どれですか", a dropped "ですか",
an added word) score 0.75-1.0; re-worded questions (a verb swapped, words reordered, as in the
bundled English evaluation set: "contains" / "holds", 0.70) and different questions built on
the same template ("東京タワーの高さは" / "スカイツリーの高さは", "default number of epochs" /
"default learning rate") score below 0.71. Questions that mention different numbers are
different questions ("record 12" / "record 13", "質問1" / "質問2"), however alike their
characters: a near match needs the same numbers in the same order. A paraphrase is kept on
purpose: it tests what the model learned rather than what it memorized; a lexical measure
could not find one in other words anyway.

The search is exact and fast on 20,000 records: an inverted index on n-grams with prefix
filtering (Bayardo et al., "Scaling up all pairs similarity search", WWW 2007). Sets are sorted
by a global order (rarest n-gram first); two sets with Jaccard >= t must share one of the
first |S| - ceil(t|S|) + 1 n-grams of each, so only those are indexed and probed, and each
candidate is then verified by its exact Jaccard.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from itertools import chain
from typing import Any, Literal

from preprocess.raw_data import QAPair
from shared.text import language

NEAR_THRESHOLD = Fraction(3, 4)
"""Jaccard similarity at or above which two questions are near duplicates (a fraction, so that
ceil(t x |S|) is exact)."""
CJK_NGRAM = 3
OTHER_NGRAM = 5
MIN_EVALUATION_QUESTIONS = 5
"""Fewer evaluation questions than this after leaked ones are removed: the run is refused
(a paired verdict on so few questions cannot be told from chance)."""
METHOD = (
    "questions normalized (NFKC, case-folded, punctuation, symbols and spaces removed); exact match of the "
    f"normalized question, or Jaccard similarity of character n-grams (n = {CJK_NGRAM} for Japanese, Chinese "
    f"and Korean, {OTHER_NGRAM} otherwise) of at least {float(NEAR_THRESHOLD):g}"
)

_NOT_ALNUM = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")


def normalize_question(question: str) -> str:
    """NFKC, case-folded, letters and digits only (punctuation, symbols, spaces and the
    underscore removed, at C speed)."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", question).casefold())


def ngrams(normalized: str, size: int) -> frozenset[str]:
    """Character n-grams; a text shorter than n is one n-gram (itself)."""
    if len(normalized) <= size:
        return frozenset((normalized,)) if normalized else frozenset()
    return frozenset({normalized[i : i + size] for i in range(len(normalized) - size + 1)})


def gram_size(question: str) -> int:
    if question.isascii():
        return OTHER_NGRAM
    return CJK_NGRAM if language(question) in ("ja", "zh", "ko") else OTHER_NGRAM


def _prefix_length(size: int) -> int:
    needed = -(-NEAR_THRESHOLD.numerator * size // NEAR_THRESHOLD.denominator)  # ceil(t x size), exact
    return size - needed + 1


@dataclass(frozen=True)
class Match:
    location: str
    """The evaluation or validation record that repeats a training question."""
    question: str
    trainingLocation: str
    trainingQuestion: str
    kind: Literal["exact", "near"]
    similarity: float
    """Jaccard similarity of the n-gram sets (1.0 for an exact match)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TrainingIndex:
    """The training questions, indexed once, to check any number of other questions against."""

    def __init__(self, training: Sequence[QAPair]) -> None:
        self.pairs = training
        self.exact: dict[str, int] = {}
        self.grams: list[frozenset[str]] = []
        self.numbers: list[tuple[str, ...]] = []
        for index, pair in enumerate(training):
            normalized = normalize_question(pair.prompt)
            self.exact.setdefault(normalized, index)
            self.grams.append(ngrams(normalized, gram_size(pair.prompt)))
            self.numbers.append(tuple(_NUMBER.findall(normalized)))
        self.frequency = Counter(chain.from_iterable(self.grams))
        # By the question's numbers, then by n-gram: a near match needs the same numbers, so a
        # question is only ever compared with training questions that mention the same ones.
        self.index: dict[tuple[str, ...], dict[str, list[int]]] = {}
        for index, found in enumerate(self.grams):
            postings = self.index.setdefault(self.numbers[index], defaultdict(list))
            for gram in self._ordered(found)[: _prefix_length(len(found))]:
                postings[gram].append(index)

    def _ordered(self, known: Iterable[str]) -> list[str]:
        """The global order: rarest first, ties by the n-gram itself (a stable sort by frequency of
        a lexicographic sort; both at C speed)."""
        return sorted(sorted(known), key=self.frequency.__getitem__)

    def _prefix(self, found: frozenset[str]) -> list[str]:
        """The probe prefix of a question's n-grams. N-grams no training question has come first
        in the order (frequency 0) and match nothing, so only the known ones within the prefix
        length are returned: probes stay off the long lists of common n-grams."""
        known = found & self.frequency.keys()
        room = _prefix_length(len(found)) - (len(found) - len(known))
        return self._ordered(known)[:room] if room > 0 else []

    def match(self, pair: QAPair) -> Match | None:
        """The training question this one repeats: an exact match if there is one, else the first
        training question found at or above the threshold."""
        normalized = normalize_question(pair.prompt)
        exact = self.exact.get(normalized)
        if exact is not None and normalized:
            return self._match(pair, exact, "exact", 1.0)
        found = ngrams(normalized, gram_size(pair.prompt))
        if not found:
            return None
        postings = self.index.get(tuple(_NUMBER.findall(normalized)))
        if postings is None:
            return None
        num, den = NEAR_THRESHOLD.numerator, NEAR_THRESHOLD.denominator
        size = len(found)
        # Length filter: J(A, B) >= t needs t|A| <= |B| <= |A| / t.
        shortest, longest = num * size / den, size * den / num
        seen: set[int] = set()
        for gram in self._prefix(found):
            for candidate in postings.get(gram, ()):
                if candidate in seen:
                    continue
                seen.add(candidate)
                other = self.grams[candidate]
                if not shortest <= len(other) <= longest:
                    continue
                shared = len(found & other)
                union = size + len(other) - shared
                if shared * den >= num * union:
                    return self._match(pair, candidate, "near", round(shared / union, 4))
        return None

    def _match(self, pair: QAPair, index: int, kind: Literal["exact", "near"], similarity: float) -> Match:
        source = self.pairs[index]
        return Match(pair.location, pair.prompt, source.location, source.prompt, kind, similarity)


def find_leaks(index: TrainingIndex, pairs: Sequence[QAPair]) -> list[Match]:
    """One match per record of `pairs` that repeats a training question, in their order."""
    return [found for pair in pairs if (found := index.match(pair)) is not None]


@dataclass(frozen=True)
class Contradiction:
    location: str
    otherLocation: str
    question: str


def contradictions(training: Sequence[QAPair]) -> list[Contradiction]:
    """Training records whose normalized questions are equal but whose answers differ (after the
    same normalization): the model is taught two answers to one question."""
    first: dict[str, QAPair] = {}
    found = []
    for pair in training:
        key = normalize_question(pair.prompt)
        if not key or not pair.completion.strip():
            continue  # a question without an answer (distillation's prompts only) teaches no answer
        earlier = first.setdefault(key, pair)
        if earlier is not pair and normalize_question(earlier.completion) != normalize_question(pair.completion):
            found.append(Contradiction(pair.location, earlier.location, pair.prompt))
    return found
