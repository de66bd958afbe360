"""JudgeAnswers step (runs after the provisioned throughput is deleted; called again while its
result says `complete: false`, see judge/progress.py). Above the inline limit the judge's
Distributed Map first calls the same function once per answer batch (`batch` in the input);
JudgeAnswers then grades only what is left and writes judgements.json."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from judge.logic import judge_batch, judge_run
from shared.aws import client
from shared.models import JudgeBatchStep, RunStep
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def time_left() -> float:
        return float(context.get_remaining_time_in_millis()) / 1000

    if "batch" in event:
        batch_step = parse(event=event, model=JudgeBatchStep)
        logger.set_correlation_id(batch_step.run.runId)
        return judge_batch(batch_step.run, batch_step.batch, client("s3"), client("bedrock-runtime"), time_left)
    step = parse(event=event, model=RunStep)
    logger.set_correlation_id(step.run.runId)
    summary = judge_run(step.run, client("s3"), client("bedrock-runtime"), time_left=time_left)
    metrics.add_metric(name="JudgePasses", unit=MetricUnit.Count, value=summary["passes"])
    if not summary["complete"]:  # saved; IsJudgingComplete calls this step again
        return summary
    metrics.add_metric(name="VerdictsRecorded", unit=MetricUnit.Count, value=summary["judged"])
    metrics.add_metric(name="VerdictsMissing", unit=MetricUnit.Count, value=summary["missing"])
    metrics.add_metric(name="SimilaritiesMissing", unit=MetricUnit.Count, value=summary["similaritiesMissing"])
    return summary
