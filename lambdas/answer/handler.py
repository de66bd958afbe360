"""AnswerWithBaseModel and AnswerWithFineTunedModel steps (same code, separate roles)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from answer.logic import answer_batch
from shared.aws import client
from shared.models import AnswerBatchStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=AnswerBatchStep)
    logger.set_correlation_id(step.run.runId)
    result = answer_batch(step, client("s3"), client("bedrock-runtime"))
    metrics.add_metric(name="QuestionsAnswered", unit=MetricUnit.Count, value=result.answered)
    return result.model_dump()
