"""Token estimates, aware of scripts: the one place that owns every characters-per-token figure.

The customizable models' tokenizers are not published and CountTokens supports none of them
(https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html), so tokens are
estimated from characters, per script, at two rates:

- OPTIMISTIC (`estimate_tokens`): the fewest tokens a text plausibly takes. Used for the cost
  quote, the manifest's training tokens and the first per-record limit check (a record over
  the limit even at this rate is refused). The quote and the manifest both count with
  `record_tokens`, so they always give the same training-token figure.
- CONSERVATIVE (`conservative_tokens`): the most a text plausibly takes, never below a published
  measurement. A record over the limit only at this rate is in the grey zone (a warning).

Figures and sources:
- ASCII (English and code): 6 characters per token optimistic, from AWS's data-preparation
  guide (https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html);
  3 conservative, the rule of AWS's own Claude 3 Haiku dataset validator (aws-samples/
  amazon-bedrock-samples, custom-models/bedrock-fine-tuning/claude-haiku). A measurement of
  Amazon Nova Lite found about 4.2 characters per token for English (heuristicandrew.blogspot.com,
  2025), and AWS gives 4.7 for Titan Text Embeddings V2
  (https://docs.aws.amazon.com/bedrock/latest/userguide/titan-embedding-models.html): both inside.
- Japanese: 1.6 tokens per character conservative. The same Nova Lite measurement counted 2,754
  tokens for a 1,793-character Japanese article (1.54 per character), rounded up.
- Chinese: 2.11 tokens per character conservative (5,717 tokens for 2,715 characters, 2.106, same
  source, rounded up).
- Korean: 1.6 tokens per character conservative; no published measurement was found, so the
  Japanese figure (the nearer script in density) is assumed.
- Optimistic for all three, and both rates for any other non-ASCII character (accented Latin,
  Cyrillic, Thai, symbols): one token per character, the figure larger-vocabulary tokenizers
  reach for CJK text. Nothing lower is assumed.

Which figure a Han character gets: Han characters in a text that has any Hiragana or Katakana
are Japanese (Chinese is never written with kana); Han without kana is Chinese (the higher rate,
so a kana-free Japanese text is over- rather than under-counted). CJK punctuation and full-width
forms (、。「」 and full-width marks) count with the text's CJK language. The rule applies per text (a system
prompt, a question, an answer), not per character.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from shared.text import HAN_RANGES, HANGUL_RANGES, KANA_RANGES

_HAN = re.compile(f"[{HAN_RANGES}]+")
_KANA = re.compile(f"[{KANA_RANGES}]+")
_HANGUL = re.compile(f"[{HANGUL_RANGES}]+")
_CJK_MARKS = re.compile("[\u3000-\u303f\uff01-\uff65\uffe0-\uffee]+")
"""CJK Symbols and Punctuation, full-width ASCII forms and signs (not the half-width kana/Hangul)."""


@dataclass(frozen=True)
class Rates:
    """One estimate's figures. ASCII is in characters per token, the others in tokens per character."""

    ascii_chars_per_token: float
    japanese_per_char: float
    chinese_per_char: float
    korean_per_char: float
    other_per_char: float

    def describe(self) -> str:
        return (
            f"{self.ascii_chars_per_token:g} ASCII characters per token; per character: Japanese "
            f"{self.japanese_per_char:g}, Chinese {self.chinese_per_char:g}, Korean {self.korean_per_char:g}, "
            f"other non-ASCII {self.other_per_char:g} token(s)"
        )


OPTIMISTIC = Rates(6, 1.0, 1.0, 1.0, 1.0)
CONSERVATIVE = Rates(3, 1.6, 2.11, 1.6, 1.0)
# Kept for callers that name the ASCII figures directly.
OPTIMISTIC_CHARS_PER_TOKEN = OPTIMISTIC.ascii_chars_per_token
CONSERVATIVE_CHARS_PER_TOKEN = CONSERVATIVE.ascii_chars_per_token
SCRIPT_RULE = (
    "Han characters count as Japanese in a text with Hiragana or Katakana, as Chinese otherwise; "
    "CJK punctuation counts with the text's CJK language"
)


@dataclass(frozen=True)
class CharCounts:
    """Characters of one text by the script that decides their token rate."""

    ascii: int
    japanese: int = 0
    chinese: int = 0
    korean: int = 0
    other: int = 0


def _length(pattern: re.Pattern[str], text: str) -> int:
    return sum(len(run) for run in pattern.findall(text))


def char_counts(text: str) -> CharCounts:
    """Counted with C-speed regular expressions (20,000 records are checked in a Lambda)."""
    if text.isascii():
        return CharCounts(len(text))
    ascii_chars = len(text.encode("ascii", "ignore"))
    han, kana, hangul, marks = (_length(p, text) for p in (_HAN, _KANA, _HANGUL, _CJK_MARKS))
    other = len(text) - ascii_chars - han - kana - hangul - marks
    if kana:
        return CharCounts(ascii_chars, japanese=han + kana + marks, korean=hangul, other=other)
    if han:
        return CharCounts(ascii_chars, chinese=han + marks, korean=hangul, other=other)
    if hangul:
        return CharCounts(ascii_chars, korean=hangul + marks, other=other)
    return CharCounts(ascii_chars, other=other + marks)


def tokens_from(counts: CharCounts, rates: Rates) -> int:
    estimate = (
        counts.ascii / rates.ascii_chars_per_token
        + counts.japanese * rates.japanese_per_char
        + counts.chinese * rates.chinese_per_char
        + counts.korean * rates.korean_per_char
        + counts.other * rates.other_per_char
    )
    return math.ceil(round(estimate, 6))  # round first: 1.6 x 5 is 8.000000000000002 in floats


def estimate_tokens(text: str) -> int:
    """The optimistic estimate (cost quote, manifest, first limit check)."""
    return tokens_from(char_counts(text), OPTIMISTIC)


def conservative_tokens(text: str, chars_per_token: float | None = None) -> int:
    """The conservative estimate; `chars_per_token` replaces its ASCII figure (a family's own
    validator rule, for example)."""
    return tokens_from(char_counts(text), conservative_rates(chars_per_token))


def conservative_rates(chars_per_token: float | None = None) -> Rates:
    return replace(CONSERVATIVE, ascii_chars_per_token=chars_per_token) if chars_per_token else CONSERVATIVE


def record_tokens(system_prompt: str, *texts: str) -> int:
    """Optimistic tokens of one training record (its system prompt and every turn's text): the
    manifest's and the quote's figure, so that both always agree."""
    return estimate_tokens(system_prompt) + sum(estimate_tokens(text) for text in texts)


def truncate_to_tokens(text: str, max_tokens: int, max_chars: int | None = None) -> str:
    """The longest prefix of `text` whose conservative estimate is within `max_tokens` (and at most
    `max_chars` characters). A binary search on the prefix length: the estimate grows with the
    length except where a later kana turns Chinese-rate Han into Japanese-rate Han, and the
    result is checked against the limit either way."""
    if max_chars is not None:
        text = text[:max_chars]
    if conservative_tokens(text) <= max_tokens:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if conservative_tokens(text[:middle]) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return text[:low]
