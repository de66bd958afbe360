"""The terms the simulated models compare texts by, in any script, and the text helpers the
simulated models share (content words, similarity, term-overlap F1, tagged sections).

Scripts, normalization and language come from the pipeline's own module (lambdas/shared/text.py):
the same Unicode ranges, the same NFKC + case-folding, the same script-count language detector.
What differs is the unit of comparison, on purpose. The pipeline's ROUGE-L counts one CJK
character per token (the published CJK ROUGE practice). The simulated models instead decide
"does this answer share key terms with that one" (the fine-tuned model's recall, the judge's
verdict, the embedding's hashed bag of terms), and single characters are far too common for
that: two unrelated Japanese sentences share many of them. So CJK runs are cut into overlapping
character bigrams (single characters when a run is one character long), the usual way to index
CJK text without a dictionary (Lucene's CJKBigramFilter does the same). Hiragana runs are
dropped: in Japanese they are mostly particles, auxiliaries and inflections (は, を, します),
the equivalent of English stop words. Katakana runs are split at the middle dot (・), a separator.

Written by hand rather than with a morphological analyser (MeCab, Sudachi): the simulator
needs a deterministic, dependency-free notion of "shares key terms", not linguistics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from shared import text as shared_text
from shared.text import HAN_RANGES, HANGUL_RANGES, KANA_RANGES

_HIRAGANA = "\u3040-\u309f"
"""The Hiragana block, a part of the shared KANA_RANGES."""
_NOT_KATAKANA = f"{_HIRAGANA}\u30a0\u30fb"
"""Inside KANA_RANGES, what is not a katakana letter: Hiragana, the double hyphen and the middle dot."""
_HAN = HAN_RANGES + "\u3005\u3006"
"""The shared Han ranges plus the iteration marks 々 and 〆, which are written inside kanji words
(人々, 様々) and which the shared ranges leave to punctuation."""
_CJK = KANA_RANGES + _HAN + HANGUL_RANGES
_PIECE = re.compile(
    rf"(?P<kana>[{_HIRAGANA}]+)"
    rf"|(?P<cjk>(?:(?![{_NOT_KATAKANA}])[{KANA_RANGES}])+|[{_HAN}]+|[{HANGUL_RANGES}]+)"
    rf"|(?P<word>[^\W{_CJK}]+)"
)
_FUNCTION_WORDS = """a an the is are was were be been of to in on for and or with by at from as it its this that
which what how many much does do did can could should would will your you i me my we our their they them there
when where who whom why into than then so if not no yes about per"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())
"""English function words the simulated models do not count as shared content."""

normalize = shared_text.normalize


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
    """The language a simulated model answers in: the pipeline's script-count detector
    (shared.text.language), with space-separated scripts and letterless text answered in English."""
    found = shared_text.language(text)
    return found if found in ("ja", "zh", "ko") else "en"


def topic(text: str, limit: int = 3) -> list[str]:
    """The first few content chunks of a text as written (CJK runs whole, words as they are):
    what a model that does not know the answer echoes back."""
    chunks = [
        piece.group()
        for piece in _PIECE.finditer(unicodedata.normalize("NFKC", text))
        if piece.lastgroup == "cjk" or (piece.lastgroup == "word" and len(piece.group()) > 2)
    ]
    return chunks[:limit]


def content_words(text: str) -> list[str]:
    """Content words (English stop words left out) and CJK character bigrams."""
    return terms(text, lambda word: word not in STOPWORDS)


def similarity(a: str, b: str) -> float:
    """Jaccard of the two texts' content terms."""
    wa, wb = set(content_words(a)), set(content_words(b))
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def overlap_f1(answer: str, reference: str) -> float:
    """F1 of the content terms an answer shares with a reference."""
    wa, wr = set(content_words(answer)), set(content_words(reference))
    common = len(wa & wr)
    if not common:
        return 0.0
    precision, recall = common / len(wa), common / len(wr)
    return 2 * precision * recall / (precision + recall)


def between(text: str, tag: str) -> str:
    """The text inside <tag>...</tag> of a prompt, with the prompt's XML escapes undone."""
    found = re.search(f"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    raw = found.group(1) if found else ""
    return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
