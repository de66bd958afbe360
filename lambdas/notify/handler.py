"""NotifyRun step: `kind` "finished" (after the report) or "failed" (before the Fail state)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from notify.logic import FailedStep, FinishedStep, describe_failure, failed_message, finished_message, publish
from shared.aws import client
from shared.naming import run_id_from_execution_name
from shared.observability import logger, tracer
from shared.settings import settings

_STEP: TypeAdapter[FinishedStep | FailedStep] = TypeAdapter(FinishedStep | FailedStep)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = _STEP.validate_python(event)
    if isinstance(step, FinishedStep):
        logger.set_correlation_id(step.report.get("runId"))
        subject, message = finished_message(step.report)
        return {"messageId": publish(client("sns"), settings(), subject, message)}
    logger.set_correlation_id(run_id_from_execution_name(step.executionName))
    error, cause = describe_failure(step)
    subject, message = failed_message(step, error, cause)
    try:
        message_id = publish(client("sns"), settings(), subject, message)
    except Exception:  # the run's failure must still be reported by the Fail state
        logger.exception("failure notification could not be sent")
        message_id = None
    logger.info("run failed", extra={"error": error, "cause": cause})
    return {"error": error, "cause": cause, "messageId": message_id}
