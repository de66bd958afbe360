"""What a local run leaves behind and prints: summary.json (the run's outcome, every number a
test or a user checks), the report and data files copied out of the simulated bucket, and the
closing lines on the console. Everything here is labelled SIMULATED."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

from .pipeline import LocalPipeline
from .quote_table import quote_lines

DASH = "-"


def write_summary(
    pipeline: LocalPipeline,
    execution: Any,
    raw_before: dict[str, str],
    out: Path,
    swept: dict[str, Any] | None,
) -> dict[str, Any]:
    run_id = execution.run_id
    out.mkdir(parents=True, exist_ok=True)
    report_dir = out / "report"
    if report_dir.exists():
        shutil.rmtree(report_dir)
    files = pipeline.report_files(run_id)
    for name, body in files.items():
        (report_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (report_dir / name).write_bytes(body)
    data_files = pipeline.data_files(run_id)
    data_dir = out / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    for name, body in data_files.items():
        (data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / name).write_bytes(body)
    bedrock = pipeline.bedrock
    results = json.loads(files["results.json"]) if "results.json" in files else None
    manifest = json.loads(data_files["manifest.json"]) if "manifest.json" in data_files else {}
    summary = {
        "simulated": True,
        "status": execution.status,
        "error": execution.error,
        "cause": execution.cause,
        "runId": run_id,
        "executionArn": execution.arn,
        "states": execution.states_entered(),
        "customizationJobsCreated": len(bedrock.jobs),
        "provisionedThroughputsCreated": len(bedrock.throughputs) + len(bedrock.deleted_throughputs),
        "provisionedThroughputsRemaining": len(pipeline.remaining_throughputs()),
        "hosting": (results or {}).get("hosting", {}).get("kind") or _hosting_of(execution),
        "customModelDeploymentsCreated": len(bedrock.deployments) + len(bedrock.deleted_deployments),
        "customModelDeploymentsRemaining": len(pipeline.unexpected_deployments(execution)),
        "keptDeployment": _kept(pipeline, execution),
        "rawObjectsUnchanged": pipeline.raw_snapshot() == raw_before,
        "reportDir": str(report_dir) if files else None,
        "dataDir": str(data_dir) if data_files else None,
        "scores": results["summary"] if results else None,
        "costQuote": manifest.get("costQuote"),
        "verdict": results.get("verdict") if results else None,
        "method": ((results or {}).get("customization") or {}).get("method"),
        "rewards": ((results or {}).get("training") or {}).get("rewards"),
        "distillation": (results or {}).get("distillation"),
        "sweeper": swept,
        "notifications": pipeline.notifications(),
        "bedrockCalls": bedrock.call_counts(),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def _hosting_of(execution: Any) -> str | None:
    """The resolved hosting from the run context the execution carried (None before it was resolved)."""
    for event in reversed(execution.history):
        details = event.get("stateExitedEventDetails") or {}
        if details.get("name") == "PreprocessDataset":
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                return str(json.loads(details["output"])["run"]["evaluation"]["hosting"])
    return None


def _kept(pipeline: LocalPipeline, execution: Any) -> dict[str, Any] | None:
    kept = pipeline.kept_deployments(execution)
    if not kept:
        return None
    (deployment,) = [d for d in pipeline.bedrock.deployments.values() if d["modelDeploymentName"] == kept[0]]
    usage = pipeline.bedrock.deployment_usage.get(deployment["customModelDeploymentArn"], {})
    return {"name": kept[0], "arn": deployment["customModelDeploymentArn"], "usage": usage}


def print_summary(summary: dict[str, Any]) -> None:
    print()
    print(f"Run {summary['runId']}: {summary['status']} (SIMULATED)")
    if summary["error"]:
        print(f"  {summary['error']}: {summary['cause']}")
    scores = summary["scores"]
    if scores:
        tuned, base, comparison = scores["fine-tuned"], scores["base"], scores["comparison"]
        print(
            f"  Mean correctness 1-10: fine-tuned {tuned['meanScore']}, base {base['meanScore']} "
            f"(wins/ties/losses {comparison['wins']}/{comparison['ties']}/{comparison['losses']})"
        )
    if summary.get("verdict"):
        print(f"  Verdict: {summary['verdict']}")
    _print_method(summary)
    print(
        f"  Customization jobs created: {summary['customizationJobsCreated']}; provisioned throughputs "
        f"created: {summary['provisionedThroughputsCreated']}, remaining: {summary['provisionedThroughputsRemaining']}"
    )
    print(
        f"  Hosting: {summary['hosting'] or DASH}; on-demand deployments created: "
        f"{summary['customModelDeploymentsCreated']}, left that should be gone: "
        f"{summary['customModelDeploymentsRemaining']}"
    )
    if summary["keptDeployment"]:
        print(f"  Kept, ready to use (per token, nothing while idle): {summary['keptDeployment']['arn']}")
    print(f"  raw/ unchanged: {summary['rawObjectsUnchanged']}")
    if summary["costQuote"]:
        print("\n".join(quote_lines(summary["costQuote"])))
    if summary["reportDir"]:
        print(f"  Report: {summary['reportDir']}/index.html (and report.md, results.json)")
    print(f"  Summary: {Path(summary['reportDir'] or summary['dataDir'] or '.').parent}/summary.json")


def _print_method(summary: dict[str, Any]) -> None:
    """The method's own numbers: RFT's reward curve, distillation's three-way comparison."""
    rewards, distilled = summary.get("rewards"), summary.get("distillation")
    if rewards:
        epochs = " -> ".join(f"{row['reward']:.3f}" for row in rewards["rewardByEpoch"]) or DASH
        failed = rewards["graderFailedShare"]
        print(
            f"  Reinforcement fine-tuning: training reward by epoch {epochs}; samples given the neutral "
            f"reward: {DASH if failed is None else f'{failed:.0%}'}"
        )
    if distilled:
        means = distilled["meanScore"]
        gap = distilled["gapClosed"]
        print(
            f"  Distillation: mean score base student {means['baseStudent']}, distilled student "
            f"{means['distilledStudent']}, teacher {means['teacher']} "
            f"(gap closed: {DASH if gap is None else f'{gap:.0%}'})"
        )
