"""Per-model rules in PreprocessDataset, StartCustomizationJob and the answer step: invocation
IDs from the registry, output caps, Nova 2 Lite's missing validation set, and Llama 3.1's prompt
shape at evaluation time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from answer.logic import answer_batch
from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import SimulatedBedrock
from preprocess.logic import prepare_run
from shared.answers import answers_key
from shared.errors import InvalidDataset, InvalidExecutionInput
from shared.models import AnswerBatchStep, PreprocessStep, RunContext
from shared.settings import settings
from start_job.logic import start_job
from tests.unit.factories import TRAINING_JSONL, make_run, put_training

WEST = pytest.mark.parametrize("region", ["us-west-2"])
"""Claude 3 Haiku and Llama are customized only in us-west-2 (custom-model-supported.html)."""


NOVA_2_LITE = "amazon.nova-2-lite-v1:0:256k"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
ROLE = "arn:aws:iam::123456789012:role/bedrock-service-role"


def _qa(count: int, start: int = 0) -> list[dict[str, str]]:
    return [{"question": f"Question number {i}?", "answer": f"Answer number {i}."} for i in range(start, start + count)]


def _put(s3: Any, key: str, records: Any) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(records).encode("utf-8"))
    return f"s3://{BUCKET}/{key}"


def _prepare(s3: Any, payload: dict[str, Any]) -> RunContext:
    step = PreprocessStep(
        input=payload,
        executionName="run-1",
        executionArn="arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:run-1",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )
    result = prepare_run(step, settings(), s3)
    assert isinstance(result, RunContext)
    return result


def _keys(s3: Any, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


# ---------------------------------------------------------------- invocation IDs and output caps


@pytest.mark.parametrize(
    ("model_id", "family", "expected", "region"),
    [
        ("meta.llama3-3-70b-instruct-v1:0:128k", "llama-3.3", "us.meta.llama3-3-70b-instruct-v1:0", "us-west-2"),
        (
            "meta.llama3-2-1b-instruct-v1:0:128k",
            "llama-3-conversation",
            "us.meta.llama3-2-1b-instruct-v1:0",
            "us-west-2",
        ),
        ("meta.llama3-1-70b-instruct-v1:0:128k", "llama-3.1", "us.meta.llama3-1-70b-instruct-v1:0", "us-west-2"),
        ("amazon.nova-2-lite-v1:0:256k", "nova-2", "us.amazon.nova-2-lite-v1:0", "us-east-1"),
    ],
)
def test_base_answers_use_the_registry_invocation_id(
    env: None, s3: Any, model_id: str, family: str, expected: str, region: str
) -> None:
    uri = _put(s3, "raw/t.json", _qa(260))
    run = _prepare(s3, {"trainingDataUri": uri, "baseModelId": model_id, "dryRun": True})
    assert (run.family, run.evaluation.baseModelInferenceId) == (family, expected)


@WEST
def test_max_tokens_over_the_model_output_cap_is_refused_before_anything_is_written(env: None, s3: Any) -> None:
    uri = _put(s3, "raw/t.json", _qa(80))
    payload = {"trainingDataUri": uri, "baseModelId": HAIKU, "evaluation": {"maxTokens": 4_097}}
    with pytest.raises(InvalidExecutionInput, match=r"evaluation.maxTokens 4097 exceeds the output limit") as raised:
        _prepare(s3, payload)
    assert "4,096 tokens" in str(raised.value) and HAIKU in str(raised.value)
    assert _keys(s3, "runs/") == []
    payload["evaluation"] = {"maxTokens": 4_096}
    assert _prepare(s3, payload).evaluation.maxTokens == 4_096


# ---------------------------------------------------------------- Nova 2 Lite: no validation set


def test_nova_2_lite_holds_out_evaluation_questions_but_sends_no_validation_set(env: None, s3: Any) -> None:
    uri = _put(s3, "raw/t.json", _qa(260))
    run = _prepare(s3, {"trainingDataUri": uri, "baseModelId": NOVA_2_LITE})
    assert run.data.validationUri is None and run.data.validationRecords == 0
    assert run.data.evalQuestions == 10 and run.data.trainingRecords == 250
    assert run.hyperParameters == {}
    assert not any(key.endswith("validation.jsonl") for key in _keys(s3, "runs/"))


def test_nova_2_lite_training_set_keeps_its_minimum(env: None, s3: Any) -> None:
    uri = _put(s3, "raw/t.json", _qa(205))
    run = _prepare(s3, {"trainingDataUri": uri, "baseModelId": NOVA_2_LITE})
    assert (run.data.trainingRecords, run.data.evalQuestions) == (200, 5)


def test_nova_2_lite_turns_a_validation_file_into_the_evaluation_pool(env: None, s3: Any) -> None:
    training = _put(s3, "raw/t.json", _qa(200))
    validation = _put(s3, "raw/v.json", _qa(30, 1000))
    run = _prepare(s3, {"trainingDataUri": training, "validationDataUri": validation, "baseModelId": NOVA_2_LITE})
    assert run.data.validationUri is None and run.data.trainingRecords == 200
    assert run.data.evalQuestions == 10
    assert any("raw/v.json: Amazon Nova 2 Lite takes no validation set" in w for w in run.data.warnings)


def test_nova_2_lite_refuses_a_validation_file_next_to_an_evaluation_file(env: None, s3: Any) -> None:
    payload = {
        "trainingDataUri": _put(s3, "raw/t.json", _qa(200)),
        "validationDataUri": _put(s3, "raw/v.json", _qa(30, 1000)),
        "evalDataUri": _put(s3, "raw/e.json", _qa(5, 2000)),
        "baseModelId": NOVA_2_LITE,
    }
    with pytest.raises(InvalidDataset, match=r"raw/v.json: Amazon Nova 2 Lite takes no validation set"):
        _prepare(s3, payload)


def test_nova_2_lite_needs_200_training_records(env: None, s3: Any) -> None:
    uri = _put(s3, "raw/t.json", _qa(150))
    with pytest.raises(InvalidDataset, match=r"needs at least 200"):
        _prepare(s3, {"trainingDataUri": uri, "baseModelId": NOVA_2_LITE})


def test_start_job_never_sends_a_validation_set_for_nova_2_lite(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = make_run(baseModelId=NOVA_2_LITE, family="nova-2", hyperParameters={})
    uri = f"s3://{BUCKET}/{run.data.prefix}validation.jsonl"
    run = run.model_copy(update={"data": run.data.model_copy(update={"validationUri": uri})})
    body = "".join([TRAINING_JSONL] * 25)  # 200 records
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}train.jsonl", Body=body.encode())
    start_job(run, ROLE, bedrock)
    (call,) = aws.operations("CreateModelCustomizationJob")
    assert "validationDataConfig" not in call.params


# ---------------------------------------------------------------- Llama 3.1: one prompt shape


def test_llama_3_1_is_evaluated_with_the_prompt_shape_it_was_trained_on(
    aws: SimulatedBedrock, s3: Any, runtime: Any
) -> None:
    run = make_run(
        baseModelId="meta.llama3-1-8b-instruct-v1:0:128k",
        family="llama-3.1",
        hyperParameters={},
        systemPrompt="Be brief.",
    )
    run = run.model_copy(
        update={
            "evaluation": run.evaluation.model_copy(update={"baseModelInferenceId": "meta.llama3-1-8b-instruct-v1:0"})
        }
    )
    put_training(s3, run)
    eval_doc = [{"index": 0, "question": "What is Bedrock?", "reference": "A service."}]
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}eval.json", Body=json.dumps(eval_doc).encode())
    answer_batch(AnswerBatchStep(run=run, target="base", batch=0), s3, runtime)
    (call,) = aws.operations("Converse")
    # Training record: {"prompt": "<system>\n\n<question>", "completion": ...}; no system field.
    assert "system" not in call.params
    assert call.params["messages"][0]["content"][0]["text"] == "Be brief.\n\nWhat is Bedrock?"
    key = answers_key(run.runId, "base", 0)
    saved = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert saved["answers"][0]["question"] == "What is Bedrock?"


def test_conversation_families_keep_the_system_field(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    run = make_run(systemPrompt="Be brief.")
    eval_doc = [{"index": 0, "question": "What is Bedrock?", "reference": "A service."}]
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}eval.json", Body=json.dumps(eval_doc).encode())
    answer_batch(AnswerBatchStep(run=run, target="base", batch=0), s3, runtime)
    (call,) = aws.operations("Converse")
    assert call.params["system"] == [{"text": "Be brief."}]
    assert call.params["messages"][0]["content"][0]["text"] == "What is Bedrock?"


@pytest.mark.parametrize(
    ("field", "value", "profile"),
    [
        ("baseModelInferenceId", "meta.llama3-3-70b-instruct-v1:0", "us.meta.llama3-3-70b-instruct-v1:0"),
        ("judgeModelId", "amazon.nova-2-lite-v1:0", "us.amazon.nova-2-lite-v1:0"),
    ],
)
def test_an_in_region_id_of_a_profile_only_model_is_refused(
    env: None, s3: Any, field: str, value: str, profile: str
) -> None:
    uri = _put(s3, "raw/t.json", _qa(260))
    payload = {"trainingDataUri": uri, "baseModelId": NOVA_2_LITE, "evaluation": {field: value}}
    with pytest.raises(
        InvalidExecutionInput, match=f"evaluation.{field} {value}: .* use its inference profile {profile}"
    ):
        _prepare(s3, payload)
    assert _keys(s3, "runs/") == []
    payload["evaluation"] = {field: profile}
    assert _prepare(s3, payload).runId
