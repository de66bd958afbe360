"""`make demo ARGS='--input @file.json'` with a dry run prints the cost quote (and a refused budget too)."""

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
    assert "Not priced: storagePerModelMonthUsd" in printed  # training was given, storage was not
    assert summary["customizationJobsCreated"] == 0


def test_a_refused_budget_prints_the_quote_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "budget.json"
    request.write_text(json.dumps({"maxCostUsd": 0}))

    assert main(["--out", str(tmp_path / "out"), "--input", f"@{request}"]) == 1
    printed = capsys.readouterr().out
    assert "BudgetExceeded" in printed and "Budget: estimated cost (a lower bound" in printed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["customizationJobsCreated"] == 0 and summary["provisionedThroughputsCreated"] == 0
