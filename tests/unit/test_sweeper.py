from __future__ import annotations

from typing import Any

import pytest

from localrun.simulated_bedrock import SimulatedBedrock
from shared.errors import CustomModelDeploymentStillExists
from shared.hosting import OnDemandDeployment, ProvisionedThroughput
from shared.naming import resource_names
from start_job.logic import start_job
from sweeper.logic import ExecutionStatusEvent, sweep, sweep_message
from tests.conftest import load_event
from tests.unit.factories import make_run, put_training
from training_wait.job_status import check_job

ROLE = "arn:aws:iam::123456789012:role/r"


def _event(status: str, run_id: str = "run-1") -> ExecutionStatusEvent:
    event = load_event("sfn_execution_status_change.json")
    event["detail"]["status"] = status
    event["detail"]["name"] = run_id
    event["detail"]["executionArn"] = make_run(run_id).executionArn
    return ExecutionStatusEvent.model_validate(event)


def _with_throughput(s3: Any, bedrock: Any, run_id: str) -> None:
    run = make_run(run_id)
    put_training(s3, run)
    job = start_job(run, ROLE, bedrock)
    while job.status != "Completed":
        job = check_job(job, bedrock)
    ProvisionedThroughput(bedrock).create(run, job)


def _with_deployment(s3: Any, bedrock: Any, run_id: str, active: bool = True) -> None:
    run = make_run(run_id)
    put_training(s3, run)
    job = start_job(run, ROLE, bedrock)
    while job.status != "Completed":
        job = check_job(job, bedrock)
    deployment = OnDemandDeployment(bedrock)
    created = deployment.create(run, job)
    if active:
        deployment.check(run, created)


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_the_sweeper_deletes_only_the_ended_runs_throughput(
    aws: SimulatedBedrock, s3: Any, bedrock: Any, status: str
) -> None:
    _with_throughput(s3, bedrock, "run-1")
    _with_throughput(s3, bedrock, "run-2")
    result = sweep(_event(status), bedrock)
    assert result["deleted"] == ["pt-run-1"]
    left = [
        s["provisionedModelName"] for s in bedrock.list_provisioned_model_throughputs()["provisionedModelSummaries"]
    ]
    assert left == ["pt-run-2"]
    subject, body = sweep_message(result) or ("", "")
    assert status in subject and "pt-run-1" in body


def test_the_sweeper_stops_a_job_still_training(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run()
    put_training(s3, run)
    start_job(run, ROLE, bedrock)
    result = sweep(_event("ABORTED"), bedrock)
    assert result["stopped"] == ["ft-run-1"]
    assert bedrock.get_model_customization_job(jobIdentifier="ft-run-1")["status"] == "Stopped"


def test_the_sweeper_of_one_instance_stops_its_own_job_only(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    """Two pipelines in one account, each with a run called run-1: the prefixed job is this one's."""
    mine = make_run(names=resource_names("run-1", "ftab12c-"))
    put_training(s3, mine)
    start_job(mine, ROLE, bedrock)
    other = make_run()  # the default prefix: another instance's run of the same name
    start_job(other, ROLE, bedrock)
    result = sweep(_event("ABORTED"), bedrock, job_name_prefix="ftab12c-")
    assert result["stopped"] == ["ftab12c-run-1"]
    assert bedrock.get_model_customization_job(jobIdentifier="ft-run-1")["status"] != "Stopped"


def test_succeeded_runs_are_left_alone(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    _with_throughput(s3, bedrock, "run-1")
    assert sweep(_event("SUCCEEDED"), bedrock)["deleted"] == []
    assert len(aws.throughputs) == 1
    assert sweep_message({"deleted": [], "stopped": [], "status": "FAILED", "executionArn": "x"}) is None


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_the_sweeper_deletes_only_the_ended_runs_deployment(
    aws: SimulatedBedrock, s3: Any, bedrock: Any, status: str
) -> None:
    _with_deployment(s3, bedrock, "run-1")
    _with_deployment(s3, bedrock, "run-2")
    result = sweep(_event(status), bedrock)
    assert result["deleted"] == ["od-run-1"]
    left = [s["customModelDeploymentName"] for s in bedrock.list_custom_model_deployments()["modelDeploymentSummaries"]]
    assert left == ["od-run-2"]
    subject, body = sweep_message(result) or ("", "")
    assert status in subject and "od-run-1" in body


def test_a_deployment_still_creating_makes_the_sweep_raise_so_lambda_retries(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    _with_deployment(s3, bedrock, "run-1", active=False)
    with pytest.raises(CustomModelDeploymentStillExists, match=r"od-run-1 .*still Creating"):
        sweep(_event("ABORTED"), bedrock)
    assert len(aws.deployments) == 1
    next(iter(aws.deployments.values()))["status"] = "Active"  # the creation ended meanwhile
    assert sweep(_event("ABORTED"), bedrock)["deleted"] == ["od-run-1"]
    assert aws.deployments == {}


def test_a_kept_deployment_of_a_succeeded_run_is_left_alone(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    _with_deployment(s3, bedrock, "run-1")
    assert sweep(_event("SUCCEEDED"), bedrock)["deleted"] == []
    assert len(aws.deployments) == 1
