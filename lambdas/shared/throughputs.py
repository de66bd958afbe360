"""Deleting a provisioned throughput: shared by the workflow's delete step and the sweeper."""

from __future__ import annotations

from typing import Any

from shared.aws import error_message
from shared.errors import ProvisionedThroughputStillExists


def request_deletion(bedrock: Any, arn: str, name: str) -> None:
    """Ask Bedrock to delete; already gone is fine, a conflict is retried by the caller."""
    try:
        bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)
    except bedrock.exceptions.ResourceNotFoundException:
        return
    except bedrock.exceptions.ConflictException as error:
        raise ProvisionedThroughputStillExists(
            f"{name} could not be deleted yet ({error_message(error)}); retrying"
        ) from None
