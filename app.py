#!/usr/bin/env python3
"""CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with .venv's Python).

Settings come from the CDK context (cdk.json or `-c key=value`), see stacks/config.py.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from bedrock_finetuning.stacks import STACK_NAME, PipelineStack


def build(app: cdk.App, env: cdk.Environment | None = None) -> PipelineStack:
    """Everything `cdk synth` does except writing the assembly; tests/infra use it too."""
    stack = PipelineStack(
        app,
        STACK_NAME,
        env=env,
        description="Bedrock fine-tuning pipeline: upload, preprocess, fine-tune, evaluate, report",
    )
    # cdk-nag 3 is a policy-validation plugin: any unacknowledged AwsSolutions finding
    # (error or warning) fails the synth.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return stack


def environment_from_cli() -> cdk.Environment | None:
    """The account/Region the CDK CLI resolved, if any; otherwise an environment-agnostic stack."""
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    if not account and not region:
        return None
    return cdk.Environment(account=account, region=region)


if __name__ == "__main__":
    app = cdk.App()
    build(app, environment_from_cli())
    app.synth()
