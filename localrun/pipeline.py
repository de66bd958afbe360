"""LocalPipeline: the deployed shape of the stack, recreated on moto, with the real state
machine definition executed by moto's Step Functions engine.

- Lambda functions are created on moto from the same catalog the CDK stack uses
  (statemachine.TASK_FUNCTIONS); moto's Docker-based invoke is replaced so that a task
  runs the real handler in this process, returning what the Lambda runtime would.
- Requests to Bedrock are answered by SimulatedBedrock (localrun.simulated_bedrock) after
  botocore has serialised them, so request validation and response parsing are real.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
import time
import uuid
import zipfile
from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.responses import StepFunctionResponse

from bedrock_finetuning import statemachine
from shared.settings import DEFAULT_JUDGE_MODEL_ID

from . import sim_faults
from .local_aws import (
    ACCOUNT,
    BUCKET,
    LAMBDAS,
    REGION,
    ROOT,
    TERMINAL,
    Execution,
    LambdaContext,
    S3Faults,
    compress_retries,
    execution_status_event,
    invoke_in_process,
    object_created_event,
    route_bedrock,
    send_task_failure,
)
from .sfn_stop import stopped_executions_stay_stopped
from .sim_timing import DEFAULT_SCALE, TimeModel
from .simulated_bedrock import FAULTS, SimulatedBedrock
from .step_observability import deployed_observability

PIPELINE_FAULTS = {
    "report-write-error": "writing the report to S3 is refused (AccessDenied)",
    "judge-time-short": "JudgeAnswers' Lambda clock shows 15 minutes at its first look, then 60 s: each pass "
    "grades a chunk or two, saves its progress and is called again",
}
"""Faults outside Bedrock, produced by this runner (Bedrock's are in localrun/sim_faults.py)."""
__all__ = [
    "ACCOUNT",
    "BUCKET",
    "LAMBDAS",
    "PIPELINE_FAULTS",
    "REGION",
    "ROOT",
    "TERMINAL",
    "Execution",
    "LambdaContext",
    "LocalPipeline",
    "S3Faults",
    "compress_retries",
    "route_bedrock",
]


class LocalPipeline:
    """Context manager: `with LocalPipeline(faults=[...]) as pipeline: ...`."""

    def __init__(
        self,
        faults: Iterable[str] = (),
        execution_timeout_seconds: int | None = None,
        log_level: str = "ERROR",
        failing_steps: Iterable[str] = (),
        fast_retries: bool = False,
        time_scale: float = DEFAULT_SCALE,
        training_seconds: float | None = None,
        region: str = REGION,
    ) -> None:
        """`region`: where the simulated stack is provisioned (Bedrock customizes each family only in
        some Regions: Nova in us-east-1, Llama and Claude 3 Haiku in us-west-2)."""
        self.region = region
        self.faults = list(faults)
        unknown = set(self.faults) - FAULTS.keys() - PIPELINE_FAULTS.keys()
        if unknown:
            raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {sorted({**FAULTS, **PIPELINE_FAULTS})}")
        self.timeout = execution_timeout_seconds
        self.log_level = log_level
        self.failing_steps = set(failing_steps)
        self.fast_retries = fast_retries
        self.time_scale = time_scale
        self.training_seconds = training_seconds
        self.job_event_outcomes: list[dict[str, Any]] = []
        self.s3_faults = S3Faults()
        self._stack = ExitStack()
        self.bedrock: SimulatedBedrock
        self.state_machine_arn = ""
        self.topic_arn = ""
        self.queue_url = ""

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalPipeline:
        try:
            return self._enter()
        except BaseException:
            # `with` calls __exit__ only after __enter__ returned: without this, a failed start would
            # leave moto's mock and the patches active for everything that runs after it in the process.
            self._stack.close()
            self._reset_caches()
            raise

    def _enter(self) -> LocalPipeline:
        if str(LAMBDAS) not in sys.path:
            sys.path.insert(0, str(LAMBDAS))
        self._stack.enter_context(mock.patch.dict(os.environ, self._environment()))
        self._stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self._stack.enter_context(stopped_executions_stay_stopped())
        self._stack.enter_context(deployed_observability(shown=self.log_level))
        self._reset_caches()
        self.s3 = boto3.client("s3", region_name=self.region)
        self.sfn = boto3.client("stepfunctions", region_name=self.region)
        self.bedrock = SimulatedBedrock(
            self.region,
            ACCOUNT,
            boto3.client("s3", region_name=self.region),
            [f for f in self.faults if f in FAULTS],
            TimeModel(self.time_scale),
        )
        if self.training_seconds is not None:
            self.bedrock.training_seconds = self.training_seconds
        self.bedrock.job_event_listeners.append(self._deliver_job_event)
        if "report-write-error" in self.faults:
            self.s3_faults.refused_writes.append(re.compile(r"^runs/[^/]+/report/"))
        self._stack.enter_context(route_bedrock(self.bedrock, self.s3_faults))
        pipeline = self

        def invoke_lambda(function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
            return pipeline._invoke(function, event)

        self._stack.enter_context(mock.patch.object(LambdaFunction, "_invoke_lambda", invoke_lambda))
        self._stack.enter_context(mock.patch.object(StepFunctionResponse, "send_task_failure", send_task_failure))
        self._provision()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bedrock.close()
        self._stack.close()
        self._reset_caches()

    def _environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "simulated",
            "AWS_SECRET_ACCESS_KEY": "simulated",
            "AWS_SESSION_TOKEN": "simulated",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            **statemachine.POWERTOOLS_SETTINGS,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            statemachine.BUCKET: BUCKET,
            statemachine.SIMULATED: "true",
            statemachine.DEFAULT_POLL_INTERVAL_SECONDS: "1",
            statemachine.JUDGE_MODEL_ID: DEFAULT_JUDGE_MODEL_ID,  # the stack sets its judgeModelId
        }

    @staticmethod
    def _reset_caches() -> None:
        for module_name, attribute in (("shared.settings", "settings"), ("shared.aws", "client")):
            module = sys.modules.get(module_name)
            if module is not None:
                getattr(module, attribute).cache_clear()

    def _invoke(self, function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        name = function.function_name
        if name in self.failing_steps:
            document = {
                "errorMessage": f"simulated unhandled exception in {name}",
                "errorType": "RuntimeError",
                "stackTrace": [],
            }
            return json.dumps(document), True, ""
        if name == "JudgeAnswers" and "judge-time-short" in self.faults:
            return invoke_in_process(function, event, remaining_millis=[900_000, 60_000])
        grader_clock = sim_faults.outcomes(self.faults, sim_faults.GRADER_CONTEXT)
        if name == statemachine.GRADER_FUNCTION.name and sim_faults.SHORT in grader_clock:
            return invoke_in_process(function, event, remaining_millis=[10_000])
        return invoke_in_process(function, event)

    # ------------------------------------------------------------------ resources

    def _provision(self) -> None:
        location = (
            {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        )
        self.s3.create_bucket(Bucket=BUCKET, **location)
        self.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        iam = boto3.client("iam", region_name=self.region)
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Service": [
                                "lambda.amazonaws.com",
                                "states.amazonaws.com",
                                "bedrock.amazonaws.com",
                            ]
                        },
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        role_arn = iam.create_role(RoleName="local-pipeline", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        sns = boto3.client("sns", region_name=self.region)
        sqs = boto3.client("sqs", region_name=self.region)
        self.topic_arn = sns.create_topic(Name="pipeline-notifications")["TopicArn"]
        self.queue_url = sqs.create_queue(QueueName="notifications-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)
        os.environ[statemachine.BEDROCK_ROLE_ARN] = role_arn
        os.environ[statemachine.TOPIC_ARN] = self.topic_arn
        self._reset_caches()
        lam = boto3.client("lambda", region_name=self.region)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("README.txt", "code runs in-process from lambdas/")
        arns: dict[str, str] = {}
        functions = (
            *statemachine.TASK_FUNCTIONS,
            statemachine.SWEEPER_FUNCTION,
            statemachine.TRAINING_EVENT_FUNCTION,
            statemachine.GRADER_FUNCTION,  # invoked by the simulated RFT job, not by the workflow
        )
        for spec in functions:
            arns[spec.substitution_key] = lam.create_function(
                FunctionName=spec.name,
                Runtime="python3.12",
                Role=role_arn,
                Handler=spec.handler,
                Code={"ZipFile": code.getvalue()},
                Timeout=spec.timeout_seconds,
                MemorySize=spec.memory_mb,
            )["FunctionArn"]
        # The grader's ARN reaches StartCustomizationJob as the stack sets it (stacks/constructs/grader.py).
        os.environ[statemachine.GRADER_FUNCTION_ARN] = arns[statemachine.GRADER_FUNCTION.substitution_key]
        self._reset_caches()
        definition = statemachine.load_definition(self.timeout)
        if self.fast_retries:
            definition = compress_retries(definition)
        definition = statemachine.substitute(definition, {**arns, statemachine.BUCKET_NAME_SUBSTITUTION: BUCKET})
        self.state_machine_arn = self.sfn.create_state_machine(
            name="BedrockFineTuningPipeline", definition=definition, roleArn=role_arn
        )["stateMachineArn"]

    # ------------------------------------------------------------------ helpers for runs and tests

    def upload(self, key: str, body: bytes | str, metadata: dict[str, str] | None = None) -> str:
        """`metadata`: the object's user metadata (`aws s3 cp --metadata`)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=data, Metadata=metadata or {})
        return f"s3://{BUCKET}/{key}"

    def s3_event(self, key: str) -> dict[str, Any]:
        """The "Object Created" event EventBridge delivers for an upload (whole event as input)."""
        return object_created_event(self.region, key, self.s3.head_object(Bucket=BUCKET, Key=key))

    def start(self, execution_input: dict[str, Any], name: str | None = None) -> str:
        return str(
            self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=name or f"run-{uuid.uuid4().hex[:12]}",
                input=json.dumps(execution_input),
            )["executionArn"]
        )

    def describe(self, arn: str) -> Execution:
        described = self.sfn.describe_execution(executionArn=arn)
        history = self._history(arn)
        output = json.loads(described["output"]) if described.get("output") else None
        return Execution(arn, described["status"], described.get("error"), described.get("cause"), output, history)

    def _history(self, arn: str) -> list[dict[str, Any]]:
        return list(self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])

    def wait(self, arn: str, timeout: float = 120.0) -> Execution:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sfn.describe_execution(executionArn=arn)["status"] in TERMINAL:
                return self.describe(arn)
            time.sleep(0.1)
        raise TimeoutError(f"execution {arn} still running after {timeout} s")

    def stop(self, arn: str, cause: str = "stopped by the user") -> None:
        self.sfn.stop_execution(executionArn=arn, error="UserAbort", cause=cause)

    def sweep(self, execution: Execution, status: str | None = None) -> dict[str, Any] | None:
        """What the stack's EventBridge rule does when an execution ends badly: start SweepRun
        with the "Step Functions Execution Status Change" event (`status` overrides moto's)."""
        status = status or execution.status
        if status not in {"FAILED", "TIMED_OUT", "ABORTED"}:
            return None
        described = self.sfn.describe_execution(executionArn=execution.arn)
        event = execution_status_event(self.region, self.state_machine_arn, execution.arn, described, status)
        payload, errored, _ = invoke_in_process(self._function("SweepRun"), event)
        result = json.loads(payload)
        if errored:
            raise RuntimeError(f"sweeper failed: {result}")
        return dict(result)

    def _deliver_job_event(self, event: dict[str, Any]) -> None:
        """What the stack's job-state-change rule does: invoke ResumeOnTrainingEvent with the event."""
        payload, errored, _ = invoke_in_process(self._function(statemachine.TRAINING_EVENT_FUNCTION.name), event)
        self.job_event_outcomes.append({"event": event, "errored": errored, "result": json.loads(payload)})

    def _function(self, name: str) -> LambdaFunction:
        from moto.awslambda.models import lambda_backends

        return lambda_backends[ACCOUNT][self.region].get_function(name)

    def raw_snapshot(self) -> dict[str, str]:
        """Every version of every object under raw/, with a hash of its bytes."""
        snapshot: dict[str, str] = {}
        versions = self.s3.list_object_versions(Bucket=BUCKET, Prefix="raw/")
        for version in versions.get("Versions", []):
            body = self.s3.get_object(Bucket=BUCKET, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()
            snapshot[f"{version['Key']}@{version['VersionId']}"] = hashlib.sha256(body).hexdigest()
        for marker in versions.get("DeleteMarkers", []):
            snapshot[f"{marker['Key']}@{marker['VersionId']}"] = "delete-marker"
        return snapshot

    def notifications(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=self.region)
        messages: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                body = json.loads(message["Body"])
                messages.append({"subject": body.get("Subject"), "message": body.get("Message")})
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _files(self, prefix: str) -> dict[str, bytes]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return {
            item["Key"][len(prefix) :]: self.s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            for item in listing
        }

    def report_files(self, run_id: str) -> dict[str, bytes]:
        return self._files(f"runs/{run_id}/report/")

    def data_files(self, run_id: str) -> dict[str, bytes]:
        return self._files(f"runs/{run_id}/data/")

    def remaining_throughputs(self) -> list[str]:
        """Asked through the Bedrock API, as an operator would."""
        bedrock = boto3.client("bedrock", region_name=self.region)
        summaries = bedrock.list_provisioned_model_throughputs()["provisionedModelSummaries"]
        return sorted(summary["provisionedModelName"] for summary in summaries)

    def remaining_deployments(self) -> list[str]:
        """On-demand custom model deployments that still exist, asked through the Bedrock API."""
        bedrock = boto3.client("bedrock", region_name=self.region)
        summaries = bedrock.list_custom_model_deployments()["modelDeploymentSummaries"]
        return sorted(summary["customModelDeploymentName"] for summary in summaries)

    def kept_deployments(self, execution: Execution) -> list[str]:
        """The deployment a successful run keeps on purpose (evaluation.keepDeployment): only
        after SUCCEEDED, and only the one named after this run."""
        if execution.status != "SUCCEEDED":
            return []
        return [name for name in self.remaining_deployments() if name == f"od-{execution.run_id}"]

    def unexpected_deployments(self, execution: Execution) -> list[str]:
        """Deployments left that the run should have deleted (everything but a kept one)."""
        kept = set(self.kept_deployments(execution))
        return [name for name in self.remaining_deployments() if name not in kept]
