"""The cost quote and the budget on the real workflow (moto's engine, the simulated Bedrock): a
`maxCostUsd` below the estimate refuses the run in PreprocessDataset, before any job starts; a dry run
returns the quote in its execution output and says what a real run's budget verdict would be."""

from __future__ import annotations

import json
from typing import Any

from shared.quote import usd_text
from tests.e2e.conftest import Run, RunPipeline

ALL_PRICES = {
    "trainingPer1kTokensUsd": 0.008,
    "storagePerModelMonthUsd": 1.95,
    "ptPerModelUnitHourUsd": 20.5,
    "customInputPer1kTokensUsd": 0.000035,
    "customOutputPer1kTokensUsd": 0.00014,
}


def _manifest_quote(run: Run) -> dict[str, Any]:
    manifest = json.loads(run.pipeline.data_files(str(run.run_id))["manifest.json"])
    return dict(manifest["costQuote"])


def _nothing_started(run: Run) -> None:
    assert run.pipeline.bedrock.jobs == {}  # no customization job was created
    assert run.pipeline.bedrock.operations("CreateModelCustomizationJob") == []
    assert "StartCustomizationJob" not in run.execution.states_entered()
    run.assert_safe()


def test_a_budget_below_the_estimate_refuses_the_run_before_any_job_starts(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(overrides={"maxCostUsd": 1.0, "prices": ALL_PRICES})

    assert run.execution.status == "FAILED" and run.execution.error == "BudgetExceeded"
    quote = _manifest_quote(run)
    assert quote["status"] == "complete" and quote["totalUsd"] > 1.0
    cause = str(run.execution.cause)
    # The refusal names the estimate and the budget.
    assert f"estimated cost {usd_text(quote['totalUsd'])} exceeds the budget maxCostUsd $1.00" in cause, cause
    assert quote["budget"]["verdict"] == "exceeds"
    _nothing_started(run)
    (notification,) = run.pipeline.notifications()
    assert "BudgetExceeded" in json.dumps(notification)


def test_a_budget_with_prices_missing_is_refused_and_names_them(run_pipeline: RunPipeline) -> None:
    # The Price List cannot be read, and the dated table has no Nova Micro training price.
    run = run_pipeline(overrides={"maxCostUsd": 1000}, faults=["pricing-unavailable"])

    assert run.execution.status == "FAILED" and run.execution.error == "BudgetExceeded"
    cause = str(run.execution.cause)
    assert "cannot be checked against the budget maxCostUsd $1,000.00" in cause
    assert "trainingPer1kTokensUsd" in cause and "`prices`" in cause
    assert "the AWS Price List could not be used: AccessDeniedException" in json.dumps(_manifest_quote(run))
    _nothing_started(run)


def test_a_dry_run_returns_the_quote_and_is_not_refused(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(overrides={"dryRun": True, "maxCostUsd": 1.0, "prices": ALL_PRICES})

    assert run.execution.status == "SUCCEEDED", run.execution.cause
    output = run.execution.output or {}
    quote = output["run"]["costQuote"]
    assert quote == _manifest_quote(run)
    assert [part["name"] for part in quote["parts"]] == [
        "training",
        "storage",
        "hosting",
        "baseAnswers",
        "judge",
        "embeddings",
    ]
    assert quote["hosting"] == output["run"]["evaluation"]["hosting"]
    # what a real run would get, reported but not enforced
    assert quote["budget"]["verdict"] == "exceeds" and quote["status"] == "complete"
    _nothing_started(run)
