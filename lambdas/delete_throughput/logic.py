"""DeleteProvisionedThroughput: delete the run's throughput, found by its run-derived name,
and confirm it is gone. Raising while it still exists makes the state machine retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.clock import iso, now
from shared.errors import ProvisionedThroughputStillExists
from shared.models import RunContext, ThroughputDeletion
from shared.throughputs import request_deletion


def _find(bedrock: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(bedrock.get_provisioned_model_throughput(provisionedModelId=name))
    except bedrock.exceptions.ResourceNotFoundException:
        return None


def delete_throughput(run: RunContext, reason: str, bedrock: Any) -> ThroughputDeletion:
    name = run.names.provisionedModelName
    found = _find(bedrock, name)
    if found is None:
        return ThroughputDeletion(
            provisionedModelName=name, provisionedModelArn=None, existed=False, deletedAt=iso(), reason=reason
        )
    arn = found["provisionedModelArn"]
    request_deletion(bedrock, arn, name)
    if _find(bedrock, name) is not None:
        raise ProvisionedThroughputStillExists(f"{name} still exists after the delete request; retrying")
    deleted_at = now()
    created = found.get("creationTime")
    held = round((deleted_at - created).total_seconds(), 1) if isinstance(created, datetime) else None
    return ThroughputDeletion(
        provisionedModelName=name,
        provisionedModelArn=arn,
        existed=True,
        deletedAt=iso(deleted_at),
        reason=reason,
        heldSeconds=held,
    )
