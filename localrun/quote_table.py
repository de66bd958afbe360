"""The cost quote as a short table for the terminal (`make demo` prints it for a dry run)."""

from __future__ import annotations

from typing import Any

from shared.quote import usd_text


def quote_lines(quote: dict[str, Any], simulated: bool = True) -> list[str]:
    """One line per part, the total with its status, the budget verdict and what is not priced."""
    title = "Cost quote" + (" (SIMULATED run; prices from the real dated table or your overrides)" if simulated else "")
    lines = [f"  {title}, price table read {quote['priceTableRead']}, {quote['region'] or 'Region unknown'}:"]
    for part in quote["parts"]:
        lines.append(f"    {part['label'][:58]:<58} {usd_text(part['usd']):>14}")
    lines.append(f"    {'Total (' + quote['status'] + ')':<58} {usd_text(quote['totalUsd']):>14}")
    if quote["missingPrices"]:
        lines.append(
            f'    Not priced: {", ".join(quote["missingPrices"])} (give them with --input @file.json: "prices")'
        )
    lines.append(f"    Budget: {quote['budget']['message']}")
    return lines
