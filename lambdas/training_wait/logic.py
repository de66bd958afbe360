"""The training wait, resumed by Bedrock's job state-change events instead of a polling loop.

- AwaitTrainingEvent is a `.waitForTaskToken` task: it stores its task token at
  `runs/<run-id>/training/wait-token.json`, then reads the job once; a job that has already
  ended resumes the workflow at once (an event that fired before the token was stored is
  not needed). Its state's timeout is the slow safety poll: when no event arrives in
  `pollIntervalSeconds` the state times out and the workflow enters it again (a new token,
  a new read of the job), so a lost event delays the run by at most one interval.
- ResumeOnTrainingEvent is the target of the EventBridge rule on
  "Model Customization Job State Change" (`detail.jobStatus`, best-effort delivery:
  https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-eventbridge-how-it-works.html).
  It reads the stored token and the job's current status (an event may be stale) and calls
  SendTaskSuccess (Completed) or SendTaskFailure (Failed, Stopped).

The number of history events therefore depends on training time / safety interval only
(a handful per interval), not on a short polling period.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from shared import s3 as s3io
from shared.contract import DEFAULT_JOB_NAME_PREFIX
from shared.errors import CustomizationJobFailed, CustomizationJobStopped
from shared.models import JobState, RunContext, Strict, Tolerant
from shared.naming import run_id_from_job_name
from training_wait.job_status import check_job

ENDED = ("Completed", "Failed", "Stopped")
GONE_TOKEN_ERRORS = ("InvalidToken", "TaskTimedOut", "TaskDoesNotExist")
"""The wait this token belonged to is over (timed out into a new cycle, or the run ended)."""


class AwaitTrainingStep(Strict):
    run: RunContext
    job: JobState
    taskToken: str = Field(min_length=1, max_length=2048)


class JobEventDetail(Tolerant):
    jobName: str
    jobArn: str
    jobStatus: str


class JobStateChangeEvent(Tolerant):
    source: str
    detail: JobEventDetail


def token_key(run_id: str) -> str:
    return f"runs/{run_id}/training/wait-token.json"


def await_training(step: AwaitTrainingStep, s3: Any, bedrock: Any, sfn: Any) -> str:
    """Store the token, then resume at once if the job has already ended. Returns the job status."""
    document = {"taskToken": step.taskToken, "job": step.job.model_dump()}
    s3io.put_json(s3, step.run.bucket, token_key(step.run.runId), document)
    return resume(step.job, step.taskToken, bedrock, sfn)


def resume(job: JobState, token: str, bedrock: Any, sfn: Any) -> str:
    """Read the job; when it has ended, complete the waiting task with the outcome."""
    try:
        checked = check_job(job, bedrock)
    except (CustomizationJobFailed, CustomizationJobStopped) as error:  # the run ends with Bedrock's words
        _send(sfn.send_task_failure, taskToken=token, error=type(error).__name__, cause=str(error)[:32_768])
        return "Failed" if isinstance(error, CustomizationJobFailed) else "Stopped"
    if checked.status == "Completed":
        _send(sfn.send_task_success, taskToken=token, output=checked.model_dump_json())
    return checked.status


def on_job_event(
    event: JobStateChangeEvent,
    bucket: str,
    s3: Any,
    bedrock: Any,
    sfn: Any,
    job_name_prefix: str = DEFAULT_JOB_NAME_PREFIX,
) -> str:
    """What ResumeOnTrainingEvent did, in words (for its log). A job of another deployment
    (another prefix) is ignored: the rule matches this deployment's prefix only, this is the
    second line of defence."""
    if event.detail.jobStatus not in ENDED:
        return f"ignored: status {event.detail.jobStatus}"
    run_id = run_id_from_job_name(event.detail.jobName, job_name_prefix)
    if run_id is None:
        return f"ignored: {event.detail.jobName} is not a pipeline job"
    try:
        stored = s3io.get_json(s3, bucket, token_key(run_id))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return "ignored: no workflow is waiting for this job (the next safety check will see it)"
        raise
    job = JobState.model_validate(stored["job"])
    if job.jobArn != event.detail.jobArn:
        return f"ignored: the run waits for {job.jobArn}"
    return f"resumed: {resume(job, stored['taskToken'], bedrock, sfn)}"


def _send(call: Any, **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in GONE_TOKEN_ERRORS:
            raise
