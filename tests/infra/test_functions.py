"""Lambda functions: one per statemachine entry, newest Python on arm64, pinned Powertools layer."""

from __future__ import annotations

from typing import Any

import pytest

import statemachine
from stacks.config import POWERTOOLS_VERSION

from .support import Synthesized

ALL_ENTRIES = [*statemachine.TASK_FUNCTIONS, statemachine.SWEEPER_FUNCTION, statemachine.TRAINING_EVENT_FUNCTION]
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME": "bedrock-finetuning",
    "POWERTOOLS_METRICS_NAMESPACE": "BedrockFineTuningPipeline",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
LAYER = f"{{{{resolve:ssm:/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}}}}}"


def _function(synthesized: Synthesized, name: str) -> dict[str, Any]:
    function = synthesized.stack.functions.by_name[name]
    return synthesized.json["Resources"][synthesized.logical_id(function)]["Properties"]


def _expected_environment(synthesized: Synthesized, entry: statemachine.TaskFunction) -> dict[str, Any]:
    stack, config = synthesized.stack, synthesized.stack.config
    values: dict[str, Any] = {
        statemachine.BUCKET: {"Ref": synthesized.logical_id(stack.data.bucket)},
        statemachine.BEDROCK_ROLE_ARN: {"Fn::GetAtt": [synthesized.logical_id(stack.service_role.role), "Arn"]},
        statemachine.TOPIC_ARN: {"Ref": synthesized.logical_id(stack.notifications.topic)},
        statemachine.DEFAULT_BASE_MODEL_ID: config.base_model_id,
        statemachine.DEFAULT_JUDGE_MODEL_ID: config.judge_model_id,
        statemachine.DEFAULT_POLL_INTERVAL_SECONDS: str(config.poll_interval_seconds),
    }
    if config.pt_hourly_price_usd is not None:
        values[statemachine.PT_HOURLY_PRICE_USD] = str(config.pt_hourly_price_usd)
    if config.training_price_per_1k_tokens_usd is not None:
        values[statemachine.TRAINING_PRICE_PER_1K_TOKENS_USD] = str(config.training_price_per_1k_tokens_usd)
    return {**POWERTOOLS, **{name: values[name] for name in entry.environment if name in values}}


def test_one_function_per_catalog_entry(default: Synthesized) -> None:
    assert sorted(default.stack.functions.by_name) == sorted(entry.name for entry in ALL_ENTRIES)
    for entry in ALL_ENTRIES:  # the construct id is the step name
        assert default.stack.functions.by_name[entry.name].node.id == entry.name


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda entry: entry.name)
def test_function_settings_come_from_the_catalog(default: Synthesized, entry: statemachine.TaskFunction) -> None:
    function = _function(default, entry.name)

    assert function["Handler"] == entry.handler
    assert function["Description"] == entry.description
    assert function["Timeout"] == entry.timeout_seconds
    assert function["MemorySize"] == entry.memory_mb
    assert "FunctionName" not in function  # no physical names


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda entry: entry.name)
def test_newest_python_on_arm64_with_the_pinned_powertools_layer_and_tracing(
    default: Synthesized, entry: statemachine.TaskFunction
) -> None:
    function = _function(default, entry.name)

    assert function["Runtime"] == "python3.14"
    assert function["Architectures"] == ["arm64"]
    # Resolved by CloudFormation at deploy time: no lookup (and no AWS call) at synth.
    assert function["Layers"] == [LAYER]
    assert function["TracingConfig"] == {"Mode": "Active"}


def test_all_functions_share_one_code_asset(default: Synthesized) -> None:
    keys = {
        (
            str(_function(default, entry.name)["Code"]["S3Bucket"]),
            _function(default, entry.name)["Code"]["S3Key"],
        )
        for entry in ALL_ENTRIES
    }

    assert len(keys) == 1
    assert "ImageUri" not in _function(default, ALL_ENTRIES[0].name)["Code"]  # a zip, no Docker image


def test_no_template_parameter_is_needed_for_the_layer(default: Synthesized) -> None:
    assert set(default.json.get("Parameters", {})) == {"BootstrapVersion"}


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda entry: entry.name)
def test_environment_has_exactly_the_settings_the_function_needs(
    default: Synthesized, entry: statemachine.TaskFunction
) -> None:
    assert _function(default, entry.name)["Environment"]["Variables"] == _expected_environment(default, entry)


def test_prices_are_left_out_when_not_configured(default: Synthesized) -> None:
    variables = _function(default, "BuildReport")["Environment"]["Variables"]

    assert statemachine.PT_HOURLY_PRICE_USD not in variables
    assert statemachine.TRAINING_PRICE_PER_1K_TOKENS_USD not in variables


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda entry: entry.name)
def test_configured_values_reach_the_functions(configured: Synthesized, entry: statemachine.TaskFunction) -> None:
    assert _function(configured, entry.name)["Environment"]["Variables"] == _expected_environment(configured, entry)


def test_configured_prices_and_models_as_strings(configured: Synthesized) -> None:
    report = _function(configured, "BuildReport")["Environment"]["Variables"]
    preprocess = _function(configured, "PreprocessDataset")["Environment"]["Variables"]

    assert report[statemachine.PT_HOURLY_PRICE_USD] == "20.5"
    assert report[statemachine.TRAINING_PRICE_PER_1K_TOKENS_USD] == "0.008"
    assert preprocess[statemachine.DEFAULT_BASE_MODEL_ID] == "anthropic.claude-3-haiku-20240307-v1:0:200k"
    assert preprocess[statemachine.DEFAULT_JUDGE_MODEL_ID] == "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert preprocess[statemachine.DEFAULT_POLL_INTERVAL_SECONDS] == "600"


@pytest.mark.parametrize(("fixture", "days"), [("default", 30), ("configured", 7)])
def test_each_function_logs_to_its_own_group_with_retention(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    synthesized: Synthesized = request.getfixturevalue(fixture)
    log_groups = synthesized.json["Resources"]
    seen = set()
    for entry in ALL_ENTRIES:
        log_group_id = _function(synthesized, entry.name)["LoggingConfig"]["LogGroup"]["Ref"]
        seen.add(log_group_id)
        assert log_groups[log_group_id]["Type"] == "AWS::Logs::LogGroup"
        assert log_groups[log_group_id]["Properties"]["RetentionInDays"] == days

    assert len(seen) == len(ALL_ENTRIES)


def test_sweeper_failures_are_kept_not_dropped(default: Synthesized) -> None:
    sweeper_id = default.logical_id(default.stack.functions.sweeper)
    dlq_id = default.logical_id(default.stack.triggers.sweeper_dlq)

    default.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": sweeper_id},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq_id, "Arn"]}}},
        },
    )
