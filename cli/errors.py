"""Exit codes and the one exception type commands raise to end with one of them."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    RUN_FAILED = 1
    """The run failed, timed out or was stopped (watch, start --watch)."""
    BAD_INPUT = 2
    """Bad arguments or data refused before anything was uploaded (also Click's usage errors)."""
    NO_STACK = 3
    """No credentials, no Region, or no deployed stack found."""
    NOT_FOUND = 4
    """The run named does not exist."""
    RUNNING = 5
    """`bft watch --once` on a run that has not ended yet."""


class CliError(Exception):
    """A message for the user and the exit code it ends with (no traceback)."""

    def __init__(self, message: str, code: Exit) -> None:
        super().__init__(message)
        self.code = code
