from __future__ import annotations

from typing import Any

import pytest
from check_throughput.logic import check_throughput
from create_throughput.logic import create_throughput
from delete_throughput.logic import delete_throughput

from check_job.logic import check_job
from localrun.simulated_bedrock import SimulatedBedrock
from shared.errors import (
    InconsistentRunState,
    ProvisionedThroughputFailed,
    ProvisionedThroughputQuotaExceeded,
    ProvisionedThroughputTimeout,
)
from shared.models import JobState
from start_job.logic import start_job
from tests.unit.factories import make_run, put_training


def _trained(s3: Any, bedrock: Any, run_id: str = "run-1") -> tuple[Any, JobState]:
    run = make_run(run_id)
    put_training(s3, run)
    job = start_job(run, "arn:aws:iam::123456789012:role/r", bedrock)
    while job.status != "Completed":
        job = check_job(job, bedrock)
    return run, job


def test_create_buys_one_no_commitment_unit_tagged_with_the_run(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock)
    throughput = create_throughput(run, job, bedrock)
    (call,) = aws.operations("CreateProvisionedModelThroughput")
    assert call.params["modelUnits"] == 1 and "commitmentDuration" not in call.params
    assert call.params["modelId"] == job.customModelArn
    assert call.params["provisionedModelName"] == "pt-run-1"
    assert {"key": "pipeline:run-id", "value": "run-1"} in call.params["tags"]
    assert throughput.status == "Creating"


def test_a_retried_create_does_not_buy_a_second_throughput(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock)
    first, second = create_throughput(run, job, bedrock), create_throughput(run, job, bedrock)
    assert first.provisionedModelArn == second.provisionedModelArn
    assert len(aws.throughputs) == 1


def test_create_refuses_a_job_without_a_custom_model(aws: SimulatedBedrock, bedrock: Any) -> None:
    job = JobState(jobArn="arn:x", jobName="ft-run-1", status="InProgress")
    with pytest.raises(InconsistentRunState):
        create_throughput(make_run(), job, bedrock)
    assert aws.throughputs == {}


def test_quota_error_tells_the_user_to_ask_support(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock)
    aws.faults.add("pt-quota")
    with pytest.raises(ProvisionedThroughputQuotaExceeded, match="AWS Support") as raised:
        create_throughput(run, job, bedrock)
    assert "1 model unit" in str(raised.value)
    assert aws.throughputs == {}


def test_check_reaches_in_service(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock)
    checked = check_throughput(run, create_throughput(run, job, bedrock), bedrock)
    assert checked.status == "InService" and checked.inServiceAt and checked.checks == 1


def test_check_fails_on_failed_throughput(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    aws.faults.add("pt-failed")
    run, job = _trained(s3, bedrock)
    with pytest.raises(ProvisionedThroughputFailed, match="Insufficient capacity"):
        check_throughput(run, create_throughput(run, job, bedrock), bedrock)


def test_check_gives_up_after_the_maximum_wait(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    aws.faults.add("pt-stuck")
    run, job = _trained(s3, bedrock)
    throughput = create_throughput(run, job, bedrock)
    assert check_throughput(run, throughput, bedrock).status == "Creating"
    late = throughput.model_copy(update={"requestedAt": "2000-01-01T00:00:00Z"})
    with pytest.raises(ProvisionedThroughputTimeout, match="still Creating"):
        check_throughput(run, late, bedrock)


def test_delete_removes_the_throughput_and_confirms(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock)
    created = create_throughput(run, job, bedrock)
    deletion = delete_throughput(run, "test", bedrock)
    assert deletion.existed and deletion.provisionedModelArn == created.provisionedModelArn
    assert deletion.heldSeconds is not None and 0 <= deletion.heldSeconds < 60
    assert bedrock.list_provisioned_model_throughputs()["provisionedModelSummaries"] == []
    again = delete_throughput(run, "test", bedrock)
    assert again.existed is False


def test_delete_only_touches_this_runs_throughput(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock, "run-1")
    other, other_job = _trained(s3, bedrock, "run-2")
    create_throughput(run, job, bedrock)
    create_throughput(other, other_job, bedrock)
    delete_throughput(run, "test", bedrock)
    names = [
        s["provisionedModelName"] for s in bedrock.list_provisioned_model_throughputs()["provisionedModelSummaries"]
    ]
    assert names == ["pt-run-2"]


def test_throttled_deletion_is_retried_until_gone(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained(s3, bedrock)
    create_throughput(run, job, bedrock)
    aws.faults.add("delete-throttle")
    assert delete_throughput(run, "test", bedrock).existed
    assert len(aws.operations("DeleteProvisionedModelThroughput", outcome="ThrottlingException")) == 3
    assert aws.throughputs == {}
