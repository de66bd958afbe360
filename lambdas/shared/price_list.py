"""Bedrock prices read at run time from the AWS Price List (`pricing:GetProducts`, offer `AmazonBedrock`).

The one entry point is `fetch_prices(pricing_client, region, model_ids)`: it pages through the
Region's `AmazonBedrock` products (filter `regionCode`), keeps the rows whose `usagetype` is one
the quote needs, and returns a `PriceListReading`. It never raises: a Price List that cannot be
reached (denied, throttled, offline) gives a reading with `error` set and no prices, and the quote
falls back to the dated table (shared/prices.py).

Record shapes (what a `PriceList` entry is): a JSON *string* per product,
`{"product": {"sku", "productFamily", "attributes": {...}}, "serviceCode", "terms": {"OnDemand":
{<sku.offerTermCode>: {"effectiveDate", "priceDimensions": {<rateCode>: {"unit", "pricePerUnit":
{"USD": "0.0000350000"}, "beginRange", "endRange", "description"}}}}}, "version", "publicationDate"}`
(botocore `pricing` GetProducts: `PriceList` is a list of strings, `NextToken` pages, MaxResults 1-100;
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html,
offer-file terms: https://docs.aws.amazon.com/cur/latest/userguide/reading-an-offer.html).

`usagetype` spellings for Bedrock, as read from the live Price List by public projects (code search,
December 2026; the figures they recorded are in the comments of shared/prices.py):
- base on demand: `USE1-NovaMicro-input-tokens` / `-output-tokens`, attributes `inferenceType`
  "Input tokens" / "Output tokens", `feature` "On-demand Inference", unit "1K tokens";
  variants to ignore: `-batch`, `-flex`, `-priority`, `-cross-region-global`, cache meters;
- customization: `USE1-NovaPro-Customization-Training` (no `inferenceType`),
  `USE1-Nova2.0Lite-Customization-Storage` (unit per model-month), `USW2-Llama3-3-70B-Customization-Training`;
- on-demand custom model: `USE1-NovaLite-input-tokens-custom-model` (`inferenceType` "Input tokens");
- no-commitment PT: `USW2-Llama3-1-70B-ProvisionedThroughput-NoCommit-ModelUnits`,
  `USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits` (unit "hour", `feature`
  "Provisioned Throughput Inference - no commit").
Matching is on the exact `usagetype` (Region prefix + the model's stem from the price table + the
meter), then the unit is checked against the meter: a row whose unit does not fit is not used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.aws import error_code, error_message
from shared.prices import prices_for

SERVICE_CODE = "AmazonBedrock"
PAGE_SIZE = 100
MAX_PAGES = 60
"""A Region's AmazonBedrock offer had about 1,000 products in 2026 (a public reader counted 1,013 in
us-east-1): 60 pages of 100 is ample; beyond it the reading stops and says so."""

REGION_PREFIXES: dict[str, str] = {
    "us-east-1": "USE1",
    "us-east-2": "USE2",
    "us-west-2": "USW2",
    "eu-central-1": "EUC1",
    "eu-west-1": "EU",
    "ap-northeast-1": "APN1",
    "ap-southeast-2": "APS2",
}
"""The Region code AWS puts in front of a usage type (as on the bill). us-east-1 and us-west-2 are
seen in Bedrock usage types; the others follow AWS's usage-type convention and are unconfirmed."""

Meter = Literal["input", "output", "custom_input", "custom_output", "training", "storage", "pt"]
METER_SUFFIX: dict[Meter, str] = {
    "input": "input-tokens",
    "output": "output-tokens",
    "custom_input": "input-tokens-custom-model",
    "custom_output": "output-tokens-custom-model",
    "training": "Customization-Training",
    "storage": "Customization-Storage",
    "pt": "ProvisionedThroughput-NoCommit-ModelUnits",
}


def usage_type(region: str, stem: str, meter: Meter) -> str | None:
    """`us-east-1`, `NovaMicro`, `input` -> `USE1-NovaMicro-input-tokens`; None for an unknown Region."""
    prefix = REGION_PREFIXES.get(region)
    return f"{prefix}-{stem}-{METER_SUFFIX[meter]}" if prefix else None


@dataclass(frozen=True)
class ListedPrice:
    """One price read from the Price List, normalised to the quote's unit (per 1,000 tokens,
    per model-month, per model-unit hour)."""

    usd: float
    usage_type: str
    unit: str
    sku: str
    publication_date: str | None
    version: str | None
    effective_date: str | None

    def source(self) -> str:
        published = self.publication_date or "publication date not given"
        version = f", version {self.version}" if self.version else ""
        return (
            f"AWS Price List ({SERVICE_CODE}, usagetype {self.usage_type}, {self.unit}; published {published}{version})"
        )


@dataclass
class PriceListReading:
    """What one run read from the Price List: the prices found per (model, meter), or why none."""

    region: str
    prices: dict[tuple[str, Meter], ListedPrice] = field(default_factory=dict)
    error: str | None = None
    """Why the Price List could not be read (the quote then says the table was used)."""
    products_read: int = 0
    pages: int = 0
    notes: list[str] = field(default_factory=list)
    """Rows that looked right but were not used (unit mismatch, conflicting prices), and stems not known."""

    def price(self, model_id: str, meter: Meter) -> ListedPrice | None:
        entry = prices_for(model_id)
        return self.prices.get((entry.model, meter)) if entry else None

    @property
    def publication_dates(self) -> list[str]:
        return sorted({p.publication_date for p in self.prices.values() if p.publication_date})

    @property
    def simulated(self) -> bool:
        """The simulated Price List marks its offers with a version starting `SIMULATED`."""
        return any((p.version or "").startswith("SIMULATED") for p in self.prices.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "serviceCode": SERVICE_CODE,
            "region": self.region,
            "error": self.error,
            "productsRead": self.products_read,
            "pages": self.pages,
            "simulated": self.simulated,
            "publicationDates": self.publication_dates,
            "notes": self.notes,
            "prices": [
                {
                    "model": model,
                    "meter": meter,
                    "usd": listed.usd,
                    "usagetype": listed.usage_type,
                    "unit": listed.unit,
                    "sku": listed.sku,
                    "publicationDate": listed.publication_date,
                    "version": listed.version,
                    "effectiveDate": listed.effective_date,
                }
                for (model, meter), listed in sorted(self.prices.items())
            ],
        }


def _unit_scale(meter: Meter, unit: str) -> float | None:
    """Multiplier from the row's unit to the quote's unit; None when the unit does not fit the meter
    (a wrong scale is worse than a missing price: the missing one is visible)."""
    folded = unit.strip().lower()
    if meter in ("storage",):
        return 1.0 if "month" in folded else None
    if meter == "pt":
        return 1.0 if "hour" in folded or folded in ("hrs", "hr") else None
    if folded in ("1k tokens", "1000 tokens"):
        return 1.0
    if folded in ("1m tokens", "1000000 tokens"):
        return 0.001
    return None


def _on_demand_price(item: dict[str, Any]) -> tuple[float, str, str | None] | None:
    """(USD, unit, effective date) of the record's single on-demand rate, or None when it has no
    rate or several different ones (tiers: the first tier is used only when it starts at 0)."""
    rates: set[tuple[float, str]] = set()
    effective: str | None = None
    for term in item.get("terms", {}).get("OnDemand", {}).values():
        effective = term.get("effectiveDate", effective)
        for dimension in term.get("priceDimensions", {}).values():
            if str(dimension.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            usd = dimension.get("pricePerUnit", {}).get("USD")
            if usd is None:
                continue
            rates.add((float(usd), str(dimension.get("unit", ""))))
    if len(rates) != 1:
        return None
    usd, unit = rates.pop()
    return usd, unit, effective


def wanted_usage_types(region: str, model_ids: Iterable[str]) -> tuple[dict[str, tuple[str, Meter]], list[str]]:
    """usagetype -> (table model, meter) for every model the run uses, and notes on models whose
    Price List spelling is not known (those stay with the table)."""
    wanted: dict[str, tuple[str, Meter]] = {}
    notes: list[str] = []
    for model_id in dict.fromkeys(model_ids):
        entry = prices_for(model_id)
        if entry is None or entry.usage_stem is None:
            notes.append(f"{model_id}: its Price List usagetype spelling is not known; the table is used")
            continue
        for meter in METER_SUFFIX:
            name = usage_type(region, entry.usage_stem, meter)
            if name is None:
                notes.append(f"{region}: no usage-type Region prefix is known; the table is used")
                return {}, notes
            wanted[name] = (entry.model, meter)
    return wanted, notes


def fetch_prices(pricing: Any, region: str, model_ids: Iterable[str]) -> PriceListReading:
    """Every Price List price the run's models have in `region` (see the module docstring).
    Never raises for the Price List's own failures: the reading carries the error instead."""
    wanted, notes = wanted_usage_types(region, model_ids)
    reading = PriceListReading(region=region, notes=notes)
    if not wanted:
        reading.error = "no model of this run has a known Price List usage type in this Region"
        return reading
    found: dict[tuple[str, Meter], list[ListedPrice]] = {}
    try:
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "ServiceCode": SERVICE_CODE,
                "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
                "FormatVersion": "aws_v1",
                "MaxResults": PAGE_SIZE,
            }
            if token:
                request["NextToken"] = token
            page = pricing.get_products(**request)
            reading.pages += 1
            for text in page.get("PriceList", []):
                reading.products_read += 1
                _take(json.loads(text) if isinstance(text, str) else text, wanted, found, reading)
            token = page.get("NextToken")
            if not token:
                break
            if reading.pages >= MAX_PAGES:
                reading.notes.append(f"stopped after {MAX_PAGES} pages; prices not found by then come from the table")
                break
    except Exception as error:  # any failure of the Price List (denied, throttled, offline) is not fatal
        reading.error = f"{error_code(error)}: {error_message(error)}"
        return reading
    for key, candidates in found.items():
        rates = {listed.usd for listed in candidates}
        if len(rates) == 1:
            reading.prices[key] = candidates[0]
        else:
            reading.notes.append(
                f"{candidates[0].usage_type}: {len(candidates)} products with different prices "
                f"({', '.join(f'{rate:g}' for rate in sorted(rates))}); not used, the table applies"
            )
    return reading


def _take(
    item: dict[str, Any],
    wanted: dict[str, tuple[str, Meter]],
    found: dict[tuple[str, Meter], list[ListedPrice]],
    reading: PriceListReading,
) -> None:
    product = item.get("product", {})
    attributes = product.get("attributes", {})
    name = attributes.get("usagetype", "")
    if name not in wanted:
        return
    model, meter = wanted[name]
    rate = _on_demand_price(item)
    if rate is None:
        reading.notes.append(f"{name}: no single on-demand rate in the record; not used")
        return
    usd, unit, effective = rate
    scale = _unit_scale(meter, unit)
    if scale is None:
        reading.notes.append(f"{name}: unit {unit!r} does not fit a {meter} price; not used")
        return
    found.setdefault((model, meter), []).append(
        ListedPrice(
            usd=round(usd * scale, 10),
            usage_type=name,
            unit=unit,
            sku=str(product.get("sku", "")),
            publication_date=item.get("publicationDate"),
            version=item.get("version"),
            effective_date=effective,
        )
    )
