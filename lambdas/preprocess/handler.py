"""PreprocessDataset step."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from preprocess.logic import prepare_run
from shared.aws import client
from shared.models import PreprocessStep, RunContext
from shared.naming import run_id_from_execution_name
from shared.observability import logger, metrics, tracer
from shared.settings import settings


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=PreprocessStep)
    logger.set_correlation_id(run_id_from_execution_name(step.executionName))
    result = prepare_run(step, settings(), client("s3"), client("pricing"))
    if isinstance(result, RunContext):
        metrics.add_metric(name="TrainingRecords", unit=MetricUnit.Count, value=result.data.trainingRecords)
        metrics.add_metric(name="EvaluationQuestions", unit=MetricUnit.Count, value=result.data.evalQuestions)
        logger.info("dataset prepared", extra={"runId": result.runId, "mode": result.mode})
    else:
        logger.info("nothing to do", extra={"reason": result.reason})
    return result.model_dump()
