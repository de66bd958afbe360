"""DeleteHosting step: success path (state DeleteHosting: a PT after the answers, an unkept
deployment) and the failure clean-up (state CleanUpHosting). Finds the run's hosting by its run-derived name."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws import client
from shared.hosting import delete_hosting
from shared.models import DeleteHostingStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=DeleteHostingStep)
    logger.set_correlation_id(step.run.runId)
    deletion = delete_hosting(step.run, step.reason, client("bedrock"))
    logger.info("hosting deleted", extra={"deletion": deletion.model_dump()})
    if deletion.heldSeconds is not None and deletion.kind == "provisioned":
        metrics.add_metric(name="ProvisionedThroughputSeconds", unit=MetricUnit.Seconds, value=deletion.heldSeconds)
    return deletion.model_dump()
