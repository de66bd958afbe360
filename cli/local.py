"""`bft --local`: the same commands against the local simulation (moto for AWS, the real state
machine on moto's engine, the real handlers in-process, the simulated Bedrock; localrun/).

A local "account" lives in a state directory (default `.bft-local/`, or `--state-dir`, or
`BFT_LOCAL_DIR`) so that it persists between invocations: each `bft --local` rebuilds moto from
it (the bucket's objects, the Bedrock resources that still exist: custom models, deployments,
throughputs, jobs, their tags) and saves it back on the way out, with a record of every
execution (status, input, output, history). There is no background process: a run started by
`bft --local start` runs to its end (about ten seconds) before the command returns, with or
without --watch; `bft --local watch RUN` afterwards shows where it ended. Everything is SIMULATED.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from shared.aws import PRICING_API_REGION

from .backend import Backend, Execution
from .errors import CliError, Exit
from .simulation import BUCKET, REGION, LocalPipeline

DEFAULT_STATE_DIR = ".bft-local"
STATE_ENV = "BFT_LOCAL_DIR"
LOCAL_DEFAULTS = {"pollIntervalSeconds": 1, "throughputPollIntervalSeconds": 1, "throughputMaxWaitSeconds": 8}
"""What `make demo` uses (localrun.__main__.DEMO_INPUT): simulated waits in seconds, not hours."""
LOCAL_TIMEOUT_SECONDS = 120
BEDROCK_STATE = ("jobs", "custom_models", "throughputs", "deployments", "deployment_usage", "tags")
"""The simulator's resource tables that make up the local account."""
SIMULATED_NOTE = "SIMULATED local account for `bft --local` (moto + the simulated Bedrock). Safe to delete.\n"


def state_dir(option: Path | None) -> Path:
    return option or Path(os.environ.get(STATE_ENV) or DEFAULT_STATE_DIR)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _dates(event: dict[str, Any]) -> dict[str, Any]:
    if isinstance(event.get("timestamp"), str):
        return {**event, "timestamp": datetime.fromisoformat(event["timestamp"])}
    return event


class LocalBackend(Backend):
    simulated = True

    def __init__(self, directory: Path, persist: bool = True) -> None:
        """`persist=False`: a throwaway account (`bft --local quote`): the state directory is
        neither read nor written."""
        self.directory = directory
        self.persist = persist
        self.region = REGION
        self.bucket = BUCKET
        self._started: list[str] = []
        self._pipeline = LocalPipeline(execution_timeout_seconds=LOCAL_TIMEOUT_SECONDS, log_level="CRITICAL")

    # lifecycle ------------------------------------------------------------------------------------
    def __enter__(self) -> LocalBackend:
        for name in ("moto", "botocore", "urllib3"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        # The handlers run in-process with metrics disabled; Powertools still warns about it.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._pipeline.__enter__()
        self.state_machine_arn = self._pipeline.state_machine_arn
        self.s3, self.sfn = self._pipeline.s3, self._pipeline.sfn
        self.bedrock = boto3.client("bedrock", region_name=REGION)
        self.cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        # The Price List API's Region, as the Lambda's client (shared/aws.py); the simulator answers it.
        self.pricing = boto3.client("pricing", region_name=PRICING_API_REGION)
        try:
            if self.persist:
                self._load()
                self._publish_usage()
        except Exception:
            self._pipeline.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for arn in self._started:
                execution = self._pipeline.wait(arn, timeout=LOCAL_TIMEOUT_SECONDS + 30)
                if execution.status != "SUCCEEDED":
                    self._sweep(arn)
                self._save_execution(self.describe(arn))
            if self.persist:
                self._save()
        finally:
            self._pipeline.__exit__(*exc)

    # persistence ----------------------------------------------------------------------------------
    @property
    def _bucket_dir(self) -> Path:
        return self.directory / "bucket"

    @property
    def _executions_dir(self) -> Path:
        return self.directory / "executions"

    def _load(self) -> None:
        if self._bucket_dir.is_dir():
            for path in sorted(self._bucket_dir.rglob("*")):
                if path.is_file():
                    self.s3.put_object(
                        Bucket=BUCKET, Key=path.relative_to(self._bucket_dir).as_posix(), Body=path.read_bytes()
                    )
        bedrock_file = self.directory / "bedrock.json"
        if bedrock_file.is_file():
            saved = json.loads(bedrock_file.read_text(encoding="utf-8"))
            simulator = self._pipeline.bedrock
            for name in BEDROCK_STATE:
                getattr(simulator, name).update(saved.get(name, {}))

    def _publish_usage(self) -> None:
        """What Bedrock's runtime metrics would show for the simulated deployments: their token
        usage as AWS/Bedrock InputTokenCount / OutputTokenCount by ModelId (moto's CloudWatch)."""
        now = datetime.now(UTC)
        for arn, usage in dict(self._pipeline.bedrock.deployment_usage).items():
            for metric, key in (("InputTokenCount", "inputTokens"), ("OutputTokenCount", "outputTokens")):
                datum: dict[str, Any] = {"MetricName": metric, "Dimensions": [{"Name": "ModelId", "Value": arn}]}
                datum |= {"Value": float(usage.get(key, 0)), "Timestamp": now}
                self.cloudwatch.put_metric_data(Namespace="AWS/Bedrock", MetricData=[datum])

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "README.txt").write_text(SIMULATED_NOTE, encoding="utf-8")
        keys = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for item in page.get("Contents", []):
                keys.add(item["Key"])
                target = self._bucket_dir / item["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
        if self._bucket_dir.is_dir():  # objects deleted through the API are gone from the account too
            for path in self._bucket_dir.rglob("*"):
                if path.is_file() and path.relative_to(self._bucket_dir).as_posix() not in keys:
                    path.unlink()
        simulator = self._pipeline.bedrock
        with simulator.lock:
            state = {name: getattr(simulator, name) for name in BEDROCK_STATE}
            text = json.dumps(state, default=_jsonable, ensure_ascii=False)
        (self.directory / "bedrock.json").write_text(text, encoding="utf-8")

    def _save_execution(self, execution: Execution) -> None:
        self._executions_dir.mkdir(parents=True, exist_ok=True)
        record = {
            "simulated": True,
            "arn": execution.arn,
            "name": execution.name,
            "status": execution.status,
            "start": execution.start,
            "stop": execution.stop,
            "input": execution.input,
            "output": execution.output,
            "error": execution.error,
            "cause": execution.cause,
            "history": execution.history,
        }
        path = self._executions_dir / f"{execution.name}.json"
        path.write_text(json.dumps(record, default=_jsonable, ensure_ascii=False), encoding="utf-8")

    def _record(self, path: Path) -> Execution:
        r = json.loads(path.read_text(encoding="utf-8"))
        when = [datetime.fromisoformat(r[k]) if r.get(k) else None for k in ("start", "stop")]
        history = [_dates(event) for event in r.get("history", [])]
        return Execution(
            r["arn"], r["name"], r["status"], when[0], when[1], r["input"], r["output"], r["error"], r["cause"], history
        )

    # executions -----------------------------------------------------------------------------------
    def _is_live(self, arn: str) -> bool:
        return arn in self._started

    def list_executions(self, limit: int | None = None) -> list[Execution]:
        found = {e.arn: e for e in super().list_executions()}
        if self._executions_dir.is_dir():
            for path in self._executions_dir.glob("*.json"):
                record = self._record(path)
                found.setdefault(record.arn, record)
        ordered = sorted(found.values(), key=lambda e: e.start or datetime.min.astimezone(), reverse=True)
        return ordered[:limit] if limit is not None else ordered

    def describe(self, arn: str, with_history: bool = True) -> Execution:
        if self._is_live(arn):
            return super().describe(arn, with_history)
        for execution in self.list_executions():
            if execution.arn == arn:
                return execution
        raise CliError(f"no local run {arn}", Exit.NOT_FOUND)

    def history(self, arn: str) -> list[dict[str, Any]]:
        if self._is_live(arn):
            return self._pipeline._history(arn)
        return self.describe(arn).history

    def start(self, execution_input: dict[str, Any], name: str) -> str:
        arn = self._pipeline.start({**LOCAL_DEFAULTS, **execution_input}, name=name)
        self._started.append(arn)
        return arn

    def stop(self, arn: str, cause: str) -> None:
        if not self._is_live(arn):
            raise CliError(
                "this local run has already ended (local runs end before `bft --local start` returns)", Exit.OK
            )
        super().stop(arn, cause)

    def after_stop(self, execution: Execution) -> None:
        self._sweep(execution.arn)

    def _sweep(self, arn: str) -> None:
        """What the stack's EventBridge rule and the sweeper do when a run ends badly; run up to
        three times, like Lambda's asynchronous retries."""
        local = self._pipeline.describe(arn)
        for _ in range(3):
            try:
                self._pipeline.sweep(local, status="ABORTED" if local.error == "UserAbort" else None)
                return
            except RuntimeError:
                continue

    def console_url(self, arn: str) -> str:
        return f"(SIMULATED: no console; the run's record is in {self._executions_dir})"
