"""Reads a customization job's status (the training wait's safety check and its event handler):
Failed and Stopped end the run with Bedrock's words."""

from __future__ import annotations

from typing import Any

from shared.clock import iso
from shared.errors import CustomizationJobFailed, CustomizationJobStopped
from shared.models import JobState


def check_job(job: JobState, bedrock: Any) -> JobState:
    response = bedrock.get_model_customization_job(jobIdentifier=job.jobArn)
    status = response["status"]
    if status == "Failed":
        raise CustomizationJobFailed(response.get("failureMessage") or "Bedrock gave no failure message")
    if status == "Stopped":
        raise CustomizationJobStopped(
            f"customization job {job.jobName} was stopped before it completed"
            + (f": {response['failureMessage']}" if response.get("failureMessage") else "")
        )
    end = response.get("endTime")
    return job.model_copy(
        update={
            "status": status,
            "customModelArn": response.get("outputModelArn") if status == "Completed" else None,
            "checks": job.checks + 1,
            "endedAt": iso(end) if end else None,
        }
    )
