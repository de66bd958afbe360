"""Local bundling of the Lambda code asset: `lambdas/` plus the pure-Python and wheel-only
libraries in `lambdas/requirements.txt`, installed for the Lambda platform without Docker.

`pip install --target` with `--platform manylinux2014_aarch64 --python-version 3.14
--implementation cp --only-binary=:all:` fetches the wheels the arm64 python3.14 runtime
needs (MarkupSafe's compiled speedups included), pinned by constraints.txt. The installed
libraries are cached per requirements+constraints hash, so synthesizing again (tests synth
many stacks) copies files instead of downloading. CDK asks for a Docker image too; it is
never used, because local bundling succeeds or fails loudly (never silently falls back).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from bedrock_finetuning.statemachine import LAMBDAS_DIR

ROOT = Path(__file__).resolve().parents[1]
"""The repository, or the installed `bedrock_finetuning` package (which carries constraints.txt)."""
LAMBDA_REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
CONSTRAINTS = ROOT / "constraints.txt"
PLATFORM = ("--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.14")
CACHE = Path(os.environ.get("LAMBDA_DEPS_CACHE", Path.home() / ".cache" / "bedrock-finetuning-lambda-deps"))
SKIP = ("__pycache__", "*.pyc", "tests", ".pytest_cache", ".mypy_cache", "requirements.txt")


class BundlingFailed(RuntimeError):
    pass


def _requirement_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def dependencies_dir() -> Path:
    """The installed libraries for the Lambda platform (installed once per pin set)."""
    key = hashlib.sha256(
        "\n".join([*PLATFORM, *_requirement_lines(LAMBDA_REQUIREMENTS), *_requirement_lines(CONSTRAINTS)]).encode()
    ).hexdigest()[:16]
    target = CACHE / key
    if (target / ".complete").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    # Synths running side by side (pytest-xdist workers, `make test`) install once: the others wait.
    with (CACHE / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            _install(target, CACHE / f"{key}.partial")
    return target


def _install(target: Path, staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", str(staging), *PLATFORM, "--only-binary=:all:",
        "-r", str(LAMBDA_REQUIREMENTS), "-c", str(CONSTRAINTS),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundlingFailed(
            f"could not install the Lambda libraries from lambdas/requirements.txt for python3.14/arm64 "
            f"(pip exit {result.returncode}): {result.stderr.strip()[-2000:]}"
        )
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    (target / ".complete").write_text("ok\n", encoding="utf-8")


def bundle(source: Path, output: Path) -> None:
    """The asset: the installed libraries, then the handler code (which wins on a name clash)."""
    shutil.copytree(dependencies_dir(), output, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".complete", "bin"))
    shutil.copytree(source, output, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*SKIP))


@jsii.implements(ILocalBundling)
class PipTargetBundling:
    def __init__(self, source: Path) -> None:
        self._source = source

    def try_bundle(self, output_dir: str, options: Any = None) -> bool:  # jsii passes the options struct
        bundle(self._source, Path(output_dir))
        return True


def lambda_code(source: Path) -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(source),
        # Hash what is shipped: a new pin in constraints.txt is a new asset even when lambdas/ is unchanged.
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Required by the API, never pulled: PipTargetBundling always bundles locally.
            image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.14"),
            # jsii calls try_bundle(output_dir, options) positionally; the protocol spells the options out
            local=cast(ILocalBundling, PipTargetBundling(source)),
        ),
    )
