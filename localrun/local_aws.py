"""The AWS side of a local run, on moto: where Bedrock requests go (the simulator), S3
behaviour moto cannot produce (S3Faults), Lambda functions invoked in this process as the
runtime would (LambdaContext, invoke_in_process), and a finished execution (Execution).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import unquote, urlsplit

from moto.awslambda.models import LambdaFunction
from moto.core.botocore_stubber import BotocoreStubber
from moto.core.responses import EmptyResult
from moto.stepfunctions.responses import StepFunctionResponse

from shared.naming import run_id_from_execution_name

from .simulated_bedrock import SimulatedBedrock

ROOT = Path(__file__).resolve().parent.parent
LAMBDAS = ROOT / "lambdas"
REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "finetuning-pipeline-data-local"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass
class LambdaContext:
    """The attributes Powertools reads from a real Lambda context."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    remaining_millis: list[int] = field(default_factory=lambda: [900_000])
    """What successive looks at the clock return; the last value repeats (the judge-time-short fault)."""

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis.pop(0) if len(self.remaining_millis) > 1 else self.remaining_millis[0]


@dataclass
class Execution:
    arn: str
    status: str
    error: str | None
    cause: str | None
    output: dict[str, Any] | None
    history: list[dict[str, Any]]

    @property
    def run_id(self) -> str:
        """PreprocessDataset derives the run id from the execution name, and so does this."""
        return run_id_from_execution_name(self.arn.rsplit(":", 1)[-1])

    def states_entered(self) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.history if "stateEnteredEventDetails" in e]


def compress_retries(definition: str) -> str:
    """Same states, same retry attempts, but 1 s between them: for tests of faults that
    exhaust a step's retries (in AWS those waits add up to many minutes)."""
    document = json.loads(definition)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for retrier in node.get("Retry", []):
                retrier.update({"IntervalSeconds": 1, "BackoffRate": 1.0})
                retrier.pop("MaxDelaySeconds", None)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return json.dumps(document)


@dataclass
class S3Faults:
    """S3 behaviour moto cannot produce on its own: objects that report a huge size (a 10 GB
    upload without writing 10 GB) and writes refused for keys that match a pattern."""

    sizes: dict[str, int] = field(default_factory=dict)
    refused_writes: list[re.Pattern[str]] = field(default_factory=list)

    def apply(self, request: Any, respond: Any) -> Any:
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        key = unquote(parts.path.lstrip("/"))
        if not host.startswith(f"{BUCKET}."):
            key = key.split("/", 1)[1] if key.startswith(f"{BUCKET}/") else key
        if request.method == "PUT" and any(pattern.match(key) for pattern in self.refused_writes):
            body = b"<Error><Code>AccessDenied</Code><Message>Access Denied (simulated)</Message></Error>"
            return 403, {"content-type": "application/xml"}, body
        response = respond()
        if request.method == "HEAD" and key in self.sizes and response is not None:
            status, headers, body = response
            return status, {**headers, "content-length": str(self.sizes[key])}, body
        return response


@contextmanager
def route_bedrock(simulator: SimulatedBedrock, s3_faults: S3Faults | None = None) -> Iterator[SimulatedBedrock]:
    """Within moto's mock, answer Bedrock requests with the simulator (after botocore has
    serialised and validated them; the simulator's JSON goes through botocore's parser)."""
    original = BotocoreStubber.process_request
    faults = s3_faults or S3Faults()

    def process_request(stubber: BotocoreStubber, request: Any) -> Any:
        host = request.url.split("://", 1)[-1].split("/", 1)[0]
        if simulator.handles(host):
            return simulator.dispatch(request.method, request.url, request.body, request.headers)
        if ".s3." in f".{host}" or host.startswith("s3."):
            return faults.apply(request, lambda: original(stubber, request))
        return original(stubber, request)

    with mock.patch.object(BotocoreStubber, "process_request", process_request):
        yield simulator


def send_task_failure(response: StepFunctionResponse) -> EmptyResult:
    """moto 5.2.5's SendTaskFailure drops `cause`; Step Functions passes it on (API_SendTaskFailure.html)."""
    backend: Any = response.stepfunction_backend
    backend.send_task_failure(
        response._get_param("taskToken"), error=response._get_param("error"), cause=response._get_param("cause")
    )
    return EmptyResult()


def invoke_in_process(
    function: LambdaFunction, event: Any = None, remaining_millis: list[int] | None = None
) -> tuple[str, bool, str]:
    """Replaces moto's Docker invoke: import the handler and call it, as the runtime would."""
    module_name, _, attribute = str(function.handler).rpartition(".")
    context = LambdaContext(function.function_name, int(function.memory_size), function.function_arn)
    if remaining_millis is not None:
        context.remaining_millis = list(remaining_millis)
    # A JSON object (workflow steps) or list (the RFT grader's batch of samples).
    payload = event if isinstance(event, dict | list) else json.loads(event or "{}")
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
        result = handler(payload, context)
        return json.dumps(result), False, ""
    except Exception as error:  # the Lambda runtime turns any exception into this document
        document = {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
        return json.dumps(document), True, ""
    finally:
        _end_of_invocation()


def _end_of_invocation() -> None:
    """Empty the handlers' metric set, as the end of an invocation does on Lambda. Locally the
    metrics are disabled (POWERTOOLS_METRICS_DISABLED), and then log_metrics' flush neither prints
    nor clears: in one process running every invocation the values would pile up until Powertools
    prints them anyway at a metric's 100th value (add_metric's own flush ignores the setting),
    into the middle of `bft --json` output."""
    observability = sys.modules.get("shared.observability")
    if observability is not None:
        observability.metrics.clear_metrics()


def _eventbridge_event(
    region: str, source: str, detail_type: str, resources: list[str], detail: dict[str, Any]
) -> dict[str, Any]:
    """An event as EventBridge delivers it to a target (its envelope around `detail`)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def object_created_event(region: str, key: str, head: dict[str, Any]) -> dict[str, Any]:
    """The "Object Created" event EventBridge delivers for an upload (`head`: its HeadObject)."""
    return _eventbridge_event(
        region,
        "aws.s3",
        "Object Created",
        [f"arn:aws:s3:::{BUCKET}"],
        {
            "version": "0",
            "bucket": {"name": BUCKET},
            "object": {
                "key": key,
                "size": head["ContentLength"],
                "etag": head["ETag"].strip('"'),
                "version-id": head.get("VersionId"),
                "sequencer": "0062E99A88DC407460",
            },
            "request-id": "LOCAL",
            "requester": ACCOUNT,
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    )


def execution_status_event(
    region: str, state_machine_arn: str, execution_arn: str, described: dict[str, Any], status: str
) -> dict[str, Any]:
    """The "Step Functions Execution Status Change" event (`described`: DescribeExecution's answer)."""
    return _eventbridge_event(
        region,
        "aws.states",
        "Step Functions Execution Status Change",
        [execution_arn],
        {
            "executionArn": execution_arn,
            "stateMachineArn": state_machine_arn,
            "name": described["name"],
            "status": status,
            "startDate": 0,
            "stopDate": 0,
            "input": described.get("input"),
            "output": None,
        },
    )
