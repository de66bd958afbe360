"""The cost quote as a short table for the terminal (`make demo` prints it for a dry run)."""

from __future__ import annotations

from typing import Any

from shared.quote import usd_text


def quote_lines(quote: dict[str, Any], simulated: bool = True) -> list[str]:
    """One line per part, the total with its status, the budget verdict and what is not priced."""
    sources = quote.get("priceSources") or {}
    if sources.get("priceListSimulated"):
        origin = "SIMULATED prices from the simulated AWS Price List"
    elif sources.get("priceListError"):
        origin = f"prices from the dated table (Price List not used: {sources['priceListError']})"
    else:
        origin = "prices from the AWS Price List, the dated table"
    title = "Cost quote" + (f" (SIMULATED run; {origin} or your overrides)" if simulated else "")
    lines = [f"  {title}, price table read {quote['priceTableRead']}, {quote['region'] or 'Region unknown'}:"]
    for part in quote["parts"]:
        origins = sorted({price.get("origin") or "not priced" for price in part["prices"]})
        lines.append(f"    {part['label'][:58]:<58} {usd_text(part['usd']):>14}  [{', '.join(origins)}]")
    lines.append(f"    {'Total (' + quote['status'] + ')':<58} {usd_text(quote['totalUsd']):>14}")
    if quote["missingPrices"]:
        lines.append(
            f'    Not priced: {", ".join(quote["missingPrices"])} (give them with --input @file.json: "prices")'
        )
    lines.append(f"    Budget: {quote['budget']['message']}")
    return lines
