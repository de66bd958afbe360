"""The training wait's two Lambdas: AwaitTrainingEvent (stores the task token, resumes a job that
has already ended) and ResumeOnTrainingEvent (completes the token on the job's event). The
Step Functions side is recorded here; tests/e2e/test_training_wait.py runs it on moto's engine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun.simulated_bedrock import SimulatedBedrock
from shared.models import JobState
from start_job.logic import start_job
from tests.unit.factories import make_run, put_training
from training_wait.logic import (
    AwaitTrainingStep,
    JobStateChangeEvent,
    await_training,
    on_job_event,
    token_key,
)

ROLE = "arn:aws:iam::123456789012:role/bedrock-service-role"


class RecordedStepFunctions:
    """Records SendTaskSuccess / SendTaskFailure; `gone` makes them fail as for an expired token."""

    def __init__(self, gone: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.gone = gone

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((name, kwargs))
        if self.gone:
            raise ClientError({"Error": {"Code": "TaskTimedOut", "Message": "expired"}}, name)

    def send_task_success(self, **kwargs: Any) -> None:
        self._call("SendTaskSuccess", kwargs)

    def send_task_failure(self, **kwargs: Any) -> None:
        self._call("SendTaskFailure", kwargs)


def _started(s3: Any, bedrock: Any) -> tuple[Any, JobState]:
    run = make_run()
    put_training(s3, run)
    return run, start_job(run, ROLE, bedrock)


def _event(job: JobState, status: str, name: str | None = None) -> JobStateChangeEvent:
    return JobStateChangeEvent.model_validate(
        {
            "source": "aws.bedrock",
            "detail-type": "Model Customization Job State Change",
            "detail": {"jobName": name or job.jobName, "jobArn": job.jobArn, "jobStatus": status},
        }
    )


def test_await_stores_the_token_and_waits_while_training(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _started(s3, bedrock)
    sfn = RecordedStepFunctions()

    status = await_training(AwaitTrainingStep(run=run, job=job, taskToken="token-1"), s3, bedrock, sfn)

    assert status == "InProgress" and sfn.calls == []
    stored = json.loads(s3.get_object(Bucket=run.bucket, Key=token_key(run.runId))["Body"].read())
    assert stored["taskToken"] == "token-1" and stored["job"]["jobArn"] == job.jobArn


def test_await_resumes_at_once_when_the_job_ended_before_the_token_was_stored(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    run, job = _started(s3, bedrock)
    aws.end_training(job.jobArn)  # its event fired while nobody was waiting (or was lost)
    sfn = RecordedStepFunctions()

    assert await_training(AwaitTrainingStep(run=run, job=job, taskToken="t"), s3, bedrock, sfn) == "Completed"

    ((name, kwargs),) = sfn.calls
    output = JobState.model_validate_json(kwargs["output"])
    assert name == "SendTaskSuccess" and kwargs["taskToken"] == "t"
    assert output.status == "Completed" and output.customModelArn


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        ("job-failed", "CustomizationJobFailed", "training loss diverged"),
        ("job-stopped", "CustomizationJobStopped", ""),
    ],
)
def test_the_event_of_an_ended_job_completes_the_stored_token(
    aws: SimulatedBedrock, s3: Any, bedrock: Any, fault: str, error: str, text: str
) -> None:
    aws.faults.add(fault)
    run, job = _started(s3, bedrock)
    await_training(AwaitTrainingStep(run=run, job=job, taskToken="t"), s3, bedrock, RecordedStepFunctions())
    aws.end_training(job.jobArn)
    sfn = RecordedStepFunctions()

    outcome = on_job_event(_event(job, aws.jobs[job.jobArn]["status"]), run.bucket, s3, bedrock, sfn)

    ((name, kwargs),) = sfn.calls
    assert name == "SendTaskFailure" and kwargs["error"] == error and text in kwargs["cause"]
    assert outcome.startswith("resumed")


def test_events_that_are_not_for_a_waiting_run_are_ignored(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _started(s3, bedrock)
    sfn = RecordedStepFunctions()

    assert on_job_event(_event(job, "InProgress"), run.bucket, s3, bedrock, sfn).startswith("ignored: status")
    assert "not a pipeline job" in on_job_event(_event(job, "Completed", "someone-else"), run.bucket, s3, bedrock, sfn)
    assert "no workflow is waiting" in on_job_event(_event(job, "Completed"), run.bucket, s3, bedrock, sfn)
    # Another pipeline instance's prefix: this job is not one of its runs.
    other = on_job_event(_event(job, "Completed"), run.bucket, s3, bedrock, sfn, job_name_prefix="ftab12c-")
    assert "not a pipeline job" in other
    assert sfn.calls == []


def test_a_token_whose_wait_is_over_is_not_an_error(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run, job = _started(s3, bedrock)
    await_training(AwaitTrainingStep(run=run, job=job, taskToken="old"), s3, bedrock, RecordedStepFunctions())
    aws.end_training(job.jobArn)
    sfn = RecordedStepFunctions(gone=True)  # the wait timed out into a new safety check meanwhile

    assert on_job_event(_event(job, "Completed"), run.bucket, s3, bedrock, sfn) == "resumed: Completed"
    assert [name for name, _ in sfn.calls] == ["SendTaskSuccess"]
