"""`make demo` prints the cost quote: complete, from the SIMULATED Price List, for the default run; from
the dated table, saying so, when the Price List cannot be reached; and a refused budget too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localrun.__main__ import main
from shared.quote import usd_text


def test_a_dry_run_prints_the_quote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "dry.json"
    request.write_text(json.dumps({"dryRun": True, "prices": {"trainingPer1kTokensUsd": 0.008}}))

    assert main(["--out", str(tmp_path / "out"), "--input", f"@{request}"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    quote = summary["costQuote"]
    assert "Cost quote (SIMULATED run" in printed and f"price table read {quote['priceTableRead']}" in printed
    for part in quote["parts"]:
        assert part["label"][:40] in printed and usd_text(part["usd"]) in printed
    assert f"Total ({quote['status']})" in printed and usd_text(quote["totalUsd"]) in printed
    assert quote["status"] == "complete" and "Not priced" not in printed
    assert "SIMULATED prices from the simulated AWS Price List" in printed
    origins = {price["name"]: price["origin"] for part in quote["parts"] for price in part["prices"]}
    assert origins.pop("trainingPer1kTokensUsd") == "override" and set(origins.values()) == {"price list"}
    assert quote["priceSources"]["priceListSimulated"] and quote["priceSources"]["cacheUri"].endswith("/prices.json")
    assert summary["customizationJobsCreated"] == 0


def test_an_unreachable_price_list_falls_back_to_the_table_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "dry.json"
    request.write_text(json.dumps({"dryRun": True}))

    assert main(["--out", str(tmp_path / "out"), "--input", f"@{request}", "--fault", "pricing-unavailable"]) == 0
    printed = capsys.readouterr().out
    quote = json.loads((tmp_path / "out" / "summary.json").read_text())["costQuote"]
    assert "prices from the dated table (Price List not used: AccessDeniedException" in printed
    assert quote["status"] == "lower bound" and "Not priced: trainingPer1kTokensUsd" in printed
    assert quote["budget"]["verdict"] == "no budget"  # no budget: the run is not blocked


def test_a_refused_budget_prints_the_quote_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "budget.json"
    request.write_text(json.dumps({"maxCostUsd": 0}))

    assert main(["--out", str(tmp_path / "out"), "--input", f"@{request}"]) == 1
    printed = capsys.readouterr().out
    assert "BudgetExceeded" in printed and "Budget: estimated cost $" in printed and "exceeds the budget" in printed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["customizationJobsCreated"] == 0 and summary["provisionedThroughputsCreated"] == 0


def test_the_demo_runs_llama_in_us_west_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # make demo ARGS='--region us-west-2': the simulated stack there, Llama 3.3 70B by default
    assert main(["--out", str(tmp_path / "out"), "--region", "us-west-2"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "SUCCEEDED" and summary["customizationJobsCreated"] == 1
    assert "Region: us-west-2" in printed and summary["hosting"] == "on-demand"
    quote = summary["costQuote"]
    assert quote["region"] == "us-west-2" and quote["status"] == "complete"
    assert "SIMULATED prices from the simulated AWS Price List" in printed
    assert summary["provisionedThroughputsRemaining"] == 0 and summary["rawObjectsUnchanged"]
