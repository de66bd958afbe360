"""Where a run is: a snapshot read from the execution's history, the Bedrock job and hosting,
and the run's files. Reading again from scratch each time is what lets `bft watch RUN` be
stopped and started again at any moment: nothing is kept between two looks."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from shared.naming import resource_names

from .backend import Backend, Execution
from .runs import manifest, results


@dataclass
class Snapshot:
    runId: str
    status: str
    step: str | None
    elapsedSeconds: float | None
    job: dict[str, Any] = field(default_factory=dict)
    hosting: dict[str, Any] = field(default_factory=dict)
    batches: dict[str, str] = field(default_factory=dict)
    """Per Map state, `done of total` batches (answering and the like)."""
    judgePasses: int = 0
    quoteUsd: float | None = None
    quoteStatus: str | None = None
    costUsd: float | None = None
    costStatus: str | None = None
    verdict: str | None = None
    verdictOutcome: str | None = None
    report: str | None = None
    error: str | None = None
    cause: str | None = None
    simulated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _elapsed(execution: Execution) -> float | None:
    if execution.start is None:
        return None
    end = execution.stop or datetime.now(UTC)
    start = execution.start if execution.start.tzinfo else execution.start.replace(tzinfo=UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    return max(0.0, (end - start).total_seconds())


def _steps(history: list[dict[str, Any]]) -> tuple[str | None, dict[str, str], int]:
    step, judge_passes = None, 0
    maps: dict[str, list[int]] = {}
    current_map: list[str] = []
    for event in history:
        details = event.get("stateEnteredEventDetails")
        if details:
            step = details["name"]
            if step == "JudgeAnswers":
                judge_passes += 1
        if event["type"] == "MapStateEntered" and details:
            current_map.append(details["name"])
        if event["type"] == "MapStateStarted" and current_map:
            maps[current_map[-1]] = [0, int(event.get("mapStateStartedEventDetails", {}).get("length", 0))]
        if event["type"] == "MapIterationSucceeded" and current_map and current_map[-1] in maps:
            maps[current_map[-1]][0] += 1
        if event["type"] == "MapStateExited" and current_map:
            current_map.pop()
    return step, {name: f"{done} of {total}" for name, (done, total) in maps.items()}, judge_passes


def _job(backend: Backend, run_id: str) -> dict[str, Any]:
    try:
        job = backend.bedrock.get_model_customization_job(jobIdentifier=resource_names(run_id).jobName)
    except ClientError:
        return {}
    validation = job.get("validationMetrics") or []
    return {
        "status": job.get("status"),
        "trainingLoss": (job.get("trainingMetrics") or {}).get("trainingLoss"),
        "validationLoss": validation[-1].get("validationLoss") if validation else None,
    }


def _hosting(backend: Backend, run_id: str) -> dict[str, Any]:
    names = resource_names(run_id)
    try:
        d = backend.bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=names.deploymentName)
        return {"kind": "on-demand", "name": names.deploymentName, "status": d.get("status")}
    except ClientError:
        pass
    try:
        pt = backend.bedrock.get_provisioned_model_throughput(provisionedModelId=names.provisionedModelName)
        return {"kind": "provisioned", "name": names.provisionedModelName, "status": pt.get("status")}
    except ClientError:
        return {}


def _cause(cause: str | None) -> str | None:
    if not cause:
        return cause
    try:
        document = json.loads(cause)
    except json.JSONDecodeError:
        return cause
    return str(document.get("errorMessage", cause)) if isinstance(document, dict) else cause


def snapshot(backend: Backend, execution: Execution) -> Snapshot:
    run_id = execution.run_id
    history = execution.history or backend.history(execution.arn)
    step, batches, passes = _steps(history)
    man = manifest(backend, run_id) or {}
    quote = man.get("costQuote") or {}
    res = results(backend, run_id) if execution.ended or step in ("BuildReport", "NotifyRunFinished") else None
    res = res or {}
    cost = res.get("cost") or {}
    report = f"s3://{backend.bucket}/runs/{run_id}/report/index.html" if res else None
    hosting = _hosting(backend, run_id)
    if not hosting and res.get("hosting"):
        h = res["hosting"]
        hosting = {
            "kind": h.get("kind"),
            "name": h.get("name"),
            "status": "deleted" if h.get("deleted") else h.get("status"),
        }
    return Snapshot(
        runId=run_id,
        status=execution.status,
        step=step,
        elapsedSeconds=_elapsed(execution),
        job=_job(backend, run_id),
        hosting=hosting,
        batches=batches,
        judgePasses=passes,
        quoteUsd=quote.get("totalUsd"),
        quoteStatus=quote.get("status"),
        costUsd=cost.get("totalUsd"),
        costStatus=cost.get("status"),
        verdict=res.get("verdict"),
        verdictOutcome=res.get("verdictOutcome"),
        report=report,
        error=execution.error,
        cause=_cause(execution.cause),
        simulated=backend.simulated or bool(man.get("simulated")),
    )
