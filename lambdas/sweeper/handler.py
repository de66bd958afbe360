"""SweepRun: started by EventBridge when an execution ends ABORTED, TIMED_OUT or FAILED."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify.logic import publish
from shared.aws import client
from shared.naming import run_id_from_execution_name
from shared.observability import logger, tracer
from shared.settings import settings
from sweeper.logic import ExecutionStatusEvent, sweep, sweep_message


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = parse(event=event, model=ExecutionStatusEvent)
    logger.set_correlation_id(run_id_from_execution_name(parsed.detail.name))
    result = sweep(parsed, client("bedrock"), settings().job_name_prefix)
    message = sweep_message(result)
    if message:
        logger.warning("swept resources of a run that ended badly", extra={"sweep": result})
        publish(client("sns"), settings(), *message)
    return result
