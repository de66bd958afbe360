"""The terms the simulated models compare texts by, in any script.

Latin (and other space-separated) scripts: lower-cased words, as before. Chinese, Japanese and
Korean have no spaces between words, so a `\\w+` run there is a whole clause: two correct
Japanese answers would share no "word". CJK runs are cut into overlapping character bigrams
instead (single characters when a run is one character long), the usual way to index CJK text
without a dictionary (Lucene's CJKBigramFilter does the same). Hiragana runs are dropped: in
Japanese they are mostly particles, auxiliaries and inflections (は, を, します, ください),
the equivalent of English stop words. Text is NFKC-normalised first, so full-width and
half-width forms (full-width Latin letters, half-width katakana) compare equal.

Written by hand rather than with a morphological analyser (MeCab, Sudachi): the simulator
needs a deterministic, dependency-free notion of "shares key terms", not linguistics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_HIRAGANA = "\u3040-\u309f"
_KATAKANA = "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
"""Katakana letters and the prolonged sound mark; not the middle dot (U+30FB), a separator."""
_HAN = "\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
_CJK = _HIRAGANA + _KATAKANA + _HAN + _HANGUL
_PIECE = re.compile(
    rf"(?P<kana>[{_HIRAGANA}]+)|(?P<cjk>[{_KATAKANA}]+|[{_HAN}]+|[{_HANGUL}]+)|(?P<word>[^\W{_CJK}]+)", re.UNICODE
)
_KANA = re.compile(rf"[{_HIRAGANA}{_KATAKANA}]")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_HANGUL_CHAR = re.compile(rf"[{_HANGUL}]")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def terms(text: str, keep_word: Callable[[str], bool] = lambda _: True) -> list[str]:
    """Words of space-separated scripts (those `keep_word` accepts) and CJK character bigrams,
    in reading order, with repeats."""
    found: list[str] = []
    for piece in _PIECE.finditer(normalize(text)):
        if piece.lastgroup == "word":
            if keep_word(piece.group()):
                found.append(piece.group())
        elif piece.lastgroup == "cjk":
            run = piece.group()
            found.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return found


def language(text: str) -> str:
    """A rough script-based guess: "ja" (any kana), "ko" (Hangul), "zh" (Han without kana), else "en"."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL_CHAR.search(text):
        return "ko"
    if _HAN_CHAR.search(text):
        return "zh"
    return "en"


def topic(text: str, limit: int = 3) -> list[str]:
    """The first few content chunks of a text as written (CJK runs whole, words as they are):
    what a model that does not know the answer echoes back."""
    chunks = [
        piece.group()
        for piece in _PIECE.finditer(unicodedata.normalize("NFKC", text))
        if piece.lastgroup == "cjk" or (piece.lastgroup == "word" and len(piece.group()) > 2)
    ]
    return chunks[:limit]
