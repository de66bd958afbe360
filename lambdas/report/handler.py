"""BuildReport step."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from report.logic import ReportStep, build_report
from shared.aws import client
from shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=ReportStep)
    logger.set_correlation_id(step.state.run.runId)
    report = build_report(step, client("s3"))
    logger.info("report written", extra={"reportUri": report["reportUri"], "complete": report["complete"]})
    for name, key in (("BaseMeanScore", "baseMeanScore"), ("FineTunedMeanScore", "fineTunedMeanScore")):
        if report.get(key) is not None:
            metrics.add_metric(name=name, unit=MetricUnit.NoUnit, value=float(report[key]))
    return report
