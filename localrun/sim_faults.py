"""The simulator's faults: one registry of name -> where it acts and what it does.

A fault acts at a *point* (an event in one service module: "a customization job is created",
"a provisioned throughput settles", ...). The module owning the point asks the active faults
what happens there and never tests a fault's name:

- `ActiveFaults.trip(point)` raises the simulated error of an active `Fail` fault at that point
  (always, for the first N calls, or every Nth call, counted per key where the fault says so);
- `ActiveFaults.outcomes(point)` gives the labels of the active `Outcome` faults at that point
  (a job that ends Failed, a throughput that stays Creating, ...), which the module acts on.

`FAULTS` (name -> description) is what the CLI, the local pipeline and the docs list.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .sim_errors import SimulatedError

# ---------------------------------------------------------------- where faults act (points)
CALL = "every call, before its handler"
JOB_CREATE = "CreateModelCustomizationJob, once the request is valid and not a retry"
JOB_END = "a customization job's training time is over"
JOB_EVENT = "a job state-change event is delivered"
PT_CREATE = "CreateProvisionedModelThroughput, once the request is not a retry"
PT_SETTLE = "a Creating provisioned throughput is polled"
DEPLOYMENT_SETTLE = "a Creating on-demand deployment is polled"
DEPLOYMENT_DELETE = "DeleteCustomModelDeployment of a deployment that is not Creating"
HOSTED_CONVERSE = "Converse through the fine-tuned model's hosting (either kind)"
BASE_CONVERSE = "Converse with a foundation model (base model or teacher)"
PROBE = "a reachability probe (Converse with maxTokens 1)"
JUDGE = "a judge call (Converse with a toolConfig)"
JUDGE_AFTER_START = "a judge call once a customization job exists"
JUDGE_DURING_RFT = "a judge call while an RFT job's rollouts run"
HOSTED_OR_JUDGE_GENERATION = "the generation of a fine-tuned or judge answer (not a probe)"
HOSTED_GENERATION = "the generation of a fine-tuned answer (not a judge call, not a probe)"
EMBED = "InvokeModel of the embedding model"
QUOTA_VALUES = "the account's applied Service Quotas values"
PRICE_LIST = "the AWS Price List offer"
TEACHER = "a distillation job's teacher generates its answers"
GRADER_CONTEXT = "the local runner's grader Lambda context (localrun/pipeline.py)"

THROTTLED = (429, "ThrottlingException", "Too many requests, please wait before trying again.")
TOKENS_THROTTLED = (429, "ThrottlingException", "Too many tokens, please wait before trying again.")
NO_ACCESS = (403, "AccessDeniedException", "You don't have access to the model {model}")


@dataclass(frozen=True)
class Fail:
    """The point answers this error: always, or the first `first` times, or every `every`th time
    (counted per key, e.g. per operation or per question, when `per_key`)."""

    status: int
    code: str
    message: str
    first: int | None = None
    every: int | None = None
    per_key: bool = False
    operations: tuple[str, ...] = ()
    """At CALL only: the operations it acts on (empty: all)."""

    @classmethod
    def of(cls, error: tuple[int, str, str], **rule: object) -> Fail:
        return cls(*error, **rule)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Outcome:
    """The point's module does `label` instead of the normal course (see the module)."""

    label: str


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    acts_at: tuple[str, ...]
    effect: Fail | Outcome


# Outcome labels the modules act on.
STUCK, FAILED, STOPPED, LOST, SLOW, NO_VERDICTS, AT_DEFAULT, MODEL_AT_DEFAULT, UNMATCHED, UNAVAILABLE, SHORT = (
    "stuck",
    "failed",
    "stopped",
    "lost",
    "slow",
    "no-verdicts",
    "at-default",
    "model-at-default",
    "unmatched",
    "unavailable",
    "short-time",
)
QUOTA_OPERATIONS = ("GetServiceQuota", "GetAWSDefaultServiceQuota", "ListServiceQuotas", "ListAWSDefaultServiceQuotas")

REGISTRY: tuple[Fault, ...] = (
    Fault(
        "throttle",
        "every Bedrock API answers ThrottlingException on its first call (retried with backoff)",
        (CALL,),
        Fail.of(THROTTLED, first=1, per_key=True),
    ),
    Fault(
        "job-failed",
        "the customization job ends Failed with Bedrock's failure message",
        (JOB_END,),
        Outcome(FAILED),
    ),
    Fault("job-stopped", "the customization job is stopped before it completes", (JOB_END,), Outcome(STOPPED)),
    Fault("job-never-finishes", "the customization job stays InProgress forever", (JOB_END,), Outcome(STUCK)),
    Fault(
        "job-quota",
        "the account is at its concurrent-job quota for the first two attempts",
        (JOB_CREATE,),
        Fail(
            400,
            "ServiceQuotaExceededException",
            "You have reached the maximum number of concurrent model customization jobs",
            first=2,
        ),
    ),
    Fault(
        "pt-quota",
        "buying provisioned throughput fails with ServiceQuotaExceededException",
        (PT_CREATE,),
        Fail(
            400,
            "ServiceQuotaExceededException",
            "Your account does not have enough model units for no-commitment provisioned throughput",
        ),
    ),
    Fault("pt-failed", "the provisioned throughput ends Failed", (PT_SETTLE,), Outcome(FAILED)),
    Fault("pt-stuck", "the provisioned throughput stays Creating forever", (PT_SETTLE,), Outcome(STUCK)),
    Fault(
        "converse-throttle",
        "Converse through the provisioned throughput is throttled twice per question",
        (HOSTED_CONVERSE,),
        Fail.of(TOKENS_THROTTLED, first=2, per_key=True),
    ),
    Fault(
        "answer-error",
        "Converse through the provisioned throughput fails with ModelErrorException",
        (HOSTED_CONVERSE,),
        Fail(424, "ModelErrorException", "The model returned an error (simulated model failure)"),
    ),
    Fault(
        "base-error", "the base model cannot be invoked (AccessDeniedException)", (BASE_CONVERSE,), Fail.of(NO_ACCESS)
    ),
    Fault(
        "judge-error",
        "once training has started, the judge model fails (AccessDeniedException), seen after hosting",
        (JUDGE_AFTER_START,),
        Fail.of(NO_ACCESS),
    ),
    Fault(
        "judge-unreachable",
        "the judge model cannot be invoked at all (caught by the preflight check)",
        (PROBE, JUDGE),
        Fail.of(NO_ACCESS),
    ),
    Fault(
        "slow-answers",
        "each Converse call through the provisioned throughput takes 2 s",
        (HOSTED_GENERATION,),
        Outcome(SLOW),
    ),
    Fault(
        "judge-malformed",
        "once training has started, the judge stops calling its verdict tool (malformed verdicts)",
        (JUDGE_AFTER_START,),
        Outcome(NO_VERDICTS),
    ),
    Fault(
        "judge-no-verdicts",
        "the judge never calls its verdict tool (caught by the preflight verdict probe)",
        (JUDGE,),
        Outcome(NO_VERDICTS),
    ),
    Fault(
        "delete-throttle",
        "deleting the provisioned throughput is throttled three times before it succeeds",
        (CALL,),
        Fail.of(THROTTLED, first=3, operations=("DeleteProvisionedModelThroughput",)),
    ),
    Fault(
        "embedding-error",
        "the embedding model cannot be invoked (AccessDeniedException); similarity is missing",
        (EMBED,),
        Fail.of(NO_ACCESS),
    ),
    Fault(
        "deployment-failed",
        "the on-demand custom model deployment ends Failed with Bedrock's failure message",
        (DEPLOYMENT_SETTLE,),
        Outcome(FAILED),
    ),
    Fault(
        "deployment-stuck",
        "the on-demand deployment stays Creating (delete refused) until Bedrock gives up on it",
        (DEPLOYMENT_SETTLE,),
        Outcome(STUCK),
    ),
    Fault(
        "deployment-throttle",
        "the deployment APIs answer ThrottlingException twice before they succeed",
        (CALL,),
        Fail.of(
            THROTTLED,
            first=2,
            per_key=True,
            operations=("CreateCustomModelDeployment", "GetCustomModelDeployment"),
        ),
    ),
    Fault(
        "deployment-delete-conflict",
        "deleting the deployment is refused twice with ConflictException",
        (DEPLOYMENT_DELETE,),
        Fail(409, "ConflictException", "Another operation is in progress on {name}", first=2),
    ),
    Fault(
        "throttle-10pct",
        "every 10th Converse call through the fine-tuned hosting or the judge is throttled (429)",
        (HOSTED_OR_JUDGE_GENERATION,),
        Fail.of(TOKENS_THROTTLED, every=10),
    ),
    Fault(
        "job-event-lost",
        "the customization job's state-change event is never delivered (the safety poll must notice)",
        (JOB_EVENT,),
        Outcome(LOST),
    ),
    # Service Quotas (localrun/sim_quotas.py)
    Fault(
        "pt-quota-zero",
        "the account is at the default of 0 no-commitment model units: Service Quotas has no "
        "applied row (caught by the preflight check)",
        (QUOTA_VALUES,),
        Outcome(AT_DEFAULT),
    ),
    Fault(
        "pt-model-quota-zero",
        "the per-model quota 'Model units per provisioned model' is at its default of 0 "
        "(caught by the preflight check)",
        (QUOTA_VALUES,),
        Outcome(MODEL_AT_DEFAULT),
    ),
    Fault(
        "pt-quota-unreadable",
        "every Service Quotas call is denied (AccessDeniedException); preflight fails closed",
        (CALL,),
        Fail(
            400,
            "AccessDeniedException",
            "You do not have sufficient access to perform this action.",
            operations=QUOTA_OPERATIONS,
        ),
    ),
    # AWS Price List (localrun/sim_pricing.py)
    Fault(
        "pricing-unavailable",
        "the AWS Price List denies every GetProducts call (AccessDeniedException); "
        "the quote falls back to the dated table and says so",
        (CALL,),
        Fail(
            400,
            "AccessDeniedException",
            "User is not authorized to perform: pricing:GetProducts (simulated denial)",
            operations=("GetProducts",),
        ),
    ),
    Fault(
        "pricing-unmatched",
        "the Price List has no product for the run's base model (Nova Micro in the demo): "
        "its prices come from the table, or stay unpriced",
        (PRICE_LIST,),
        Outcome(UNMATCHED),
    ),
    # Customization methods (localrun/sim_methods.py)
    Fault(
        "grader-error",
        "the judge the RFT grader calls fails on every third call (the grader returns its neutral reward)",
        (JUDGE_DURING_RFT,),
        Fail(424, "ModelErrorException", "The model returned an error (simulated judge failure)", every=3),
    ),
    Fault(
        "grader-timeout",
        "the RFT grader Lambda starts with 10 s left: it stops judging and returns neutral rewards",
        (GRADER_CONTEXT,),
        Outcome(SHORT),
    ),
    Fault(
        "teacher-unavailable",
        "the distillation teacher cannot be invoked: the distillation job fails",
        (TEACHER,),
        Outcome(UNAVAILABLE),
    ),
)
BY_NAME: dict[str, Fault] = {fault.name: fault for fault in REGISTRY}
FAULTS: dict[str, str] = {fault.name: fault.description for fault in REGISTRY}
"""Every simulator fault and what it does (`answer-error`, `converse-throttle` and `slow-answers`
apply to the fine-tuned model's hosting of either kind; `pt-*` and `delete-throttle` only to a
provisioned throughput)."""
QUOTA_FAULTS = {name: FAULTS[name] for name in ("pt-quota-zero", "pt-model-quota-zero", "pt-quota-unreadable")}
PRICING_FAULTS = {name: FAULTS[name] for name in ("pricing-unavailable", "pricing-unmatched")}
METHOD_FAULTS = {name: FAULTS[name] for name in ("grader-error", "grader-timeout", "teacher-unavailable")}

_PT_POINTS = {PT_CREATE, PT_SETTLE, QUOTA_VALUES}
_PT_OPERATIONS = {"DeleteProvisionedModelThroughput", *QUOTA_OPERATIONS}
PROVISIONED_ONLY = frozenset(
    fault.name
    for fault in REGISTRY
    if set(fault.acts_at) <= _PT_POINTS
    or (isinstance(fault.effect, Fail) and fault.effect.operations and set(fault.effect.operations) <= _PT_OPERATIONS)
)
"""Faults that act only on a provisioned throughput (its purchase, its quotas, its lifecycle, its delete)."""


def outcomes(names: Iterable[str], point: str) -> frozenset[str]:
    """The outcome labels the named faults give at `point`."""
    return frozenset(
        fault.effect.label
        for fault in (BY_NAME[name] for name in names if name in BY_NAME)
        if point in fault.acts_at and isinstance(fault.effect, Outcome)
    )


class ActiveFaults(set[str]):
    """The faults switched on for one simulated account (a set of names: tests add and discard),
    with the counters their `Fail` rules keep."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__(names)
        unknown = self - BY_NAME.keys()
        if unknown:
            raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {sorted(FAULTS)}")
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def outcomes(self, point: str) -> frozenset[str]:
        return outcomes(self, point)

    def trip(self, point: str, key: str = "", operation: str = "", **values: str) -> None:
        """Raise the error of the first active `Fail` fault (registry order) that fires at `point`."""
        for fault in REGISTRY:
            effect = fault.effect
            if fault.name not in self or point not in fault.acts_at or not isinstance(effect, Fail):
                continue
            if effect.operations and operation not in effect.operations:
                continue
            if self._fires(fault.name, effect, key):
                raise SimulatedError(effect.status, effect.code, effect.message.format(**values))

    def _fires(self, name: str, effect: Fail, key: str) -> bool:
        if effect.first is None and effect.every is None:
            return True
        counter = f"{name}:{key}" if effect.per_key else name
        with self._lock:
            count = self._counts.get(counter, 0) + 1
            self._counts[counter] = count
        if effect.first is not None:
            return count <= effect.first
        return count % (effect.every or 1) == 0
