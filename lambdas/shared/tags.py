"""Tags every paid resource carries, so the sweeper can find a run's leftovers."""

from __future__ import annotations

from shared.models import RunContext

RUN_ID_TAG = "pipeline:run-id"
EXECUTION_ARN_TAG = "pipeline:execution-arn"


def run_tags(run: RunContext) -> list[dict[str, str]]:
    tags = [{"key": RUN_ID_TAG, "value": run.runId}]
    if run.executionArn:
        tags.append({"key": EXECUTION_ARN_TAG, "value": run.executionArn})
    return tags
