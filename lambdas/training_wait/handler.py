"""AwaitTrainingEvent (a `.waitForTaskToken` task) and ResumeOnTrainingEvent (EventBridge target)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws import client
from shared.naming import run_id_from_job_name
from shared.observability import logger, tracer
from shared.settings import settings
from training_wait.logic import AwaitTrainingStep, JobStateChangeEvent, await_training, on_job_event


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def await_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=AwaitTrainingStep)
    logger.set_correlation_id(step.run.runId)
    status = await_training(step, client("s3"), client("bedrock"), client("stepfunctions"))
    logger.info("waiting for the customization job's state-change event", extra={"status": status})
    return {"status": status}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def event_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse(event=event, model=JobStateChangeEvent)
    config = settings()
    logger.set_correlation_id(run_id_from_job_name(parsed.detail.jobName, config.job_name_prefix))
    outcome = on_job_event(
        parsed, config.bucket, client("s3"), client("bedrock"), client("stepfunctions"), config.job_name_prefix
    )
    logger.info("customization job state change", extra={"status": parsed.detail.jobStatus, "outcome": outcome})
    return {"outcome": outcome}
