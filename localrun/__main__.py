"""`make demo`: the whole pipeline, offline, on the bundled sample dataset (SIMULATED)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from localrun.pipeline import PIPELINE_FAULTS, LocalPipeline
from localrun.quote_table import quote_lines
from localrun.sim_quotas import QUOTA_FAULTS
from localrun.simulated_bedrock import FAULTS

DATASET = Path(__file__).resolve().parent.parent / "dataset" / "rawdata"
DASH = "-"
BANNER = "SIMULATED RUN: offline, moto for AWS and a simulated Bedrock; no AWS account is used and nothing is billed."
DEMO_INPUT = {"pollIntervalSeconds": 1, "throughputPollIntervalSeconds": 1, "throughputMaxWaitSeconds": 8}
PT_ONLY_FAULTS = {"pt-quota", "pt-failed", "pt-stuck", "delete-throttle", *QUOTA_FAULTS}
"""Faults of a provisioned throughput: with them the demo hosts on the provisioned path unless
--hosting (or --input) says otherwise."""
RUN_FAULTS = {
    "abort": "the user stops the execution while the fine-tuned model answers (hosting exists); the sweeper cleans up",
    "timeout": "the execution's timeout hits while the fine-tuned model answers; the sweeper cleans up",
}
"""Faults of the whole run, produced by this runner (the same way tests/e2e/test_faults.py does)."""
TIMEOUT_FAULT_SECONDS = 15


class InputError(Exception):
    """A malformed --input: reported in one line, without a traceback."""


def _parser() -> argparse.ArgumentParser:
    faults = "\n".join(f"  {name:<26} {text}" for name, text in {**FAULTS, **PIPELINE_FAULTS, **RUN_FAULTS}.items())
    steps = "  step-<Name>          an unhandled exception in that Lambda step, e.g. step-JudgeAnswers"
    parser = argparse.ArgumentParser(
        prog="make demo ARGS=...",
        description=f"Run the fine-tuning pipeline end to end on this machine. {BANNER}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"faults (--fault NAME, repeatable):\n{faults}\n{steps}\n\n"
        "exit status: 0 when the run succeeds, 1 when it fails",
    )
    parser.add_argument("--training", type=Path, default=DATASET / "training.json", help="raw training QA file")
    parser.add_argument(
        "--validation",
        type=Path,
        default=DATASET / "validation.json",
        help="raw validation QA file (use --validation none to let the pipeline split)",
    )
    parser.add_argument(
        "--eval",
        type=Path,
        default=DATASET / "eval.json",
        help="raw evaluation QA file (use --eval none for a held-out sample)",
    )
    parser.add_argument("--input", default="{}", help="execution-input overrides as JSON, or @file.json")
    parser.add_argument(
        "--hosting",
        choices=("auto", "on-demand", "provisioned"),
        default=None,
        help="how the fine-tuned model is served (evaluation.hosting); default auto: on demand for Nova",
    )
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="inject a fault (see below)")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="where summary.json and the report go")
    parser.add_argument("--timeout", type=int, default=45, help="the execution's overall timeout in seconds")
    parser.add_argument("--verbose", action="store_true", help="show the Lambda handlers' logs")
    return parser


def _overrides(text: str) -> dict[str, Any]:
    where = f"--input file {text[1:]}" if text.startswith("@") else "--input"
    try:
        raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    except OSError as error:
        raise InputError(f"{where}: cannot read the file ({error.strerror})") from None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        hint = ""
        if not text.startswith("@"):
            hint = " (inside make ARGS='...' the quotes of JSON are lost: use --input @file.json or --hosting)"
        raise InputError(
            f"{where} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}{hint}"
        ) from None
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def _with_hosting(execution_input: dict[str, Any], hosting: str | None, faults: list[str]) -> dict[str, Any]:
    evaluation = execution_input.get("evaluation")
    if evaluation is not None and not isinstance(evaluation, dict):
        return execution_input  # PreprocessDataset refuses it with the rule
    evaluation = dict(evaluation or {})
    if hosting is not None:
        evaluation["hosting"] = hosting
    elif "hosting" not in evaluation and PT_ONLY_FAULTS & set(faults):
        evaluation["hosting"] = "provisioned"
        print("Hosting: provisioned (the injected fault is about a provisioned throughput)")
    if "abort" in faults or "timeout" in faults:
        evaluation.setdefault("concurrency", 1)  # slow answers, one at a time: the run is still answering
    return {**execution_input, **({"evaluation": evaluation} if evaluation else {})}


def _upload(pipeline: LocalPipeline, path: Path | None, key: str) -> str | None:
    if path is None or str(path) == "none":
        return None
    return pipeline.upload(key, path.read_bytes())


def _print_progress(pipeline: LocalPipeline, arn: str, started: float, seen: int) -> int:
    events = pipeline.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    for event in events[seen:]:
        elapsed = f"[{time.monotonic() - started:5.1f}s]"
        if "stateEnteredEventDetails" in event and event["type"] in (
            "TaskStateEntered",
            "MapStateEntered",
            "ParallelStateEntered",
            "WaitStateEntered",
            "FailStateEntered",
            "SucceedStateEntered",
        ):
            print(f"  {elapsed} {event['stateEnteredEventDetails']['name']}", flush=True)
        for key, details in event.items():
            if key.endswith("FailedEventDetails") and event["type"] != "ExecutionFailed":
                cause = str(details.get("cause", ""))
                with contextlib.suppress(json.JSONDecodeError, AttributeError):
                    cause = json.loads(cause).get("errorMessage", cause)
                print(f"  {elapsed}   ! {details.get('error')}: {cause[:300]}", flush=True)
    return len(events)


def run(args: argparse.Namespace) -> int:
    for name in ("moto", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    print(BANNER)
    try:
        overrides = _overrides(args.input)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    run_faults = [f for f in args.fault if f in RUN_FAULTS]
    faults = [f for f in args.fault if not f.startswith("step-") and f not in RUN_FAULTS]
    if run_faults and "slow-answers" not in faults:
        faults.append("slow-answers")  # keeps the run answering long enough to be stopped
    failing_steps = [f[len("step-") :] for f in args.fault if f.startswith("step-")]
    timeout = TIMEOUT_FAULT_SECONDS if "timeout" in run_faults else args.timeout
    with LocalPipeline(
        faults=faults,
        execution_timeout_seconds=timeout,
        log_level="INFO" if args.verbose else "CRITICAL",
        failing_steps=failing_steps,
    ) as pipeline:
        execution_input: dict[str, Any] = {
            "trainingDataUri": _upload(pipeline, args.training, f"raw/demo/{args.training.name}")
        }
        validation = _upload(pipeline, args.validation, f"raw/demo/{Path(str(args.validation)).name}")
        evaluation = _upload(pipeline, args.eval, f"raw/demo/{Path(str(args.eval)).name}")
        if validation:
            execution_input["validationDataUri"] = validation
        if evaluation:
            execution_input["evalDataUri"] = evaluation
        execution_input.update(DEMO_INPUT)
        execution_input.update(overrides)
        execution_input = _with_hosting(execution_input, args.hosting, args.fault)
        raw_before = pipeline.raw_snapshot()
        print(f"Execution input: {json.dumps(execution_input)}")
        started = time.monotonic()
        arn = pipeline.start(execution_input, name=f"demo-{int(time.time())}")
        seen, stopped = 0, False
        while pipeline.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            seen = _print_progress(pipeline, arn, started, seen)
            if (
                "abort" in run_faults
                and not stopped
                and "AnswerFineTunedBatch" in pipeline.describe(arn).states_entered()
            ):
                print("  (fault abort: stopping the execution, as a user would in the console)", flush=True)
                pipeline.stop(arn)
                stopped = True
            time.sleep(0.2)
        _print_progress(pipeline, arn, started, seen)
        execution = pipeline.describe(arn)
        swept = _sweep(pipeline, execution, "ABORTED" if stopped else None)
        if swept and (swept["deleted"] or swept["stopped"]):
            print(f"Safety net (sweeper): deleted {swept['deleted']}, stopped {swept['stopped']}")
        summary = _summary(pipeline, execution, raw_before, args.out, swept)
        if stopped:
            summary["stoppedByUser"] = True
            (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    _print_summary(summary)
    return 0 if summary["status"] == "SUCCEEDED" else 1


def _sweep(pipeline: LocalPipeline, execution: Any, status: str | None) -> dict[str, Any] | None:
    """What EventBridge and Lambda do: run the sweeper, and again (Lambda's two asynchronous
    retries) while a deployment is still Creating and cannot be deleted yet."""
    for attempt in range(3):
        try:
            return pipeline.sweep(execution, status=status)
        except RuntimeError as error:
            print(f"Safety net (sweeper) attempt {attempt + 1} raised, Lambda retries it: {str(error)[:200]}")
    return None


def _summary(
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


def _print_summary(summary: dict[str, Any]) -> None:
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
    if summary["costQuote"] and ("DryRunComplete" in summary["states"] or summary["error"] == "BudgetExceeded"):
        print("\n".join(quote_lines(summary["costQuote"])))
    if summary["reportDir"]:
        print(f"  Report: {summary['reportDir']}/index.html (and report.md, results.json)")
    print(f"  Summary: {Path(summary['reportDir'] or summary['dataDir'] or '.').parent}/summary.json")


def main(argv: list[str] | None = None) -> int:
    return run(_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
