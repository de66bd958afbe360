"""Execution input from `--input FILE` and `--set key=value` options, without JSON quoting trouble."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import CliError, Exit


def parse_value(text: str) -> Any:
    """`10` -> 10, `0.5` -> 0.5, `true` -> True, `null` -> None, `{"a": 1}` -> dict; anything
    that is not JSON stays the string it is (so `--set evaluation.hosting=provisioned` needs
    no quotes)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def apply_set(document: dict[str, Any], assignment: str) -> None:
    """Apply one `a.b.c=value` to `document` in place."""
    path, sep, raw = assignment.partition("=")
    keys = path.strip().split(".")
    if not sep or not all(keys):
        raise CliError(f"--set {assignment!r}: expected key=value, e.g. hyperParameters.epochCount=5", Exit.BAD_INPUT)
    node = document
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise CliError(f"--set {assignment!r}: {key} is already set to a non-object value", Exit.BAD_INPUT)
        node = child
    node[keys[-1]] = parse_value(raw)


def load_input(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CliError(f"--input {path}: cannot read the file ({error.strerror})", Exit.BAD_INPUT) from None
    except json.JSONDecodeError as error:
        raise CliError(
            f"--input {path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            Exit.BAD_INPUT,
        ) from None
    if not isinstance(value, dict):
        raise CliError(f"--input {path} must hold a JSON object, got {type(value).__name__}", Exit.BAD_INPUT)
    return value


def build_input(input_file: Path | None, assignments: list[str]) -> dict[str, Any]:
    """The file first, then each --set in order (a later --set wins)."""
    document = load_input(input_file)
    for assignment in assignments:
        apply_set(document, assignment)
    return document
