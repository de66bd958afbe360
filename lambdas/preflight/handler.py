"""PreflightChecks step."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from preflight.logic import DEFAULT_BUDGET_HOURS, preflight
from shared.aws import client
from shared.models import RunStep
from shared.observability import logger, tracer
from shared.settings import EXECUTION_TIMEOUT_HOURS


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=RunStep)
    logger.set_correlation_id(step.run.runId)
    region = os.environ.get("AWS_REGION", "this region")
    budget_hours = float(os.environ.get(EXECUTION_TIMEOUT_HOURS, DEFAULT_BUDGET_HOURS))
    result = preflight(
        step.run, client("bedrock"), client("bedrock-runtime"), client("service-quotas"), region, budget_hours
    )
    logger.info("preflight passed", extra={"preflight": result.model_dump()})
    return result.model_dump()
