"""Prices from the AWS Price List (shared/price_list.py) and the simulated Price List (localrun/sim_pricing.py).

The hand-written records below follow the shapes public readers of the live Price List recorded
(usagetype `USE1-NovaMicro-input-tokens`, `inferenceType` "Input tokens", `feature` "On-demand
Inference", unit "1K tokens", prices as strings such as "0.0000350000"; see shared/price_list.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun.simulated_bedrock import SimulatedBedrock
from shared.price_list import PriceListReading, fetch_prices, usage_type
from shared.prices import PriceOverrides
from shared.quote import Question, QuoteInput, build_quote

NOVA_MICRO = "amazon.nova-micro-v1:0:128k"
DEMO_MODELS = [NOVA_MICRO, "amazon.nova-micro-v1:0", "us.amazon.nova-pro-v1:0", "amazon.titan-embed-text-v2:0"]


def record(usage: str, usd: str, unit: str = "1K tokens", **attributes: str) -> str:
    sku = f"SKU{abs(hash(usage)) % 10**8}"
    return json.dumps(
        {
            "product": {
                "productFamily": "Amazon Bedrock",
                "attributes": {"usagetype": usage, "regionCode": "us-east-1", **attributes},
                "sku": sku,
            },
            "serviceCode": "AmazonBedrock",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "effectiveDate": "2026-11-01T00:00:00Z",
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "beginRange": "0",
                                "endRange": "Inf",
                                "pricePerUnit": {"USD": usd},
                            }
                        },
                    }
                }
            },
            "version": "20261115000000",
            "publicationDate": "2026-11-15T00:00:00Z",
        }
    )


class Pages:
    """A pricing client that serves fixed pages (NextToken "1", "2", ...) and records the requests."""

    def __init__(self, *pages: list[str], error: Exception | None = None) -> None:
        self.pages, self.error, self.requests = pages, error, []  # type: ignore[var-annotated]

    def get_products(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        index = int(request.get("NextToken", "0"))
        page: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": self.pages[index]}
        if index + 1 < len(self.pages):
            page["NextToken"] = str(index + 1)
        return page


def test_the_usage_types_follow_the_price_list_spelling() -> None:
    assert usage_type("us-east-1", "NovaMicro", "input") == "USE1-NovaMicro-input-tokens"
    assert usage_type("us-west-2", "Llama3-3-70B", "training") == "USW2-Llama3-3-70B-Customization-Training"
    assert usage_type("us-east-1", "NovaLite", "custom_input") == "USE1-NovaLite-input-tokens-custom-model"
    assert usage_type("us-east-1", "Nova2.0Lite", "pt") == "USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits"
    assert usage_type("mars-north-1", "NovaMicro", "input") is None


def test_matching_takes_the_on_demand_meters_and_skips_batch_cache_and_cross_region() -> None:
    client = Pages(
        [
            record("USE1-NovaMicro-input-tokens-batch", "0.0000175000", inferenceType="Input tokens"),
            record("USE1-NovaMicro-input-tokens", "0.0000350000", inferenceType="Input tokens"),
            record("USE1-NovaMicro-cache-read-input-token-count", "0.0000087500", inferenceType="Input tokens"),
        ],
        [
            record("USE1-NovaMicro-output-tokens", "0.0001400000", inferenceType="Output tokens"),
            record("USE1-NovaMicro-input-tokens-cross-region-global", "0.0000315000"),
            record("USE1-NovaMicro-Customization-Training", "0.0010000000"),
            record("USE1-NovaMicro-Customization-Storage", "1.9500000000", unit="Model/month"),
            record("USE1-NovaMicro-ProvisionedThroughput-NoCommit-ModelUnits", "20.5000000000", unit="hour"),
        ],
    )
    reading = fetch_prices(client, "us-east-1", [NOVA_MICRO])
    assert reading.error is None and reading.pages == 2 and reading.products_read == 8
    assert client.requests[0]["Filters"] == [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}]
    assert client.requests[0]["ServiceCode"] == "AmazonBedrock" and client.requests[1]["NextToken"] == "1"
    got = {meter: reading.price(NOVA_MICRO, meter) for meter in ("input", "output", "training", "storage", "pt")}
    assert {meter: price.usd for meter, price in got.items() if price} == {
        "input": 0.000035,
        "output": 0.00014,
        "training": 0.001,
        "storage": 1.95,
        "pt": 20.5,
    }
    assert got["input"] is not None and got["input"].usage_type == "USE1-NovaMicro-input-tokens"
    assert reading.publication_dates == ["2026-11-15T00:00:00Z"]
    assert "published 2026-11-15T00:00:00Z, version 20261115000000" in got["input"].source()
    assert reading.price(NOVA_MICRO, "custom_input") is None  # not in the offer: the table applies


def test_a_unit_that_does_not_fit_is_not_used_and_per_million_is_scaled() -> None:
    client = Pages(
        [
            record("USE1-NovaMicro-input-tokens", "0.035", unit="1M tokens"),
            record("USE1-NovaMicro-output-tokens", "0.14", unit="Requests"),
            record("USE1-NovaMicro-Customization-Storage", "1.95", unit="1K tokens"),
        ]
    )
    reading = fetch_prices(client, "us-east-1", [NOVA_MICRO])
    price = reading.price(NOVA_MICRO, "input")
    assert price is not None and price.usd == pytest.approx(0.000035)
    assert reading.price(NOVA_MICRO, "output") is None and reading.price(NOVA_MICRO, "storage") is None
    assert any("'Requests' does not fit a output price" in note for note in reading.notes)


def test_two_products_with_different_prices_for_one_meter_are_not_used() -> None:
    client = Pages(
        [record("USE1-NovaMicro-input-tokens", "0.000035"), record("USE1-NovaMicro-input-tokens", "0.00005")]
    )
    reading = fetch_prices(client, "us-east-1", [NOVA_MICRO])
    assert reading.price(NOVA_MICRO, "input") is None
    assert any("2 products with different prices" in note for note in reading.notes)


def test_an_unreachable_price_list_is_a_reading_with_an_error_not_an_exception() -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "GetProducts")
    reading = fetch_prices(Pages([], error=denied), "us-east-1", [NOVA_MICRO])
    assert reading.error == "AccessDeniedException: not authorized" and reading.prices == {}
    offline = fetch_prices(Pages([], error=OSError("Could not connect to the endpoint URL")), "us-east-1", [NOVA_MICRO])
    assert offline.error is not None and "Could not connect" in offline.error


def _spec(listed: PriceListReading | None, **overrides: Any) -> QuoteInput:
    values: dict[str, Any] = {
        "base_model_id": NOVA_MICRO,
        "base_inference_id": "amazon.nova-micro-v1:0",
        "judge_model_id": "us.amazon.nova-pro-v1:0",
        "embedding_model_id": "amazon.titan-embed-text-v2:0",
        "region": "us-east-1",
        "training_tokens": 1000,
        "epochs": 2,
        "questions": [Question("abcdef", "x" * 30), Question("日本の首都はどこですか。", "東京です。")],
        "system_prompt": "abc",
        "max_tokens": 512,
        "concurrency": 1,
        "hosting": "on-demand",
        "model_units": 1,
        "semantic_similarity": True,
        "overrides": PriceOverrides(),
        "max_cost_usd": None,
        "budget_source": None,
        "listed": listed,
    }
    values.update(overrides)
    return QuoteInput(**values)


# ---------------------------------------------------------------- the simulated Price List


@pytest.fixture
def pricing(aws: SimulatedBedrock) -> Any:
    from shared.aws import client

    return client("pricing")


def test_the_simulated_price_list_answers_in_the_real_shape_and_pages(pricing: Any) -> None:
    first = pricing.get_products(
        ServiceCode="AmazonBedrock",
        Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}],
        MaxResults=5,
    )
    assert first["FormatVersion"] == "aws_v1" and len(first["PriceList"]) == 5 and first["NextToken"]
    item = json.loads(first["PriceList"][0])  # each entry is a JSON string
    assert isinstance(first["PriceList"][0], str)
    assert item["serviceCode"] == "AmazonBedrock" and item["version"].startswith("SIMULATED")
    (term,) = item["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    assert float(dimension["pricePerUnit"]["USD"]) >= 0 and "SIMULATED" in dimension["description"]
    second = pricing.get_products(ServiceCode="AmazonBedrock", MaxResults=5, NextToken=first["NextToken"])
    assert second["PriceList"][0] != first["PriceList"][0]
    with pytest.raises(ClientError) as raised:
        pricing.get_products(ServiceCode="AmazonBedrock", NextToken="not-a-token")
    assert raised.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_the_simulated_price_list_gives_a_complete_demo_quote_labelled_simulated(pricing: Any) -> None:
    reading = fetch_prices(pricing, "us-east-1", DEMO_MODELS)
    assert reading.error is None and reading.simulated and reading.pages > 1
    quote = build_quote(_spec(reading))
    assert quote.status == "complete" and quote.missingPrices == []
    origins = {price.name: price.origin for part in quote.parts for price in part.prices}
    assert set(origins.values()) == {"price list"}
    training = quote.parts[0].prices[0]
    assert "USE1-NovaMicro-Customization-Training" in (training.source or "")
    assert training.note == "SIMULATED Price List"
    assert quote.priceSources is not None and quote.priceSources.priceListSimulated
    assert any("SIMULATED Price List published 2026-12-01" in line for line in quote.assumptions)


def test_an_override_wins_over_the_price_list(pricing: Any) -> None:
    reading = fetch_prices(pricing, "us-east-1", DEMO_MODELS)
    quote = build_quote(_spec(reading, overrides=PriceOverrides(trainingPer1kTokensUsd=0.5)))
    training = quote.parts[0]
    assert training.prices[0].origin == "override" and training.usd == 1.0  # 2,000 billed tokens x $0.5 / 1000


def test_an_unavailable_price_list_falls_back_to_the_table_and_says_so(aws: SimulatedBedrock, pricing: Any) -> None:
    aws.faults.add("pricing-unavailable")
    with pytest.raises(ClientError) as raised:
        pricing.get_products(ServiceCode="AmazonBedrock")
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    reading = fetch_prices(pricing, "us-east-1", DEMO_MODELS)
    assert reading.error is not None and reading.error.startswith("AccessDeniedException")
    quote = build_quote(_spec(reading))
    assert quote.status == "lower bound"  # the table has no Nova Micro training, storage or custom-model price
    answers = next(part for part in quote.parts if part.name == "baseAnswers")
    assert answers.prices[0].origin == "table" and answers.prices[0].usd == 0.000035
    training = quote.parts[0].prices[0]
    assert training.usd is None and "the AWS Price List could not be used: AccessDeniedException" in training.note
    assert any("the AWS Price List was not used (AccessDeniedException" in line for line in quote.assumptions)
    assert quote.budget.verdict == "no budget" and not quote.refused()  # no budget: the run is not blocked


def test_an_unmatched_product_is_priced_from_the_table(aws: SimulatedBedrock, pricing: Any) -> None:
    aws.faults.add("pricing-unmatched")
    reading = fetch_prices(pricing, "us-east-1", DEMO_MODELS)
    assert reading.error is None and reading.price(NOVA_MICRO, "input") is None
    assert reading.price("us.amazon.nova-pro-v1:0", "input") is not None  # the judge is still listed
    quote = build_quote(_spec(reading))
    answers = next(part for part in quote.parts if part.name == "baseAnswers")
    assert answers.prices[0].origin == "table" and "not found in the AWS Price List" in answers.prices[0].note
    assert quote.status == "lower bound" and "trainingPer1kTokensUsd" in quote.missingPrices


def test_llama_in_us_west_2_is_listed_with_its_customization_meters(pricing: Any) -> None:
    model = "meta.llama3-3-70b-instruct-v1:0:128k"
    reading = fetch_prices(pricing, "us-west-2", [model])
    for meter in ("training", "storage", "custom_input", "custom_output", "input", "output"):
        price = reading.price(model, meter)  # type: ignore[arg-type]
        assert price is not None and price.usage_type.startswith("USW2-Llama3-3-70B-")
    assert fetch_prices(pricing, "us-east-1", [model]).price(model, "training") is None
