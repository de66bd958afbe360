"""cdk.json context: defaults, parsing, and clear errors for bad values. No synthesis needed."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs

from bedrock_finetuning.stacks.config import DEFAULTS, POWERTOOLS_VERSION, ConfigError, PipelineProps
from bedrock_finetuning.stacks.constructs.functions import powertools_parameter_name

from .support import CDK_JSON, CONFIGURED, REPO


def test_defaults_when_context_is_empty() -> None:
    config = PipelineProps.from_mapping({})

    assert config.base_model_id == "amazon.nova-micro-v1:0:128k"
    assert config.judge_model_id == "us.amazon.nova-pro-v1:0"
    assert config.notification_email is None
    assert config.poll_interval_seconds == 7200
    assert config.execution_timeout_hours == 72
    assert config.execution_timeout_seconds == 72 * 3600
    assert config.pt_hourly_price_usd is None
    assert config.training_price_per_1k_tokens_usd is None
    assert config.price_overrides == {}
    assert config.max_cost_usd is None
    assert config.log_retention == logs.RetentionDays.ONE_MONTH
    assert config.removal_policy == cdk.RemovalPolicy.RETAIN
    assert config.powertools_layer_version == POWERTOOLS_VERSION


def test_cdk_json_context_repeats_the_defaults() -> None:
    context = CDK_JSON["context"]
    own = {key: value for key, value in context.items() if not key.startswith("@")}

    # The default models are stated once, in lambdas/shared/contract.py.
    assert own == {key: value for key, value in DEFAULTS.items() if key not in ("baseModelId", "judgeModelId")}
    assert PipelineProps.from_mapping(own) == PipelineProps.from_mapping({})


def test_cdk_json_runs_the_app_with_the_project_venv() -> None:
    assert CDK_JSON["app"] == ".venv/bin/python app.py"


def test_values_given_with_dash_c_are_strings_and_are_parsed() -> None:
    config = PipelineProps.from_mapping({key: str(value) for key, value in CONFIGURED.items()})

    assert config.notification_email == "ml-team@example.com"
    assert config.pt_hourly_price_usd == 20.5
    assert config.training_price_per_1k_tokens_usd == 0.008
    assert config.price_overrides == {"storagePerModelMonthUsd": 1.95, "customInputPer1kTokensUsd": 0.000035}
    assert config.max_cost_usd == 25.0
    assert config.execution_timeout_seconds == 5 * 3600
    assert config.poll_interval_seconds == 600
    assert config.log_retention == logs.RetentionDays.ONE_WEEK
    assert config.removal_policy == cdk.RemovalPolicy.DESTROY
    assert config.base_model_id == "anthropic.claude-3-haiku-20240307-v1:0:200k"


@pytest.mark.parametrize("price", [0, "0", "", None])
def test_a_zero_or_empty_price_means_not_configured(price: Any) -> None:
    assert PipelineProps.from_mapping({"ptHourlyPriceUsd": price}).pt_hourly_price_usd is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("pollIntervalSeconds", "abc", "pollIntervalSeconds: expected a whole number from 300 to 21600"),
        ("pollIntervalSeconds", 0, "pollIntervalSeconds: expected a whole number from 300 to 21600"),
        ("pollIntervalSeconds", 30000, "pollIntervalSeconds: expected a whole number from 300 to 21600"),
        ("pollIntervalSeconds", 1.5, "pollIntervalSeconds: expected a whole number"),
        ("pollIntervalSeconds", True, "pollIntervalSeconds: expected a whole number"),
        ("executionTimeoutHours", "0", "executionTimeoutHours: expected a whole number from 1 to 8760"),
        ("executionTimeoutHours", 9000, "executionTimeoutHours: expected a whole number from 1 to 8760"),
        ("logRetentionDays", 10, "logRetentionDays: expected one of the retention periods"),
        ("logRetentionDays", "forever", "logRetentionDays: expected one of the retention periods"),
        ("removalPolicy", "snapshot", 'removalPolicy: expected "retain" or "destroy"'),
        ("ptHourlyPriceUsd", "-1", "ptHourlyPriceUsd: expected a price in USD"),
        ("ptHourlyPriceUsd", "twenty", "ptHourlyPriceUsd: expected a price in USD"),
        ("trainingPricePer1kTokensUsd", "nan", "trainingPricePer1kTokensUsd: expected a price in USD"),
        ("maxCostUsd", "-5", "maxCostUsd: expected a price in USD"),
        ("priceOverrides", "{not json", "priceOverrides: expected a JSON object"),
        ("priceOverrides", [1.0], "priceOverrides: expected a JSON object"),
        ("priceOverrides", {"ptHourly": 20}, "priceOverrides: unknown price 'ptHourly'"),
        ("priceOverrides", {"ptPerModelUnitHourUsd": -1}, "ptPerModelUnitHourUsd: expected a price in USD"),
        ("priceOverrides", {"ptPerModelUnitHourUsd": True}, "ptPerModelUnitHourUsd: expected a price in USD"),
        ("notificationEmail", "not-an-address", "notificationEmail: expected an e-mail address"),
        ("baseModelId", "", "baseModelId: expected a Bedrock model id"),
        ("judgeModelId", "model id with spaces", "judgeModelId: expected a Bedrock model id"),
        ("powertoolsLayerVersion", "latest", "powertoolsLayerVersion: expected a Powertools release"),
    ],
)
def test_bad_values_raise_a_clear_error(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        PipelineProps.from_mapping({key: value})

    assert message in str(error.value)
    assert repr(value) in str(error.value)  # the offending value is quoted back
    assert "cdk.json" in str(error.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        PipelineProps.from_mapping({"pollIntervalSeconds": "x", "removalPolicy": "keep"})

    assert "pollIntervalSeconds" in str(error.value)
    assert "removalPolicy" in str(error.value)


def test_a_misspelt_key_is_an_error_with_a_suggestion() -> None:
    app = cdk.App(context={"notificationEmial": "a@example.com", "@aws-cdk/core:foo": True})

    with pytest.raises(
        ConfigError,
        match="notificationEmial: not a context key of this app; did you mean 'notificationEmail'",
    ):
        PipelineProps.from_context(app.node)


def test_cdk_feature_flags_and_cli_keys_are_not_mistaken_for_typos() -> None:
    app = cdk.App(
        context={
            **CDK_JSON["context"],
            "aws:cdk:enable-path-metadata": True,
            "acknowledged-issue-numbers": [1],
        }
    )

    assert PipelineProps.from_context(app.node) == PipelineProps.from_mapping({})


def test_powertools_layer_is_the_release_the_tests_run_with() -> None:
    """The layer pinned in the stack must be the aws-lambda-powertools version in requirements-dev."""
    requirements = (REPO / "requirements-dev.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^aws-lambda-powertools(?:\[[^\]]*\])?==([0-9.]+)\s*$", requirements, re.MULTILINE)

    assert pins == [POWERTOOLS_VERSION]
    assert DEFAULTS["powertoolsLayerVersion"] == POWERTOOLS_VERSION
    assert CDK_JSON["context"]["powertoolsLayerVersion"] == POWERTOOLS_VERSION


def test_powertools_ssm_parameter_path() -> None:
    assert (
        powertools_parameter_name(POWERTOOLS_VERSION)
        == f"/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}"
    )


def test_price_override_names_are_the_lambdas_own() -> None:
    from bedrock_finetuning.stacks.config import PRICE_OVERRIDE_KEYS
    from shared.prices import PRICE_OVERRIDE_KEYS as LAMBDA_KEYS

    assert PRICE_OVERRIDE_KEYS == LAMBDA_KEYS


@pytest.mark.parametrize("budget", [0, "0", "", None])
def test_a_zero_or_empty_stack_budget_means_no_budget(budget: Any) -> None:
    assert PipelineProps.from_mapping({"maxCostUsd": budget}).max_cost_usd is None


def test_a_zero_override_is_a_real_price_of_zero() -> None:
    config = PipelineProps.from_mapping({"priceOverrides": {"embeddingPer1kTokensUsd": 0}})

    assert config.price_overrides == {"embeddingPer1kTokensUsd": 0.0}


def test_an_older_price_key_and_its_override_may_not_both_be_given() -> None:
    with pytest.raises(ConfigError) as error:
        PipelineProps.from_mapping({"ptHourlyPriceUsd": 20.5, "priceOverrides": {"ptPerModelUnitHourUsd": 21}})

    assert "ptHourlyPriceUsd and priceOverrides.ptPerModelUnitHourUsd set the same price" in str(error.value)
