"""The one error type of every simulated AWS service (Bedrock, Service Quotas, Price List)."""

from __future__ import annotations


class SimulatedError(Exception):
    """An error answer: HTTP status, error code (what botocore reads from `x-amzn-ErrorType` or
    `__type`) and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(what: str) -> SimulatedError:
    return SimulatedError(404, "ResourceNotFoundException", f"{what} not found")


def invalid(message: str) -> SimulatedError:
    """Bedrock's answer to a request it refuses: ValidationException (400)."""
    return SimulatedError(400, "ValidationException", message)
