"""CheckHosting step: ready (InService / Active) goes on; Failed or too slow fail (and are cleaned up)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws import client
from shared.hosting import hosting_for
from shared.models import HostingStep
from shared.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=HostingStep)
    logger.set_correlation_id(step.run.runId)
    hosting = hosting_for(step.hosting.kind, client("bedrock")).check(step.run, step.hosting)
    logger.info("hosting status", extra={"kind": hosting.kind, "status": hosting.status})
    return hosting.model_dump()
