"""One row per run: the execution's status joined with what the run wrote to the bucket
(runs/<id>/data/manifest.json, runs/<id>/report/results.json) and what it left in Bedrock."""

from __future__ import annotations

from typing import Any

from .backend import Backend, Execution
from .resources import Resource

HEADLINE_HYPERPARAMETERS = ("epochCount", "learningRate", "learningRateMultiplier", "batchSize")


def results(backend: Backend, run_id: str) -> dict[str, Any] | None:
    return backend.read_json(f"runs/{run_id}/report/results.json")


def manifest(backend: Backend, run_id: str) -> dict[str, Any] | None:
    return backend.read_json(f"runs/{run_id}/data/manifest.json")


def _interval(comparison: dict[str, Any] | None) -> dict[str, Any] | None:
    if not comparison or comparison.get("meanDifference") is None:
        return None
    return {"meanDifference": comparison["meanDifference"], "ci95": comparison.get("ci95")}


def row(backend: Backend, execution: Execution, left: list[Resource]) -> dict[str, Any]:
    run_id = execution.run_id
    res = results(backend, run_id) or {}
    man = manifest(backend, run_id) or {}
    config = man.get("config", {})
    hyper = res.get("hyperParameters") or config.get("hyperParameters") or {}
    cost = res.get("cost") or {}
    quote = man.get("costQuote") or {}
    mine = [r for r in left if r.run_id == run_id]
    monthly = [r.monthly_usd for r in mine if r.kind in ("custom-model", "deployment", "throughput")]
    return {
        "runId": run_id,
        "executionArn": execution.arn,
        "started": execution.start.isoformat() if execution.start else None,
        "status": execution.status,
        "error": execution.error,
        "baseModelId": res.get("baseModelId") or config.get("baseModelId"),
        "method": "fine-tuning",
        "hyperParameters": {k: v for k, v in hyper.items() if k in HEADLINE_HYPERPARAMETERS},
        "trainingRecords": (man.get("counts") or {}).get("training"),
        "verdict": res.get("verdictOutcome"),
        "judgeScore": _interval(((res.get("summary") or {}).get("comparison") or {}).get("judgeScore")),
        "costUsd": cost.get("totalUsd"),
        "costStatus": cost.get("status"),
        "quoteUsd": quote.get("totalUsd"),
        "quoteStatus": quote.get("status"),
        "keptDeployment": next((r.name for r in mine if r.kind == "deployment"), None),
        "customModel": next((r.name for r in mine if r.kind == "custom-model"), None),
        "leftMonthlyUsd": None if None in monthly else sum(m for m in monthly if m is not None),
        "leftMonthlyPriced": None not in monthly,
        "leftCount": len(mine),
        "simulated": bool(res.get("simulated") or man.get("simulated") or backend.simulated),
    }
