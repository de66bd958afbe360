"""BedrockFineTuningPipeline's props and its bring-your-own resources."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from bedrock_finetuning import BedrockFineTuningPipeline, ConfigError, PipelineProps
from bedrock_finetuning.stacks.construct import default_job_name_prefix

from .support import CDK_JSON

BUCKET_ARN = "arn:aws:s3:::platform-ml-data"
TOPIC_ARN = "arn:aws:sns:us-east-1:111111111111:platform-alerts"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_props_are_frozen_and_default_to_a_working_pipeline() -> None:
    props = PipelineProps()
    assert props.base_model_id == "amazon.nova-micro-v1:0:128k" and props.max_cost_usd is None
    assert props.removal_policy == cdk.RemovalPolicy.RETAIN and props.job_name_prefix is None
    assert (props.hosting, props.keep_deployment) == ("auto", True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        props.max_cost_usd = 5  # type: ignore[misc]


def test_invalid_props_list_every_problem() -> None:
    with pytest.raises(ConfigError) as raised:
        PipelineProps(
            base_model_id="not a model id",
            notification_email="nobody",
            max_cost_usd=-1,
            price_overrides={"cheaperPlease": 0.1},
            job_name_prefix="Way_Too-Long-",
            hosting="dedicated",
            keep_deployment="maybe",  # type: ignore[arg-type]
        )
    message = str(raised.value)
    fields = ("base_model_id", "notification_email", "max_cost_usd", "price_overrides", "job_name_prefix", "hosting")
    for field in (*fields, "keep_deployment"):
        assert f"  - {field}: " in message, message


def test_the_default_prefix_differs_per_instance_and_fits_bedrock_names() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Platform")
    first, second = cdk.Stack(stack, "A"), cdk.Stack(stack, "B")
    prefixes = {default_job_name_prefix(first), default_job_name_prefix(second)}
    assert len(prefixes) == 2
    for prefix in prefixes:  # <prefix><run id of 48>-model must stay within 63 characters
        assert len(prefix) + 48 + len("-model") <= 63
        PipelineProps(job_name_prefix=prefix)  # valid as an explicit prefix too


@pytest.fixture(scope="module")
def bring_your_own() -> tuple[BedrockFineTuningPipeline, dict[str, Any]]:
    app = cdk.App(context={k: v for k, v in CDK_JSON["context"].items() if k.startswith("@")})
    stack = cdk.Stack(app, "Platform", env=cdk.Environment(account="111111111111", region="us-east-1"))
    pipeline = BedrockFineTuningPipeline(
        stack,
        "FineTuning",
        props=PipelineProps(
            existing_bucket=s3.Bucket.from_bucket_arn(stack, "Data", BUCKET_ARN),
            existing_topic=sns.Topic.from_topic_arn(stack, "Alerts", TOPIC_ARN),
            existing_topic_key=kms.Key.from_key_arn(stack, "AlertsKey", KEY_ARN),
            job_name_prefix="ftsup-",
        ),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    app.synth()  # cdk-nag clean with the user's resources too
    return pipeline, dict(Template.from_stack(stack).to_json())


def test_existing_bucket_topic_and_key_are_used_and_not_created(
    bring_your_own: tuple[BedrockFineTuningPipeline, dict[str, Any]],
) -> None:
    pipeline, template = bring_your_own
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert not types & {"AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::KMS::Key"}
    text = json.dumps(template)
    assert "platform-ml-data" in text and TOPIC_ARN in text and KEY_ARN in text
    assert pipeline.job_name_prefix == "ftsup-"
    rules = [
        r["Properties"]["EventPattern"] for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule"
    ]
    assert {"prefix": "ftsup-"} in next(p for p in rules if p["source"] == ["aws.bedrock"])["detail"]["jobName"]
    assert next(p for p in rules if p["source"] == ["aws.s3"])["detail"]["bucket"]["name"] == ["platform-ml-data"]
    # The functions that publish may use the user's key (SNS encrypts with a data key of it).
    encrypt = [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Role"
        for policy in resource["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "EncryptNotifications"
    ]
    assert encrypt and all(statement["Resource"] == KEY_ARN for statement in encrypt)
    assert dict(pipeline.functions).keys() >= {"PreprocessDataset", "SweepRun", "ResumeOnTrainingEvent"}
    with pytest.raises(TypeError):
        pipeline.functions["PreprocessDataset"] = pipeline.functions["SweepRun"]  # type: ignore[index]
