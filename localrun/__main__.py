"""`make demo`: the whole pipeline, offline, on the bundled sample dataset (SIMULATED)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from . import sim_faults
from .pipeline import PIPELINE_FAULTS, LocalPipeline
from .run_summary import print_summary, write_summary
from .simulated_bedrock import FAULTS

DATASET = Path(__file__).resolve().parent.parent / "dataset" / "rawdata"
SAMPLES = {"en": DATASET, "ja": DATASET / "ja"}
"""The bundled samples (--sample): English about Bedrock fine-tuning, Japanese a fictional company's FAQ."""
BANNER = "SIMULATED RUN: offline, moto for AWS and a simulated Bedrock; no AWS account is used and nothing is billed."
DEMO_INPUT = {"pollIntervalSeconds": 1, "throughputPollIntervalSeconds": 1, "throughputMaxWaitSeconds": 8}
PT_ONLY_FAULTS = set(sim_faults.PROVISIONED_ONLY)
"""Faults of a provisioned throughput: with them the demo hosts on the provisioned path unless
--hosting (or --input) says otherwise."""
DEMO_REGIONS = ("us-east-1", "us-west-2")
"""The Regions where Bedrock customizes the registry's families (Nova: us-east-1; Llama, Claude 3 Haiku: us-west-2)."""
REGION_DEFAULT_BASE_MODEL = {"us-east-1": None, "us-west-2": "meta.llama3-3-70b-instruct-v1:0:128k"}
"""The demo's base model when --input names none: the stack default (Nova Micro) in us-east-1; in
us-west-2, where Nova is not customized, Llama 3.3 70B (served by an on-demand deployment)."""
RUN_FAULTS = {
    "abort": "the user stops the execution while the fine-tuned model answers (hosting exists); the sweeper cleans up",
    "timeout": "the execution's timeout hits while the fine-tuned model answers; the sweeper cleans up",
}
"""Faults of the whole run, produced by this runner (the same way tests/e2e/test_faults.py does)."""
TIMEOUT_FAULT_SECONDS = 15
METHOD_INPUTS: dict[str, dict[str, Any]] = {
    # Nova 2 Lite is the model Bedrock offers RFT for; batch 16 (the smallest) gives the bundled
    # 104 records seven steps per epoch, so the reward curve has points to show.
    "reinforcement": {
        "baseModelId": "amazon.nova-2-lite-v1:0:256k",
        "customization": {"method": "reinforcement"},
        "hyperParameters": {"epochCount": 3, "batchSize": 16, "trainingSamplePerPrompt": 4},
    },
    # Nova Lite learns from Nova Pro (the registry's default teacher for it, a cross-Region profile).
    "distillation": {"baseModelId": "amazon.nova-lite-v1:0:300k", "customization": {"method": "distillation"}},
}
"""--method: the execution input of each customization method's demo (README: choosing a method)."""


EXIT_STATUS = (
    "exit status: 0 when the run succeeds, 1 when it fails, 2 for a bad option or input; "
    "`make demo` itself exits 2 whenever the command fails (make's status for a failed recipe)"
)
ROLES = {"training": "training", "validation": "validation", "eval": "evaluation"}
"""Command-line option -> the role of the file; each role uploads under its own key prefix."""


class InputError(Exception):
    """A malformed --input: reported in one line, without a traceback."""


def data_files(args: argparse.Namespace, dataset: Path = DATASET) -> dict[str, Path | None]:
    """The file for each role. Without --training the bundled sample set is used (training,
    validation and evaluation); with --training, only what is given: the pipeline splits and
    holds out from the user's own data rather than mixing in the bundled English sets."""
    bundled = args.training is None
    files: dict[str, Path | None] = {}
    for option in ROLES:
        given: Path | None = getattr(args, option)
        if given is not None and str(given) != "none":
            files[option] = given
        elif given is None and bundled:
            files[option] = dataset / f"{option}.json"
        else:
            files[option] = None
    return files


def check_files(files: dict[str, Path | None]) -> None:
    """Refuses a missing file, and one file (or the same bytes) given for two roles: the model
    would be trained on its own evaluation questions."""
    seen: dict[bytes, str] = {}
    for option, path in files.items():
        if path is None:
            continue
        try:
            body = path.read_bytes()
        except OSError as error:
            raise InputError(f"--{option} {path}: cannot read the file ({error.strerror})") from None
        if body in seen:
            raise InputError(
                f"--{seen[body]} and --{option} give the same data ({path}): the run would evaluate (or validate) "
                f"on data it also uses for another role; give a different file, or --{option} none"
            )
        seen[body] = option


def raw_key(option: str, path: Path) -> str:
    """A distinct key per role, so files with the same name in different folders never overwrite each other."""
    return f"raw/demo/{ROLES[option]}/{path.name}"


def describe_files(files: dict[str, Path | None], uris: dict[str, str | None]) -> list[str]:
    fallback = {
        "validation": "none: the pipeline holds out a share of the training file",
        "eval": "none: a held-out sample of the validation set",
    }
    lines = ["Data files:"]
    for option, path in files.items():
        used = f"{path} -> {uris[option]}" if path is not None else fallback.get(option, "none")
        lines.append(f"  {ROLES[option]:<11} {used}")
    return lines


def _parser() -> argparse.ArgumentParser:
    faults = "\n".join(f"  {name:<26} {text}" for name, text in {**FAULTS, **PIPELINE_FAULTS, **RUN_FAULTS}.items())
    steps = "  step-<Name>          an unhandled exception in that Lambda step, e.g. step-JudgeAnswers"
    parser = argparse.ArgumentParser(
        prog="make demo ARGS=...",
        description=f"Run the fine-tuning pipeline end to end on this machine. {BANNER}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"faults (--fault NAME, repeatable):\n{faults}\n{steps}\n\n{EXIT_STATUS}",
    )
    parser.add_argument(
        "--training",
        type=Path,
        default=None,
        help="raw training file (.json, .jsonl or .csv); given alone, the pipeline splits a validation set and "
        "holds out evaluation questions from it (the bundled sets are used only with the bundled training file)",
    )
    parser.add_argument(
        "--validation",
        type=Path,
        default=None,
        help="raw validation file (none: the pipeline splits the training file)",
    )
    parser.add_argument(
        "--eval",
        type=Path,
        default=None,
        help="raw evaluation file (none: a held-out sample of the validation set)",
    )
    parser.add_argument(
        "--sample",
        choices=sorted(SAMPLES),
        default="en",
        help="bundled sample for the files not given: en (Bedrock fine-tuning FAQ) or ja (Japanese FAQ)",
    )
    parser.add_argument("--input", default="{}", help="execution-input overrides as JSON, or @file.json")
    parser.add_argument(
        "--hosting",
        choices=("auto", "on-demand", "provisioned"),
        default=None,
        help="how the fine-tuned model is served (evaluation.hosting); default auto: on demand for Nova",
    )
    parser.add_argument(
        "--region",
        choices=DEMO_REGIONS,
        default=DEMO_REGIONS[0],
        help="where the simulated stack is provisioned; us-west-2 demonstrates Llama (default base model there: "
        f"{REGION_DEFAULT_BASE_MODEL['us-west-2']})",
    )
    parser.add_argument(
        "--method",
        choices=("supervised", "reinforcement", "distillation"),
        default="supervised",
        help="customization.method; reinforcement runs on Nova 2 Lite, distillation teaches Nova Lite",
    )
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="inject a fault (see below)")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="where summary.json and the report go")
    parser.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="the execution's overall timeout in seconds (default 45; 120 for --method reinforcement, whose "
        "job grades every sampled response with the judge)",
    )
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


def _upload(pipeline: LocalPipeline, option: str, path: Path | None) -> str | None:
    return None if path is None else pipeline.upload(raw_key(option, path), path.read_bytes())


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
        files = data_files(args, dataset=SAMPLES[args.sample])
        check_files(files)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    run_faults = [f for f in args.fault if f in RUN_FAULTS]
    faults = [f for f in args.fault if not f.startswith("step-") and f not in RUN_FAULTS]
    if run_faults:  # slow answers keep the run answering long enough to be stopped
        faults = list(dict.fromkeys([*faults, "slow-answers"]))
    failing_steps = [f[len("step-") :] for f in args.fault if f.startswith("step-")]
    default_timeout = 120 if args.method == "reinforcement" else 45
    timeout = TIMEOUT_FAULT_SECONDS if "timeout" in run_faults else (args.timeout or default_timeout)
    with LocalPipeline(
        faults=faults,
        execution_timeout_seconds=timeout,
        log_level="INFO" if args.verbose else "CRITICAL",
        failing_steps=failing_steps,
        region=args.region,
    ) as pipeline:
        print(f"Region: {args.region} (simulated stack provisioned there)")
        uris = {option: _upload(pipeline, option, path) for option, path in files.items()}
        print("\n".join(describe_files(files, uris)))
        execution_input: dict[str, Any] = {"trainingDataUri": uris["training"]}
        if uris["validation"] and args.method == "supervised":  # RFT and distillation take no validation set
            execution_input["validationDataUri"] = uris["validation"]
        if uris["eval"]:
            execution_input["evalDataUri"] = uris["eval"]
        execution_input.update(DEMO_INPUT)
        execution_input.update(METHOD_INPUTS.get(args.method, {}))
        if REGION_DEFAULT_BASE_MODEL[args.region] and "baseModelId" not in overrides:
            execution_input["baseModelId"] = REGION_DEFAULT_BASE_MODEL[args.region]
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
        summary = write_summary(pipeline, execution, raw_before, args.out, swept)
        if stopped:
            summary["stoppedByUser"] = True
            (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print_summary(summary)
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


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.input.lstrip().startswith("{") and not _is_json(args.input):
            # make ARGS='--input {"dryRun": true}': the shell inside make drops the quotes and
            # splits at the space, so the JSON arrives as several words.
            print(
                f"error: --input {args.input} {' '.join(extra)} is not one JSON value (inside make ARGS='...' the "
                "quotes and spaces of JSON are lost: use --input @file.json or --hosting)",
                file=sys.stderr,
            )
            return 2
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
