"""SweepRun: the safety net for runs that ended ABORTED, TIMED_OUT or FAILED.

A workflow that is aborted or times out runs none of its own clean-up states, so this
function, started by EventBridge, deletes every provisioned throughput and on-demand custom
model deployment tagged with the execution and stops a customization job that is still
training for it. (A deployment kept by a successful run is never touched: SUCCEEDED is not swept.)

Bedrock refuses to delete a deployment that is still Creating. The sweeper then deletes
everything else first and raises `CustomModelDeploymentStillExists`: EventBridge invokes
Lambda asynchronously, so Lambda retries the whole (idempotent) sweep twice with backoff,
and a final failure lands in the sweeper's dead-letter queue and alarm.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.contract import DEFAULT_JOB_NAME_PREFIX
from shared.errors import CustomModelDeploymentStillExists
from shared.hosting import OnDemandDeployment, ProvisionedThroughput
from shared.naming import resource_names, run_id_from_execution_name
from shared.tags import EXECUTION_ARN_TAG, tag_value

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


def sweep(event: ExecutionStatusEvent, bedrock: Any, job_name_prefix: str = DEFAULT_JOB_NAME_PREFIX) -> dict[str, Any]:
    detail = event.detail
    if detail.status not in SWEPT_STATUSES:
        return {"executionArn": detail.executionArn, "status": detail.status, "deleted": [], "stopped": []}
    names = resource_names(run_id_from_execution_name(detail.name), job_name_prefix)
    deleted, stopped, pending = [], [], []
    throughputs = ProvisionedThroughput(bedrock)
    for summary in _paginate(
        bedrock,
        "list_provisioned_model_throughputs",
        "provisionedModelSummaries",
        nameContains=names.provisionedModelName,
    ):
        arn = summary["provisionedModelArn"]
        if not _tagged_with(bedrock, arn, detail.executionArn):
            continue
        throughputs.request_deletion(arn, summary["provisionedModelName"])
        deleted.append(summary["provisionedModelName"])
    deployments = OnDemandDeployment(bedrock)
    for summary in _paginate(
        bedrock,
        "list_custom_model_deployments",
        "modelDeploymentSummaries",
        nameContains=names.deploymentName,
    ):
        arn = summary["customModelDeploymentArn"]
        if not _tagged_with(bedrock, arn, detail.executionArn):
            continue
        try:
            deployments.request_deletion(arn, summary["customModelDeploymentName"])
        except CustomModelDeploymentStillExists:
            pending.append(summary["customModelDeploymentName"])
            continue
        deleted.append(summary["customModelDeploymentName"])
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
    if pending:
        raise CustomModelDeploymentStillExists(
            f"deployment(s) {', '.join(pending)} of {detail.executionArn} are still Creating and Bedrock refuses "
            f"to delete them yet; the sweep is retried (already deleted: {deleted or 'nothing'}, "
            f"stopped: {stopped or 'nothing'})"
        )
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
        lines.append(
            f"Deleted hosting (provisioned throughput or on-demand deployment): {', '.join(result['deleted'])}."
        )
    if result["stopped"]:
        lines.append(f"Stopped customization job: {', '.join(result['stopped'])}.")
    return f"Fine-tuning run clean-up after {result['status']}", "\n".join(lines)
