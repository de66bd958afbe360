"""`bft` tests: the command run in-process with Typer's CliRunner, against the local simulation
(moto + the simulated Bedrock) or moto alone for the AWS path."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cli  # noqa: F401  (puts lambdas/ on the path)
from cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "dataset" / "rawdata"
SAMPLE = [
    str(DATASET / "training.json"),
    "--validation",
    str(DATASET / "validation.json"),
    "--eval",
    str(DATASET / "eval.json"),
]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def bft(*args: str, state: Path | None = None) -> Result:
    """Run `bft [--local --state-dir STATE] ARGS` in-process; CliError maps to its exit code as
    in the console script."""
    from cli.errors import CliError

    argv = (["--local", "--state-dir", str(state)] if state is not None else []) + list(args)
    runner = CliRunner()
    try:
        result = runner.invoke(app, argv, catch_exceptions=True, env={"COLUMNS": "220"})
    except CliError as error:  # pragma: no cover - invoke catches it below
        return Result(int(error.code), "", str(error))
    if isinstance(result.exception, CliError):
        return Result(int(result.exception.code), result.stdout, str(result.exception))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A local account with two finished runs: the sample at 2 epochs, then at 4."""
    state = tmp_path_factory.mktemp("bft-state")
    ids = []
    for extra in ([], ["--set", "hyperParameters.epochCount=4"]):
        result = bft("--json", "start", *SAMPLE, *extra, state=state)
        assert result.code == 0, result.stdout + result.stderr
        ids.append(result.json()["runId"])
    return state, ids


@pytest.fixture
def account(two_runs: tuple[Path, list[str]], tmp_path: Path) -> tuple[Path, list[str]]:
    """A copy of the two-run account that a test may change."""
    state, ids = two_runs
    copy = tmp_path / "state"
    shutil.copytree(state, copy)
    return copy, ids
