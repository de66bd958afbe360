"""Can this account buy the model units a provisioned-hosting run needs?

Two Service Quotas apply (see shared/pt_quotas.py for the sources):
- the account-wide no-commitment quota `L-BE77399C`, minus the units that the account's other
  no-commitment PTs (not Failed) already hold;
- the per-model quota "Model units per provisioned model for <base model>", found by name.

`GetServiceQuota`/`ListServiceQuotas` return applied values only; an account at the default
has no applied row (`NoSuchResourceException` / no row). The default then comes from
`GetAWSDefaultServiceQuota`/`ListAWSDefaultServiceQuotas`; "not found" there too means 0.
Any other error means the quota is unknown: the run fails closed unless `allowUnverifiedQuota`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.aws import error_code, error_message
from shared.errors import ProvisionedThroughputQuotaExceeded, ProvisionedThroughputQuotaUnverified
from shared.families import bare_model_id
from shared.models import RunContext
from shared.pt_quotas import (
    NO_COMMITMENT_QUOTA_CODE,
    NO_COMMITMENT_QUOTA_NAME,
    SERVICE_CODE,
    per_model_quota_name,
    same_quota_name,
)

SUPPORT_HINT = (
    "Many accounts have 0 until AWS Support raises it: request an increase in Service Quotas "
    '(Amazon Bedrock) before training, or choose evaluation.hosting "on-demand" where the model '
    "family offers it; otherwise the model could not be evaluated"
)


NOT_FOUND = "not found (0)"


class QuotaReading(BaseModel):
    value: float
    source: str
    """"applied", "AWS default" or "not found (0)"."""


class QuotaCheck(BaseModel):
    accountQuota: QuotaReading | None
    unitsHeld: float | None
    modelQuota: QuotaReading | None
    warnings: list[str]


class QuotaUnreadable(Exception):
    pass


def _unreadable(what: str, error: Exception) -> QuotaUnreadable:
    return QuotaUnreadable(f"could not read {what} ({error_code(error)}: {error_message(error)})")


def account_quota(quotas: Any) -> QuotaReading:
    what = f"the quota '{NO_COMMITMENT_QUOTA_NAME}' ({NO_COMMITMENT_QUOTA_CODE})"
    try:
        found = quotas.get_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=NO_COMMITMENT_QUOTA_CODE)
        return QuotaReading(value=float(found["Quota"]["Value"]), source="applied")
    except quotas.exceptions.NoSuchResourceException:
        pass  # no applied value: the account is at the AWS default
    except Exception as error:
        raise _unreadable(what, error) from None
    try:
        found = quotas.get_aws_default_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=NO_COMMITMENT_QUOTA_CODE)
        return QuotaReading(value=float(found["Quota"]["Value"]), source="AWS default")
    except quotas.exceptions.NoSuchResourceException:
        return QuotaReading(value=0.0, source=NOT_FOUND)
    except Exception as error:
        raise _unreadable(what, error) from None


def _find_by_name(quotas: Any, operation: str, name: str) -> float | None:
    for page in quotas.get_paginator(operation).paginate(ServiceCode=SERVICE_CODE):
        for quota in page.get("Quotas", []):
            if same_quota_name(quota.get("QuotaName", ""), name):
                return float(quota["Value"])
    return None


def model_quota(quotas: Any, name: str) -> QuotaReading:
    try:
        value = _find_by_name(quotas, "list_service_quotas", name)
        if value is not None:
            return QuotaReading(value=value, source="applied")
        value = _find_by_name(quotas, "list_aws_default_service_quotas", name)
    except Exception as error:
        raise _unreadable(f"the quota '{name}'", error) from None
    if value is not None:
        return QuotaReading(value=value, source="AWS default")
    return QuotaReading(value=0.0, source=NOT_FOUND)


def units_held(bedrock: Any) -> float:
    """Model units of the account's no-commitment PTs that still count against the quota."""
    held = 0.0
    try:
        for page in bedrock.get_paginator("list_provisioned_model_throughputs").paginate():
            for pt in page.get("provisionedModelSummaries", []):
                if pt.get("commitmentDuration") or pt.get("status") == "Failed":
                    continue
                held += max(pt.get("modelUnits", 0), pt.get("desiredModelUnits", 0))
    except Exception as error:
        raise _unreadable("the account's provisioned throughputs", error) from None
    return held


def check_pt_quota(run: RunContext, quotas: Any, bedrock: Any) -> QuotaCheck:
    """Raise ProvisionedThroughputQuotaExceeded when the run's units do not fit; when a value
    cannot be read, raise ProvisionedThroughputQuotaUnverified, or warn if allowUnverifiedQuota."""
    warnings: list[str] = []
    account: QuotaReading | None = None
    held: float | None = None
    per_model: QuotaReading | None = None
    base = bare_model_id(run.baseModelId)
    try:
        account = account_quota(quotas)
        held = units_held(bedrock)
        available = account.value - held
        if available < run.modelUnits:
            raise ProvisionedThroughputQuotaExceeded(
                f"the account's quota '{NO_COMMITMENT_QUOTA_NAME}' is {account.value:g} model unit(s) "
                f"({account.source}), {held:g} already held by other no-commitment provisioned throughputs; "
                f"this run needs {run.modelUnits}. {SUPPORT_HINT}"
            )
        name = per_model_quota_name(base)
        if name is None:
            raise QuotaUnreadable(f"no per-model quota name is known for {base}")
        per_model = model_quota(quotas, name)
        if per_model.source == NOT_FOUND and run.allowUnverifiedQuota:
            # The per-model quota names are partly UNCONFIRMED (shared/pt_quotas.py): an absent
            # name may be our naming, not a missing grant, so the documented override applies.
            warnings.append(f"no quota named '{name}' was found; per-model quota not verified (allowUnverifiedQuota)")
        elif per_model.value < run.modelUnits:
            found = (
                " (no quota of that name was found, which counts as 0; if your account lists it under another "
                "name, set allowUnverifiedQuota to true)"
                if per_model.source == NOT_FOUND
                else f" ({per_model.source})"
            )
            raise ProvisionedThroughputQuotaExceeded(
                f"the quota '{name}' is {per_model.value:g} model unit(s){found}; this run needs "
                f"{run.modelUnits}. {SUPPORT_HINT}"
            )
    except QuotaUnreadable as unreadable:
        if not run.allowUnverifiedQuota:
            raise ProvisionedThroughputQuotaUnverified(
                f"{unreadable}; the run stops before anything is paid because a provisioned throughput it "
                "could not buy would leave the trained model unevaluated. Grant the preflight function "
                "servicequotas:GetServiceQuota/GetAWSDefaultServiceQuota/ListServiceQuotas/"
                "ListAWSDefaultServiceQuotas, or set allowUnverifiedQuota to true to run anyway"
            ) from None
        warnings.append(f"{unreadable}; provisioned throughput quota not verified (allowUnverifiedQuota)")
    return QuotaCheck(accountQuota=account, unitsHeld=held, modelQuota=per_model, warnings=warnings)
