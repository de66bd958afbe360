"""The simulated Bedrock lists and deletes custom models (what `bft cleanup` uses), and refuses
to delete one still served by a deployment, as Bedrock documents:
https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-delete.html"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun.simulated_bedrock import SimulatedBedrock

BASE = "amazon.nova-micro-v1:0:128k"


def _model(aws: SimulatedBedrock, name: str, tags: list[dict[str, str]]) -> str:
    arn = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{BASE}/{name}"
    aws.custom_models[arn] = {
        "modelArn": arn,
        "modelName": name,
        "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x",
        "baseModelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{BASE}",
        "knowledge": [],
        "creationTime": "2026-01-01T00:00:00Z",
    }
    aws.tags[arn] = tags
    return arn


def test_list_custom_models_with_tags(aws: SimulatedBedrock, bedrock: Any) -> None:
    arn = _model(aws, "ft-run-1-model", [{"key": "pipeline:run-id", "value": "run-1"}])
    summaries = bedrock.list_custom_models()["modelSummaries"]
    assert [(s["modelArn"], s["modelName"], s["modelStatus"]) for s in summaries] == [(arn, "ft-run-1-model", "Active")]
    assert bedrock.list_tags_for_resource(resourceARN=arn)["tags"] == [{"key": "pipeline:run-id", "value": "run-1"}]


def test_a_model_in_use_by_a_deployment_cannot_be_deleted(aws: SimulatedBedrock, bedrock: Any) -> None:
    arn = _model(aws, "ft-run-2-model", [])
    deployment = bedrock.create_custom_model_deployment(modelDeploymentName="od-run-2", modelArn=arn)
    with pytest.raises(ClientError) as raised:
        bedrock.delete_custom_model(modelIdentifier=arn)
    assert raised.value.response["Error"]["Code"] == "ConflictException"
    for _ in range(5):  # the deployment becomes Active, then can be deleted
        if bedrock.get_custom_model_deployment(customModelDeploymentIdentifier="od-run-2")["status"] == "Active":
            break
    bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=deployment["customModelDeploymentArn"])
    bedrock.delete_custom_model(modelIdentifier=arn)
    assert bedrock.list_custom_models()["modelSummaries"] == []
    with pytest.raises(ClientError) as gone:
        bedrock.get_custom_model(modelIdentifier=arn)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_trained_model_carries_the_jobs_custom_model_tags(aws: SimulatedBedrock) -> None:
    """customModelTags of CreateModelCustomizationJob end up on the model the job makes."""
    job = {
        "jobArn": "j",
        "jobId": "abc",
        "jobName": "ft-run-3",
        "customizationType": "FINE_TUNING",
        "outputModelName": "ft-run-3-model",
        "baseModelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{BASE}",
        "hyperParameters": {},
        "outputDataConfig": {"s3Uri": "s3://finetuning-pipeline-data-local/runs/run-3/output/"},
        "_knowledge": [],
        "_customModelTags": [{"key": "pipeline:run-id", "value": "run-3"}],
    }
    aws._complete_job(job)
    assert aws.tags[job["outputModelArn"]] == [{"key": "pipeline:run-id", "value": "run-3"}]
