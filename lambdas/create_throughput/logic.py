"""CreateProvisionedThroughput: no commitment, the run's model units, tagged with the run."""

from __future__ import annotations

from typing import Any

from shared.aws import error_message
from shared.clock import iso
from shared.errors import InconsistentRunState, ProvisionedThroughputQuotaExceeded
from shared.models import JobState, RunContext, ThroughputState
from shared.tags import run_tags


def _existing(bedrock: Any, run: RunContext) -> ThroughputState | None:
    try:
        found = bedrock.get_provisioned_model_throughput(provisionedModelId=run.names.provisionedModelName)
    except bedrock.exceptions.ResourceNotFoundException:
        return None
    return ThroughputState(
        provisionedModelArn=found["provisionedModelArn"],
        provisionedModelName=found["provisionedModelName"],
        status=found["status"],
        requestedAt=iso(found["creationTime"]) if found.get("creationTime") else iso(),
    )


def create_throughput(run: RunContext, job: JobState, bedrock: Any) -> ThroughputState:
    if not job.customModelArn:
        raise InconsistentRunState(f"job {job.jobName} has no custom model ARN (status {job.status})")
    existing = _existing(bedrock, run)
    if existing is not None:
        return existing  # a retried step must not buy a second throughput
    requested_at = iso()
    try:
        # No commitmentDuration: a no-commitment throughput, billed by the hour until deleted.
        response = bedrock.create_provisioned_model_throughput(
            modelUnits=run.modelUnits,
            provisionedModelName=run.names.provisionedModelName,
            modelId=job.customModelArn,
            clientRequestToken=run.names.throughputClientToken,
            tags=run_tags(run),
        )
    except bedrock.exceptions.ServiceQuotaExceededException as error:
        raise ProvisionedThroughputQuotaExceeded(
            f"the account may not buy {run.modelUnits} model unit(s) of no-commitment provisioned "
            "throughput for this model. Many accounts have a quota of 0 until AWS Support raises it "
            f"(Service Quotas, Amazon Bedrock). Bedrock said: {error_message(error)}"
        ) from None
    return ThroughputState(
        provisionedModelArn=response["provisionedModelArn"],
        provisionedModelName=run.names.provisionedModelName,
        status="Creating",
        requestedAt=requested_at,
    )
