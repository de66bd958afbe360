"""CheckCustomizationJob step."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from check_job.logic import check_job
from shared.aws import client
from shared.models import JobStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=JobStep)
    logger.set_correlation_id(step.run.runId)
    job = check_job(step.job, client("bedrock"))
    logger.info("customization job status", extra={"status": job.status, "checks": job.checks})
    return job.model_dump()
