"""The model-family registry: hyperparameter rules, model IDs and on-demand IDs."""

from __future__ import annotations

import pytest

from shared.errors import InvalidHyperParameters, UnsupportedBaseModel
from shared.families import (
    CLAUDE_3_HAIKU,
    FAMILIES,
    LLAMA_3_1,
    LLAMA_3_3,
    LLAMA_3_CONVERSATION,
    NOVA,
    NOVA_2_LITE,
    bare_model_id,
    base_model,
    family_by_key,
    family_for,
    invocation_id,
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
    llama = "meta.llama3-1-8b-instruct-v1:0:128k"
    assert LLAMA_3_1.resolve_hyperparameters("auto", 500, llama) == LLAMA_3_1.resolve_hyperparameters(None, 500, llama)


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
        ("meta.llama3-1-8b-instruct-v1:0:128k", "meta.llama3-1-8b-instruct-v1:0"),
        # No in-Region on-demand ID: the cross-Region inference profile.
        ("meta.llama3-1-70b-instruct-v1:0:128k", "us.meta.llama3-1-70b-instruct-v1:0"),
        ("meta.llama3-2-3b-instruct-v1:0:128k", "us.meta.llama3-2-3b-instruct-v1:0"),
        ("meta.llama3-3-70b-instruct-v1:0:128k", "us.meta.llama3-3-70b-instruct-v1:0"),
        ("amazon.nova-2-lite-v1:0:256k", "us.amazon.nova-2-lite-v1:0"),
    ],
)
def test_invocation_id_comes_from_the_registry(model_id: str, expected: str) -> None:
    assert invocation_id(model_id) == expected


def test_every_model_has_its_own_invocation_id() -> None:
    for family in FAMILIES:
        for spec in family.models:
            assert spec.invocation_id and ":" in spec.invocation_id and not spec.invocation_id.endswith("k")


def test_invocation_id_of_an_unknown_model_is_refused() -> None:
    with pytest.raises(UnsupportedBaseModel):
        invocation_id("amazon.nova-micro-v1:0")


# ---------------------------------------------------------------- per-model figures


def test_output_caps() -> None:
    assert base_model(HAIKU_ID).max_output_tokens == 4_096
    assert base_model("meta.llama3-3-70b-instruct-v1:0:128k").max_output_tokens == 2_048
    assert base_model(NOVA_MICRO_ID).max_output_tokens is None  # not published consistently


@pytest.mark.parametrize(
    ("model_id", "records", "warmup"),
    [
        (NOVA_MICRO_ID, 6_400, "10"),
        ("amazon.nova-lite-v1:0:300k", 6_400, "40"),
        ("amazon.nova-pro-v1:0:300k", 6_400, "20"),
        ("amazon.nova-lite-v1:0:300k", 20_000, "100"),  # capped at the published maximum
        (NOVA_MICRO_ID, 100, "0"),
    ],
)
def test_nova_warmup_default_follows_dataset_size_per_model(model_id: str, records: int, warmup: str) -> None:
    assert NOVA.resolve_hyperparameters(None, records, model_id)["learningRateWarmupSteps"] == warmup


def test_nova_auto_hyperparameters() -> None:
    small = NOVA.resolve_hyperparameters("auto", 500, "amazon.nova-lite-v1:0:300k")
    assert small == {"epochCount": "5", "learningRate": "0.00001", "learningRateWarmupSteps": "3"}
    large = NOVA.resolve_hyperparameters("auto", 3_200, "amazon.nova-lite-v1:0:300k")
    assert large["epochCount"] == "2" and large["learningRateWarmupSteps"] == "20"


def test_explicit_warmup_beats_the_size_default() -> None:
    resolved = NOVA.resolve_hyperparameters({"learningRateWarmupSteps": 7}, 6_400, "amazon.nova-lite-v1:0:300k")
    assert resolved["learningRateWarmupSteps"] == "7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1e-5, "0.00001"), ("1e-05", "0.00001"), (5e-6, "0.000005"), (0.0001, "0.0001"), (1.5e-5, "0.000015")],
)
def test_small_floats_render_as_plain_decimals(value: object, expected: str) -> None:
    assert NOVA.hyperparameter("learningRate").normalise(value) == expected


def test_nova_defaults_render_as_plain_decimals() -> None:
    assert NOVA.resolve_hyperparameters(None, 100)["learningRate"] == "0.00001"


def test_nova_2_lite_family() -> None:
    assert family_for("amazon.nova-2-lite-v1:0:256k") is NOVA_2_LITE
    assert NOVA_2_LITE.record_format == "bedrock-conversation"
    assert (NOVA_2_LITE.min_training_records, NOVA_2_LITE.max_training_records) == (200, 20_000)
    assert NOVA_2_LITE.validation_set is False
    assert NOVA_2_LITE.hosting == ("provisioned",)
    # No hyperparameters are published for Nova 2 Lite on Bedrock: none are sent, any is refused.
    assert NOVA_2_LITE.resolve_hyperparameters(None, 300) == {}
    assert "publishes no" in NOVA_2_LITE.hyperparameters_note
    with pytest.raises(InvalidHyperParameters, match="not supported by Amazon Nova 2 Lite"):
        NOVA_2_LITE.resolve_hyperparameters({"epochCount": 2}, 300)


def test_llama_3_3_is_on_demand_only() -> None:
    assert family_for("meta.llama3-3-70b-instruct-v1:0:128k") is LLAMA_3_3
    assert LLAMA_3_3.hosting == ("on-demand",)
    assert LLAMA_3_3.on_demand_regions == ("us-west-2",)
    assert LLAMA_3_3.resolve_hosting("auto") == "on-demand"
    assert any("third-party" in note for note in LLAMA_3_3.unconfirmed)


def test_nova_counts_have_no_separate_validation_cap() -> None:
    assert NOVA.min_training_records == 8
    assert NOVA.max_total_records == 20_000
    assert NOVA.max_validation_records == NOVA.max_total_records


@pytest.mark.parametrize("text", ["user: hi", "USER: hi", "say <UNK>", "Thought: x", "thought: x", "[eos]"])
def test_nova_reserved_words_match_in_any_case(text: str) -> None:
    assert NOVA.reserved_in(text)


@pytest.mark.parametrize(("text", "found"), [("a\nHuman: b", ["\nHuman:"]), ("x\nAssistant: y", ["\nAssistant:"])])
def test_claude_turn_markers_are_reserved(text: str, found: list[str]) -> None:
    assert CLAUDE_3_HAIKU.reserved_in(text) == found


def test_claude_reserved_markers_need_the_newline() -> None:
    assert CLAUDE_3_HAIKU.reserved_in("Human: hello") == []


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
    assert CLAUDE_3_HAIKU.reserved_phrases == ("\nHuman:", "\nAssistant:")
    assert CLAUDE_3_HAIKU.validator_chars_per_token == 3


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
        "<unk>",
        "Thought:",
    }
    assert NOVA.reserved_ignore_case


# ---------------------------------------------------------------- customization Regions and lifecycle (issue 14)


def test_every_family_records_where_it_can_be_customized() -> None:
    from shared.families import FAMILIES

    regions = {family.key: family.customization_regions for family in FAMILIES}
    assert regions == {
        "claude-3-haiku": ("us-west-2",),
        "nova": ("us-east-1",),
        "nova-2": ("us-east-1",),
        "llama-3-conversation": ("us-west-2",),
        "llama-3.3": ("us-west-2",),
        "llama-3.1": ("us-west-2",),
    }


def test_the_simulated_bedrock_customizes_where_the_registry_says() -> None:
    from localrun.simulated_bedrock import customizable_here
    from shared.families import FAMILIES

    for family in FAMILIES:
        for model_id in family.model_ids:
            for region in ("us-east-1", "us-west-2", "eu-west-1"):
                assert customizable_here(model_id, region) == (region in family.customization_regions), (
                    model_id,
                    region,
                )


def test_a_base_model_outside_its_customization_region_is_refused_naming_the_regions_that_work() -> None:
    from shared.errors import UnsupportedBaseModel
    from shared.families import family_for

    llama = family_for("meta.llama3-3-70b-instruct-v1:0:128k")
    with pytest.raises(UnsupportedBaseModel, match="cannot be fine-tuned in us-east-1") as raised:
        llama.check_customization_region("meta.llama3-3-70b-instruct-v1:0:128k", "us-east-1")
    assert "only in us-west-2" in str(raised.value) and "amazon.nova-micro-v1:0:128k" in str(raised.value)
    llama.check_customization_region("meta.llama3-3-70b-instruct-v1:0:128k", "us-west-2")
    llama.check_customization_region("meta.llama3-3-70b-instruct-v1:0:128k", None)  # Region unknown: not refused


def test_lifecycle_facts_carry_source_and_confidence() -> None:
    from shared.families import LIFECYCLE, lifecycle_fact

    assert lifecycle_fact("meta.llama3-2-3b-instruct-v1:0:128k") == LIFECYCLE["meta.llama3-2-3b-instruct-v1:0"]
    assert lifecycle_fact("us.meta.llama3-1-405b-instruct-v1:0") is not None
    premier = lifecycle_fact("us.amazon.nova-premier-v1:0")
    assert premier is not None and premier.end_of_life == "2026-09-14" and premier.confidence == "medium"
    assert all(fact.source and fact.confidence in ("high", "medium", "low") for fact in LIFECYCLE.values())
    assert lifecycle_fact("amazon.nova-micro-v1:0:128k") is None
