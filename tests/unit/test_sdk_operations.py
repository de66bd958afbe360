"""Every AWS operation the Lambda code calls exists in the pinned botocore's service models.

The Lambda functions use the boto3 the python3.14 runtime bundles (no boto3 in the asset), so
this only proves the calls are valid for the pinned version (constraints.txt); whether the
runtime's bundled botocore is at least that new is a deployment fact the README covers.
The scan is syntactic: calls on the variables the code names its clients by
(`bedrock`, `runtime`, `quotas`), `<client>.exceptions.<Name>`, and operation names passed as
string constants to `get_paginator` or to the helpers that page for it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import boto3
import botocore
import pytest

from tests.conftest import ROOT

CLIENT_VARIABLES = {"bedrock": "bedrock", "runtime": "bedrock-runtime", "quotas": "service-quotas"}
CLIENT_METHODS = {"get_paginator", "can_paginate", "close", "get_waiter"}
PAGING_HELPERS = {"get_paginator", "_paginate", "_find_by_name"}
LAMBDAS = ROOT / "lambdas"


def _owner(node: ast.expr) -> str | None:
    """`bedrock` for `bedrock.x(...)` and for `self.bedrock.x(...)`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _calls() -> Iterator[tuple[str, str, str, str]]:
    """(service, kind, name, where) for every client use found under lambdas/."""
    for path in sorted(LAMBDAS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                inner = node.value
                if (
                    isinstance(inner.value, ast.Name)
                    and inner.value.id in CLIENT_VARIABLES
                    and inner.attr == "exceptions"
                ):
                    yield CLIENT_VARIABLES[inner.value.id], "error", node.attr, where
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            owner_name = _owner(func.value) if isinstance(func, ast.Attribute) else None
            if owner_name in CLIENT_VARIABLES and isinstance(func, ast.Attribute) and func.attr not in CLIENT_METHODS:
                yield CLIENT_VARIABLES[owner_name], "operation", func.attr, where
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in PAGING_HELPERS:
                owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
                args = list(node.args)
                if owner is None and args and isinstance(args[0], ast.Name):
                    owner, args = args[0].id, args[1:]
                constants = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if owner in CLIENT_VARIABLES and constants:
                    yield CLIENT_VARIABLES[owner], "paginator", constants[0], where


CALLS = sorted({(service, kind, name): where for service, kind, name, where in _calls()}.items())


def test_the_scan_finds_the_calls_the_pipeline_depends_on() -> None:
    found = {(service, name) for (service, _, name), _ in CALLS}
    assert {
        ("bedrock", "create_model_customization_job"),
        ("bedrock", "create_provisioned_model_throughput"),
        ("bedrock-runtime", "converse"),
        ("bedrock-runtime", "invoke_model"),
        ("service-quotas", "get_service_quota"),
        ("service-quotas", "list_aws_default_service_quotas"),
        ("bedrock", "list_provisioned_model_throughputs"),
        ("bedrock", "ResourceNotFoundException"),
    } <= found


def test_the_installed_botocore_is_the_pinned_one() -> None:
    pins = dict(re.findall(r"^(boto3|botocore)==(\S+)$", (ROOT / "constraints.txt").read_text(), re.MULTILINE))
    assert botocore.__version__ == pins["botocore"] and boto3.__version__ == pins["boto3"]


@pytest.mark.parametrize(("call", "where"), CALLS, ids=[f"{call[0]}.{call[2]}" for call, _ in CALLS])
def test_every_call_exists_in_the_pinned_service_model(call: tuple[str, str, str], where: str) -> None:
    service, kind, name = call
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")  # type: ignore[call-overload]
    if kind == "operation":
        assert name in client.meta.method_to_api_mapping, f"{where}: {service} has no operation {name}"
    elif kind == "paginator":
        assert client.can_paginate(name), f"{where}: {service} cannot paginate {name}"
    else:
        assert hasattr(client.exceptions, name), f"{where}: {service} has no error {name}"
