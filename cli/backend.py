"""Where `bft` works: the deployed stack (AwsBackend) or the local simulation (cli.local).

Both expose the same few operations on executions plus boto3 clients for S3 and Bedrock, so
every command has one implementation."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shared.aws import PRICING_API_REGION
from shared.naming import run_id_from_execution_name

from .errors import CliError, Exit
from .stack import StackOutputs, discover

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
DIRECT_PREFIX = "raw/direct/"  # preprocess.inputs.DIRECT_PREFIX
"""Where `bft start` uploads files for an execution it starts with their URIs. Uploads under
this prefix do not start runs themselves (lambdas/preprocess/inputs.py)."""


@dataclass
class Execution:
    arn: str
    name: str
    status: str
    start: datetime | None
    stop: datetime | None = None
    input: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return run_id_from_execution_name(self.name)

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL


def execution_name(data: Path) -> str:
    """`<file stem>-<UTC yymmdd-HHMMSS>-<4 hex>`: unique, readable, sorted by time per file, and
    well within Step Functions' 80 characters (the run id is this name)."""
    stem = "".join(c if c.isalnum() else "-" for c in data.stem)[:20].strip("-") or "data"
    return f"{stem}-{datetime.now(UTC):%y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"


class Backend:
    """The operations commands use. Subclasses set the attributes in __enter__."""

    simulated = False
    region: str
    bucket: str
    state_machine_arn: str
    s3: Any
    sfn: Any
    bedrock: Any
    cloudwatch: Any
    pricing: Any = None
    """The Price List the run would read (the simulated one with --local), for the dry-run check
    (against AWS, read ahead of the check's moto: cli/price_replay.py); None: the dated table."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    # executions -------------------------------------------------------------------------------
    def list_executions(self, limit: int | None = None) -> list[Execution]:
        found: list[Execution] = []
        for page in self.sfn.get_paginator("list_executions").paginate(stateMachineArn=self.state_machine_arn):
            for item in page["executions"]:
                found.append(
                    Execution(
                        item["executionArn"], item["name"], item["status"], item.get("startDate"), item.get("stopDate")
                    )
                )
                if limit is not None and len(found) >= limit:
                    return found
        return found

    def find(self, run: str) -> Execution:
        """A run by its run id, execution name or execution ARN."""
        if run.startswith("arn:"):
            return self.describe(run)
        for execution in self.list_executions():
            if run in (execution.name, execution.run_id):
                return self.describe(execution.arn)
        raise CliError(f"no run {run!r} in this stack (`bft runs` lists them)", Exit.NOT_FOUND)

    def describe(self, arn: str, with_history: bool = True) -> Execution:
        try:
            d = self.sfn.describe_execution(executionArn=arn)
        except ClientError as error:
            raise CliError(f"no execution {arn}: {error.response['Error']['Message']}", Exit.NOT_FOUND) from None
        history = self.history(arn) if with_history else []
        return Execution(
            arn,
            d["name"],
            d["status"],
            d.get("startDate"),
            d.get("stopDate"),
            json.loads(d["input"]) if d.get("input") else None,
            json.loads(d["output"]) if d.get("output") else None,
            d.get("error"),
            d.get("cause"),
            history,
        )

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for page in self.sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
            events.extend(page["events"])
        return events

    def start(self, execution_input: dict[str, Any], name: str) -> str:
        return str(
            self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(execution_input)
            )["executionArn"]
        )

    def stop(self, arn: str, cause: str) -> None:
        self.sfn.stop_execution(executionArn=arn, error="UserAbort", cause=cause)

    def after_stop(self, execution: Execution) -> None:
        """On AWS the stack's EventBridge rule starts the sweeper by itself."""

    def upload(self, key: str, body: bytes) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return f"s3://{self.bucket}/{key}"

    def read_json(self, key: str) -> dict[str, Any] | None:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError:
            return None
        value = json.loads(body)
        return value if isinstance(value, dict) else None

    def console_url(self, arn: str) -> str:
        return f"https://{self.region}.console.aws.amazon.com/states/home?region={self.region}#/v2/executions/details/{arn}"

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)


class AwsBackend(Backend):
    """The deployed stack, through the standard credential chain (--profile / --region)."""

    def __init__(self, stack: str | None, profile: str | None, region: str | None) -> None:
        self.stack_name, self.profile, self.region_name = stack, profile, region
        self.outputs: StackOutputs

    def __enter__(self) -> AwsBackend:
        try:
            session = boto3.Session(profile_name=self.profile, region_name=self.region_name)
        except Exception as error:  # botocore's ProfileNotFound and friends
            raise CliError(f"AWS profile: {error}", Exit.NO_STACK) from None
        if not session.region_name:
            raise CliError("no AWS Region configured: pass --region or set AWS_REGION", Exit.NO_STACK)
        if session.get_credentials() is None:
            raise CliError("no AWS credentials found (standard chain): pass --profile or configure them", Exit.NO_STACK)
        self.region = session.region_name
        self.outputs = discover(session.client("cloudformation"), self.stack_name)
        self.bucket, self.state_machine_arn = self.outputs.bucket, self.outputs.state_machine_arn
        self.s3, self.sfn = session.client("s3"), session.client("stepfunctions")
        self.bedrock, self.cloudwatch = session.client("bedrock"), session.client("cloudwatch")
        self.pricing = session.client("pricing", region_name=PRICING_API_REGION)
        return self
