"""PreflightChecks: everything that would make a paid run fail later, checked before the
customization job starts (and in dry runs, since these calls cost nothing)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from judge.tools import parse_verdict, structured_output, verdict_request
from shared.aws import error_code, error_message
from shared.errors import JudgeFailed, ProvisionedThroughputQuotaExceeded, UnsupportedBaseModel
from shared.families import bare_model_id
from shared.models import RunContext

NO_COMMITMENT_QUOTA = "no-commitment provisioned throughputs across custom models"
"""Service Quotas name (lower-cased) of the account-wide no-commitment PT model-unit quota."""


class PreflightResult(BaseModel):
    baseModelLifecycle: str | None
    judgeReachable: bool
    noCommitmentModelUnitQuota: float | None
    warnings: list[str]


def check_base_model(run: RunContext, bedrock: Any, region: str) -> str | None:
    model_id = bare_model_id(run.baseModelId)
    try:
        details = bedrock.get_foundation_model(modelIdentifier=model_id)["modelDetails"]
    except bedrock.exceptions.ResourceNotFoundException:
        raise UnsupportedBaseModel(
            f"base model {model_id} is not offered in {region}; fine-tuning runs only where the model "
            "is offered (for example Nova in us-east-1, Claude 3 Haiku and Llama in us-west-2)"
        ) from None
    if "FINE_TUNING" not in details.get("customizationsSupported", []):
        raise UnsupportedBaseModel(f"base model {model_id} does not support fine-tuning in {region}")
    lifecycle = details.get("modelLifecycle", {}).get("status")
    if lifecycle == "LEGACY" and not run.allowLegacyModel:
        raise UnsupportedBaseModel(
            f"base model {model_id} is marked Legacy by Bedrock (end of life announced); choose a current "
            "model, or set allowLegacyModel to true to train on it anyway"
        )
    return str(lifecycle) if lifecycle else None


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


def no_commitment_quota(quotas: Any) -> float | None:
    for page in quotas.get_paginator("list_service_quotas").paginate(ServiceCode="bedrock"):
        for quota in page.get("Quotas", []):
            if NO_COMMITMENT_QUOTA in quota.get("QuotaName", "").lower():
                return float(quota["Value"])
    return None


def check_quota(run: RunContext, quotas: Any) -> tuple[float | None, list[str]]:
    try:
        value = no_commitment_quota(quotas)
    except Exception as error:  # the quota API is advisory: say so, do not block the run on it
        return None, [f"could not read the provisioned throughput quota ({error_code(error)}); not verified"]
    if value is None:
        return None, ["the no-commitment provisioned throughput quota was not found; not verified"]
    if value < run.modelUnits:
        raise ProvisionedThroughputQuotaExceeded(
            f"the account's quota for no-commitment provisioned throughput is {value:g} model unit(s); this run "
            f"needs {run.modelUnits}. Many accounts have 0 until AWS Support raises it: request an increase "
            "in Service Quotas (Amazon Bedrock) before training, or the model could not be evaluated"
        )
    return value, []


def preflight(run: RunContext, bedrock: Any, runtime: Any, quotas: Any, region: str) -> PreflightResult:
    lifecycle = check_base_model(run, bedrock, region)
    check_judge(run.evaluation.judgeModelId, runtime)
    if run.evaluation.secondJudgeModelId:
        check_judge(run.evaluation.secondJudgeModelId, runtime)
    quota, warnings = check_quota(run, quotas)
    return PreflightResult(
        baseModelLifecycle=lifecycle, judgeReachable=True, noCommitmentModelUnitQuota=quota, warnings=warnings
    )
