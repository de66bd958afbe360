"""StartCustomizationJob: one job per run, safe to retry."""

from __future__ import annotations

from typing import Any

from shared.aws import error_code, error_message
from shared.clock import iso
from shared.errors import CustomizationJobQuotaExceeded, CustomizationJobRejected
from shared.models import JobState, RunContext
from shared.tags import run_tags
from start_job.methods import method_fields


def output_uri(run: RunContext) -> str:
    return f"s3://{run.bucket}/runs/{run.runId}/output/"


def _existing(bedrock: Any, run: RunContext) -> JobState | None:
    try:
        job = bedrock.get_model_customization_job(jobIdentifier=run.names.jobName)
    except bedrock.exceptions.ResourceNotFoundException:
        return None
    return JobState(
        jobArn=job["jobArn"],
        jobName=job["jobName"],
        status=job["status"],
        createdAt=iso(job["creationTime"]) if job.get("creationTime") else None,
    )


def start_job(run: RunContext, role_arn: str, bedrock: Any, grader_arn: str | None = None) -> JobState:
    existing = _existing(bedrock, run)
    if existing is not None:
        # A retried step (or a duplicate delivery) must not start a second paid job.
        return existing
    request: dict[str, Any] = {
        "jobName": run.names.jobName,
        "customModelName": run.names.customModelName,
        "roleArn": role_arn,
        "baseModelIdentifier": run.baseModelId,
        "trainingDataConfig": {"s3Uri": run.data.trainingUri},
        "outputDataConfig": {"s3Uri": output_uri(run)},
        # customizationType, hyperParameters / customizationConfig and validationDataConfig by method
        **method_fields(run, grader_arn),
        "clientRequestToken": run.names.jobClientToken,
        "jobTags": run_tags(run),
        "customModelTags": run_tags(run),
    }
    try:
        response = bedrock.create_model_customization_job(**request)
    except bedrock.exceptions.ServiceQuotaExceededException as error:
        raise CustomizationJobQuotaExceeded(
            f"the account is at its quota of concurrent customization jobs; waiting to retry ({error_message(error)})"
        ) from None
    except bedrock.exceptions.ConflictException:
        found = _existing(bedrock, run)
        if found is None:
            raise
        return found
    except bedrock.exceptions.ValidationException as error:
        raise CustomizationJobRejected(f"Bedrock refused the job: {error_message(error)}") from None
    except bedrock.exceptions.ResourceNotFoundException as error:
        raise CustomizationJobRejected(
            f"Bedrock refused the job ({error_code(error)}): {error_message(error)}"
        ) from None
    return JobState(jobArn=response["jobArn"], jobName=run.names.jobName, status="InProgress", createdAt=iso())
