from __future__ import annotations

from typing import Any

import pytest

from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import SimulatedBedrock
from shared.errors import (
    CustomizationJobFailed,
    CustomizationJobQuotaExceeded,
    CustomizationJobRejected,
    CustomizationJobStopped,
)
from start_job.logic import output_uri, start_job
from tests.unit.factories import TRAINING_JSONL, make_run, put_training
from training_wait.job_status import check_job

ROLE = "arn:aws:iam::123456789012:role/bedrock-service-role"


def test_start_job_sends_the_run_derived_request(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run()
    put_training(s3, run)
    job = start_job(run, ROLE, bedrock)
    (call,) = aws.operations("CreateModelCustomizationJob")
    assert call.params["jobName"] == "ft-run-1" and call.params["customModelName"] == "ft-run-1-model"
    assert call.params["clientRequestToken"] == "job-run-1"
    assert call.params["hyperParameters"] == run.hyperParameters
    assert call.params["outputDataConfig"] == {"s3Uri": "s3://finetuning-pipeline-data-local/runs/run-1/output/"}
    assert "validationDataConfig" not in call.params
    assert {"key": "pipeline:execution-arn", "value": run.executionArn} in call.params["jobTags"]
    assert job.status == "InProgress" and job.jobArn.startswith("arn:aws:bedrock:us-east-1:123456789012:")
    assert output_uri(run).endswith("/runs/run-1/output/")


def test_a_retried_start_returns_the_same_job_and_pays_once(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run()
    put_training(s3, run)
    first, second = start_job(run, ROLE, bedrock), start_job(run, ROLE, bedrock)
    assert first.jobArn == second.jobArn
    assert len(aws.jobs) == 1


def test_validation_set_is_passed_as_a_validator(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run()
    uri = f"s3://{BUCKET}/{run.data.prefix}validation.jsonl"
    run = run.model_copy(update={"data": run.data.model_copy(update={"validationUri": uri})})
    put_training(s3, run)
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}validation.jsonl", Body=TRAINING_JSONL.encode())
    start_job(run, ROLE, bedrock)
    (call,) = aws.operations("CreateModelCustomizationJob")
    assert call.params["validationDataConfig"] == {"validators": [{"s3Uri": uri}]}


def test_job_quota_is_a_named_retryable_error(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    aws.faults.add("job-quota")
    run = make_run()
    put_training(s3, run)
    with pytest.raises(CustomizationJobQuotaExceeded, match="quota of concurrent customization jobs"):
        start_job(run, ROLE, bedrock)


def test_bedrock_refusal_is_reported_with_its_message(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run(baseModelId="amazon.nova-micro-v1:0")  # an inference ID, not customizable
    put_training(s3, run)
    with pytest.raises(CustomizationJobRejected, match="does not support fine-tuning"):
        start_job(run, ROLE, bedrock)


def test_check_job_reports_progress_then_the_custom_model(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run()
    put_training(s3, run)
    job = start_job(run, ROLE, bedrock)
    first = check_job(job, bedrock)
    assert (first.status, first.checks, first.customModelArn) == ("InProgress", 1, None)
    aws.end_training(job.jobArn)
    done = check_job(first, bedrock)
    assert done.status == "Completed" and done.checks == 2
    assert done.customModelArn and ":custom-model/amazon.nova-micro-v1:0:128k/" in done.customModelArn
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=run.bucket, Prefix="runs/run-1/output/")["Contents"]]
    assert any(k.endswith("training_artifacts/step_wise_training_metrics.csv") for k in keys)


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        ("job-failed", CustomizationJobFailed, "training loss diverged"),
        ("job-stopped", CustomizationJobStopped, "was stopped before it completed"),
    ],
)
def test_failed_or_stopped_jobs_end_the_run(
    aws: SimulatedBedrock, s3: Any, bedrock: Any, fault: str, error: type[Exception], text: str
) -> None:
    aws.faults.add(fault)
    run = make_run()
    put_training(s3, run)
    job = check_job(start_job(run, ROLE, bedrock), bedrock)
    aws.end_training(job.jobArn)
    with pytest.raises(error, match=text):
        check_job(job, bedrock)
