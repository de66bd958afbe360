"""GradeResponses: the reinforcement fine-tuning grader Bedrock invokes (not a workflow step)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from grader.logic import grade
from shared.aws import client
from shared.errors import InconsistentRunState
from shared.observability import logger, metrics, tracer

JUDGE_MODEL_ID = "JUDGE_MODEL_ID"


def judge_model_id() -> str:
    value = os.environ.get(JUDGE_MODEL_ID)
    if not value:
        raise InconsistentRunState(f"{JUDGE_MODEL_ID} is not set for the grader function")
    return value


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: Any, context: LambdaContext) -> list[dict[str, Any]]:
    rewards, counts = grade(
        event,
        client("bedrock-runtime"),
        judge_model_id(),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    metrics.add_metric(name="GraderSamples", unit=MetricUnit.Count, value=counts["samples"])
    metrics.add_metric(name="GraderFailures", unit=MetricUnit.Count, value=counts["failed"])
    if counts["failed"]:
        logger.warning("samples given the neutral reward", extra={"counts": counts})
    return rewards
