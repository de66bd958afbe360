"""Execution input: console JSON or S3 "Object Created" event -> one typed request."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from preprocess.inputs import NotATrainingFile, ResolvedInput, companion_keys, is_s3_event, resolve
from shared.errors import InvalidExecutionInput
from shared.models import PreprocessStep

EVENTS = Path(__file__).resolve().parent.parent / "events"
TRAINING_URI = f"s3://{BUCKET}/raw/training.json"


def load_event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text(encoding="utf-8")))


def _s3_event(key: str = "raw/bedrock-qa.json", bucket: str = BUCKET) -> dict[str, Any]:
    event = copy.deepcopy(load_event("preprocess_s3_object_created.json")["input"])
    event["detail"]["object"]["key"] = key
    event["detail"]["bucket"]["name"] = bucket
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    return event


def _console_error(payload: dict[str, Any]) -> str:
    with pytest.raises(InvalidExecutionInput) as raised:
        resolve(payload, BUCKET)
    return str(raised.value)


# ---------------------------------------------------------------- fixtures


def test_fixtures_are_preprocess_step_inputs() -> None:
    for name in ("preprocess_console.json", "preprocess_s3_object_created.json"):
        step = PreprocessStep.model_validate(load_event(name))
        assert step.executionArn is not None
        assert step.executionArn.endswith(f":{step.executionName}")
        assert step.executionStartTime.endswith("Z")


# ---------------------------------------------------------------- console input


def test_console_input_from_the_fixture() -> None:
    resolved = resolve(load_event("preprocess_console.json")["input"], BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert resolved.trigger == "console"
    request = resolved.request
    assert request.trainingDataUri == TRAINING_URI
    assert request.validationDataUri == f"s3://{BUCKET}/raw/validation.json"
    assert request.evalDataUri == f"s3://{BUCKET}/raw/eval.json"
    assert request.systemPrompt == "You answer questions about Amazon Bedrock model customization."
    assert request.evaluation.maxQuestions == 50
    assert request.evaluation.concurrency == 2
    assert request.dryRun is False


def test_minimal_console_input_gets_defaults() -> None:
    resolved = resolve({"trainingDataUri": TRAINING_URI}, BUCKET)
    assert isinstance(resolved, ResolvedInput)
    request = resolved.request
    assert request.validationDataUri is None
    assert request.evalDataUri is None
    assert request.baseModelId is None
    assert request.hyperParameters is None
    assert request.promptKey is None
    assert request.evaluation.sampleSize == 10
    assert request.evaluation.maxQuestions == 50
    assert request.throughputMaxWaitSeconds == 5400
    assert request.dryRun is False


@pytest.mark.parametrize("hyper", ["auto", {"epochCount": 3, "learningRate": "0.00001"}])
def test_hyperparameters_auto_or_mapping(hyper: Any) -> None:
    resolved = resolve({"trainingDataUri": TRAINING_URI, "hyperParameters": hyper}, BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert resolved.request.hyperParameters == hyper


def test_hyperparameters_other_string_is_rejected() -> None:
    assert "hyperParameters" in _console_error({"trainingDataUri": TRAINING_URI, "hyperParameters": "fast"})


def test_unknown_key() -> None:
    message = _console_error({"trainingDataUri": TRAINING_URI, "foo": 1})
    assert message == "execution input: unknown key 'foo'"


def test_nested_unknown_key_in_evaluation() -> None:
    message = _console_error({"trainingDataUri": TRAINING_URI, "evaluation": {"maxQuestion": 5}})
    assert "unknown key 'evaluation.maxQuestion'" in message


def test_every_problem_is_listed() -> None:
    message = _console_error({"trainingDataUri": TRAINING_URI, "foo": 1, "bar": 2, "dryRun": "perhaps"})
    assert "unknown key 'foo'" in message
    assert "unknown key 'bar'" in message
    assert "dryRun:" in message


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"trainingDataUri": 42}, "trainingDataUri"),
        ({"trainingDataUri": TRAINING_URI, "dryRun": "perhaps"}, "dryRun"),
        (
            {"trainingDataUri": TRAINING_URI, "evaluation": {"maxQuestions": "many"}},
            "evaluation.maxQuestions",
        ),
        ({"trainingDataUri": TRAINING_URI, "evaluation": {"maxQuestions": 0}}, "evaluation.maxQuestions"),
        ({"trainingDataUri": TRAINING_URI, "evaluation": {"concurrency": 65}}, "evaluation.concurrency"),
        ({"trainingDataUri": TRAINING_URI, "evaluation": {"temperature": 1.5}}, "evaluation.temperature"),
        ({"trainingDataUri": TRAINING_URI, "evaluation": "all"}, "evaluation"),
        ({"trainingDataUri": TRAINING_URI, "pollIntervalSeconds": -1}, "pollIntervalSeconds"),
        ({"trainingDataUri": TRAINING_URI, "systemPrompt": ["a"]}, "systemPrompt"),
        ({"trainingDataUri": TRAINING_URI, "baseModelId": ""}, "baseModelId"),
        ({}, "trainingDataUri"),
    ],
)
def test_wrong_types_and_values(payload: dict[str, Any], field: str) -> None:
    message = _console_error(payload)
    assert message.startswith("execution input: ")
    assert f"{field}:" in message


def test_semantic_similarity_is_on_by_default_with_titan_v2() -> None:
    resolved = resolve({"trainingDataUri": TRAINING_URI}, BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert resolved.request.evaluation.semanticSimilarity is True
    assert resolved.request.evaluation.embeddingModelId == "amazon.titan-embed-text-v2:0"


def test_semantic_similarity_can_be_turned_off_and_given_another_titan_v2_id() -> None:
    arn = "arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-embed-text-v2:0"
    payload = {"trainingDataUri": TRAINING_URI, "evaluation": {"semanticSimilarity": False, "embeddingModelId": arn}}
    resolved = resolve(payload, BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert resolved.request.evaluation.semanticSimilarity is False
    assert resolved.request.evaluation.embeddingModelId == arn


def test_an_embedding_model_with_another_request_format_is_refused_up_front() -> None:
    message = _console_error(
        {"trainingDataUri": TRAINING_URI, "evaluation": {"embeddingModelId": "cohere.embed-english-v3"}}
    )
    assert "evaluation.embeddingModelId:" in message and "Titan Text Embeddings V2" in message


@pytest.mark.parametrize("given", [{"promptKey": "q"}, {"completionKey": "a"}])
def test_prompt_key_and_completion_key_come_together(given: dict[str, str]) -> None:
    message = _console_error({"trainingDataUri": TRAINING_URI, **given})
    assert "promptKey and completionKey must be given together" in message


def test_prompt_key_and_completion_key_together() -> None:
    resolved = resolve({"trainingDataUri": TRAINING_URI, "promptKey": "q", "completionKey": "a"}, BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert (resolved.request.promptKey, resolved.request.completionKey) == ("q", "a")


@pytest.mark.parametrize("field", ["trainingDataUri", "validationDataUri", "evalDataUri"])
@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("https://bucket.s3.amazonaws.com/raw/x.json", "is not an s3:// URI"),
        ("/raw/x.json", "is not an s3:// URI"),
        (f"s3://{BUCKET}", "must name a bucket and an object key"),
        (f"s3://{BUCKET}/", "must name a bucket and an object key"),
    ],
)
def test_non_s3_uri(field: str, uri: str, problem: str) -> None:
    payload = {"trainingDataUri": TRAINING_URI, field: uri}
    message = _console_error(payload)
    assert f"{field}:" in message
    assert problem in message
    assert repr(uri) in message


# ---------------------------------------------------------------- S3 events


def test_is_s3_event() -> None:
    assert is_s3_event(_s3_event())
    assert not is_s3_event({"trainingDataUri": TRAINING_URI})
    assert not is_s3_event({"source": "aws.s3"})


def test_s3_event_from_the_fixture() -> None:
    resolved = resolve(load_event("preprocess_s3_object_created.json")["input"], BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert resolved.trigger == "s3"
    assert resolved.request.trainingDataUri == f"s3://{BUCKET}/raw/bedrock-qa.json"
    assert resolved.request.validationDataUri is None
    assert resolved.request.evalDataUri is None
    assert resolved.request.dryRun is False


@pytest.mark.parametrize("key", ["raw/a.jsonl", "raw/team/b.json", "raw/UPPER.JSON", "raw/x.validation-set.json"])
def test_s3_event_training_keys(key: str) -> None:
    resolved = resolve(_s3_event(key), BUCKET)
    assert isinstance(resolved, ResolvedInput)
    assert resolved.trigger == "s3"
    assert resolved.request.trainingDataUri == f"s3://{BUCKET}/{key}"


def test_s3_event_for_another_bucket() -> None:
    with pytest.raises(InvalidExecutionInput) as raised:
        resolve(_s3_event(bucket="someone-elses-bucket"), BUCKET)
    assert "'someone-elses-bucket'" in str(raised.value)
    assert repr(BUCKET) in str(raised.value)


@pytest.mark.parametrize(
    "key",
    [
        "runs/r1/data/train.jsonl",
        "incoming/raw/x.json",
        "raw/x.xlsx",
        "raw/x.csv.bak",
        "raw/x.json.bak",
        "raw/x.txt",
        "raw.json",
    ],
)
def test_s3_event_not_a_training_file(key: str) -> None:
    result = resolve(_s3_event(key), BUCKET)
    assert isinstance(result, NotATrainingFile)
    assert key in result.reason
    assert "raw/" in result.reason


@pytest.mark.parametrize(
    "key",
    ["raw/x.validation.json", "raw/x.eval.jsonl", "raw/x.validation.jsonl", "raw/sub/x.EVAL.JSON", "raw/x.eval.csv"],
)
def test_s3_event_for_a_companion_file(key: str) -> None:
    result = resolve(_s3_event(key), BUCKET)
    assert isinstance(result, NotATrainingFile)
    assert "companion" in result.reason
    assert key in result.reason


def test_malformed_s3_event() -> None:
    event = _s3_event()
    del event["detail"]["object"]["key"]
    with pytest.raises(InvalidExecutionInput, match=r"malformed S3 event: .*detail\.object\.key"):
        resolve(event, BUCKET)


def test_s3_event_ignores_fields_aws_may_add() -> None:
    event = _s3_event()
    event["detail"]["new-field"] = "x"
    event["detail"]["object"]["checksum"] = "y"
    assert isinstance(resolve(event, BUCKET), ResolvedInput)


# ---------------------------------------------------------------- companions


def test_companion_keys() -> None:
    assert companion_keys("raw/x.json") == {
        "validation": ["raw/x.validation.json", "raw/x.validation.jsonl", "raw/x.validation.csv"],
        "eval": ["raw/x.eval.json", "raw/x.eval.jsonl", "raw/x.eval.csv"],
    }
    assert companion_keys("raw/team/data.JSONL") == {
        "validation": [
            "raw/team/data.validation.json",
            "raw/team/data.validation.jsonl",
            "raw/team/data.validation.csv",
        ],
        "eval": ["raw/team/data.eval.json", "raw/team/data.eval.jsonl", "raw/team/data.eval.csv"],
    }
    assert companion_keys("raw/excel/faq.csv")["eval"] == [
        "raw/excel/faq.eval.json",
        "raw/excel/faq.eval.jsonl",
        "raw/excel/faq.eval.csv",
    ]


def test_s3_event_for_a_csv_upload_starts_a_run() -> None:
    result = resolve(_s3_event("raw/excel/faq.csv"), BUCKET)
    assert isinstance(result, ResolvedInput)
    assert result.request.trainingDataUri == f"s3://{BUCKET}/raw/excel/faq.csv"


def test_source_encoding_is_validated() -> None:
    request = resolve({"trainingDataUri": f"s3://{BUCKET}/raw/x.csv", "sourceEncoding": "cp932"}, BUCKET)
    assert isinstance(request, ResolvedInput)
    assert request.request.sourceEncoding == "cp932"
    with pytest.raises(InvalidExecutionInput, match=r"sourceEncoding: .*unknown encoding 'klingon'.*cp932"):
        resolve({"trainingDataUri": f"s3://{BUCKET}/raw/x.csv", "sourceEncoding": "klingon"}, BUCKET)


def test_s3_event_for_a_file_uploaded_by_bft_start_does_not_start_a_second_run() -> None:
    """`bft start` uploads under raw/direct/ and starts the execution with the URIs itself."""
    result = resolve(_s3_event("raw/direct/bft-faq-20261201T100000-abcd/faq.json"), BUCKET)
    assert isinstance(result, NotATrainingFile)
    assert "raw/direct/" in result.reason
    assert isinstance(resolve(_s3_event("raw/directions.json"), BUCKET), ResolvedInput)
