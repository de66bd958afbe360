"""Numbers as text, rounded the way people do it by hand (half up), so that the report and
the notification agree with each other and with a reader's arithmetic: 7.125 -> "7.13"
(Python's format() gives "7.12", because it rounds half to even)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def fixed(value: float, digits: int = 2) -> str:
    """`value` with exactly `digits` decimals, half up: fixed(2.675) == "2.68"."""
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    return str(rounded.copy_abs() if rounded == 0 else rounded)  # no "-0.00"
