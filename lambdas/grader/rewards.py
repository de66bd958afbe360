"""Rewards that call no model: a lexical overlap (ROUGE-L F1) and a character-bigram similarity.

ROUGE-L is the report's own (shared/text.py), so the reward and the evaluation measure the same
thing: each CJK character is a unit of its own, other scripts are cut into words. The bigram
similarity is written here by hand (a few lines) rather than with an NLP library: the grader must
score Japanese and other CJK text, which has no spaces.
"""

from __future__ import annotations

import math
from collections import Counter

from shared.text import rouge_l_f1, tokenize


def units(text: str) -> list[str]:
    """Normalized words, and CJK characters one by one (shared/text.py, as the report's ROUGE-L)."""
    return tokenize(text)


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (longest common subsequence of units), 0..1: the report's own metric."""
    return rouge_l_f1(candidate, reference)


def _bigrams(text: str) -> Counter[str]:
    squeezed = "".join(units(text))
    return Counter(squeezed[i : i + 2] for i in range(max(0, len(squeezed) - 1)))


def bigram_similarity(candidate: str, reference: str) -> float:
    """Cosine of character-bigram counts, 0..1 (spelling-tolerant, script-independent)."""
    a, b = _bigrams(candidate), _bigrams(reference)
    dot = sum(count * b[gram] for gram, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0
