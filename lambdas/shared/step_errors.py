"""Reads what a Step Functions `Catch` stored: Lambda errors carry a JSON `Cause`."""

from __future__ import annotations

import json
from typing import Any

from shared.models import StepError


def error_message_of(error: StepError | dict[str, Any]) -> str:
    parsed = error if isinstance(error, StepError) else StepError.model_validate(error)
    message = parsed.Cause or ""
    try:
        document = json.loads(message)
    except (json.JSONDecodeError, TypeError):
        return message
    if isinstance(document, dict) and "errorMessage" in document:
        return str(document["errorMessage"])
    return message


def error_text(error: StepError | dict[str, Any] | None) -> str | None:
    """`Error: message`, or None when there was no error."""
    if error is None:
        return None
    parsed = error if isinstance(error, StepError) else StepError.model_validate(error)
    message = error_message_of(parsed)
    return f"{parsed.Error}: {message}" if message else parsed.Error
