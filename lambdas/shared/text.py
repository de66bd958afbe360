"""Text handling that works in every script: normalization, tokenization for lexical metrics,
and a script-based language detector.

Japanese, Chinese and Korean are written without spaces between words, so a `\\w+` tokenizer
turns a whole clause into one "word" and every lexical metric becomes noise. Here Han,
Hiragana, Katakana and Hangul count one character per token (the usual practice for CJK
ROUGE when no morphological analyser is at hand); every other script is split into words as
before. Text is NFKC-normalized and case-folded first, so full-width and half-width forms
(full-width Latin letters and digits, half-width katakana) compare equal to their ordinary forms.

Hand-written on purpose: a morphological analyser (MeCab, Sudachi) needs a dictionary of tens
of megabytes that does not fit the one Lambda asset, and a character split is what published
CJK ROUGE variants use when none is available.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# Unicode blocks (https://www.unicode.org/charts/): the characters written without spaces.
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""CJK Unified Ideographs, Extension A, Compatibility Ideographs, Extensions B-G."""
KANA_RANGES = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
"""Hiragana, Katakana (with the prolonged sound mark ー), Katakana Phonetic Extensions, half-width Katakana."""
HANGUL_RANGES = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff\uffa0-\uffdc"
"""Hangul Syllables, Jamo, Compatibility Jamo, Jamo Extended-A/B, half-width Hangul."""
CJK_RANGES = HAN_RANGES + KANA_RANGES + HANGUL_RANGES

_TOKEN = re.compile(rf"[{CJK_RANGES}]|[^\W{CJK_RANGES}]+")
"""One CJK character, or a run of word characters of any other script."""
_HAN = re.compile(f"[{HAN_RANGES}]+")
_KANA = re.compile(f"[{KANA_RANGES}]+")
_HANGUL = re.compile(f"[{HANGUL_RANGES}]+")
_LATIN_WORD = re.compile(rf"[^\W\d_{CJK_RANGES}]+")
"""A run of letters outside the CJK scripts (Latin, Cyrillic, Greek, ...)."""

TOKENIZATION = (
    "NFKC-normalized and case-folded; Han, Hiragana, Katakana and Hangul count one character per token, "
    "other scripts are split into words (runs of letters and digits); punctuation is ignored"
)
"""How lexical metrics (ROUGE-L) tokenize text: shown in the report and results.json."""


def normalize(text: str) -> str:
    """NFKC (full-width/half-width forms fold together) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def tokenize(text: str) -> list[str]:
    """Tokens for lexical metrics: see TOKENIZATION."""
    return _TOKEN.findall(normalize(text))


def rouge_l_f1(candidate: str, reference: str) -> float:
    """ROUGE-L F1: longest common subsequence of tokens as `tokenize` cuts them (CJK characters one
    by one, other scripts by words), 0..1. The report's metric and the RFT grader's `rouge` reward."""
    cand, ref = tokenize(candidate), tokenize(reference)
    if not cand or not ref:
        return 0.0
    previous = [0] * (len(ref) + 1)
    for word in cand:
        current = [0]
        for j, ref_word in enumerate(ref, start=1):
            current.append(previous[j - 1] + 1 if word == ref_word else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def _run_length(pattern: re.Pattern[str], text: str) -> int:
    return sum(len(run) for run in pattern.findall(text))


@dataclass(frozen=True)
class ScriptCounts:
    """Characters of a text by script (after nothing: the raw text)."""

    han: int
    kana: int
    hangul: int
    other_words: int
    """Runs of letters of other scripts (roughly: words)."""


def script_counts(text: str) -> ScriptCounts:
    if text.isascii():
        return ScriptCounts(0, 0, 0, len(_LATIN_WORD.findall(text)))
    return ScriptCounts(
        _run_length(_HAN, text),
        _run_length(_KANA, text),
        _run_length(_HANGUL, text),
        len(_LATIN_WORD.findall(text)),
    )


Language = Literal["ja", "zh", "ko", "latin", "none"]
LANGUAGE_NAMES: dict[str, str] = {
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "latin": "a space-separated script (English or another alphabet)",
    "none": "no letters",
}
LANGUAGE_RULE = (
    "by script: a text whose CJK characters are at least as many as its words in other scripts is "
    "Japanese when it has any Hiragana or Katakana, Korean when it has more Hangul than Han, otherwise "
    "Chinese; any other text with letters is a space-separated script; a text with no letters is not counted"
)
"""How `language` decides; shown in the report next to the same-language share."""


def language(text: str) -> Language:
    """The writing system of a text, by a simple script count (see LANGUAGE_RULE).

    A technical Japanese answer full of English product names ("Amazon Bedrock のモデル...")
    still has more kana/kanji characters than English words, so it counts as Japanese; an
    English answer that quotes one Japanese word does not."""
    counts = script_counts(text)
    cjk = counts.han + counts.kana + counts.hangul
    if cjk and cjk >= counts.other_words:
        if counts.kana:
            return "ja"
        return "ko" if counts.hangul > counts.han else "zh"
    return "latin" if counts.other_words else "none"


HTML_LANG = {"ja": "ja", "zh": "zh", "ko": "ko"}
"""The `lang` attribute for a data language; anything else keeps the page's English."""


def dominant_language(texts: Iterable[str]) -> Language:
    """The most common language among texts that have one (ties: the first seen)."""
    tally: dict[Language, int] = {}
    for text in texts:
        found = language(text)
        if found != "none":
            tally[found] = tally.get(found, 0) + 1
    return max(tally, key=lambda key: tally[key]) if tally else "none"
