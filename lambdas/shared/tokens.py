"""Token estimates for dataset limits and cost.

AWS's data-preparation guide suggests about 6 characters per token for English
(https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html), but
AWS's own Claude 3 Haiku dataset validator counts 3 characters per token (aws-samples/
amazon-bedrock-samples, custom-models/bedrock-fine-tuning/claude-haiku), and typical English BPE
is 3.5-4. `estimate_tokens` is the optimistic figure (used for cost); `conservative_tokens`
the pessimistic one: a record between the two is in the grey zone. Other scripts undercount
badly (Japanese is closer to one token per character), so non-ASCII characters count as one
token each in both.
"""

from __future__ import annotations

import math

OPTIMISTIC_CHARS_PER_TOKEN = 6
CONSERVATIVE_CHARS_PER_TOKEN = 3


def char_counts(text: str) -> tuple[int, int]:
    """(ASCII characters, other characters), counted at C speed."""
    if text.isascii():
        return len(text), 0
    ascii_chars = len(text.encode("ascii", "ignore"))
    return ascii_chars, len(text) - ascii_chars


def tokens_from(counts: tuple[int, int], chars_per_token: int) -> int:
    ascii_chars, other = counts
    return math.ceil(ascii_chars / chars_per_token) + other


def estimate_tokens(text: str) -> int:
    return tokens_from(char_counts(text), OPTIMISTIC_CHARS_PER_TOKEN)


def conservative_tokens(text: str, chars_per_token: int = CONSERVATIVE_CHARS_PER_TOKEN) -> int:
    return tokens_from(char_counts(text), chars_per_token)
