"""`bft cleanup`: lists what still costs money; --dry-run deletes nothing; never an untagged resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bft.conftest import bft

UNTAGGED = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/someoneelse1"


def _bedrock(state: Path) -> dict:
    return json.loads((state / "bedrock.json").read_text(encoding="utf-8"))


def _add_untagged_model(state: Path) -> None:
    """A custom model someone else made in the same account, without the pipeline's tags."""
    saved = _bedrock(state)
    saved["custom_models"][UNTAGGED] = {
        "modelArn": UNTAGGED,
        "modelName": "someone-elses-model",
        "jobArn": "x",
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
        "knowledge": [],
        "creationTime": "2026-01-01T00:00:00Z",
    }
    saved["tags"][UNTAGGED] = [{"key": "team", "value": "search"}]
    (state / "bedrock.json").write_text(json.dumps(saved), encoding="utf-8")


def test_dry_run_lists_kept_deployments_and_models_with_cost_and_deletes_nothing(
    account: tuple[Path, list[str]],
) -> None:
    state, ids = account
    _add_untagged_model(state)
    before = _bedrock(state)
    result = bft("--json", "cleanup", "--dry-run", state=state)
    assert result.code == 0
    listed = {(r["kind"], r["name"]): r for r in result.json()["resources"]}
    for run_id in ids:
        deployment = listed[("deployment", f"od-{run_id}")]
        usage = before["deployment_usage"][deployment["arn"]]  # what the simulated runs sent through it
        assert deployment["tokensThisMonth"] == usage
        # The run's own prices (its quote, from the SIMULATED Price List it read) price both.
        quote = json.loads((state / "bucket" / "runs" / run_id / "data" / "manifest.json").read_text())["costQuote"]
        used = {p["name"]: p for part in quote["parts"] for p in part["prices"]}
        spent = (
            usage["inputTokens"] / 1000 * used["customInputPer1kTokensUsd"]["usd"]
            + usage["outputTokens"] / 1000 * used["customOutputPer1kTokensUsd"]["usd"]
        )
        assert deployment["tokensThisMonthUsd"] == pytest.approx(spent)
        assert deployment["cost"] == (
            f"per token used; nothing while idle; this month {usage['inputTokens']:,} input + "
            f"{usage['outputTokens']:,} output tokens = ${spent:,.4f}"
        )
        assert deployment["monthlyUsd"] == 0.0
        model = listed[("custom-model", f"ft-{run_id}-model")]
        storage = used["storagePerModelMonthUsd"]
        assert storage["origin"] == "price list" and storage["usd"] > 0
        assert model["monthlyUsd"] == storage["usd"]
        assert model["cost"] == f"${storage['usd']:,.2f}/month storage (the run's price, SIMULATED price list)"
    assert not any(name == "someone-elses-model" for _, name in listed)
    assert result.json()["deleted"] == []
    after = _bedrock(state)
    assert after["custom_models"].keys() == before["custom_models"].keys()
    assert after["deployments"].keys() == before["deployments"].keys()
    table = bft("cleanup", "--dry-run", state=state)
    assert "SIMULATED" in table.stdout and "nothing deleted" in table.stdout and f"od-{ids[0]}" in table.stdout
    total = sum(r["monthlyUsd"] for r in result.json()["resources"] if r["monthlyUsd"] is not None)
    assert f"Monthly while kept: ${total:,.2f}\n" in table.stdout  # every resource priced
    runs = {row["runId"]: row for row in bft("--json", "runs", state=state).json()["runs"]}
    for run_id in ids:
        assert runs[run_id]["leftMonthlyPriced"] is True
        assert runs[run_id]["leftMonthlyUsd"] == listed[("custom-model", f"ft-{run_id}-model")]["monthlyUsd"]


def test_yes_deletes_tagged_resources_only(account: tuple[Path, list[str]]) -> None:
    state, ids = account
    _add_untagged_model(state)
    result = bft("--json", "cleanup", "--yes", state=state)
    assert result.code == 0, result.stdout
    deleted = result.json()["deleted"]
    assert sorted(deleted) == sorted([f"od-{i}" for i in ids] + [f"ft-{i}-model" for i in ids])
    after = _bedrock(state)
    assert list(after["custom_models"]) == [UNTAGGED]
    assert after["deployments"] == {}
    assert bft("--json", "runs", state=state).json()["runs"][0]["keptDeployment"] is None


def test_keep_latest_keeps_the_newest_runs_resources(account: tuple[Path, list[str]]) -> None:
    state, ids = account
    result = bft("--json", "cleanup", "--keep-latest", "1", "--dry-run", state=state)
    runs = {r["runId"] for r in result.json()["resources"]}
    assert runs == {ids[0]}


def test_older_than_filters_by_age_and_checks_its_format(account: tuple[Path, list[str]]) -> None:
    state, _ = account
    assert bft("--json", "cleanup", "--older-than", "30d", "--dry-run", state=state).json()["resources"] == []
    assert bft("cleanup", "--older-than", "thirty", state=state).code == 2


def test_custom_model_storage_uses_the_runs_price_else_the_table() -> None:
    from cli.prices import RunPrice
    from cli.resources import storage_monthly

    micro = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
    assert storage_monthly(micro, RunPrice(0.5, "override")) == (0.5, "$0.50/month storage (the run's price, override)")
    monthly, text = storage_monthly(micro)  # the dated table has no Nova Micro storage figure
    assert monthly is None and "not priced" in text
    nova2 = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-lite-v1:0:256k"
    assert storage_monthly(nova2) == (1.95, "$1.95/month storage (price table of 2026-11-22)")


def test_run_prices_come_from_the_quote_then_the_price_list_copy() -> None:
    from cli.prices import RunPrice, from_run

    manifest = {
        "simulated": False,
        "config": {"baseModelId": "amazon.nova-micro-v1:0:128k"},
        "costQuote": {
            "priceSources": {"priceListSimulated": False},
            "parts": [
                {"name": "storage", "prices": [{"name": "storagePerModelMonthUsd", "usd": 0, "origin": "override"}]},
                {"name": "hosting", "prices": [{"name": "customInputPer1kTokensUsd", "usd": 0.1, "origin": "table"}]},
            ],
        },
    }
    price_list = {
        "simulated": False,
        "prices": [
            {"model": "amazon.nova-micro-v1:0", "meter": "storage", "usd": 1.95},
            {"model": "amazon.nova-micro-v1:0", "meter": "custom_output", "usd": 0.2},
            {"model": "amazon.nova-pro-v1:0", "meter": "pt", "usd": 99.0},  # another model's row
        ],
    }
    assert from_run(manifest, price_list) == {
        "storage": RunPrice(0.0, "override"),  # a price of zero given by the user stays zero
        "custom_input": RunPrice(0.1, "table"),
        "custom_output": RunPrice(0.2, "price list"),
    }
    assert from_run(None, None) == {}


def test_a_deployments_tokens_this_month_come_from_cloudwatch(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    import boto3
    from moto import mock_aws

    from cli.resources import tokens_this_month

    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    arn = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc"
    now = datetime.now(UTC)
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        assert tokens_this_month(cloudwatch, arn, now) is None
        for metric, values in (("InputTokenCount", [1200, 300]), ("OutputTokenCount", [800])):
            for value in values:
                cloudwatch.put_metric_data(
                    Namespace="AWS/Bedrock",
                    MetricData=[
                        {
                            "MetricName": metric,
                            "Dimensions": [{"Name": "ModelId", "Value": arn}],
                            "Value": value,
                            "Timestamp": now,
                        }
                    ],
                )
        assert tokens_this_month(cloudwatch, arn, now) == {"inputTokens": 1500, "outputTokens": 800}
        assert tokens_this_month(cloudwatch, arn + "-other", now) is None
