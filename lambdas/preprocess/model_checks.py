"""Checks of the execution input against the chosen base model's registry entry."""

from __future__ import annotations

from shared.errors import InvalidExecutionInput
from shared.families import base_model
from shared.models import ExecutionInput


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
