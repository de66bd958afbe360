"""PreflightChecks: everything that would make a paid run fail later, checked before the
customization job starts (and in dry runs, since these calls cost nothing)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from judge.tools import parse_verdict, structured_output, verdict_request
from preflight.hosting import check_on_demand
from preflight.lifecycle import check_base_lifecycle, check_judge_lifecycle, run_deadline
from preflight.quota import QuotaCheck, check_pt_quota
from preflight.teacher import check_teacher
from shared.aws import error_code, error_message
from shared.errors import JudgeFailed, UnsupportedBaseModel
from shared.families import bare_model_id, family_by_key
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


PROBE = ("What is 2 + 2?", "4", "2 + 2 = 4.")
"""The preflight verdict probe: one tiny question, reference and answer."""


def check_judge(judge_model_id: str, runtime: Any) -> str:
    """One tiny verdict call with the judge's real tool configuration: proves model access,
    permissions and that this model returns a structured verdict, before anything is paid.
    Returns how the verdict tool is requested (judge/tools.py)."""
    request = verdict_request(judge_model_id, *PROBE)
    try:
        response = runtime.converse(**request)
    except Exception as error:  # any failure here means judging would fail after hours of training
        raise JudgeFailed(
            f"the judge model {judge_model_id} is not reachable or cannot return a verdict "
            f"({error_code(error)}: {error_message(error)}); enable model access or choose another "
            "evaluation.judgeModelId (structured verdicts need Converse tool use: Claude 3+, Nova, Llama 3.x)"
        ) from None
    verdict = parse_verdict(response)
    if isinstance(verdict, str):
        raise JudgeFailed(
            f"the judge model {judge_model_id} did not return a verdict to a test question ({verdict}); "
            "choose a judge that supports Converse tool use, such as a Nova or Claude 3+ model"
        )
    return structured_output(judge_model_id)


def preflight(
    run: RunContext,
    bedrock: Any,
    runtime: Any,
    quotas: Any,
    region: str,
    budget_hours: float = DEFAULT_BUDGET_HOURS,
) -> PreflightResult:
    hosting = run.evaluation.hosting
    # PreprocessDataset refuses this too; checked again here because preflight is the last stop before the job.
    family_by_key(run.family).check_customization_region(run.baseModelId, region)
    if hosting == "on-demand":
        check_on_demand(run, region)
    deadline = run_deadline(run, budget_hours)
    details = base_model_details(run, bedrock, region)
    check_base_lifecycle(run, bare_model_id(run.baseModelId), details, deadline)
    judges = [run.evaluation.judgeModelId, *filter(None, [run.evaluation.secondJudgeModelId])]
    for judge in judges:
        check_judge_lifecycle(judge, bedrock, deadline)
        check_judge(judge, runtime)
    check_teacher(run, bedrock, runtime, deadline)  # distillation only (preflight/teacher.py)
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
