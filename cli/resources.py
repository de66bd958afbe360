"""What the pipeline created that still exists (and costs money), found through the Bedrock API
by the tags every paid resource carries (lambdas/shared/tags.py). Untagged resources are never
reported as the pipeline's, so they are never deleted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from shared.prices import prices_for
from shared.tags import EXECUTION_ARN_TAG, RUN_ID_TAG

from .prices import RunPrice, RunPrices

KINDS = ("throughput", "job", "deployment", "custom-model")
"""Deletion order: hosting before the model it serves (Bedrock refuses to delete a model in use)."""


@dataclass
class Resource:
    kind: str
    name: str
    arn: str
    run_id: str | None
    created: datetime | None
    status: str
    cost: str
    """What it costs while it exists, in words with the figure where the price table has one."""
    monthly_usd: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "arn": self.arn,
            "runId": self.run_id,
            "created": self.created.isoformat() if self.created else None,
            "status": self.status,
            "cost": self.cost,
            "monthlyUsd": self.monthly_usd,
            **self.details,
        }


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _tags(bedrock: Any, arn: str) -> dict[str, str]:
    try:
        tags = bedrock.list_tags_for_resource(resourceARN=arn)["tags"]
    except ClientError:
        return {}
    return {t["key"]: t["value"] for t in tags}


def _pipeline_run(bedrock: Any, arn: str) -> str | None:
    """The run id tag's value, or None for a resource the pipeline did not tag."""
    tags = _tags(bedrock, arn)
    return tags.get(RUN_ID_TAG) if RUN_ID_TAG in tags or EXECUTION_ARN_TAG in tags else None


def _pages(bedrock: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = getattr(bedrock, operation)(**kwargs, **({"nextToken": token} if token else {}))
        items.extend(page.get(key, []))
        token = page.get("nextToken")
        if not token:
            return items


HOURS_PER_MONTH = 730
"""AWS's convention for monthly figures of hourly prices (365 x 24 / 12)."""


def storage_monthly(base_model_arn: str, run_price: RunPrice | None = None) -> tuple[float | None, str]:
    """Monthly storage of a custom model: the price its run used, else the dated table's, else unknown."""
    if run_price is not None:
        return run_price.usd, f"${run_price.usd:,.2f}/month storage ({run_price.label()})"
    entry = prices_for(base_model_arn)
    figure = entry.storage_per_month if entry else None
    if figure is not None and figure.usable:
        return figure.usd, f"${figure.usd:,.2f}/month storage (price table of {figure.read})"
    return None, "storage monthly: not priced (the run left no price and the price table has none)"


def _pt_hourly(pt: dict[str, Any], run_price: RunPrice | None = None) -> tuple[float | None, str]:
    units = int(pt.get("modelUnits") or 1)
    if run_price is not None:
        usd, where = run_price.usd, run_price.label()
    else:
        entry = prices_for(pt.get("foundationModelArn") or pt.get("modelArn") or "")
        figure = entry.pt_per_model_unit_hour if entry else None
        if figure is None or not figure.usable:
            return None, f"hourly per model unit ({units}), billed while it exists: not priced"
        usd, where = figure.usd, f"price table of {figure.read}"
    hourly = usd * units
    return hourly * HOURS_PER_MONTH, f"${hourly:,.2f}/hour ({units} model unit(s), {where}), billed while it exists"


def _token_cost(tokens: dict[str, int], prices: RunPrices) -> float | None:
    """This month's tokens through a deployment at the run's on-demand custom-model prices."""
    if "custom_input" not in prices or "custom_output" not in prices:
        return None
    return (
        tokens["inputTokens"] / 1000 * prices["custom_input"].usd
        + tokens["outputTokens"] / 1000 * prices["custom_output"].usd
    )


def tokens_this_month(cloudwatch: Any, model_id: str, now: datetime | None = None) -> dict[str, int] | None:
    """Input and output tokens through `model_id` since the first of the month (UTC), from the
    `AWS/Bedrock` runtime metrics InputTokenCount / OutputTokenCount, dimension ModelId
    (https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html).
    That a deployment's metrics carry its ARN (the modelId callers pass) as ModelId is assumed,
    not documented; None when CloudWatch has no data points for it."""
    now = now or datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = now + timedelta(minutes=1)  # the end is exclusive: include the current minute
    period = (int((end - start).total_seconds()) // 60 + 1) * 60  # one data point: the whole month so far
    totals: dict[str, int] = {}
    found = False
    for metric, key in (("InputTokenCount", "inputTokens"), ("OutputTokenCount", "outputTokens")):
        try:
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/Bedrock",
                MetricName=metric,
                Dimensions=[{"Name": "ModelId", "Value": model_id}],
                StartTime=start,
                EndTime=end,
                Period=period,
                Statistics=["Sum"],
            )["Datapoints"]
        except ClientError:
            return None
        found = found or bool(points)
        totals[key] = int(sum(point["Sum"] for point in points))
    return totals if found else None


def find(
    bedrock: Any, run_prices: Callable[[str | None], RunPrices] | None = None, cloudwatch: Any = None
) -> list[Resource]:
    """Every tagged pipeline resource that still exists, in deletion order.
    `run_prices`: run id -> the prices that run used (cli/prices.py; none: the dated table's);
    `cloudwatch`: where to read a deployment's tokens this month (none: not read)."""
    prices_of = run_prices or (lambda _run: {})
    found: list[Resource] = []
    for pt in _pages(bedrock, "list_provisioned_model_throughputs", "provisionedModelSummaries"):
        run = _pipeline_run(bedrock, pt["provisionedModelArn"])
        if run is None:
            continue
        monthly, cost = _pt_hourly(pt, prices_of(run).get("pt"))
        found.append(
            Resource(
                "throughput",
                pt["provisionedModelName"],
                pt["provisionedModelArn"],
                run,
                _when(pt.get("creationTime")),
                pt["status"],
                cost,
                monthly,
            )
        )
    for job in _pages(
        bedrock, "list_model_customization_jobs", "modelCustomizationJobSummaries", statusEquals="InProgress"
    ):
        run = _pipeline_run(bedrock, job["jobArn"])
        if run is None:
            continue
        found.append(
            Resource(
                "job",
                job["jobName"],
                job["jobArn"],
                run,
                _when(job.get("creationTime")),
                job["status"],
                "training tokens x epochs (quoted before the run)",
            )
        )
    for d in _pages(bedrock, "list_custom_model_deployments", "modelDeploymentSummaries"):
        arn = d["customModelDeploymentArn"]
        run = _pipeline_run(bedrock, arn)
        if run is None:
            continue
        cost = "per token used; nothing while idle"
        tokens = tokens_this_month(cloudwatch, arn) if cloudwatch is not None else None
        spent = _token_cost(tokens, prices_of(run)) if tokens else None
        if cloudwatch is not None:
            cost += (
                f"; this month {tokens['inputTokens']:,} input + {tokens['outputTokens']:,} output tokens"
                + (f" = ${spent:,.4f}" if spent is not None else "")
                if tokens
                else "; no CloudWatch token data this month"
            )
        found.append(
            Resource(
                "deployment",
                d["customModelDeploymentName"],
                arn,
                run,
                _when(d.get("createdAt")),
                d["status"],
                cost,
                0.0,
                {"modelArn": d.get("modelArn"), "tokensThisMonth": tokens, "tokensThisMonthUsd": spent},
            )
        )
    for m in _pages(bedrock, "list_custom_models", "modelSummaries"):
        run = _pipeline_run(bedrock, m["modelArn"])
        if run is None:
            continue
        monthly, cost = storage_monthly(m.get("baseModelArn", ""), prices_of(run).get("storage"))
        found.append(
            Resource(
                "custom-model",
                m["modelName"],
                m["modelArn"],
                run,
                _when(m.get("creationTime")),
                m.get("modelStatus", "Active"),
                cost,
                monthly,
            )
        )
    return found


def delete(bedrock: Any, resource: Resource) -> None:
    if resource.kind == "throughput":
        bedrock.delete_provisioned_model_throughput(provisionedModelId=resource.arn)
    elif resource.kind == "job":
        bedrock.stop_model_customization_job(jobIdentifier=resource.arn)
    elif resource.kind == "deployment":
        bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=resource.arn)
    elif resource.kind == "custom-model":
        bedrock.delete_custom_model(modelIdentifier=resource.arn)
