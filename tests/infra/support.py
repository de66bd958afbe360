"""Helpers for the infrastructure tests: synthesize the app through the Python API (no CLI)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

import aws_cdk as cdk
from aws_cdk.assertions import Template

import app as cdk_app
from bedrock_finetuning.stacks import PipelineStack

REPO = Path(__file__).resolve().parents[2]
CDK_JSON = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))

CONFIGURED = {
    "notificationEmail": "ml-team@example.com",
    "ptHourlyPriceUsd": "20.5",
    "trainingPricePer1kTokensUsd": 0.008,
    "priceOverrides": '{"storagePerModelMonthUsd": 1.95, "customInputPer1kTokensUsd": "0.000035"}',
    "maxCostUsd": "25",
    "executionTimeoutHours": "5",
    "pollIntervalSeconds": 600,
    "logRetentionDays": 7,
    "removalPolicy": "destroy",
    "baseModelId": "anthropic.claude-3-haiku-20240307-v1:0:200k",
    "judgeModelId": "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
}
"""Every context key set to a non-default value (as `-c key=value` strings or JSON types)."""


@dataclass
class Synthesized:
    app: cdk.App
    stack: PipelineStack
    template: Template

    @cached_property
    def json(self) -> dict[str, Any]:
        return dict(self.template.to_json())

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: dict(value) for key, value in self.template.find_resources(resource_type).items()}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.resolve(self.stack.get_logical_id(construct.node.default_child)))


def synthesize(extra_context: dict[str, Any] | None = None, outdir: Path | None = None) -> Synthesized:
    """cdk.json's context (as the CLI would pass it), plus overrides; app.build as in app.py."""
    context = {**CDK_JSON["context"], **(extra_context or {})}
    app = cdk.App(context=context, outdir=str(outdir) if outdir else None)
    stack = cdk_app.build(app)
    app.synth()  # runs the cdk-nag validation plugin: raises on any unacknowledged finding
    return Synthesized(app=app, stack=stack, template=Template.from_stack(stack))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def iter_policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, policy document) of every identity and resource policy in the template."""
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        for policy in properties.get("Policies", []):
            yield logical_id, policy["PolicyDocument"]
        for key in ("PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"):
            if key in properties:
                yield logical_id, properties[key]


def role_statements(synthesized: Synthesized, role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement granted to a role: its inline policies and any AWS::IAM::Policy attached."""
    resources = synthesized.json["Resources"]
    statements = [
        statement
        for policy in resources[role_logical_id]["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_logical_id} in resource["Properties"]["Roles"]:
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements
