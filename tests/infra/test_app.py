"""app.py as the CDK CLI runs it (cdk.json's "app" command), without the CLI itself.

The CLI only runs the app with the context in CDK_CONTEXT_JSON and an output directory in
CDK_OUTDIR; the tests do the same, so neither `npx cdk` nor AWS credentials are needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import app as cdk_app
from bedrock_finetuning.stacks import STACK_NAME

from .support import CDK_JSON, REPO


def test_environment_agnostic_unless_the_cli_resolved_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_DEFAULT_ACCOUNT", raising=False)
    monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    assert cdk_app.environment_from_cli() is None

    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "111111111111")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "us-west-2")
    environment = cdk_app.environment_from_cli()
    assert environment is not None
    assert (environment.account, environment.region) == ("111111111111", "us-west-2")


def test_app_py_synthesizes_like_cdk_synth(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))},
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps(CDK_JSON["context"]),
        "CDK_DEFAULT_ACCOUNT": "111111111111",
        "CDK_DEFAULT_REGION": "us-east-1",
    }

    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    stack = manifest["artifacts"][STACK_NAME]
    assert stack["environment"] == "aws://111111111111/us-east-1"
    template = json.loads((tmp_path / f"{STACK_NAME}.template.json").read_text(encoding="utf-8"))
    assert any(r["Type"] == "AWS::StepFunctions::StateMachine" for r in template["Resources"].values())
    assert json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))["pluginReports"] == []
