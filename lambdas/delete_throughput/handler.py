"""DeleteProvisionedThroughput step (success path and failure clean-up)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from delete_throughput.logic import delete_throughput
from shared.aws import client
from shared.models import DeleteThroughputStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=DeleteThroughputStep)
    logger.set_correlation_id(step.run.runId)
    deletion = delete_throughput(step.run, step.reason, client("bedrock"))
    logger.info("provisioned throughput deleted", extra=deletion.model_dump())
    if deletion.heldSeconds is not None:
        metrics.add_metric(name="ProvisionedThroughputSeconds", unit=MetricUnit.Seconds, value=deletion.heldSeconds)
    return deletion.model_dump()
