"""AnswerWithBaseModel and AnswerWithFineTunedModel steps (same code, separate roles).

The same function also verifies a Distributed Map's batches (`"verify": true`, answer/verify.py):
that step needs exactly this function's access, so no other role is created for it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from answer.logic import answer_batch
from answer.verify import verify_answers
from shared.aws import client
from shared.models import AnswerBatchStep, VerifyAnswersStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("verify") is True:
        check = parse(event=event, model=VerifyAnswersStep)
        logger.set_correlation_id(check.run.runId)
        return verify_answers(check.run, check.target, client("s3")).model_dump()
    step = parse(event=event, model=AnswerBatchStep)
    logger.set_correlation_id(step.run.runId)
    result = answer_batch(step, client("s3"), client("bedrock-runtime"))
    metrics.add_metric(name="QuestionsAnswered", unit=MetricUnit.Count, value=result.answered)
    return result.model_dump()
