"""Names and idempotency tokens derived from the run id.

Bedrock's patterns (botocore service model): job names allow no '_', custom model names
allow no '.', client request tokens only letters, digits and '-'. Step Functions execution
names allow more, so they are sanitised, with a hash suffix whenever that changed them.
"""

from __future__ import annotations

import hashlib
import re

from shared.contract import DEFAULT_JOB_NAME_PREFIX
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


def resource_names(run_id: str, job_name_prefix: str = DEFAULT_JOB_NAME_PREFIX) -> ResourceNames:
    """Every name of a run. `job_name_prefix` is the deployment's (settings.job_name_prefix): its
    job-event rule matches it, and a prefix other than the default also goes into the hosting
    names and tokens, so that two deployments in one account never share a name. At most 9
    characters: `<prefix><run id (48)>-model` stays within Bedrock's 63."""
    own = "" if job_name_prefix == DEFAULT_JOB_NAME_PREFIX else job_name_prefix
    return ResourceNames(
        jobName=f"{job_name_prefix}{run_id}",
        customModelName=f"{job_name_prefix}{run_id}-model",
        provisionedModelName=f"pt-{own}{run_id}",
        deploymentName=f"od-{own}{run_id}",
        jobClientToken=f"job-{own}{run_id}",
        throughputClientToken=f"pt-{own}{run_id}",
        deploymentClientToken=f"od-{own}{run_id}",
    )


def run_id_from_job_name(job_name: str, job_name_prefix: str = DEFAULT_JOB_NAME_PREFIX) -> str | None:
    """The run id inside a job name made by `resource_names`, or None for another job."""
    if job_name.startswith(job_name_prefix) and len(job_name) > len(job_name_prefix):
        return job_name[len(job_name_prefix) :]
    return None
