"""The prices a run used, for what it left behind: `bft runs` and `bft cleanup` cost a run's
custom model and hosting with the same figures as the run's quote, not with a second lookup.

Where they come from, in order: the run's cost quote (runs/<id>/data/manifest.json, `costQuote`:
each part lists the prices it used, with their origin: an override, the AWS Price List read for
the run, or the dated table); then the run's copy of every Price List price it read
(runs/<id>/data/prices.json, for a price the quote did not need). A resource whose run left no
data is priced from the dated table (cli/resources.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.prices import bare_inference_id

QUOTE_NAMES = {
    "storage": "storagePerModelMonthUsd",
    "custom_input": "customInputPer1kTokensUsd",
    "custom_output": "customOutputPer1kTokensUsd",
    "pt": "ptPerModelUnitHourUsd",
}
"""The run-price meters, by their names in the quote (shared/prices.py PriceOverrides)."""


@dataclass(frozen=True)
class RunPrice:
    usd: float
    origin: str
    """`override`, `price list` (SIMULATED when the run's Price List was), or `table`."""

    def label(self) -> str:
        return f"the run's price, {self.origin}"


RunPrices = dict[str, RunPrice]
"""Meter (`storage`, `custom_input`, `custom_output`, `pt`) -> the price the run used."""


def from_run(manifest: dict[str, Any] | None, price_list: dict[str, Any] | None) -> RunPrices:
    """The prices in a run's quote, completed from its Price List copy."""
    found: RunPrices = {}
    quote = (manifest or {}).get("costQuote") or {}
    simulated = bool(((quote.get("priceSources") or {}).get("priceListSimulated")) or (manifest or {}).get("simulated"))
    by_name = {name: meter for meter, name in QUOTE_NAMES.items()}
    for part in quote.get("parts") or []:
        for used in part.get("prices") or []:
            meter = by_name.get(used.get("name"))
            if meter and isinstance(used.get("usd"), int | float) and meter not in found:
                origin = str(used.get("origin") or used.get("basis") or "quote")
                if origin == "price list" and simulated:
                    origin = "SIMULATED price list"
                found[meter] = RunPrice(float(used["usd"]), origin)
    model = ((manifest or {}).get("config") or {}).get("baseModelId")
    if price_list and model:
        wanted = bare_inference_id(str(model))
        origin = "SIMULATED price list" if price_list.get("simulated") else "price list"
        for row in price_list.get("prices") or []:
            meter = row.get("meter")
            usd = row.get("usd")
            if (
                row.get("model") == wanted
                and meter in QUOTE_NAMES
                and meter not in found
                and isinstance(usd, int | float)
            ):
                found[meter] = RunPrice(float(usd), origin)
    return found


def reader(read_json: Callable[[str], dict[str, Any] | None]) -> Callable[[str | None], RunPrices]:
    """A memoized `run id -> the run's prices` over the bucket (two reads per run, on first use)."""
    cache: dict[str, RunPrices] = {}

    def prices(run_id: str | None) -> RunPrices:
        if not run_id:
            return {}
        if run_id not in cache:
            cache[run_id] = from_run(
                read_json(f"runs/{run_id}/data/manifest.json"), read_json(f"runs/{run_id}/data/prices.json")
            )
        return cache[run_id]

    return prices
