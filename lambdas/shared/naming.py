"""Names and idempotency tokens derived from the run id.

Bedrock's patterns (botocore service model): job names allow no '_', custom model names
allow no '.', client request tokens only letters, digits and '-'. Step Functions execution
names allow more, so they are sanitised, with a hash suffix whenever that changed them.
"""

from __future__ import annotations

import hashlib
import re

from shared.models import ResourceNames

_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9]+")
MAX_RUN_ID = 48


def run_id_from_execution_name(execution_name: str) -> str:
    cleaned = _NOT_ALLOWED.sub("-", execution_name).strip("-")
    if cleaned == execution_name and 0 < len(cleaned) <= MAX_RUN_ID:
        return cleaned
    digest = hashlib.sha256(execution_name.encode("utf-8")).hexdigest()[:8]
    head = cleaned[: MAX_RUN_ID - 9].strip("-") or "run"
    return f"{head}-{digest}"


def resource_names(run_id: str) -> ResourceNames:
    return ResourceNames(
        jobName=f"ft-{run_id}",
        customModelName=f"ft-{run_id}-model",
        provisionedModelName=f"pt-{run_id}",
        deploymentName=f"od-{run_id}",
        jobClientToken=f"job-{run_id}",
        throughputClientToken=f"pt-{run_id}",
        deploymentClientToken=f"od-{run_id}",
    )


def run_id_from_job_name(job_name: str) -> str | None:
    """The run id inside a job name made by `resource_names`, or None for another job."""
    return job_name[3:] if job_name.startswith("ft-") and len(job_name) > 3 else None
