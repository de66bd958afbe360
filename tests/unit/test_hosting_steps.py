from __future__ import annotations

from typing import Any

import pytest

from localrun.simulated_bedrock import SimulatedBedrock
from shared.errors import (
    CustomModelDeploymentFailed,
    CustomModelDeploymentStillExists,
    CustomModelDeploymentTimeout,
    InconsistentRunState,
    ProvisionedThroughputFailed,
    ProvisionedThroughputQuotaExceeded,
    ProvisionedThroughputTimeout,
)
from shared.hosting import OnDemandDeployment, ProvisionedThroughput, delete_hosting, hosting_for
from shared.models import Evaluation, JobState, RunContext
from start_job.logic import start_job
from tests.unit.factories import make_run, put_training
from training_wait.job_status import check_job


def create_throughput(run: RunContext, job: JobState, bedrock: Any) -> Any:
    return ProvisionedThroughput(bedrock).create(run, job)


def check_throughput(run: RunContext, state: Any, bedrock: Any) -> Any:
    return ProvisionedThroughput(bedrock).check(run, state)


def delete_throughput(run: RunContext, reason: str, bedrock: Any) -> Any:
    return delete_hosting(run, reason, bedrock)


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
    assert first.arn == second.arn
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
    assert checked.status == "InService" and checked.ready and checked.readyAt and checked.checks == 1


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
    assert deletion.existed and deletion.arn == created.arn and deletion.kind == "provisioned"
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


# ---------------------------------------------------------------- on-demand deployment


def _on_demand(run: RunContext) -> RunContext:
    evaluation = Evaluation.model_validate({**run.evaluation.model_dump(), "hosting": "on-demand"})
    return run.model_copy(update={"evaluation": evaluation})


def _trained_on_demand(s3: Any, bedrock: Any, run_id: str = "run-1") -> tuple[RunContext, JobState]:
    run, job = _trained(s3, bedrock, run_id)
    return _on_demand(run), job


def test_hosting_for_picks_the_implementation_by_kind(bedrock: Any) -> None:
    assert isinstance(hosting_for("provisioned", bedrock), ProvisionedThroughput)
    assert isinstance(hosting_for("on-demand", bedrock), OnDemandDeployment)


def test_deploy_creates_one_tagged_deployment_and_a_retry_finds_it(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    run, job = _trained_on_demand(s3, bedrock)
    first = OnDemandDeployment(bedrock).create(run, job)
    second = OnDemandDeployment(bedrock).create(run, job)
    assert first.kind == "on-demand" and first.status == "Creating" and first.arn == second.arn
    (call,) = aws.operations("CreateCustomModelDeployment")
    assert call.params["modelDeploymentName"] == "od-run-1" and call.params["clientRequestToken"] == "od-run-1"
    assert call.params["modelArn"] == job.customModelArn
    assert {"key": "pipeline:run-id", "value": "run-1"} in call.params["tags"]
    assert len(aws.deployments) == 1 and aws.throughputs == {}


def test_the_same_client_request_token_returns_the_same_deployment(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    _, job = _trained_on_demand(s3, bedrock)
    request = {"modelDeploymentName": "od-x", "modelArn": job.customModelArn, "clientRequestToken": "tok-1"}
    first = bedrock.create_custom_model_deployment(**request)["customModelDeploymentArn"]
    assert bedrock.create_custom_model_deployment(**request)["customModelDeploymentArn"] == first
    assert len(aws.deployments) == 1


def test_check_reaches_active(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _trained_on_demand(s3, bedrock)
    checked = OnDemandDeployment(bedrock).check(run, OnDemandDeployment(bedrock).create(run, job))
    assert checked.status == "Active" and checked.ready and checked.readyAt


def test_a_failed_deployment_fails_with_bedrocks_message(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    aws.faults.add("deployment-failed")
    run, job = _trained_on_demand(s3, bedrock)
    with pytest.raises(CustomModelDeploymentFailed, match="could not be deployed: internal error"):
        OnDemandDeployment(bedrock).check(run, OnDemandDeployment(bedrock).create(run, job))


def test_a_stuck_deployment_times_out(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    aws.faults.add("deployment-stuck")
    run, job = _trained_on_demand(s3, bedrock)
    created = OnDemandDeployment(bedrock).create(run, job)
    assert OnDemandDeployment(bedrock).check(run, created).ready is False
    late = created.model_copy(update={"requestedAt": "2000-01-01T00:00:00Z"})
    with pytest.raises(CustomModelDeploymentTimeout, match="still Creating"):
        OnDemandDeployment(bedrock).check(run, late)


def test_a_deployment_still_creating_cannot_be_deleted_yet(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    """Bedrock refuses (ConflictException); the step raises so the state machine retries."""
    run, job = _trained_on_demand(s3, bedrock)
    aws.faults.add("deployment-stuck")
    OnDemandDeployment(bedrock).create(run, job)
    with pytest.raises(CustomModelDeploymentStillExists, match="only once it has left Creating"):
        delete_hosting(run, "test", bedrock)
    assert len(aws.operations("DeleteCustomModelDeployment", outcome="ConflictException")) == 1
    assert len(aws.deployments) == 1
    aws.faults.discard("deployment-stuck")
    OnDemandDeployment(bedrock).check(run, OnDemandDeployment(bedrock).create(run, job))  # now Active
    deletion = delete_hosting(run, "test", bedrock)
    assert deletion.existed and deletion.kind == "on-demand" and aws.deployments == {}
    assert delete_hosting(run, "test", bedrock).existed is False


def test_deleting_an_on_demand_run_leaves_throughputs_and_other_runs_alone(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    run, job = _trained_on_demand(s3, bedrock, "run-1")
    other, other_job = _trained_on_demand(s3, bedrock, "run-2")
    for each, each_job in ((run, job), (other, other_job)):
        OnDemandDeployment(bedrock).check(each, OnDemandDeployment(bedrock).create(each, each_job))
    delete_hosting(run, "test", bedrock)
    names = [
        s["customModelDeploymentName"] for s in bedrock.list_custom_model_deployments()["modelDeploymentSummaries"]
    ]
    assert names == ["od-run-2"]


def test_deployment_is_refused_for_a_family_that_lacks_it(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    _, job = _trained_on_demand(s3, bedrock)
    model = aws.custom_models[job.customModelArn or ""]
    model["baseModelArn"] = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-2-11b-instruct-v1:0:128k"
    with pytest.raises(bedrock.exceptions.ValidationException, match="does not support on-demand deployment"):
        bedrock.create_custom_model_deployment(modelDeploymentName="od-x", modelArn=job.customModelArn)
    assert aws.deployments == {}


def test_deployment_is_refused_in_a_region_that_lacks_it(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    _, job = _trained_on_demand(s3, bedrock)
    aws.region = "eu-west-1"
    with pytest.raises(bedrock.exceptions.ValidationException, match="not supported in eu-west-1"):
        bedrock.create_custom_model_deployment(modelDeploymentName="od-x", modelArn=job.customModelArn)
    assert aws.deployments == {}
