"""The model-family registry: hyperparameter rules, model IDs and on-demand IDs."""

from __future__ import annotations

import pytest

from shared.errors import InvalidHyperParameters, UnsupportedBaseModel
from shared.families import (
    CLAUDE_3_HAIKU,
    FAMILIES,
    LLAMA_3_1,
    LLAMA_3_CONVERSATION,
    NOVA,
    bare_model_id,
    family_by_key,
    family_for,
    on_demand_model_id,
)

HAIKU_ID = "anthropic.claude-3-haiku-20240307-v1:0:200k"
NOVA_MICRO_ID = "amazon.nova-micro-v1:0:128k"


# ---------------------------------------------------------------- defaults and explicit values


def test_haiku_defaults_are_the_documented_strings() -> None:
    assert CLAUDE_3_HAIKU.resolve_hyperparameters(None, 100) == {
        "epochCount": "2",
        "batchSize": "32",
        "learningRateMultiplier": "1",
        "earlyStoppingThreshold": "0.001",
        "earlyStoppingPatience": "2",
    }


def test_empty_mapping_means_defaults() -> None:
    assert CLAUDE_3_HAIKU.resolve_hyperparameters({}, 100) == CLAUDE_3_HAIKU.resolve_hyperparameters(None, 100)


def test_nova_defaults_use_nova_names() -> None:
    resolved = NOVA.resolve_hyperparameters(None, 100)
    assert set(resolved) == {"epochCount", "learningRate", "learningRateWarmupSteps"}
    assert resolved["epochCount"] == "2"
    assert resolved["learningRateWarmupSteps"] == "10"
    assert float(resolved["learningRate"]) == pytest.approx(1e-5)


def test_explicit_values_are_rendered_as_strings_and_overlay_defaults() -> None:
    resolved = CLAUDE_3_HAIKU.resolve_hyperparameters(
        {"epochCount": 5, "learningRateMultiplier": 0.5, "batchSize": "16"}, 100
    )
    assert resolved == {
        "epochCount": "5",
        "batchSize": "16",
        "learningRateMultiplier": "0.5",
        "earlyStoppingThreshold": "0.001",
        "earlyStoppingPatience": "2",
    }
    assert all(isinstance(value, str) for value in resolved.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, "5"), (5.0, "5"), ("5", "5"), ("5.0", "5"), (10, "10"), (1, "1")],
)
def test_integer_hyperparameters_render_without_a_decimal_point(value: object, expected: str) -> None:
    assert CLAUDE_3_HAIKU.hyperparameter("epochCount").normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, "0.5"), ("0.5", "0.5"), (2, "2"), (0.1, "0.1"), (1.25, "1.25")],
)
def test_float_hyperparameters_render_plainly(value: object, expected: str) -> None:
    assert CLAUDE_3_HAIKU.hyperparameter("learningRateMultiplier").normalise(value) == expected


def test_float_hyperparameter_keeps_every_digit_the_user_gave() -> None:
    # Rendering must not change the value Bedrock receives: 1.2345678 is in range (0.1-2)
    # and must arrive as 1.2345678, not rounded to six significant digits.
    rendered = CLAUDE_3_HAIKU.hyperparameter("learningRateMultiplier").normalise(1.2345678)
    assert float(rendered) == 1.2345678


def test_range_bounds_are_inclusive() -> None:
    epoch = CLAUDE_3_HAIKU.hyperparameter("epochCount")
    assert epoch.normalise(1) == "1"
    assert epoch.normalise(10) == "10"
    threshold = CLAUDE_3_HAIKU.hyperparameter("earlyStoppingThreshold")
    assert threshold.normalise(0) == "0"
    assert threshold.normalise(0.1) == "0.1"


def test_nova_explicit_learning_rate() -> None:
    resolved = NOVA.resolve_hyperparameters({"learningRate": 5e-5, "epochCount": 3}, 100)
    assert resolved["epochCount"] == "3"
    assert float(resolved["learningRate"]) == pytest.approx(5e-5)
    assert resolved["learningRateWarmupSteps"] == "10"


# ---------------------------------------------------------------- "auto"


@pytest.mark.parametrize(
    ("records", "batch", "epochs"),
    [
        (32, "8", "10"),
        (60, "8", "10"),
        (99, "8", "10"),
        (100, "8", "5"),
        (499, "8", "5"),
        (500, "32", "3"),
        (700, "32", "3"),
        (1000, "32", "3"),
        (1001, "64", "2"),
        (5000, "64", "2"),
    ],
)
def test_auto_picks_by_training_set_size(records: int, batch: str, epochs: str) -> None:
    resolved = CLAUDE_3_HAIKU.resolve_hyperparameters("auto", records)
    assert resolved["batchSize"] == batch
    assert resolved["epochCount"] == epochs
    # The rest stay at their defaults.
    assert resolved["learningRateMultiplier"] == "1"
    assert resolved["earlyStoppingThreshold"] == "0.001"
    assert resolved["earlyStoppingPatience"] == "2"


def test_auto_for_a_family_without_recommendations_gives_defaults() -> None:
    assert NOVA.resolve_hyperparameters("auto", 500) == NOVA.resolve_hyperparameters(None, 500)


# ---------------------------------------------------------------- errors


def test_unknown_name_lists_supported_names() -> None:
    with pytest.raises(InvalidHyperParameters) as raised:
        CLAUDE_3_HAIKU.resolve_hyperparameters({"epochs": 3}, 100)
    message = str(raised.value)
    assert "'epochs'" in message
    assert "Claude 3 Haiku" in message
    for name in (
        "epochCount",
        "batchSize",
        "learningRateMultiplier",
        "earlyStoppingThreshold",
        "earlyStoppingPatience",
    ):
        assert name in message


@pytest.mark.parametrize(
    ("name", "value", "range_text"),
    [
        ("epochCount", 11, "1-10"),
        ("epochCount", 0, "1-10"),
        ("batchSize", 3, "4-256"),
        ("batchSize", 257, "4-256"),
        ("learningRateMultiplier", 2.5, "0.1-2.0"),
        ("earlyStoppingThreshold", 0.2, "0.0-0.1"),
        ("earlyStoppingPatience", 11, "1-10"),
    ],
)
def test_out_of_range_names_the_parameter_and_range(name: str, value: float, range_text: str) -> None:
    with pytest.raises(InvalidHyperParameters) as raised:
        CLAUDE_3_HAIKU.resolve_hyperparameters({name: value}, 100)
    message = str(raised.value)
    assert name in message
    assert "outside the allowed range" in message
    assert range_text in message


def test_non_integer_for_an_integer_parameter() -> None:
    with pytest.raises(InvalidHyperParameters, match=r"epochCount: must be a whole number, got 2\.5"):
        CLAUDE_3_HAIKU.resolve_hyperparameters({"epochCount": 2.5}, 100)


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(value: bool) -> None:
    with pytest.raises(InvalidHyperParameters, match="expected a number"):
        CLAUDE_3_HAIKU.resolve_hyperparameters({"epochCount": value}, 100)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "nan", "inf"])
def test_non_finite_values_are_rejected(value: object) -> None:
    with pytest.raises(InvalidHyperParameters, match="not a finite number"):
        CLAUDE_3_HAIKU.resolve_hyperparameters({"learningRateMultiplier": value}, 100)


@pytest.mark.parametrize("value", ["abc", "", "1,5", None, [1], {"v": 1}])
def test_non_numeric_values_are_rejected(value: object) -> None:
    with pytest.raises(InvalidHyperParameters, match="batchSize: expected a number"):
        CLAUDE_3_HAIKU.resolve_hyperparameters({"batchSize": value}, 100)


@pytest.mark.parametrize(
    "name", ["batchSize", "learningRateMultiplier", "earlyStoppingThreshold", "earlyStoppingPatience"]
)
def test_haiku_names_are_rejected_for_nova(name: str) -> None:
    with pytest.raises(InvalidHyperParameters) as raised:
        NOVA.resolve_hyperparameters({name: 1}, 100)
    message = str(raised.value)
    assert repr(name) in message
    assert "Amazon Nova" in message
    assert "supported: epochCount, learningRate, learningRateWarmupSteps" in message


def test_nova_ranges() -> None:
    with pytest.raises(InvalidHyperParameters, match=r"epochCount.*1-5"):
        NOVA.resolve_hyperparameters({"epochCount": 6}, 100)
    with pytest.raises(InvalidHyperParameters, match="learningRate"):
        NOVA.resolve_hyperparameters({"learningRate": 0.001}, 100)
    with pytest.raises(InvalidHyperParameters, match="learningRateWarmupSteps"):
        NOVA.resolve_hyperparameters({"learningRateWarmupSteps": 101}, 100)


# ---------------------------------------------------------------- model IDs


def test_family_for_bare_ids() -> None:
    assert family_for(HAIKU_ID) is CLAUDE_3_HAIKU
    assert family_for(NOVA_MICRO_ID) is NOVA
    assert family_for("amazon.nova-lite-v1:0:300k") is NOVA
    assert family_for("amazon.nova-pro-v1:0:300k") is NOVA
    assert family_for("meta.llama3-2-3b-instruct-v1:0:128k") is LLAMA_3_CONVERSATION
    assert family_for("meta.llama3-1-8b-instruct-v1:0:128k") is LLAMA_3_1


def test_family_for_foundation_model_arn() -> None:
    arn = f"arn:aws:bedrock:us-west-2::foundation-model/{HAIKU_ID}"
    assert family_for(arn) is CLAUDE_3_HAIKU
    assert bare_model_id(arn) == HAIKU_ID
    assert family_for(f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA_MICRO_ID}") is NOVA


@pytest.mark.parametrize(
    "model_id",
    [
        "anthropic.claude-3-haiku-20240307-v1:0",  # on-demand ID, no context suffix
        "amazon.nova-micro-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "",
    ],
)
def test_family_for_unknown_model(model_id: str) -> None:
    with pytest.raises(UnsupportedBaseModel) as raised:
        family_for(model_id)
    message = str(raised.value)
    assert repr(model_id) in message
    assert HAIKU_ID in message
    assert NOVA_MICRO_ID in message


def test_family_by_key() -> None:
    assert family_by_key("nova") is NOVA
    assert family_by_key("claude-3-haiku") is CLAUDE_3_HAIKU
    with pytest.raises(UnsupportedBaseModel, match="'gpt'"):
        family_by_key("gpt")


def test_every_customizable_id_belongs_to_exactly_one_family() -> None:
    ids = [model_id for family in FAMILIES for model_id in family.model_ids]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        (NOVA_MICRO_ID, "amazon.nova-micro-v1:0"),
        (HAIKU_ID, "anthropic.claude-3-haiku-20240307-v1:0"),
        ("amazon.nova-lite-v1:0:300k", "amazon.nova-lite-v1:0"),
        (f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA_MICRO_ID}", "amazon.nova-micro-v1:0"),
        ("amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0"),
        ("us.amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"),
    ],
)
def test_on_demand_model_id(model_id: str, expected: str) -> None:
    assert on_demand_model_id(model_id) == expected


# ---------------------------------------------------------------- registry figures from the fact sheet


def test_haiku_limits_match_the_fact_sheet() -> None:
    assert CLAUDE_3_HAIKU.record_format == "anthropic-messages"
    assert CLAUDE_3_HAIKU.min_training_records == 32
    assert CLAUDE_3_HAIKU.max_training_records == 10_000
    assert CLAUDE_3_HAIKU.max_validation_records == 1_000
    assert CLAUDE_3_HAIKU.max_total_records == 10_000
    assert CLAUDE_3_HAIKU.max_tokens_per_record == 32_000
    assert CLAUDE_3_HAIKU.max_training_file_bytes == 10 * 1024**3
    assert CLAUDE_3_HAIKU.max_validation_file_bytes == 1024**3
    assert CLAUDE_3_HAIKU.reserved_phrases == ()


def test_nova_format_and_reserved_phrases() -> None:
    assert NOVA.record_format == "bedrock-conversation"
    assert set(NOVA.reserved_phrases) == {
        "User:",
        "Bot:",
        "Assistant:",
        "System:",
        "<image>",
        "<video>",
        "[EOS]",
    }
