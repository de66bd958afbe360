"""The Price List for a dry run against AWS (`bft quote`, the check before `bft start`).

The dry run (cli/dryrun.py) runs the pipeline's own preprocessing inside moto, and moto intercepts
every botocore call made while it is active, the Price List's too. So the Region's Price List pages
are read first, with the real client, by the pipeline's own reader (shared.price_list.fetch_prices);
inside moto the run's reading is answered from those pages. The run's request depends only on the
Region (its only filter is `regionCode`), so the pages read for every priced model are the pages the
run asks for. A failure (no right to call pricing:GetProducts, throttled, offline) is replayed as
it happened: the quote then notes it and uses the dated table, as the run would.
"""

from __future__ import annotations

import json
from typing import Any

from shared.price_list import fetch_prices
from shared.prices import PRICE_TABLE


def _key(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True)


class PriceListReplay:
    """Answers `get_products` from the pages read ahead; a request not read ahead is an error."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any]] = {}
        self.error: Exception | None = None

    def get_products(self, **request: Any) -> dict[str, Any]:
        page = self.pages.get(_key(request))
        if page is not None:
            return page
        if self.error is not None:
            raise self.error
        raise LookupError(f"the Price List page {request} was not read before the dry run")


class _Recorder:
    def __init__(self, client: Any, replay: PriceListReplay) -> None:
        self._client, self._replay = client, replay

    def get_products(self, **request: Any) -> dict[str, Any]:
        try:
            page: dict[str, Any] = self._client.get_products(**request)
        except Exception as error:
            self._replay.error = error
            raise
        self._replay.pages[_key(request)] = page
        return page


def read_ahead(client: Any, region: str) -> PriceListReplay:
    """The Region's Price List pages, read now with `client` (outside moto)."""
    replay = PriceListReplay()
    fetch_prices(_Recorder(client, replay), region, (entry.model for entry in PRICE_TABLE))
    return replay
