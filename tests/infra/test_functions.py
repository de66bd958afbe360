"""Lambda functions: one per statemachine entry, newest Python on arm64, pinned Powertools layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks.config import POWERTOOLS_VERSION

from .support import Synthesized

ALL_ENTRIES = [*statemachine.TASK_FUNCTIONS, statemachine.SWEEPER_FUNCTION, statemachine.TRAINING_EVENT_FUNCTION]
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME": "bedrock-finetuning",
    "POWERTOOLS_METRICS_NAMESPACE": "BedrockFineTuningPipeline",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
LAYER = f"{{{{resolve:ssm:/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}}}}}"


def _function(synthesized: Synthesized, name: str) -> dict[str, Any]:
    function = synthesized.stack.pipeline.lambdas.by_name[name]
    return synthesized.json["Resources"][synthesized.logical_id(function)]["Properties"]


def _expected_environment(synthesized: Synthesized, entry: statemachine.TaskFunction) -> dict[str, Any]:
    stack, config = synthesized.stack, synthesized.stack.props
    values: dict[str, Any] = {
        statemachine.BUCKET: {"Ref": synthesized.logical_id(stack.pipeline.data.bucket)},
        statemachine.BEDROCK_ROLE_ARN: {
            "Fn::GetAtt": [synthesized.logical_id(stack.pipeline.bedrock_service_role.role), "Arn"]
        },
        statemachine.TOPIC_ARN: {"Ref": synthesized.logical_id(stack.pipeline.notifications.topic)},
        statemachine.DEFAULT_BASE_MODEL_ID: config.base_model_id,
        statemachine.DEFAULT_JUDGE_MODEL_ID: config.judge_model_id,
        statemachine.DEFAULT_POLL_INTERVAL_SECONDS: str(config.poll_interval_seconds),
        # PreflightChecks refuses models whose end of life falls inside the run's time budget.
        statemachine.EXECUTION_TIMEOUT_HOURS: str(config.execution_timeout_hours),
        # This instance's jobs and hosting names (and its job-event rule) carry its prefix.
        statemachine.JOB_NAME_PREFIX: stack.pipeline.job_name_prefix,
        statemachine.DEFAULT_CUSTOMIZATION_METHOD: config.customization_method,
        statemachine.DEFAULT_HOSTING: "auto",
        statemachine.DEFAULT_KEEP_DEPLOYMENT: "true",
        statemachine.GRADER_FUNCTION_ARN: {
            "Fn::GetAtt": [synthesized.logical_id(stack.pipeline.grader.function), "Arn"]
        },
    }
    if config.pt_hourly_price_usd is not None:
        values[statemachine.PT_HOURLY_PRICE_USD] = str(config.pt_hourly_price_usd)
    if config.training_price_per_1k_tokens_usd is not None:
        values[statemachine.TRAINING_PRICE_PER_1K_TOKENS_USD] = str(config.training_price_per_1k_tokens_usd)
    if config.price_overrides:
        values[statemachine.PRICE_OVERRIDES] = json.dumps(config.price_overrides, sort_keys=True)
    if config.max_cost_usd is not None:
        values[statemachine.MAX_COST_USD] = str(config.max_cost_usd)
    return {**POWERTOOLS, **{name: values[name] for name in entry.environment if name in values}}


def test_one_function_per_catalog_entry(default: Synthesized) -> None:
    assert sorted(default.stack.pipeline.lambdas.by_name) == sorted(entry.name for entry in ALL_ENTRIES)
    for entry in ALL_ENTRIES:  # the construct id is the step name
        assert default.stack.pipeline.lambdas.by_name[entry.name].node.id == entry.name


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


def test_prices_and_budget_are_left_out_when_not_configured(default: Synthesized) -> None:
    variables = _function(default, "PreprocessDataset")["Environment"]["Variables"]

    for name in statemachine.OPTIONAL_SETTINGS:
        assert name not in variables, name


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda entry: entry.name)
def test_configured_values_reach_the_functions(configured: Synthesized, entry: statemachine.TaskFunction) -> None:
    assert _function(configured, entry.name)["Environment"]["Variables"] == _expected_environment(configured, entry)


def test_configured_prices_and_models_as_strings(configured: Synthesized) -> None:
    report = _function(configured, "BuildReport")["Environment"]["Variables"]
    preprocess = _function(configured, "PreprocessDataset")["Environment"]["Variables"]

    # The quote and the budget are PreprocessDataset's (before anything is paid); the report reads the quote.
    assert preprocess[statemachine.PT_HOURLY_PRICE_USD] == "20.5"
    assert preprocess[statemachine.TRAINING_PRICE_PER_1K_TOKENS_USD] == "0.008"
    assert json.loads(preprocess[statemachine.PRICE_OVERRIDES]) == {
        "customInputPer1kTokensUsd": 0.000035,
        "storagePerModelMonthUsd": 1.95,
    }
    assert preprocess[statemachine.MAX_COST_USD] == "25.0"
    assert not statemachine.OPTIONAL_SETTINGS & report.keys()
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
    sweeper_id = default.logical_id(default.stack.pipeline.lambdas.sweeper)
    dlq_id = default.logical_id(default.stack.pipeline.triggers.sweeper_dlq)

    default.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": sweeper_id},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq_id, "Arn"]}}},
        },
    )


def test_the_code_asset_ships_its_pinned_libraries_for_python314_arm64(default: Synthesized) -> None:
    """Bundled locally (no Docker): the handlers, the report templates and the pinned libraries."""
    from bedrock_finetuning.stacks.bundling import CONSTRAINTS

    code = _function(default, "BuildReport")["Code"]
    asset_hash = str(code["S3Key"]).split(".")[0]
    outdir = Path(default.app.outdir)
    (asset,) = [path for path in outdir.glob("asset.*") if path.is_dir() and asset_hash in path.name]
    pins = dict(
        line.strip().split("==") for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines() if "==" in line
    )
    for package, module in (
        ("Jinja2", "jinja2"),
        ("MarkupSafe", "markupsafe"),
        ("charset-normalizer", "charset_normalizer"),
        ("boto3", "boto3"),
        ("botocore", "botocore"),
    ):
        assert (asset / module / "__init__.py").is_file()
        assert (asset / f"{module}-{pins[package]}.dist-info").is_dir(), f"{package} is not the pinned version"
    # the wheel for the Lambda platform, not the build machine's
    assert list((asset / "markupsafe").glob("_speedups.cpython-314-aarch64-linux-gnu.so"))
    assert (asset / "report" / "templates" / "page.html.j2").is_file()
    assert (asset / "report" / "handler.py").is_file() and (asset / "preprocess" / "general_questions.json").is_file()
    assert not list(asset.rglob("__pycache__"))
