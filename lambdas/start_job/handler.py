"""StartCustomizationJob step."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws import client
from shared.models import RunStep
from shared.observability import logger, tracer
from shared.settings import settings
from start_job.logic import start_job


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=RunStep)
    logger.set_correlation_id(step.run.runId)
    config = settings()
    job = start_job(step.run, config.require_role(), client("bedrock"), config.grader_function_arn)
    logger.info("customization job started", extra={"jobArn": job.jobArn})
    return job.model_dump()
