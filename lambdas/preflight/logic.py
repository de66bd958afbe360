"""PreflightChecks: everything that would make a paid run fail later, checked before the
customization job starts (and in dry runs, since these calls cost nothing)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from preflight.hosting import check_on_demand
from preflight.lifecycle import check_base_lifecycle, check_judge_lifecycle, run_deadline
from preflight.quota import QuotaCheck, check_pt_quota
from shared.aws import error_code, error_message
from shared.errors import JudgeFailed, UnsupportedBaseModel
from shared.families import bare_model_id
from shared.models import RunContext

DEFAULT_BUDGET_HOURS = 72.0
"""The stack's default execution timeout; the handler passes the deployed value."""


class PreflightResult(BaseModel):
    hosting: str
    baseModelLifecycle: str | None
    judgeReachable: bool
    noCommitmentModelUnitQuota: float | None
    quota: QuotaCheck | None
    warnings: list[str]


def base_model_details(run: RunContext, bedrock: Any, region: str) -> dict[str, Any]:
    model_id = bare_model_id(run.baseModelId)
    try:
        details: dict[str, Any] = bedrock.get_foundation_model(modelIdentifier=model_id)["modelDetails"]
    except bedrock.exceptions.ResourceNotFoundException:
        raise UnsupportedBaseModel(
            f"base model {model_id} is not offered in {region}; fine-tuning runs only where the model "
            "is offered (for example Nova in us-east-1, Claude 3 Haiku and Llama in us-west-2)"
        ) from None
    if "FINE_TUNING" not in details.get("customizationsSupported", []):
        raise UnsupportedBaseModel(f"base model {model_id} does not support fine-tuning in {region}")
    return details


def check_judge(run: RunContext, runtime: Any) -> None:
    """A one-token request: proves model access and permissions for the judge before paying."""
    try:
        runtime.converse(
            modelId=run.evaluation.judgeModelId,
            messages=[{"role": "user", "content": [{"text": "Reply with OK."}]}],
            inferenceConfig={"maxTokens": 1},
        )
    except Exception as error:  # any failure here means judging would fail after hours of training
        raise JudgeFailed(
            f"the judge model {run.evaluation.judgeModelId} is not reachable ({error_code(error)}: "
            f"{error_message(error)}); enable model access or choose evaluation.judgeModelId"
        ) from None


def preflight(
    run: RunContext,
    bedrock: Any,
    runtime: Any,
    quotas: Any,
    region: str,
    budget_hours: float = DEFAULT_BUDGET_HOURS,
) -> PreflightResult:
    hosting = run.evaluation.hosting
    if hosting == "on-demand":
        check_on_demand(run, region)
    deadline = run_deadline(run, budget_hours)
    details = base_model_details(run, bedrock, region)
    check_base_lifecycle(run, bare_model_id(run.baseModelId), details, deadline)
    check_judge_lifecycle(run, bedrock, deadline)
    check_judge(run, runtime)
    quota = check_pt_quota(run, quotas, bedrock) if hosting == "provisioned" else None
    lifecycle = details.get("modelLifecycle", {}).get("status")
    account = quota.accountQuota if quota else None
    return PreflightResult(
        hosting=hosting,
        baseModelLifecycle=str(lifecycle) if lifecycle else None,
        judgeReachable=True,
        noCommitmentModelUnitQuota=account.value if account else None,
        quota=quota,
        warnings=quota.warnings if quota else [],
    )
