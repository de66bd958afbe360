"""Names and tag values derived from console-typed execution names satisfy Bedrock's patterns,
read from botocore's own service model (the service, not botocore, enforces them)."""

from __future__ import annotations

import re

import botocore.session
import pytest

from localrun.sim_tags import TAG_PATTERN, TagRejected, check_tags
from shared.naming import resource_names, run_id_from_execution_name
from shared.tags import tag_value

NAMES = ["my-run!", "run(1)", "bob's-run", "実行1"]
ARN = "arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:"
_MODEL = botocore.session.get_session().get_service_model("bedrock")


def _pattern(operation: str, member: str) -> re.Pattern[str]:
    shape = _MODEL.operation_model(operation).input_shape.members[member]
    return re.compile(shape.metadata["pattern"], re.ASCII)


@pytest.mark.parametrize("name", NAMES)
def test_every_name_and_token_derived_from_the_execution_name_is_accepted(name: str) -> None:
    names = resource_names(run_id_from_execution_name(name))
    checks = [
        ("CreateModelCustomizationJob", "jobName", names.jobName),
        ("CreateModelCustomizationJob", "customModelName", names.customModelName),
        ("CreateModelCustomizationJob", "clientRequestToken", names.jobClientToken),
        ("CreateProvisionedModelThroughput", "provisionedModelName", names.provisionedModelName),
        ("CreateProvisionedModelThroughput", "clientRequestToken", names.throughputClientToken),
        ("CreateCustomModelDeployment", "modelDeploymentName", names.deploymentName),
        ("CreateCustomModelDeployment", "clientRequestToken", names.deploymentClientToken),
    ]
    for operation, member, value in checks:
        assert _pattern(operation, member).fullmatch(value), (operation, member, value)


@pytest.mark.parametrize("name", NAMES)
def test_the_execution_arn_becomes_an_allowed_tag_value(name: str) -> None:
    value = tag_value(ARN + name)
    assert TAG_PATTERN.fullmatch(value) and len(value) <= 256
    check_tags([{"key": "pipeline:execution-arn", "value": value}], "tags")  # the simulator accepts it
    with pytest.raises(TagRejected, match="regular expression pattern"):
        check_tags([{"key": "pipeline:execution-arn", "value": ARN + name}], "tags")


def test_tag_values_are_unchanged_when_allowed_and_never_collide_when_not() -> None:
    plain = ARN + "run-2026-01-01"
    assert tag_value(plain) == plain
    values = {tag_value(ARN + name) for name in [*NAMES, "run)1(", "my-run?", "bob`s-run"]}
    assert len(values) == 7
    assert len(tag_value("(" * 400)) <= 256
