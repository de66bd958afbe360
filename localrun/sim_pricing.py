"""A SIMULATED AWS Price List Query API (`pricing:GetProducts`) for the Bedrock offer.

moto has no `pricing` service (moto 5 implements none of its operations), so the simulator answers
it below boto3 like Bedrock and Service Quotas: botocore serialises the real request and parses the
response with the real `pricing` service model (JSON protocol, target `AWSPriceListService`).

Response shape, as AWS answers it (botocore `pricing` GetProducts; third-party readers of the live
API, see shared/price_list.py): `FormatVersion` "aws_v1", `PriceList` a list of JSON *strings*,
each `{"product": {"productFamily", "attributes": {"usagetype", "regionCode", "location", "model",
"inferenceType", "feature", "servicecode", ...}, "sku"}, "serviceCode", "terms": {"OnDemand":
{"<sku>.JRTCKXETXF": {"priceDimensions": {...: {"unit", "pricePerUnit": {"USD": "..."}, ...}},
"effectiveDate", ...}}}, "version", "publicationDate"}`, paged with `NextToken` (`MaxResults` 1-100).

Every figure here is SIMULATED: the offer's `version` starts with `SIMULATED` and every price
dimension's description says so. Where the dated table (shared/prices.py) has a real figure the
simulation serves it; where it has none, an invented one (`SIMULATED_FIGURES`). The catalog also
holds rows the pipeline must NOT use (batch, flex, cross-Region, cache meters) at other prices.

Faults: `pricing-unavailable` (every call is denied: AccessDeniedException), `pricing-unmatched`
(the offer has no product for the run's base model, so its prices come from the table or stay unpriced).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from shared.price_list import METER_SUFFIX, REGION_PREFIXES, SERVICE_CODE, Meter
from shared.prices import PRICE_TABLE, ModelPrices

from . import sim_faults
from .sim_common import Handler
from .sim_errors import SimulatedError
from .sim_faults import PRICING_FAULTS as PRICING_FAULTS  # pricing-unavailable, pricing-unmatched

PUBLICATION_DATE = "2026-12-01T00:00:00Z"
VERSION = "SIMULATED-20261201000000"
LOCATIONS = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)"}
SIMULATED_FIGURES: dict[Meter, float] = {
    "training": 0.0010,
    "storage": 1.95,
    "pt": 20.5,
    "custom_input": 0.00004,
    "custom_output": 0.00016,
    "input": 0.0001,
    "output": 0.0004,
}
"""Invented figures for meters the dated table has no price for (never AWS's prices)."""
NOT_USED_VARIANTS = (("-batch", 0.5), ("-flex", 0.5), ("-priority", 1.75), ("-cross-region-global", 0.9))
"""Variants of the base input meter that the Price List also lists, at other prices; a quote for
synchronous on-demand calls in the Region must not take them."""
UNMATCHED_MODEL = "amazon.nova-micro-v1:0"
"""The model whose products `pricing-unmatched` removes (the demo's default base model)."""

CUSTOMIZATION: dict[str, tuple[str, ...]] = {
    "amazon.nova-micro-v1:0": ("us-east-1",),
    "amazon.nova-lite-v1:0": ("us-east-1",),
    "amazon.nova-pro-v1:0": ("us-east-1",),
    "amazon.nova-2-lite-v1:0": ("us-east-1",),
    "anthropic.claude-3-haiku-20240307-v1:0": ("us-west-2",),
    "meta.llama3-1-8b-instruct-v1:0": ("us-west-2",),
    "meta.llama3-1-70b-instruct-v1:0": ("us-west-2",),
    "meta.llama3-2-1b-instruct-v1:0": ("us-west-2",),
    "meta.llama3-2-3b-instruct-v1:0": ("us-west-2",),
    "meta.llama3-2-11b-instruct-v1:0": ("us-west-2",),
    "meta.llama3-2-90b-instruct-v1:0": ("us-west-2",),
    "meta.llama3-3-70b-instruct-v1:0": ("us-west-2",),
}
"""Where the simulated offer lists customization meters (training, storage, PT, custom-model tokens)."""

_ATTRIBUTE_OF: dict[Meter, str] = {
    "input": "input_per_1k",
    "output": "output_per_1k",
    "training": "training_per_1k",
    "storage": "storage_per_month",
    "pt": "pt_per_model_unit_hour",
    "custom_input": "custom_input_per_1k",
    "custom_output": "custom_output_per_1k",
}
_UNIT: dict[Meter, str] = {"storage": "Model/month", "pt": "hour"}
_INFERENCE_TYPE: dict[Meter, str] = {
    "input": "Input tokens",
    "output": "Output tokens",
    "custom_input": "Input tokens",
    "custom_output": "Output tokens",
}
_FEATURE: dict[Meter, str] = {
    "input": "On-demand Inference",
    "output": "On-demand Inference",
    "custom_input": "On-demand Inference",
    "custom_output": "On-demand Inference",
    "training": "Model Customization",
    "storage": "Model Customization",
    "pt": "Provisioned Throughput Inference - no commit",
}


PricingError = SimulatedError
"""Kept for callers of the old name: the simulator has one error type (localrun/sim_errors.py)."""


def _figure(entry: ModelPrices, meter: Meter) -> float:
    figure = getattr(entry, _ATTRIBUTE_OF[meter])
    if figure is not None and figure.usable:
        return float(figure.usd)
    return SIMULATED_FIGURES[meter]


def _sku(usage: str) -> str:
    return hashlib.sha256(usage.encode()).hexdigest()[:16].upper()


def product(entry: ModelPrices, region: str, usage: str, meter: Meter | None, usd: float, unit: str) -> dict[str, Any]:
    """One offer record in the Price List's shape (a dict; served as a JSON string)."""
    sku = _sku(usage)
    attributes: dict[str, str] = {
        "usagetype": usage,
        "regionCode": region,
        "location": LOCATIONS.get(region, region),
        "locationType": "AWS Region",
        "servicecode": SERVICE_CODE,
        "servicename": "Amazon Bedrock",
        "model": entry.display_name,
        "provider": entry.display_name.split()[0],
        "operation": "Usage",
    }
    if meter in _INFERENCE_TYPE:
        attributes["inferenceType"] = _INFERENCE_TYPE[meter]
    if meter in _FEATURE:
        attributes["feature"] = _FEATURE[meter]
    term = f"{sku}.JRTCKXETXF"
    return {
        "product": {"productFamily": "Amazon Bedrock", "attributes": attributes, "sku": sku},
        "serviceCode": SERVICE_CODE,
        "terms": {
            "OnDemand": {
                term: {
                    "priceDimensions": {
                        f"{term}.6YS6EN2CT7": {
                            "unit": unit,
                            "endRange": "Inf",
                            "description": f"SIMULATED price: {usd} USD per {unit} for {usage}",
                            "appliesTo": [],
                            "rateCode": f"{term}.6YS6EN2CT7",
                            "beginRange": "0",
                            "pricePerUnit": {"USD": f"{usd:.10f}"},
                        }
                    },
                    "sku": sku,
                    "effectiveDate": PUBLICATION_DATE,
                    "offerTermCode": "JRTCKXETXF",
                    "termAttributes": {},
                }
            }
        },
        "version": VERSION,
        "publicationDate": PUBLICATION_DATE,
    }


def catalog(unmatched: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The simulated AmazonBedrock offer: every meter the quote reads for the registry's models, in
    us-east-1 and us-west-2, plus rows the pipeline must skip (batch, flex, cross-Region, cache)."""
    skip = set(unmatched)
    records: list[dict[str, Any]] = []
    for entry in PRICE_TABLE:
        if entry.usage_stem is None or entry.model in skip:
            continue
        for region in LOCATIONS:
            prefix = REGION_PREFIXES[region]
            meters: list[Meter] = ["input"] if "embed" in entry.model else ["input", "output"]
            if region in CUSTOMIZATION.get(entry.model, ()):
                meters += ["training", "storage", "pt", "custom_input", "custom_output"]
            for meter in meters:
                usage = f"{prefix}-{entry.usage_stem}-{METER_SUFFIX[meter]}"
                usd = _figure(entry, meter)
                records.append(product(entry, region, usage, meter, usd, _UNIT.get(meter, "1K tokens")))
            if "input" in meters:
                base = f"{prefix}-{entry.usage_stem}-input-tokens"
                base_usd = _figure(entry, "input")
                for suffix, factor in (
                    ("-batch", 0.5),
                    ("-flex", 0.5),
                    ("-priority", 1.75),
                    ("-cross-region-global", 0.9),
                ):
                    records.append(product(entry, region, base + suffix, None, base_usd * factor, "1K tokens"))
                cache = f"{prefix}-{entry.usage_stem}-cache-read-input-token-count"
                records.append(product(entry, region, cache, None, base_usd * 0.25, "1K tokens"))
    return records


class SimulatedPricing:
    """`GetProducts` over the simulated offer, with TERM_MATCH/EQUALS (exact) and CONTAINS filters and paging."""

    def __init__(self, faults: sim_faults.ActiveFaults) -> None:
        self.faults = faults
        self.records = catalog()
        self.records_unmatched = catalog([UNMATCHED_MODEL])

    def handlers(self) -> dict[str, Handler]:
        return {"GetProducts": self.get_products}

    def get_products(self, body: dict[str, Any], _: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        # pricing-unavailable denies every call before it gets here (sim_faults, at CALL)
        service = body.get("ServiceCode")
        if service != SERVICE_CODE:
            raise SimulatedError(400, "NotFoundException", f"The service code {service!r} is not simulated")
        size = int(body.get("MaxResults") or 100)
        unmatched = sim_faults.UNMATCHED in self.faults.outcomes(sim_faults.PRICE_LIST)
        records = self.records_unmatched if unmatched else self.records
        matching = [record for record in records if _matches(record, body.get("Filters", []))]
        start = _offset(body.get("NextToken"))
        page = matching[start : start + size]
        result: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(record) for record in page]}
        if start + size < len(matching):
            result["NextToken"] = base64.b64encode(f"offset:{start + size}".encode()).decode()
        return result


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.b64decode(token.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except ValueError:
        raise SimulatedError(400, "InvalidNextTokenException", "The pagination token is invalid") from None


def _matches(record: dict[str, Any], filters: list[dict[str, str]]) -> bool:
    attributes = record["product"]["attributes"]
    for rule in filters:
        field, value, kind = rule["Field"], rule["Value"], rule["Type"]
        actual = record["serviceCode"] if field.lower() == "servicecode" else attributes.get(field)
        if actual is None:
            return False
        if kind in ("TERM_MATCH", "EQUALS") and actual != value:
            return False
        if kind == "CONTAINS" and value.lower() not in actual.lower():
            return False
        if kind not in ("TERM_MATCH", "EQUALS", "CONTAINS"):
            raise SimulatedError(400, "InvalidParameterException", f"filter type {kind} is not simulated")
    return True
