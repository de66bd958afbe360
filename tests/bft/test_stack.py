"""Finding the deployed stack from its CloudFormation outputs, and the exit code without one.
CloudFormation answers through botocore's Stubber (moto's CloudFormation needs extras this
project does not install); S3 and Step Functions are moto's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cli.errors import CliError, Exit
from cli.stack import DEFAULT_STACK, discover
from localrun.pipeline import route_bedrock
from localrun.simulated_bedrock import SimulatedBedrock
from tests.bft.conftest import bft
from tests.conftest import moto_alone


@pytest.fixture
def aws() -> Iterator[None]:
    """moto alone in us-east-1 (conftest's `aws` also starts the simulated Bedrock)."""
    with moto_alone():
        yield


def _described(name: str, outputs: dict[str, str] | None = None) -> dict:
    values = outputs or {
        "BucketName": "my-bucket",
        "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Pipeline",
        "NotificationTopicArn": "arn:aws:sns:us-east-1:123456789012:topic",
    }
    return {
        "StackName": name,
        "StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1",
        "CreationTime": "2026-12-01T00:00:00Z",
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in values.items()],
    }


def _cloudformation(*responses: dict, error: str | None = None) -> Any:
    """A real botocore client whose answers are the given DescribeStacks responses, in order."""
    client = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(client)
    for response in responses:
        stubber.add_response("describe_stacks", response)
    if error:
        stubber.add_client_error("describe_stacks", "ValidationError", error)
    stubber.activate()
    return client


@pytest.fixture
def with_cloudformation(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Route the CLI's CloudFormation client to a stubbed one; other services stay on moto."""

    def install(client: Any) -> None:
        original = boto3.Session.client

        def session_client(self: boto3.Session, service: str, *args: Any, **kwargs: Any) -> Any:
            return client if service == "cloudformation" else original(self, service, *args, **kwargs)

        monkeypatch.setattr(boto3.Session, "client", session_client)

    return install


def test_default_stack_name_matches_the_cdk_app() -> None:
    from bedrock_finetuning.stacks import STACK_NAME

    assert DEFAULT_STACK == STACK_NAME


def test_finds_the_only_pipeline_stack_and_reads_its_outputs(aws: None) -> None:
    other = {**_described("Unrelated"), "Outputs": []}
    outputs = discover(_cloudformation({"Stacks": [other, _described("MyPipeline")]}), None)
    assert (outputs.name, outputs.bucket) == ("MyPipeline", "my-bucket")
    assert outputs.state_machine_arn.endswith(":stateMachine:Pipeline")
    assert outputs.topic_arn == "arn:aws:sns:us-east-1:123456789012:topic"


def test_several_stacks_need_a_name(aws: None) -> None:
    cloudformation = _cloudformation(
        {"Stacks": [_described("PipelineB"), _described("PipelineA")]}, {"Stacks": [_described("PipelineB")]}
    )
    with pytest.raises(CliError) as raised:
        discover(cloudformation, None)
    assert raised.value.code == Exit.NO_STACK and "PipelineA, PipelineB" in str(raised.value)
    assert discover(cloudformation, "PipelineB").name == "PipelineB"


def test_the_default_stack_wins_over_others(aws: None) -> None:
    cloudformation = _cloudformation({"Stacks": [_described("Other"), _described(DEFAULT_STACK)]})
    assert discover(cloudformation, None).name == DEFAULT_STACK


def test_no_stack_exits_3_and_says_what_to_do(aws: None, with_cloudformation: Any) -> None:
    with_cloudformation(_cloudformation({"Stacks": []}))
    result = bft("runs")
    assert result.code == 3
    assert "no deployed pipeline stack found" in result.stderr and "--local" in result.stderr


def test_unknown_stack_name_exits_3(aws: None, with_cloudformation: Any) -> None:
    with_cloudformation(_cloudformation(error="Stack with id Nope does not exist"))
    result = bft("--stack", "Nope", "runs")
    assert result.code == 3 and "Nope" in result.stderr


def test_no_region_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    result = bft("runs")
    assert result.code == 3 and "Region" in result.stderr


def test_runs_against_a_deployed_stack(aws: None, with_cloudformation: Any) -> None:
    """The AWS path end to end on moto: the stack's state machine and bucket, no runs yet."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    arn = sfn.create_state_machine(
        name="Pipeline", definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}), roleArn=role
    )["stateMachineArn"]
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="my-bucket")
    outputs = {"BucketName": "my-bucket", "StateMachineArn": arn}
    with_cloudformation(_cloudformation({"Stacks": [_described(DEFAULT_STACK, outputs)]}))
    sfn.start_execution(stateMachineArn=arn, name="faq-261201-100000-abcd", input="{}")
    simulator = SimulatedBedrock("us-east-1", "123456789012", boto3.client("s3", region_name="us-east-1"))
    with route_bedrock(simulator):
        result = bft("--json", "runs")
    simulator.close()
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["simulated"] is False
    assert [r["runId"] for r in document["runs"]] == ["faq-261201-100000-abcd"]


def test_stop_a_running_run_and_confirm_nothing_paid_is_left(aws: None, with_cloudformation: Any) -> None:
    """moto keeps an execution RUNNING (its engine is off here); bft stop aborts it and then
    finds no throughput, deployment or running job tagged with the run."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    definition = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}})
    arn = sfn.create_state_machine(name="Pipeline", definition=definition, roleArn=role)["stateMachineArn"]
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="my-bucket")
    with_cloudformation(
        _cloudformation({"Stacks": [_described(DEFAULT_STACK, {"BucketName": "my-bucket", "StateMachineArn": arn})]})
    )
    execution = sfn.start_execution(stateMachineArn=arn, name="faq-261201-100000-abcd", input="{}")["executionArn"]
    simulator = SimulatedBedrock("us-east-1", "123456789012", boto3.client("s3", region_name="us-east-1"))
    with route_bedrock(simulator):
        result = bft("--json", "stop", "faq-261201-100000-abcd")
    simulator.close()
    assert result.code == 0, result.stderr
    assert result.json() == {
        "runId": "faq-261201-100000-abcd",
        "message": "run faq-261201-100000-abcd stopped",
        "paidHostingLeft": [],
    }
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"


def test_quote_uses_the_stacks_prices(aws: None) -> None:
    """The PreprocessDataset function's environment (found through the state machine) gives the
    stack's price overrides, and the quote prices training with them."""
    from pathlib import Path

    from cli import dryrun
    from tests.bft.conftest import DATASET

    lam = boto3.client("lambda", region_name="us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    overrides = json.dumps({"trainingPer1kTokensUsd": 0.008})
    function = lam.create_function(
        FunctionName="Stack-PreprocessDataset-ABC",
        Runtime="python3.12",
        Role=role,
        Handler="preprocess.handler.lambda_handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        Environment={"Variables": {"PRICE_OVERRIDES_JSON": overrides, "PIPELINE_BUCKET": "my-bucket"}},
    )["FunctionArn"]
    task = {"Type": "Task", "Resource": function, "Parameters": {"input.$": "$"}, "End": True}  # as pipeline.asl.yaml
    definition = {"StartAt": "PreprocessDataset", "States": {"PreprocessDataset": task}}
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(name="P", definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
    environment = dryrun.stack_environment(sfn, lam, arn)
    assert environment["PRICE_OVERRIDES_JSON"] == overrides
    quote = dryrun.check(
        {"trainingDataUri": Path(DATASET / "training.json")},
        {},
        "us-east-1",
        environment,
        s3=boto3.client("s3", region_name="us-east-1"),
    ).quote
    training = next(p for p in quote["parts"] if p["name"] == "training")
    assert training["usd"] == pytest.approx(training["quantities"]["tokens"] / 1000 * 0.008, rel=1e-3)


def _deployed(with_cloudformation: Any) -> tuple[Any, str]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    definition = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}})
    arn = sfn.create_state_machine(name="Pipeline", definition=definition, roleArn=role)["stateMachineArn"]
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="my-bucket")
    outputs = {"BucketName": "my-bucket", "StateMachineArn": arn}
    with_cloudformation(_cloudformation({"Stacks": [_described(DEFAULT_STACK, outputs)]}))
    return sfn, arn


def test_start_uploads_under_raw_direct_and_starts_with_the_uris(aws: None, with_cloudformation: Any) -> None:
    from tests.bft.conftest import DATASET

    sfn, _ = _deployed(with_cloudformation)
    result = bft(
        "--json",
        "start",
        str(DATASET / "training.json"),
        "--eval",
        str(DATASET / "eval.json"),
        "--set",
        "evaluation.hosting=provisioned",
        "--set",
        "hyperParameters.epochCount=5",
    )
    assert result.code == 0, result.stderr
    started = result.json()
    assert started["simulated"] is False and "states/home?region=us-east-1" in started["consoleUrl"]
    execution_input = json.loads(sfn.describe_execution(executionArn=started["executionArn"])["input"])
    run_id = started["runId"]
    assert execution_input == {
        "evaluation": {"hosting": "provisioned"},
        "hyperParameters": {"epochCount": 5},
        "trainingDataUri": f"s3://my-bucket/raw/direct/{run_id}/training.json",
        "evalDataUri": f"s3://my-bucket/raw/direct/{run_id}/eval.json",
    }
    keys = [
        o["Key"] for o in boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="my-bucket")["Contents"]
    ]
    assert sorted(keys) == [f"raw/direct/{run_id}/eval.json", f"raw/direct/{run_id}/training.json"]


def test_start_with_bad_data_uploads_nothing_to_the_stack(aws: None, with_cloudformation: Any, tmp_path: Any) -> None:
    sfn, arn = _deployed(with_cloudformation)
    bad = tmp_path / "faq.jsonl"
    bad.write_text('{"question": "Q?", "answer": "A."}\n{"question": "Q2?"}\n', encoding="utf-8")
    result = bft("start", str(bad))
    assert result.code == 2
    assert f"{bad} line 2: missing 'answer'" in result.stderr
    assert "Contents" not in boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="my-bucket")
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []
