"""CreateHosting step: CreateProvisionedModelThroughput or CreateCustomModelDeployment, by `run.evaluation.hosting`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws import client
from shared.hosting import hosting_for
from shared.models import JobStep
from shared.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=JobStep)
    logger.set_correlation_id(step.run.runId)
    hosting = hosting_for(step.run.evaluation.hosting, client("bedrock")).create(step.run, step.job)
    logger.info("hosting requested", extra={"kind": hosting.kind, "arn": hosting.arn})
    return hosting.model_dump()
