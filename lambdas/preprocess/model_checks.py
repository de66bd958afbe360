"""Checks of the execution input against the chosen base model's registry entry."""

from __future__ import annotations

from shared.errors import InvalidExecutionInput
from shared.families import FAMILIES, bare_model_id, base_model
from shared.models import ExecutionInput

PROFILE_PREFIXES = ("us.", "global.", "eu.", "apac.")


def _profile_for(in_region_id: str) -> str | None:
    """The registry's inference profile for a model that has no in-Region on-demand ID."""
    for family in FAMILIES:
        for spec in family.models:
            prefix, _, rest = spec.invocation_id.partition(".")
            if f"{prefix}." in PROFILE_PREFIXES and rest == in_region_id:
                return spec.invocation_id
    return None


def check_invocation_ids(request: ExecutionInput) -> None:
    """A base-model or judge ID given as the in-Region ID of a model that only an inference
    profile serves would fail with "on-demand throughput isn't supported" after paid training
    (the base answers) or at preflight (the judge); name the profile to use instead."""
    for field, value in (
        ("evaluation.baseModelInferenceId", request.evaluation.baseModelInferenceId),
        ("evaluation.judgeModelId", request.evaluation.judgeModelId),
    ):
        profile = _profile_for(bare_model_id(value)) if value else None
        if profile is not None:
            raise InvalidExecutionInput(
                f"{field} {value}: Bedrock does not invoke this model on demand by its in-Region ID; "
                f"use its inference profile {profile}"
            )


def check_max_tokens(request: ExecutionInput, base_model_id: str) -> None:
    """`evaluation.maxTokens` above the model's output cap would make every Converse call fail
    (ValidationException) after paid training; refuse it up front. Models whose cap AWS does
    not publish (None in the registry) are left unchecked."""
    spec = base_model(base_model_id)
    cap = spec.max_output_tokens
    wanted = request.evaluation.maxTokens
    if cap is not None and wanted > cap:
        raise InvalidExecutionInput(
            f"evaluation.maxTokens {wanted} exceeds the output limit of {spec.model_id} ({cap:,} tokens); "
            f"set evaluation.maxTokens to {cap} or less"
        )
