"""Service Quotas for the simulated account, the way the real service answers.

- Every quota has an AWS default. An *applied* value exists only once the account's value
  was changed (for Bedrock PT quotas: after AWS Support granted model units).
- `GetServiceQuota` and `ListServiceQuotas` return applied values only: for an account still
  at the default, `GetServiceQuota` answers `NoSuchResourceException` and the list has no row
  ("If the applied quota value is not available for a quota, the quota is not retrieved":
  https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html and
  API_ListServiceQuotas.html; bedrock-facts §0 #4, reported from a real account).
- `GetAWSDefaultServiceQuota` and `ListAWSDefaultServiceQuotas` return the defaults.
- Operation, member and error names follow botocore's `service-quotas/2019-06-24` model.

The "ready" account holds 5 applied units in the no-commitment quota and 2 in each per-model
quota. Faults change that: `pt-quota-zero` (no applied row: the account is at the default 0),
`pt-model-quota-zero` (no applied per-model rows), `pt-quota-unreadable` (AccessDenied); all three
are in the fault registry, localrun/sim_faults.py.
Bedrock's CreateProvisionedModelThroughput checks the same numbers (`pt_purchase_refusal`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.pt_quotas import NO_COMMITMENT_QUOTA_CODE, NO_COMMITMENT_QUOTA_NAME, PER_MODEL_QUOTA_NAMES

from . import sim_faults
from .sim_common import Handler
from .sim_errors import SimulatedError
from .sim_faults import QUOTA_FAULTS as QUOTA_FAULTS  # pt-quota-zero, pt-model-quota-zero, pt-quota-unreadable

READY_ACCOUNT_UNITS = 5.0
"""Applied no-commitment model units of the "ready" account: enough for five concurrent runs."""
READY_MODEL_UNITS = 2.0
"""Applied units of each per-model quota (the most one throughput may have)."""


QuotaError = SimulatedError
"""Kept for callers of the old name: the simulator has one error type (localrun/sim_errors.py)."""


@dataclass
class Quota:
    code: str
    name: str
    default: float
    applied: float | None


def _per_model_code(index: int) -> str:
    return f"L-SIM{index:05d}"  # real codes are opaque; the pipeline finds these by name


class SimulatedQuotas:
    def __init__(self, faults: sim_faults.ActiveFaults, region: str, account: str) -> None:
        self.faults, self.region, self.account = faults, region, account
        self.quotas: dict[str, Quota] = {
            NO_COMMITMENT_QUOTA_CODE: Quota(
                NO_COMMITMENT_QUOTA_CODE, NO_COMMITMENT_QUOTA_NAME, 0.0, READY_ACCOUNT_UNITS
            ),
            "L-SIMJOBS": Quota("L-SIMJOBS", "Concurrent model customization jobs", 3.0, None),
        }
        self.per_model: dict[str, str] = {}
        for index, (model_id, name) in enumerate(sorted(PER_MODEL_QUOTA_NAMES.items())):
            code = _per_model_code(index)
            self.quotas[code] = Quota(code, name, 0.0, READY_MODEL_UNITS)
            self.per_model[model_id] = code

    # ------------------------------------------------------------------ the account's values

    def applied(self, quota: Quota) -> float | None:
        at_default = self.faults.outcomes(sim_faults.QUOTA_VALUES)
        if quota.code == NO_COMMITMENT_QUOTA_CODE and sim_faults.AT_DEFAULT in at_default:
            return None
        if quota.code in self.per_model.values() and sim_faults.MODEL_AT_DEFAULT in at_default:
            return None
        return quota.applied

    def effective(self, code: str) -> float:
        quota = self.quotas[code]
        applied = self.applied(quota)
        return quota.default if applied is None else applied

    def pt_purchase_refusal(self, base_model_id: str, units: int, units_held: float) -> str | None:
        """Why Bedrock would refuse to sell `units` more no-commitment model units, if it would."""
        account = self.effective(NO_COMMITMENT_QUOTA_CODE)
        if units_held + units > account:
            return (
                "Your account does not currently have enough no commitment model units "
                f"({account:g} allowed, {units_held:g} in use, {units} requested). "
                "Request a quota increase for 'Model units no-commitment Provisioned Throughputs across custom models'."
            )
        code = self.per_model.get(base_model_id)
        model = self.effective(code) if code else 0.0
        if units > model:
            name = self.quotas[code].name if code else f"Model units per provisioned model for {base_model_id}"
            return f"The requested {units} model unit(s) exceed the quota '{name}' ({model:g})."
        return None

    # ------------------------------------------------------------------ API

    def handlers(self) -> dict[str, Handler]:
        return {
            "GetServiceQuota": self._get,
            "GetAWSDefaultServiceQuota": self._get_default,
            "ListServiceQuotas": self._list,
            "ListAWSDefaultServiceQuotas": self._list_default,
        }

    def _guard(self, body: dict[str, Any]) -> Iterable[Quota]:
        # pt-quota-unreadable denies every call before it gets here (sim_faults, at CALL)
        if body.get("ServiceCode") != "bedrock":
            raise SimulatedError(
                400, "NoSuchResourceException", f"The service {body.get('ServiceCode')} does not exist."
            )
        return self.quotas.values()

    def _row(self, quota: Quota, value: float) -> dict[str, Any]:
        return {
            "ServiceCode": "bedrock",
            "ServiceName": "Amazon Bedrock",
            "QuotaArn": f"arn:aws:servicequotas:{self.region}:{self.account}:bedrock/{quota.code}",
            "QuotaCode": quota.code,
            "QuotaName": quota.name,
            "Value": value,
            "Adjustable": True,
            "GlobalQuota": False,
        }

    def _find(self, body: dict[str, Any]) -> Quota:
        self._guard(body)
        quota = self.quotas.get(str(body.get("QuotaCode")))
        if quota is None:
            raise SimulatedError(400, "NoSuchResourceException", f"The quota {body.get('QuotaCode')} does not exist.")
        return quota

    def _get(self, body: dict[str, Any], *_: Any) -> dict[str, Any]:
        quota = self._find(body)
        applied = self.applied(quota)
        if applied is None:  # an account at the default has no applied value to return
            raise SimulatedError(
                400,
                "NoSuchResourceException",
                f"The request failed because the specified quota {quota.code} has no applied value.",
            )
        return {"Quota": self._row(quota, applied)}

    def _get_default(self, body: dict[str, Any], *_: Any) -> dict[str, Any]:
        quota = self._find(body)
        return {"Quota": self._row(quota, quota.default)}

    def _list(self, body: dict[str, Any], *_: Any) -> dict[str, Any]:
        rows = []
        for quota in self._guard(body):
            applied = self.applied(quota)
            if applied is not None:
                rows.append(self._row(quota, applied))
        return {"Quotas": rows}

    def _list_default(self, body: dict[str, Any], *_: Any) -> dict[str, Any]:
        return {"Quotas": [self._row(quota, quota.default) for quota in self._guard(body)]}
