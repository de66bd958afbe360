"""Token estimates for dataset limits and cost.

AWS suggests about 6 characters per token for English. That undercounts other scripts
badly (Japanese is closer to one token per character), and an underestimate is what makes
a paid job fail late, so non-ASCII characters count as one token each.
"""

from __future__ import annotations

import math


def estimate_tokens(text: str) -> int:
    ascii_chars = len(text) if text.isascii() else len(text.encode("ascii", "ignore"))  # C speed, same count
    return math.ceil(ascii_chars / 6) + (len(text) - ascii_chars)
