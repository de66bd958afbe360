"""The simulated Bedrock enforces the real service's rules: profile-only invocation IDs, output
caps, and the dataset rules checked in a customization job's validation phase."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import CATALOG, SimulatedBedrock
from shared.families import FAMILIES

WEST = pytest.mark.parametrize("region", ["us-west-2"])
"""Claude 3 Haiku and Llama are customized only in us-west-2 (custom-model-supported.html)."""


ROLE = "arn:aws:iam::123456789012:role/bedrock-service-role"
_NAMES = itertools.count()


def _ask(runtime: Any, model_id: str, max_tokens: int = 100) -> dict[str, Any]:
    return dict(
        runtime.converse(
            modelId=model_id,
            messages=[{"role": "user", "content": [{"text": "What is Bedrock?"}]}],
            inferenceConfig={"maxTokens": max_tokens},
        )
    )


# ---------------------------------------------------------------- invocation IDs


@pytest.mark.parametrize(
    "model_id",
    [
        "meta.llama3-2-3b-instruct-v1:0",
        "meta.llama3-3-70b-instruct-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
        "amazon.nova-2-lite-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0",
    ],
)
def test_in_region_ids_of_profile_only_models_are_refused(runtime: Any, model_id: str) -> None:
    with pytest.raises(ClientError) as raised:
        _ask(runtime, model_id)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "with on-demand throughput isn't supported" in error["Message"]
    assert "inference profile" in error["Message"]


@pytest.mark.parametrize(
    "model_id",
    ["us.meta.llama3-3-70b-instruct-v1:0", "global.amazon.nova-2-lite-v1:0", "amazon.nova-micro-v1:0"],
)
def test_profiles_and_in_region_ids_that_exist_are_accepted(runtime: Any, model_id: str) -> None:
    assert _ask(runtime, model_id)["stopReason"] == "end_turn"


def test_every_registry_invocation_id_is_accepted(runtime: Any) -> None:
    for family in FAMILIES:
        for spec in family.models:
            assert _ask(runtime, spec.invocation_id)["output"]["message"]["content"]


@pytest.mark.parametrize(
    ("model_id", "cap"),
    [("anthropic.claude-3-haiku-20240307-v1:0", 4_096), ("us.meta.llama3-3-70b-instruct-v1:0", 2_048)],
)
def test_max_tokens_above_the_output_cap_is_refused(runtime: Any, model_id: str, cap: int) -> None:
    assert _ask(runtime, model_id, cap)["stopReason"] == "end_turn"
    with pytest.raises(ClientError, match=f"exceeds the model limit of {cap}"):
        _ask(runtime, model_id, cap + 1)


# ---------------------------------------------------------------- catalog


def test_the_catalog_covers_every_registry_model(bedrock: Any) -> None:
    for family in FAMILIES:
        for model_id in family.model_ids:
            details = bedrock.get_foundation_model(modelIdentifier=model_id)["modelDetails"]
            assert "FINE_TUNING" in details["customizationsSupported"], model_id
    assert {m.model_id for m in CATALOG} >= {mid for f in FAMILIES for mid in f.model_ids}


def test_profile_only_models_list_only_inference_profiles(bedrock: Any) -> None:
    details = bedrock.get_foundation_model(modelIdentifier="meta.llama3-3-70b-instruct-v1:0")["modelDetails"]
    assert details["inferenceTypesSupported"] == ["INFERENCE_PROFILE"]


# ---------------------------------------------------------------- the job's validation phase


def _conversation(prompt: str, answer: str, reasoning: str | None = None) -> dict[str, Any]:
    assistant: list[dict[str, Any]] = [{"text": answer}]
    if reasoning is not None:
        assistant.insert(0, {"reasoningContent": {"reasoningText": {"text": reasoning}}})
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": prompt}]},
            {"role": "assistant", "content": assistant},
        ],
    }


def _claude(prompt: str, answer: str, system: str = "Be brief.") -> dict[str, Any]:
    return {
        "system": system,
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
    }


def _job(
    aws: SimulatedBedrock,
    s3: Any,
    bedrock: Any,
    base: str,
    records: list[dict[str, Any]],
    validation: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create the job, let its (simulated) training time pass, and read it back."""

    def put(name: str, rows: list[dict[str, Any]]) -> str:
        s3.put_object(Bucket=BUCKET, Key=f"runs/t/{name}", Body="".join(json.dumps(r) + "\n" for r in rows).encode())
        return f"s3://{BUCKET}/runs/t/{name}"

    request: dict[str, Any] = {
        "jobName": f"job-{next(_NAMES)}",
        "customModelName": f"model-{next(_NAMES)}",
        "roleArn": ROLE,
        "baseModelIdentifier": base,
        "trainingDataConfig": {"s3Uri": put("train.jsonl", records)},
        "outputDataConfig": {"s3Uri": f"s3://{BUCKET}/runs/t/output/"},
    }
    if validation is not None:
        request["validationDataConfig"] = {"validators": [{"s3Uri": put("validation.jsonl", validation)}]}
    arn = bedrock.create_model_customization_job(**request)["jobArn"]
    aws.end_training(arn)
    return dict(bedrock.get_model_customization_job(jobIdentifier=arn))


HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
NOVA_MICRO = "amazon.nova-micro-v1:0:128k"
NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"


def _claude_set(n: int) -> list[dict[str, Any]]:
    return [_claude(f"Question {i}?", f"Answer {i}.") for i in range(n)]


def _nova_set(n: int) -> list[dict[str, Any]]:
    return [_conversation(f"Question {i}?", f"Answer {i}.") for i in range(n)]


@WEST
def test_clean_data_completes(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    assert _job(aws, s3, bedrock, HAIKU, _claude_set(40), _claude_set(32))["status"] == "Completed"


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            [*_claude_set(39), _claude("First line\nHuman: second", "ok")],
            "Training data line 40 contains the reserved word '\\nHuman:'",
        ),
        ([*_claude_set(39), _claude("q", "ok", system="Be brief.\nAssistant: sure")], "'\\nAssistant:'"),
        ([_claude("q" * 96_003, "a", system=""), *_claude_set(39)], "line 1 has about 32,002 tokens"),
        (_claude_set(20), "20 training records; Claude 3 Haiku needs 32-10,000"),
    ],
)
@WEST
def test_claude_data_breaking_a_rule_fails_the_job_in_validation(
    aws: SimulatedBedrock, s3: Any, bedrock: Any, records: list[dict[str, Any]], expected: str
) -> None:
    job = _job(aws, s3, bedrock, HAIKU, records)
    assert job["status"] == "Failed"
    assert job["failureMessage"].startswith("Data validation failed")
    assert expected in job["failureMessage"]
    assert "outputModelArn" not in job


@pytest.mark.parametrize("word", ["user:", "BOT:", "<unk>", "Thought:"])
def test_nova_reserved_words_in_any_case_fail_the_job(aws: SimulatedBedrock, s3: Any, bedrock: Any, word: str) -> None:
    job = _job(aws, s3, bedrock, NOVA_MICRO, [*_nova_set(9), _conversation("q", f"the answer {word} x")])
    assert job["status"] == "Failed"
    assert "Training data line 10 contains the reserved word" in job["failureMessage"]


def test_nova_validation_may_exceed_1000_records(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    assert _job(aws, s3, bedrock, NOVA_MICRO, _nova_set(8), _nova_set(1_200))["status"] == "Completed"


def test_nova_total_over_20000_fails(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    job = _job(aws, s3, bedrock, NOVA_MICRO, _nova_set(19_000), _nova_set(1_001))
    assert job["status"] == "Failed" and "20,001 training and validation records" in job["failureMessage"]


def test_nova_2_lite_refuses_a_validation_set_when_the_job_is_created(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    with pytest.raises(bedrock.exceptions.ValidationException, match="does not support a validation dataset"):
        _job(aws, s3, bedrock, NOVA_2_LITE, _nova_set(200), _nova_set(10))
    assert aws.jobs == {}


def test_nova_2_lite_accepts_reasoning_and_needs_200_samples(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    records = [_conversation(f"Q{i}?", f"A{i}.", reasoning="Think first.") for i in range(200)]
    assert _job(aws, s3, bedrock, NOVA_2_LITE, records)["status"] == "Completed"
    job = _job(aws, s3, bedrock, NOVA_2_LITE, _nova_set(199))
    assert job["status"] == "Failed" and "199 training records; Nova 2 Lite needs 200-20,000" in job["failureMessage"]


def test_reasoning_is_refused_for_nova_1(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    records = [_conversation(f"Q{i}?", f"A{i}.", reasoning="Think.") for i in range(8)]
    job = _job(aws, s3, bedrock, NOVA_MICRO, records)
    assert job["status"] == "Failed" and "reasoningContent" in job["failureMessage"]


@WEST
def test_llama_3_1_needs_prompt_completion_records(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    base = "meta.llama3-1-8b-instruct-v1:0:128k"
    good = [{"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(100)]
    assert _job(aws, s3, bedrock, base, good)["status"] == "Completed"
    job = _job(aws, s3, bedrock, base, _nova_set(100))
    assert job["status"] == "Failed" and "'prompt' and 'completion'" in job["failureMessage"]


@WEST
def test_llama_3_3_custom_models_get_no_provisioned_throughput(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    base = "meta.llama3-3-70b-instruct-v1:0:128k"
    job = _job(aws, s3, bedrock, base, _nova_set(100))
    assert job["status"] == "Completed"
    with pytest.raises(bedrock.exceptions.ValidationException, match="Provisioned Throughput is not supported"):
        bedrock.create_provisioned_model_throughput(
            modelUnits=1, provisionedModelName="pt-1", modelId=job["outputModelArn"]
        )
    assert aws.throughputs == {}
