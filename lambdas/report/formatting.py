"""How numbers, dates and labels are written in the report (HTML and Markdown alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.numbers import fixed

TARGETS = ("base", "fine-tuned")
TARGET_LABEL = {"base": "Base model", "fine-tuned": "Fine-tuned model"}
COLORS = {"base": "#94a3b8", "fine-tuned": "#2563eb", "training": "#2563eb", "validation": "#ea580c"}
DASH = "\u2013"
"""En dash: a number that is missing."""
MINUS, TIMES, EN = "\u2212", "\u00d7", "\u2013"
SIMULATED_TEXT = "SIMULATED RUN — produced offline against a simulated Bedrock; no AWS resources were used."


def num(value: Any, digits: int = 2) -> str:
    if value is None:
        return DASH
    if isinstance(value, float):
        return fixed(value, digits)
    return str(value)


def pct(share: float | None) -> str:
    return DASH if share is None else f"{fixed(share * 100, 0)}%"


def signed(value: float | None, digits: int = 2) -> str:
    if value is None:
        return DASH
    text = fixed(value, digits)
    return text.replace("-", MINUS) if text.startswith("-") else f"+{text}"


def change(reduction_pct: float | None, fewer: str, more: str) -> str:
    """A reduction in % as words: 57.6 -> '57.6% shorter', -10 -> '10.0% longer'."""
    if reduction_pct is None:
        return DASH
    return f"{fixed(abs(reduction_pct), 1)}% {fewer if reduction_pct >= 0 else more}"


def money(value: float | None) -> str:
    if value is None:
        return DASH
    whole, _, cents = fixed(value, 2).partition(".")
    return f"${int(whole):,}.{cents}"


def interval(bounds: list[float] | None, digits: int = 2, share: bool = False) -> str:
    """`[low, high]` as `+0.12 to +0.56` (or `41% to 97%` for shares)."""
    if not bounds:
        return DASH
    if share:
        return f"{pct(bounds[0])} to {pct(bounds[1])}"
    return f"{signed(bounds[0], digits)} to {signed(bounds[1], digits)}"


def p_value(value: float | None) -> str:
    if value is None:
        return DASH
    return "< 0.001" if value < 0.001 else fixed(value, 3)


def when(timestamp: str | None) -> str:
    """An ISO timestamp as `2026-01-01 09:00:05 UTC` (as given when it does not parse)."""
    if not timestamp:
        return DASH
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
