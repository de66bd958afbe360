"""`bft quote` / `bft start` against AWS read the Price List as the run does: the dry run runs inside
moto, which intercepts every botocore call, so the pages are read ahead (cli/price_replay.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.models import botocore_stubber

from cli import dryrun
from localrun.sim_faults import ActiveFaults
from localrun.sim_pricing import SimulatedPricing
from tests.bft.conftest import DATASET


class PriceListOutsideMoto:
    """Stands for the real Price List client: its pages are the SIMULATED offer's, and a call made
    while moto is active fails, as a real call would reach moto (which has no `pricing`)."""

    def __init__(self, denied: bool = False) -> None:
        self.offer = SimulatedPricing(ActiveFaults())
        self.denied = denied
        self.calls = 0

    def get_products(self, **request: Any) -> dict[str, Any]:
        if botocore_stubber.enabled:
            raise RuntimeError("the Price List was called inside moto")
        self.calls += 1
        if self.denied:
            message = "not authorized to perform pricing:GetProducts"
            error = {"Error": {"Code": "AccessDeniedException", "Message": message}}
            raise ClientError(error, "GetProducts")  # type: ignore[arg-type]
        return self.offer.get_products(request, {}, {})


def _quote(pricing: Any) -> dict[str, Any]:
    files: dict[str, Path | None] = {"trainingDataUri": DATASET / "training.json"}
    return dryrun.check(files, {}, "us-east-1", {}, pricing=pricing).quote


def test_the_quote_against_aws_prices_from_the_price_list_read_ahead() -> None:
    pricing = PriceListOutsideMoto()
    quote = _quote(pricing)
    sources = quote["priceSources"]
    assert pricing.calls >= 1 and not botocore_stubber.enabled
    assert sources["priceListQueried"] and sources["priceListError"] is None
    assert sources["fromPriceList"] > 0 and sources["fromTable"] == 0, sources
    assert quote["status"] == "complete"


def test_a_denied_price_list_is_noted_and_the_table_quotes() -> None:
    pricing = PriceListOutsideMoto(denied=True)
    quote = _quote(pricing)
    sources = quote["priceSources"]
    assert pricing.calls == 1  # denied once, ahead of the dry run, and replayed inside it
    assert "AccessDeniedException" in (sources["priceListError"] or "")
    assert sources["fromPriceList"] == 0 and sources["fromTable"] > 0


def test_a_page_not_read_ahead_is_an_error_not_a_silent_call() -> None:
    from cli.price_replay import PriceListReplay

    with pytest.raises(LookupError, match="was not read before the dry run"):
        PriceListReplay().get_products(ServiceCode="AmazonBedrock")
