"""Rewards that call no model: a lexical overlap (ROUGE-L F1) and a character-bigram similarity.

Written by hand (a few lines each) rather than with rouge-score or an NLP library: the grader must
score Japanese and other CJK text, which has no spaces. Words are runs of letters and digits;
each CJK character (Han, Hiragana, Katakana, Hangul) is a unit of its own, so ROUGE over a Japanese
answer compares characters, as CJK ROUGE evaluations usually do.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_UNIT = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+", re.UNICODE)


def units(text: str) -> list[str]:
    """Lowercased words, and CJK characters one by one."""
    return _UNIT.findall(text.casefold())


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (longest common subsequence of units), 0..1."""
    cand, ref = units(candidate), units(reference)
    if not cand or not ref:
        return 0.0
    previous = [0] * (len(ref) + 1)
    for unit in cand:
        current = [0]
        for j, ref_unit in enumerate(ref, start=1):
            current.append(previous[j - 1] + 1 if unit == ref_unit else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def _bigrams(text: str) -> Counter[str]:
    squeezed = "".join(units(text))
    return Counter(squeezed[i : i + 2] for i in range(max(0, len(squeezed) - 1)))


def bigram_similarity(candidate: str, reference: str) -> float:
    """Cosine of character-bigram counts, 0..1 (spelling-tolerant, script-independent)."""
    a, b = _bigrams(candidate), _bigrams(reference)
    dot = sum(count * b[gram] for gram, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0
