"""Every log call of the functions passes `extra` as a dict literal whose keys Python's logging
accepts: a key LogRecord reserves (`name`, `message`, ...) makes Logger.makeRecord raise KeyError
(logging/__init__.py), which on AWS fails the step after its work is done. The end-to-end runs log at
the deployed level and would catch it too, but only on the paths they take."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from tests.conftest import ROOT

LAMBDAS = ROOT / "lambdas"
LEVELS = {"debug", "info", "warning", "error", "critical", "exception"}
RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _log_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in LEVELS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "logger"
    ]


def _problems(path: Path, base: Path = ROOT) -> list[str]:
    problems = []
    for call in _log_calls(path):
        where = f"{path.relative_to(base)}:{call.lineno}"
        for keyword in call.keywords:
            if keyword.arg is None:
                problems.append(f"{where}: **kwargs hides its keys")
            elif keyword.arg == "extra":
                if not isinstance(keyword.value, ast.Dict) or any(k is None for k in keyword.value.keys):
                    problems.append(f"{where}: extra is not a dict literal")
                    continue
                for key in keyword.value.keys:
                    if not isinstance(key, ast.Constant) or key.value in RESERVED:
                        problems.append(f"{where}: extra key {ast.unparse(key)} is reserved or not a constant")
            elif keyword.arg in RESERVED:
                problems.append(f"{where}: keyword {keyword.arg} is reserved by LogRecord")
    return problems


def test_every_log_call_of_the_functions_has_keys_logging_accepts() -> None:
    files = sorted(LAMBDAS.rglob("*.py"))
    assert sum(len(_log_calls(path)) for path in files) >= 10  # the scan sees the handlers' calls
    assert [problem for path in files for problem in _problems(path)] == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ('logger.info("done", extra=deletion.model_dump())', "extra is not a dict literal"),
        ('logger.info("done", extra={"name": "x"})', "extra key 'name' is reserved"),
        ('logger.warning("done", extra={**counts})', "extra is not a dict literal"),
        ('logger.info("done", extra={"deletion": {"name": "x"}})', None),
    ],
)
def test_the_scan_refuses_what_logging_would(tmp_path: Path, source: str, problem: str | None) -> None:
    path = tmp_path / "handler.py"
    path.write_text(source + "\n", encoding="utf-8")
    found = _problems(path, tmp_path)
    assert (problem is None and found == []) or (problem is not None and problem in " ".join(found)), found


def test_a_reserved_key_is_refused_by_logging_itself() -> None:
    with pytest.raises(KeyError, match="name"):
        logging.getLogger("probe").makeRecord("probe", logging.INFO, "f", 1, "m", (), None, extra={"name": "x"})
