"""The package's wheel, built offline from a copy of the checkout (tests/infra/test_package.py
synthesizes a CDK app with it; tests/bft/test_installed.py runs the installed `bft`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = (
    "pyproject.toml",
    "README.md",
    "constraints.txt",
    "bedrock_finetuning",
    "stacks",
    "statemachine",
    "lambdas",
    "cli",
    "localrun",
    "dataset",
)
"""What pyproject.toml's package mapping reads."""
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900)
    assert result.returncode == 0, f"{command[:4]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result.stdout


def build_wheel(work: Path) -> Path:
    """`pip wheel .` offline (this environment's setuptools and wheel, no build isolation, no index)."""
    # A copy of what the distribution is built from: setuptools writes build/ and *.egg-info
    # beside pyproject.toml, which must neither litter the checkout nor carry stale files.
    source = work / "source"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(REPO / name, source / name)
    run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(work / "dist"), str(source)], work)
    (wheel,) = (work / "dist").glob("bedrock_finetuning_pipeline-*.whl")
    return wheel
