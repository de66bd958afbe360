"""SweepRun: the safety net for runs that ended ABORTED, TIMED_OUT or FAILED.

A workflow that is aborted or times out runs none of its own clean-up states, so this
function, started by EventBridge, deletes every provisioned throughput tagged with the
execution and stops a customization job that is still training for it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.naming import resource_names, run_id_from_execution_name
from shared.tags import EXECUTION_ARN_TAG, tag_value
from shared.throughputs import request_deletion

SWEPT_STATUSES = {"ABORTED", "TIMED_OUT", "FAILED"}


class ExecutionStatusDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")
    executionArn: str
    stateMachineArn: str
    name: str
    status: str


class ExecutionStatusEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    detail: ExecutionStatusDetail


def _tagged_with(bedrock: Any, arn: str, execution_arn: str) -> bool:
    """Compared through `tag_value`, the same mapping the run used when it tagged the resource."""
    tags = bedrock.list_tags_for_resource(resourceARN=arn).get("tags", [])
    wanted = tag_value(execution_arn)
    return any(tag["key"] == EXECUTION_ARN_TAG and tag["value"] == wanted for tag in tags)


def _paginate(bedrock: Any, operation: str, result_key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in bedrock.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(result_key, []))
    return items


def sweep(event: ExecutionStatusEvent, bedrock: Any) -> dict[str, Any]:
    detail = event.detail
    if detail.status not in SWEPT_STATUSES:
        return {"executionArn": detail.executionArn, "status": detail.status, "deleted": [], "stopped": []}
    names = resource_names(run_id_from_execution_name(detail.name))
    deleted, stopped = [], []
    for summary in _paginate(
        bedrock,
        "list_provisioned_model_throughputs",
        "provisionedModelSummaries",
        nameContains=names.provisionedModelName,
    ):
        arn = summary["provisionedModelArn"]
        if not _tagged_with(bedrock, arn, detail.executionArn):
            continue
        request_deletion(bedrock, arn, summary["provisionedModelName"])
        deleted.append(summary["provisionedModelName"])
    for summary in _paginate(
        bedrock,
        "list_model_customization_jobs",
        "modelCustomizationJobSummaries",
        statusEquals="InProgress",
        nameContains=names.jobName,
    ):
        arn = summary["jobArn"]
        if not _tagged_with(bedrock, arn, detail.executionArn):
            continue
        try:
            bedrock.stop_model_customization_job(jobIdentifier=arn)
        except (bedrock.exceptions.ResourceNotFoundException, bedrock.exceptions.ConflictException):
            continue  # already finished or stopping
        stopped.append(summary["jobName"])
    return {
        "executionArn": detail.executionArn,
        "status": detail.status,
        "deleted": deleted,
        "stopped": stopped,
    }


def sweep_message(result: dict[str, Any]) -> tuple[str, str] | None:
    if not result["deleted"] and not result["stopped"]:
        return None
    lines = [f"The execution {result['executionArn']} ended {result['status']}.", ""]
    if result["deleted"]:
        lines.append(f"Deleted provisioned throughput: {', '.join(result['deleted'])}.")
    if result["stopped"]:
        lines.append(f"Stopped customization job: {', '.join(result['stopped'])}.")
    return f"Fine-tuning run clean-up after {result['status']}", "\n".join(lines)
