"""Bedrock model lifecycle rules for the base model and the judge.

Source: https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html — a Legacy
model can still be invoked until its end-of-life date, but no new Provisioned Throughput can
be created for it; after end of life it is gone. `GetFoundationModel` reports
`modelLifecycle{status, startOfLifeTime, legacyTime, endOfLifeTime, publicExtendedAccessTime}`
(botocore shape `FoundationModelLifecycle`).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.errors import JudgeFailed, PipelineError, UnsupportedBaseModel
from shared.families import lifecycle_fact
from shared.models import RunContext

GEO_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "jp.", "au.", "ca.", "global.")
"""Cross-Region inference profile prefixes: the foundation model is the rest of the ID."""
CURRENT_MODEL_HINT = "choose a current model, for example amazon.nova-micro-v1:0:128k in us-east-1"
ALTERNATIVE = {
    "base model": "amazon.nova-micro-v1:0:128k in us-east-1",
    "judge model": "us.amazon.nova-pro-v1:0",
    "teacher model": "us.amazon.nova-pro-v1:0 (it teaches Nova Lite and Micro)",
}


def run_deadline(run: RunContext, budget_hours: float) -> datetime:
    """The latest moment this run may still need its models: its start plus the state machine's
    execution timeout (the run's whole time budget)."""
    started = datetime.fromisoformat(run.startedAt.replace("Z", "+00:00"))
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return started + timedelta(hours=budget_hours)


def end_of_life(details: dict[str, Any]) -> datetime | None:
    value = details.get("modelLifecycle", {}).get("endOfLifeTime")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def registry_end_of_life(model_id: str) -> tuple[datetime, str] | None:
    """The registry's end-of-life date (shared/families.py LIFECYCLE) and where it was read, for a
    model whose `GetFoundationModel` gives none."""
    fact = lifecycle_fact(model_id)
    if fact is None:
        return None
    moment = datetime.fromisoformat(fact.end_of_life).replace(tzinfo=UTC)
    return moment, f" (date from {fact.source}, confidence {fact.confidence}; Bedrock's GetFoundationModel gave none)"


def check_end_of_life(
    model_id: str, role: str, details: dict[str, Any], deadline: datetime, error: type[PipelineError]
) -> None:
    eol, where = end_of_life(details), ""
    if eol is None:
        eol, where = registry_end_of_life(model_id) or (None, "")
    if eol is not None and eol <= deadline:
        when = "reached" if eol <= datetime.now(UTC) else "reaches"
        raise error(
            f"the {role} {model_id} {when} its Bedrock end of life on {_day(eol)}{where}, before this run's time "
            f"budget ends ({_day(deadline)}); Bedrock stops serving it then, so the run could not finish. "
            f"Choose another {role}, for example {ALTERNATIVE[role]}"
        )


def check_base_lifecycle(run: RunContext, model_id: str, details: dict[str, Any], deadline: datetime) -> None:
    status = details.get("modelLifecycle", {}).get("status")
    eol = end_of_life(details)
    if status == "LEGACY" and run.evaluation.hosting == "provisioned":
        # Not overridable: the custom model could only be served through a PT Bedrock will not sell.
        ends = f", end of life {_day(eol)}" if eol else ""
        raise UnsupportedBaseModel(
            f"base model {model_id} is marked Legacy by Bedrock{ends}. Bedrock sells no new Provisioned "
            "Throughput for a Legacy model, and this run would evaluate the fine-tuned model through one, "
            "so you would pay for training a model that cannot be evaluated. allowLegacyModel does not "
            f"change this; {CURRENT_MODEL_HINT}"
        )
    check_end_of_life(model_id, "base model", details, deadline, UnsupportedBaseModel)
    if status == "LEGACY" and not run.allowLegacyModel:
        raise UnsupportedBaseModel(
            f"base model {model_id} is marked Legacy by Bedrock (end of life announced); {CURRENT_MODEL_HINT}, "
            "or set allowLegacyModel to true to train on it anyway"
        )


def foundation_model_of(inference_id: str) -> str:
    """`us.amazon.nova-pro-v1:0` -> `amazon.nova-pro-v1:0`; other IDs unchanged."""
    for prefix in GEO_PREFIXES:
        if inference_id.startswith(prefix):
            return inference_id[len(prefix) :]
    return inference_id


def check_judge_lifecycle(judge: str, bedrock: Any, deadline: datetime) -> None:
    """The judge answers through its inference profile or on demand; only its end of life matters.
    A judge GetFoundationModel does not know (for example a custom ARN) is left to the ping."""
    details: dict[str, Any] = {}
    # not found: the registry's lifecycle date, if any, still applies
    with suppress(bedrock.exceptions.ResourceNotFoundException, bedrock.exceptions.ValidationException):
        details = bedrock.get_foundation_model(modelIdentifier=foundation_model_of(judge))["modelDetails"]
    check_end_of_life(judge, "judge model", details, deadline, JudgeFailed)
