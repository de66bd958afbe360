"""CheckProvisionedThroughput step."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from check_throughput.logic import check_throughput
from shared.aws import client
from shared.models import ThroughputStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=ThroughputStep)
    logger.set_correlation_id(step.run.runId)
    throughput = check_throughput(step.run, step.throughput, client("bedrock"))
    logger.info("provisioned throughput status", extra={"status": throughput.status})
    return throughput.model_dump()
