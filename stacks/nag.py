"""cdk-nag (v3) acknowledgements, always on the narrowest construct and one finding at a time.

cdk-nag 3 runs as a CDK policy-validation plugin (`Validations.of(app).add_plugins(...)`) and
reads acknowledgements written with `Validations.of(construct).acknowledge(...)`. A rule that
reports several findings (IAM5) is acknowledged per finding: `AwsSolutions-IAM5[Resource::…]`.
The finding text is the resource as cdk-nag flattens it (`flatten_cfn_reference` below mirrors
cdk-nag's `utils/flatten-cfn-reference.ts`), so acknowledgements are derived from the very
ARNs the statements use and cannot drift from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

IAM5 = "AwsSolutions-IAM5"


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one rule (or one `Rule[finding]`) on `construct` and its children."""
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_wildcards(construct: IConstruct, statements: Iterable[iam.PolicyStatement], reason: str) -> list[str]:
    """Acknowledge AwsSolutions-IAM5 for every wildcard resource of `statements`, by name.

    Returns the finding ids, so callers (and tests) can see exactly what was acknowledged.
    """
    findings = wildcard_findings(Stack.of(construct), statements)
    for finding in findings:
        acknowledge(construct, f"{IAM5}[{finding}]", reason)
    return findings


def wildcard_findings(stack: Stack, statements: Iterable[iam.PolicyStatement]) -> list[str]:
    """The IAM5 finding ids cdk-nag reports for these statements: `Action::…` / `Resource::…`."""
    findings: list[str] = []
    for statement in statements:
        document = stack.resolve(statement.to_statement_json())
        if document.get("Effect") != "Allow":
            continue
        for action in _as_list(document.get("Action")):
            if "*" in action:
                findings.append(f"Action::{action}")
        for resource in _as_list(document.get("Resource")):
            flat = flatten_cfn_reference(resource)
            if "*" in flat:
                findings.append(f"Resource::{flat}")
    return list(dict.fromkeys(findings))


def flatten_cfn_reference(node: Any) -> str:
    """Render a resolved CloudFormation value the way cdk-nag names it in findings."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
