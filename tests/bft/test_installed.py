"""The installed `bft`: the wheel installed into a fresh virtual environment, its console script
run from a folder outside the repository, against the local simulation (issue 16's "Done when").

Offline: the wheel is built without an index (tests/wheel.py) and installed without its
dependencies; the environment reaches this one's libraries (typer, rich, boto3, moto, ...)
through a .pth file, and nothing of the checkout is on its path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.wheel import REPO, build_wheel, run

SAMPLE = REPO / "dataset" / "rawdata"


@pytest.fixture(scope="module")
def installed_bft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bft-package")
    wheel = build_wheel(work)
    environment = work / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run(
        [
            str(python),
            "-m",
            "pip",
            "--disable-pip-version-check",
            "-q",
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        work,
    )
    script = environment / "bin" / "bft"
    assert script.is_file()
    return script


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the repository holding a copy of the sample as dataset/rawdata/."""
    folder = tmp_path_factory.mktemp("user-project")
    shutil.copytree(SAMPLE, folder / "dataset" / "rawdata")
    assert not folder.resolve().is_relative_to(REPO)
    return folder


def _env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "BFT_"))}
    return {**keep, "COLUMNS": "250", "NO_COLOR": "1"}


def _bft(script: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script), "--local", *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600, check=False
    )


def test_the_console_script_runs_the_installed_package_only(installed_bft: Path, elsewhere: Path) -> None:
    python = installed_bft.with_name("python")
    probe = (
        "import importlib.util, json, bedrock_finetuning.cli as c, bedrock_finetuning.localrun as l;"
        "print(json.dumps({'cli': c.__file__, 'localrun': l.__file__, 'topLevel': "
        "[n for n in ('cli', 'localrun', 'stacks', 'statemachine') if importlib.util.find_spec(n)]}))"
    )
    found = json.loads(run([str(python), "-c", probe], elsewhere, _env()))
    environment = installed_bft.parents[1]
    assert Path(found["cli"]).is_relative_to(environment) and Path(found["localrun"]).is_relative_to(environment)
    assert found["topLevel"] == []
    help_text = run([str(installed_bft), "--help"], elsewhere, _env())
    assert "Usage: bft" in help_text and "bft --local start dataset/rawdata/training.json --watch" in help_text


def test_start_watch_runs_compare_and_cleanup_from_outside_the_repository(installed_bft: Path, elsewhere: Path) -> None:
    first = _bft(installed_bft, elsewhere, "start", "dataset/rawdata/training.json", "--watch")
    assert first.returncode == 0, first.stdout + first.stderr
    run_a = re.search(r"Started run (\S+) \(SIMULATED\)", first.stdout).group(1)  # type: ignore[union-attr]
    assert f"Run {run_a}: SUCCEEDED (SIMULATED)" in first.stdout
    assert "Verdict: SIMULATED" in first.stdout
    assert len(re.findall(r"^  \[\dm\d\ds\] [A-Za-z]+$", first.stdout, re.MULTILINE)) >= 3  # the steps it saw
    # The default local account is .bft-local/ in the working folder, and it persists.
    assert (elsewhere / ".bft-local" / "executions" / f"{run_a}.json").is_file()

    second = _bft(
        installed_bft,
        elsewhere,
        "--json",
        "start",
        "dataset/rawdata/training.json",
        "--set",
        "hyperParameters.epochCount=4",
    )
    assert second.returncode == 0, second.stdout + second.stderr
    run_b = json.loads(second.stdout)["runId"]

    listed = _bft(installed_bft, elsewhere, "runs")
    assert listed.returncode == 0, listed.stderr
    assert "Runs, newest first (SIMULATED)" in listed.stdout
    rows = [line for line in listed.stdout.splitlines() if line.startswith("│ ")]
    assert [row.split("│")[1].strip() for row in rows] == [run_b, run_a]  # newest first
    assert all("SUCCEEDED" in row and "deployment + model ($" in row for row in rows)

    compared = _bft(installed_bft, elsewhere, "compare", run_a, run_b)
    assert compared.returncode == 0, compared.stderr
    assert "What differed (SIMULATED)" in compared.stdout
    differed = next(line for line in compared.stdout.splitlines() if line.startswith("│ hyperParameters"))
    assert '"epochCount": "2"' in differed and '"epochCount": "4"' in differed
    assert f"Per question, {run_b} minus {run_a}" in compared.stdout  # same evaluation set: paired

    cleanup = _bft(installed_bft, elsewhere, "cleanup", "--dry-run")
    assert cleanup.returncode == 0, cleanup.stderr
    bucket = elsewhere / ".bft-local" / "bucket" / "runs"
    total = 0.0
    for run_id in (run_a, run_b):
        prices = json.loads((bucket / run_id / "data" / "prices.json").read_text(encoding="utf-8"))
        storage = next(p["usd"] for p in prices["prices"] if p["meter"] == "storage" and "nova-micro" in p["model"])
        total += storage
        model_line = next(line for line in cleanup.stdout.splitlines() if f"ft-{run_id}-model" in line)
        assert f"${storage:,.2f}/month storage (the run's price, SIMULATED price list)" in model_line
        deployment_line = next(line for line in cleanup.stdout.splitlines() if f"od-{run_id} " in line)
        assert "per token used; nothing while idle; this month" in deployment_line
    assert f"Monthly while kept: ${total:,.2f}\n" in cleanup.stdout
    assert "--dry-run: nothing deleted" in cleanup.stdout
    account = json.loads((elsewhere / ".bft-local" / "bedrock.json").read_text(encoding="utf-8"))
    assert len(account["custom_models"]) == len(account["deployments"]) == 2  # nothing was deleted


def test_the_installed_demo_runs_on_the_packaged_sample(installed_bft: Path, tmp_path: Path) -> None:
    """`python -m bedrock_finetuning.localrun` from an empty folder: the sample travels in the wheel."""
    python = installed_bft.parent / "python"
    demo = subprocess.run(
        [str(python), "-m", "bedrock_finetuning.localrun", "--sample", "ja"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "SIMULATED" in demo.stdout and "SUCCEEDED" in demo.stdout
    assert "/bedrock_finetuning/dataset/rawdata/ja/" in demo.stdout.replace("\\", "/")
