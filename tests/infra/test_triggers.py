"""EventBridge rules: S3 uploads under raw/ start a run; failed executions start the sweeper.

The patterns are taken from the synthesized template and checked against realistic events on
moto's EventBridge. moto 5.2.5's TestEventPattern is a stub (it answers without a `Result`),
so each event is routed for real instead: a rule with the pattern, an SQS target, PutEvents,
and the queue says whether it matched. This exercises moto's pattern matcher, `wildcard`
included. Should moto implement TestEventPattern, its answer is checked to agree.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from .support import REPO, Synthesized

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "bedrockfinetuningpipeline-databucket-1a2b3c4d5e6f"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:WorkflowStateMachine-AbCdEf123456"


class EventBridgeSandbox:
    """Answers "does this pattern match this event?" through moto's event routing."""

    def __init__(self) -> None:
        self.events = boto3.client("events", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName="matched-events")["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def matches(self, pattern: dict[str, Any], event: dict[str, Any]) -> bool:
        rule = f"rule-{uuid.uuid4().hex[:12]}"
        self.events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
        self.events.put_targets(Rule=rule, Targets=[{"Id": "matched", "Arn": self.queue_arn}])
        try:
            sent = self.events.put_events(
                Entries=[
                    {
                        "Source": event["source"],
                        "DetailType": event["detail-type"],
                        "Detail": json.dumps(event["detail"]),
                        "Resources": event["resources"],
                    }
                ]
            )
            assert sent["FailedEntryCount"] == 0
            received = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = received.get("Messages", [])
            for message in messages:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        finally:
            self.events.remove_targets(Rule=rule, Ids=["matched"])
            self.events.delete_rule(Name=rule)
        routed = len(messages) == 1
        if routed:
            assert json.loads(messages[0]["Body"])["detail"] == event["detail"]

        tested = self.events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))
        if "Result" in tested:  # not in moto 5.2.5
            assert tested["Result"] == routed
        return routed


@pytest.fixture(scope="module")
def eventbridge() -> Iterator[EventBridgeSandbox]:
    with mock_aws():
        yield EventBridgeSandbox()


def _rule(synthesized: Synthesized, rule: Any) -> dict[str, Any]:
    return synthesized.json["Resources"][synthesized.logical_id(rule)]["Properties"]


def _concrete(value: Any, refs: dict[str, str]) -> Any:
    """The pattern as deployed: `{"Ref": ...}` replaced by the physical name or ARN."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return refs[value["Ref"]]
        return {key: _concrete(item, refs) for key, item in value.items()}
    if isinstance(value, list):
        return [_concrete(item, refs) for item in value]
    return value


def s3_object_created(key: str, bucket: str = BUCKET) -> dict[str, Any]:
    """An "Object Created" event as S3 sends it to EventBridge (S3 user guide, ev-events)."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": "2026-11-21T12:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": 5576,
                "etag": "b1946ac92492d2347c6235b4d2611184",
                "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
                "sequencer": "00617F08299329D189",
            },
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": ACCOUNT,
            "source-ip-address": "203.0.113.15",
            "reason": "PutObject",
        },
    }


def execution_status_change(status: str, state_machine_arn: str = STATE_MACHINE_ARN) -> dict[str, Any]:
    """A "Step Functions Execution Status Change" event as Step Functions sends it."""
    name = "run-2026-11-21"
    execution_arn = state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    return {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": ACCOUNT,
        "time": "2026-11-21T12:00:00Z",
        "region": REGION,
        "resources": [execution_arn],
        "detail": {
            "executionArn": execution_arn,
            "stateMachineArn": state_machine_arn,
            "name": name,
            "status": status,
            "startDate": 1795003200000,
            "stopDate": None if status == "RUNNING" else 1795010400000,
            "input": json.dumps({"trainingDataUri": f"s3://{BUCKET}/raw/qa.json"}),
            "output": None,
            "inputDetails": {"included": True},
            "outputDetails": None if status != "SUCCEEDED" else {"included": True},
            "error": "States.TaskFailed" if status == "FAILED" else None,
            "cause": "CustomizationJobFailed: training data invalid" if status == "FAILED" else None,
        },
    }


@pytest.fixture(scope="module")
def upload_pattern(default: Synthesized) -> dict[str, Any]:
    pattern = _rule(default, default.stack.pipeline.triggers.upload_rule)["EventPattern"]
    return _concrete(pattern, {default.logical_id(default.stack.pipeline.data.bucket): BUCKET})


@pytest.fixture(scope="module")
def failed_run_pattern(default: Synthesized) -> dict[str, Any]:
    pattern = _rule(default, default.stack.pipeline.triggers.sweeper_rule)["EventPattern"]
    state_machine_id = default.logical_id(default.stack.pipeline.workflow.state_machine)
    return _concrete(pattern, {state_machine_id: STATE_MACHINE_ARN})


def test_upload_rule_pattern_in_the_template(default: Synthesized) -> None:
    bucket_id = default.logical_id(default.stack.pipeline.data.bucket)

    assert _rule(default, default.stack.pipeline.triggers.upload_rule)["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": bucket_id}]},
            "object": {"key": [{"wildcard": "raw/*.json"}, {"wildcard": "raw/*.jsonl"}, {"wildcard": "raw/*.csv"}]},
        },
    }


@pytest.mark.parametrize("key", ["raw/x.json", "raw/sub/y.jsonl", "raw/2026/11/questions.json", "raw/excel/faq.csv"])
def test_uploads_under_raw_start_a_run(
    eventbridge: EventBridgeSandbox, upload_pattern: dict[str, Any], key: str
) -> None:
    assert eventbridge.matches(upload_pattern, s3_object_created(key))


@pytest.mark.parametrize(
    "key",
    [
        "runs/abc/data/train.jsonl",  # the pipeline's own writes never start a run
        "runs/abc/raw/x.json",
        "raw/x.txt",
        "raw/x.json.bak",
        "raw/x.jsonl.tmp",
        "raw/x.csv.bak",
        "raw-old/x.json",
        "x.json",
    ],
)
def test_other_keys_do_not(eventbridge: EventBridgeSandbox, upload_pattern: dict[str, Any], key: str) -> None:
    assert not eventbridge.matches(upload_pattern, s3_object_created(key))


def test_uploads_to_another_bucket_do_not(eventbridge: EventBridgeSandbox, upload_pattern: dict[str, Any]) -> None:
    assert not eventbridge.matches(upload_pattern, s3_object_created("raw/x.json", bucket="someone-elses-bucket"))


def test_object_deleted_events_do_not(eventbridge: EventBridgeSandbox, upload_pattern: dict[str, Any]) -> None:
    deleted = {**s3_object_created("raw/x.json"), "detail-type": "Object Deleted"}

    assert not eventbridge.matches(upload_pattern, deleted)


def test_upload_rule_starts_the_state_machine_with_retries_and_a_dead_letter_queue(
    default: Synthesized,
) -> None:
    stack = default.stack
    (target,) = _rule(default, stack.pipeline.triggers.upload_rule)["Targets"]

    assert target["Arn"] == {"Ref": default.logical_id(stack.pipeline.workflow.state_machine)}
    assert "Input" not in target and "InputPath" not in target  # the whole event is the input
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": [default.logical_id(stack.pipeline.triggers.upload_dlq), "Arn"]}
    }
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 4}
    role = default.json["Resources"][target["RoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "events.amazonaws.com"
    }


def test_sweeper_rule_pattern_in_the_template(default: Synthesized) -> None:
    state_machine_id = default.logical_id(default.stack.pipeline.workflow.state_machine)

    assert _rule(default, default.stack.pipeline.triggers.sweeper_rule)["EventPattern"] == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "status": ["ABORTED", "TIMED_OUT", "FAILED"],
            "stateMachineArn": [{"Ref": state_machine_id}],
        },
    }


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_runs_that_end_badly_start_the_sweeper(
    eventbridge: EventBridgeSandbox, failed_run_pattern: dict[str, Any], status: str
) -> None:
    assert eventbridge.matches(failed_run_pattern, execution_status_change(status))


@pytest.mark.parametrize("status", ["RUNNING", "SUCCEEDED", "PENDING_REDRIVE"])
def test_other_statuses_do_not(
    eventbridge: EventBridgeSandbox, failed_run_pattern: dict[str, Any], status: str
) -> None:
    assert not eventbridge.matches(failed_run_pattern, execution_status_change(status))


def test_failures_of_other_state_machines_do_not(
    eventbridge: EventBridgeSandbox, failed_run_pattern: dict[str, Any]
) -> None:
    other = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:SomeoneElsesWorkflow"

    assert not eventbridge.matches(failed_run_pattern, execution_status_change("FAILED", other))


def test_sweeper_rule_invokes_the_sweeper_with_retries_and_a_dead_letter_queue(default: Synthesized) -> None:
    stack = default.stack
    (target,) = _rule(default, stack.pipeline.triggers.sweeper_rule)["Targets"]

    assert target["Arn"] == {"Fn::GetAtt": [default.logical_id(stack.pipeline.lambdas.sweeper), "Arn"]}
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": [default.logical_id(stack.pipeline.triggers.sweeper_dlq), "Arn"]}
    }
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 4}


def test_dead_letter_queues_are_encrypted_tls_only_and_watched(default: Synthesized) -> None:
    stack = default.stack
    topic = {"Ref": default.logical_id(stack.pipeline.notifications.topic)}
    alarms = default.resources("AWS::CloudWatch::Alarm").values()
    for queue in (stack.pipeline.triggers.upload_dlq, stack.pipeline.triggers.sweeper_dlq):
        queue_id = default.logical_id(queue)
        properties = default.json["Resources"][queue_id]["Properties"]
        assert properties["SqsManagedSseEnabled"] is True
        assert properties["MessageRetentionPeriod"] == 14 * 24 * 3600

        (policy,) = [
            p
            for p in default.resources("AWS::SQS::QueuePolicy").values()
            if p["Properties"]["Queues"] == [{"Ref": queue_id}]
        ]
        assert {
            "Action": "sqs:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        } in policy["Properties"]["PolicyDocument"]["Statement"]

        watching = [
            alarm
            for alarm in alarms
            if {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
            in alarm["Properties"]["Dimensions"]
        ]
        assert [alarm["Properties"]["AlarmActions"] for alarm in watching] == [[topic]]


def test_sweeper_errors_raise_an_alarm(default: Synthesized) -> None:
    sweeper_id = default.logical_id(default.stack.pipeline.lambdas.sweeper)

    default.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": sweeper_id}}],
            "Threshold": 1,
            "AlarmActions": [{"Ref": default.logical_id(default.stack.pipeline.notifications.topic)}],
        },
    )


def test_the_shared_event_fixtures_match_the_deployed_patterns(
    eventbridge: EventBridgeSandbox, default: Synthesized
) -> None:
    """tests/events/ (used by the handlers' tests) holds events the rules really deliver."""
    events_dir = REPO / "tests" / "events"
    upload = json.loads((events_dir / "preprocess_s3_object_created.json").read_text(encoding="utf-8"))["input"]
    status_change = json.loads((events_dir / "sfn_execution_status_change.json").read_text(encoding="utf-8"))
    stack = default.stack
    upload_rule = _concrete(
        _rule(default, stack.pipeline.triggers.upload_rule)["EventPattern"],
        {default.logical_id(stack.pipeline.data.bucket): upload["detail"]["bucket"]["name"]},
    )
    sweeper_rule = _concrete(
        _rule(default, stack.pipeline.triggers.sweeper_rule)["EventPattern"],
        {default.logical_id(stack.pipeline.workflow.state_machine): status_change["detail"]["stateMachineArn"]},
    )

    assert eventbridge.matches(upload_rule, upload)
    assert eventbridge.matches(sweeper_rule, status_change)
