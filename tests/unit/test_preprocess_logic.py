"""PreprocessDataset end to end over moto: input -> validated data files under runs/<run-id>/data/."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from preprocess.logic import DEFAULT_SYSTEM_PROMPT, prepare_run
from shared.errors import InvalidDataset, InvalidExecutionInput, InvalidHyperParameters
from shared.families import NOVA
from shared.models import PreprocessStep, RunContext, SkippedRun
from shared.naming import resource_names, run_id_from_execution_name
from shared.settings import settings
from shared.tokens import estimate_tokens

WEST = pytest.mark.parametrize("region", ["us-west-2"])
"""Claude 3 Haiku and Llama are customized only in us-west-2 (custom-model-supported.html)."""


ROOT = Path(__file__).resolve().parent.parent.parent
DATASET = ROOT / "dataset" / "rawdata"
EVENTS = ROOT / "tests" / "events"

HAIKU_ID = "anthropic.claude-3-haiku-20240307-v1:0:200k"
SYSTEM = "You answer questions about Amazon Bedrock model customization."
RUN_ID_PATTERN = re.compile(r"[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*")


# ---------------------------------------------------------------- helpers


def _event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text(encoding="utf-8")))


def _raw(name: str) -> list[dict[str, str]]:
    return list(json.loads((DATASET / f"{name}.json").read_text(encoding="utf-8")))


def _upload_sample(s3: Any) -> None:
    for name in ("training", "validation", "eval"):
        s3.put_object(Bucket=BUCKET, Key=f"raw/{name}.json", Body=(DATASET / f"{name}.json").read_bytes())


def _put(s3: Any, key: str, records: Any) -> str:
    body = records if isinstance(records, bytes) else json.dumps(records, ensure_ascii=False).encode("utf-8")
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def _step(payload: dict[str, Any], name: str = "run-1") -> PreprocessStep:
    return PreprocessStep(
        input=payload,
        executionName=name,
        executionArn=f"arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:{name}",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )


def _console(**extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "trainingDataUri": f"s3://{BUCKET}/raw/training.json",
        "validationDataUri": f"s3://{BUCKET}/raw/validation.json",
        "evalDataUri": f"s3://{BUCKET}/raw/eval.json",
        "systemPrompt": SYSTEM,
    }
    payload.update(extra)
    return {key: value for key, value in payload.items() if value is not None}


def _run(s3: Any, payload: dict[str, Any], name: str = "run-1") -> RunContext:
    result = prepare_run(_step(payload, name), settings(), s3)
    assert isinstance(result, RunContext)
    return result


def test_the_similarity_settings_reach_the_run(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(evaluation={"semanticSimilarity": False}))
    assert run.evaluation.semanticSimilarity is False
    assert run.evaluation.embeddingModelId == "amazon.titan-embed-text-v2:0"


def _body(s3: Any, uri: str) -> bytes:
    assert uri.startswith(f"s3://{BUCKET}/")
    return bytes(s3.get_object(Bucket=BUCKET, Key=uri[len(f"s3://{BUCKET}/") :])["Body"].read())


def _jsonl(s3: Any, uri: str) -> list[dict[str, Any]]:
    text = _body(s3, uri).decode("utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def _keys(s3: Any, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def _nova(system: str, question: str, answer: str) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": system}],
        "messages": [
            {"role": "user", "content": [{"text": question}]},
            {"role": "assistant", "content": [{"text": answer}]},
        ],
    }


def _haiku(system: str, question: str, answer: str) -> dict[str, Any]:
    return {
        "system": system,
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
    }


def _qa(n: int, prefix: str = "Question") -> list[dict[str, str]]:
    return [{"question": f"{prefix} {i}?", "answer": f"Answer {i}."} for i in range(1, n + 1)]


def _question(record: dict[str, Any]) -> str:
    content = record["messages"][0]["content"]
    return content if isinstance(content, str) else content[0]["text"]


# ---------------------------------------------------------------- the sample dataset


def test_sample_dataset_with_the_default_model(env: None, s3: Any) -> None:
    _upload_sample(s3)
    event = _event("preprocess_console.json")
    run = _run(s3, event["input"], event["executionName"])

    assert run.mode == "train"
    assert run.dryRun is False
    assert run.runId == "console-run-2026-01-01"
    assert run.executionName == "console-run-2026-01-01"
    assert run.executionArn == event["executionArn"]
    assert run.startedAt == "2026-01-01T09:00:00.000Z"
    assert run.trigger == "console"
    assert run.bucket == BUCKET
    assert run.baseModelId == "amazon.nova-micro-v1:0:128k"
    assert run.family == "nova"
    assert run.systemPrompt == SYSTEM
    assert run.simulated is False
    assert run.names == resource_names("console-run-2026-01-01")
    assert run.sources == {
        "training": f"s3://{BUCKET}/raw/training.json",
        "validation": f"s3://{BUCKET}/raw/validation.json",
        "evaluation": f"s3://{BUCKET}/raw/eval.json",
    }
    assert run.hyperParameters["epochCount"] == "2"
    # AWS: warmup = dataset size / 640 for Nova Micro, so a small set gets no warmup.
    assert run.hyperParameters["learningRateWarmupSteps"] == str(round(run.data.trainingRecords / 640))
    assert float(run.hyperParameters["learningRate"]) == pytest.approx(1e-5)
    assert run.evaluation.baseModelInferenceId == "amazon.nova-micro-v1:0"
    assert run.evaluation.judgeModelId == "us.amazon.nova-pro-v1:0"
    assert run.evaluation.concurrency == 2
    assert run.evaluation.semanticSimilarity is True
    assert run.evaluation.embeddingModelId == "amazon.titan-embed-text-v2:0"
    assert run.pollIntervalSeconds == 7200  # the safety poll; job events resume the run

    data = run.data
    prefix = "runs/console-run-2026-01-01/data/"
    assert data.prefix == prefix
    assert data.trainingUri == f"s3://{BUCKET}/{prefix}train.jsonl"
    assert data.validationUri == f"s3://{BUCKET}/{prefix}validation.jsonl"
    assert data.evalUri == f"s3://{BUCKET}/{prefix}eval.json"
    assert data.manifestUri == f"s3://{BUCKET}/{prefix}manifest.json"
    assert (data.trainingRecords, data.validationRecords, data.evalQuestions) == (104, 42, 8)
    # 8 + 20 general questions; concurrency 2: 2 threads x 8 rounds = 16 a batch (shared/work_plan.py)
    assert data.generalQuestions == 20 and data.evalBatches == [0, 1]
    assert data.batchSize == 16

    training = _raw("training")
    train_lines = _jsonl(s3, data.trainingUri)
    assert len(train_lines) == data.trainingRecords
    assert train_lines == [_nova(SYSTEM, r["question"], r["answer"]) for r in training]
    validation = _raw("validation")
    assert _jsonl(s3, data.validationUri) == [_nova(SYSTEM, r["question"], r["answer"]) for r in validation]

    eval_doc = [item for item in json.loads(_body(s3, data.evalUri)) if item["set"] == "domain"]
    assert [(item["index"], item["question"], item["reference"]) for item in eval_doc] == [
        (index, r["question"], r["answer"]) for index, r in enumerate(_raw("eval"))
    ]
    assert [item["source"] for item in eval_doc] == [f"record {i}" for i in range(1, 9)]

    manifest = json.loads(_body(s3, data.manifestUri))
    assert manifest["runId"] == "console-run-2026-01-01"
    assert manifest["simulated"] is False
    assert manifest["counts"] == {
        "training": 104,
        "validation": 42,
        "evaluation": 8,
        "generalQuestions": 20,
        "rawTrainingRecords": 104,
    }
    assert manifest["validationSplitFromTraining"] is False
    assert manifest["evaluationSource"] == "raw/eval.json"
    assert manifest["sha256"]["train.jsonl"] == hashlib.sha256(_body(s3, data.trainingUri)).hexdigest()
    assert manifest["sha256"]["validation.jsonl"] == hashlib.sha256(_body(s3, data.validationUri)).hexdigest()
    assert manifest["config"]["family"] == "nova"
    assert manifest["config"]["keys"] == ["question", "answer"]
    assert manifest["config"]["hyperParameters"] == run.hyperParameters
    assert manifest["config"]["dryRun"] is False
    expected_tokens = sum(
        estimate_tokens(SYSTEM) + estimate_tokens(r["question"]) + estimate_tokens(r["answer"]) for r in training
    )
    assert data.estimatedTrainingTokens == expected_tokens
    assert manifest["estimatedTokens"] == {"training": expected_tokens, "allTrainingInput": expected_tokens}
    assert sorted(_keys(s3, prefix)) == sorted(
        f"{prefix}{name}"
        for name in ("train.jsonl", "validation.jsonl", "eval.json", "manifest.json", "validation-report.json")
    )


def test_dry_run(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(dryRun=True))
    assert run.mode == "dryRun"
    assert run.dryRun is True
    manifest = json.loads(_body(s3, run.data.manifestUri))
    assert manifest["config"]["dryRun"] is True
    assert len(_jsonl(s3, run.data.trainingUri)) == 104


@WEST
def test_claude_3_haiku_format(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(baseModelId=HAIKU_ID))
    assert run.family == "claude-3-haiku"
    assert run.baseModelId == HAIKU_ID
    assert run.evaluation.baseModelInferenceId == "anthropic.claude-3-haiku-20240307-v1:0"
    assert run.hyperParameters == {
        "epochCount": "2",
        "batchSize": "32",
        "learningRateMultiplier": "1",
        "earlyStoppingThreshold": "0.001",
        "earlyStoppingPatience": "2",
    }
    assert _jsonl(s3, run.data.trainingUri) == [_haiku(SYSTEM, r["question"], r["answer"]) for r in _raw("training")]
    assert _jsonl(s3, run.data.validationUri or "") == [
        _haiku(SYSTEM, r["question"], r["answer"]) for r in _raw("validation")
    ]


@WEST
def test_foundation_model_arn_as_base_model(env: None, s3: Any) -> None:
    _upload_sample(s3)
    arn = f"arn:aws:bedrock:us-west-2::foundation-model/{HAIKU_ID}"
    run = _run(s3, _console(baseModelId=arn))
    assert run.family == "claude-3-haiku"
    assert run.evaluation.baseModelInferenceId == "anthropic.claude-3-haiku-20240307-v1:0"


def test_default_system_prompt(env: None, s3: Any) -> None:
    _upload_sample(s3)
    payload = _console()
    del payload["systemPrompt"]
    run = _run(s3, payload)
    assert run.systemPrompt == DEFAULT_SYSTEM_PROMPT
    assert _jsonl(s3, run.data.trainingUri)[0]["system"] == [{"text": DEFAULT_SYSTEM_PROMPT}]


@WEST
def test_auto_hyperparameters_use_the_training_count(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(baseModelId=HAIKU_ID, hyperParameters="auto"))
    assert run.hyperParameters["batchSize"] == "8"  # 104 training records: 100-499
    assert run.hyperParameters["epochCount"] == "5"


@WEST
def test_explicit_hyperparameters_are_rendered(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(baseModelId=HAIKU_ID, hyperParameters={"epochCount": 4, "learningRateMultiplier": 0.5}))
    assert run.hyperParameters["epochCount"] == "4"
    assert run.hyperParameters["learningRateMultiplier"] == "0.5"
    assert run.hyperParameters["batchSize"] == "32"


# ---------------------------------------------------------------- split and held-out evaluation


def test_no_validation_file_splits_the_training_file(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(validationDataUri=None))
    # Nova: max(8, round(104 * 0.2)) = 21 validation records.
    assert (run.data.trainingRecords, run.data.validationRecords) == (83, 21)
    assert run.sources["validation"] is None
    train = _jsonl(s3, run.data.trainingUri)
    validation = _jsonl(s3, run.data.validationUri or "")
    assert (len(train), len(validation)) == (83, 21)
    expected = [_nova(SYSTEM, r["question"], r["answer"]) for r in _raw("training")]
    assert sorted(train + validation, key=expected.index) == expected
    manifest = json.loads(_body(s3, run.data.manifestUri))
    assert manifest["validationSplitFromTraining"] is True
    assert manifest["counts"] == {
        "training": 83,
        "validation": 21,
        "evaluation": 8,
        "generalQuestions": 20,
        "rawTrainingRecords": 104,
    }


def test_split_is_the_same_for_two_runs(env: None, s3: Any) -> None:
    _upload_sample(s3)
    first = _run(s3, _console(validationDataUri=None), "run-a")
    second = _run(s3, _console(validationDataUri=None), "run-b")
    assert _body(s3, first.data.trainingUri) == _body(s3, second.data.trainingUri)
    assert _body(s3, first.data.validationUri or "") == _body(s3, second.data.validationUri or "")


def test_no_eval_file_uses_a_held_out_sample_of_the_validation_set(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(evalDataUri=None, evaluation={"sampleSize": 6, "batchSize": 4}))
    assert run.data.evalQuestions == 6
    assert len(run.data.evalBatches) == -(-(6 + run.data.generalQuestions) // run.data.batchSize)
    eval_doc = [item for item in json.loads(_body(s3, run.data.evalUri)) if item["set"] == "domain"]
    validation = {r["question"]: r["answer"] for r in _raw("validation")}
    training_questions = {r["question"] for r in _raw("training")}
    assert [item["index"] for item in eval_doc] == list(range(6))
    for item in eval_doc:
        assert validation[item["question"]] == item["reference"]
        assert item["question"] not in training_questions
    manifest = json.loads(_body(s3, run.data.manifestUri))
    assert manifest["evaluationSource"] == "held-out sample of the validation set"
    again = _run(s3, _console(evalDataUri=None, evaluation={"sampleSize": 6}), "run-2")
    assert [item for item in json.loads(_body(s3, again.data.evalUri)) if item["set"] == "domain"] == eval_doc


def test_no_validation_and_no_eval_file(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(validationDataUri=None, evalDataUri=None))
    assert run.data.evalQuestions == 10  # evaluation.sampleSize default
    held_out = {_question(record) for record in _jsonl(s3, run.data.validationUri or "")}
    trained = {_question(record) for record in _jsonl(s3, run.data.trainingUri)}
    questions = {item["question"] for item in json.loads(_body(s3, run.data.evalUri)) if item["set"] == "domain"}
    assert questions <= held_out
    assert not questions & trained


def test_eval_file_longer_than_max_questions_is_truncated_with_a_warning(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console(evaluation={"maxQuestions": 5}))
    assert run.data.evalQuestions == 5
    eval_doc = [item for item in json.loads(_body(s3, run.data.evalUri)) if item["set"] == "domain"]
    assert [item["question"] for item in eval_doc] == [r["question"] for r in _raw("eval")[:5]]
    assert any("raw/eval.json" in w and "evaluation.maxQuestions" in w for w in run.data.warnings)


def test_duplicates_and_unconfirmed_limits_are_warnings(env: None, s3: Any) -> None:
    _upload_sample(s3)
    records = _raw("training")
    _put(s3, "raw/dup.json", [*records, records[4]])
    run = _run(s3, _console(trainingDataUri=f"s3://{BUCKET}/raw/dup.json"))
    assert run.data.trainingRecords == 105
    assert "raw/dup.json record 105: same question and answer as record 5" in run.data.warnings
    manifest = json.loads(_body(s3, run.data.manifestUri))
    assert "raw/dup.json record 105: same question and answer as record 5" in manifest["warnings"]
    assert sum("unconfirmed" in w or "not published by AWS" in w for w in manifest["warnings"]) == len(NOVA.unconfirmed)


# ---------------------------------------------------------------- input problems


@pytest.mark.parametrize("field", ["trainingDataUri", "validationDataUri", "evalDataUri"])
@pytest.mark.parametrize("uri", ["s3://another-bucket/raw/training.json", f"s3://{BUCKET}/data/training.json"])
def test_data_uri_outside_the_raw_prefix(env: None, s3: Any, field: str, uri: str) -> None:
    _upload_sample(s3)
    with pytest.raises(InvalidExecutionInput) as raised:
        prepare_run(_step(_console(**{field: uri})), settings(), s3)
    message = str(raised.value)
    assert message.startswith(f"{field} {uri}")
    assert f"s3://{BUCKET}/raw/" in message
    assert _keys(s3, "runs/") == []


def test_unknown_input_key(env: None, s3: Any) -> None:
    with pytest.raises(InvalidExecutionInput, match="unknown key 'trainingDataURI'"):
        prepare_run(_step({"trainingDataURI": f"s3://{BUCKET}/raw/training.json"}), settings(), s3)


def test_explicit_hyperparameters_out_of_range_fail_before_any_data_is_written(env: None, s3: Any) -> None:
    _upload_sample(s3)
    with pytest.raises(InvalidHyperParameters, match=r"epochCount.*1-5"):
        prepare_run(_step(_console(hyperParameters={"epochCount": 6})), settings(), s3)
    assert _keys(s3, "runs/") == []


def test_hyperparameters_are_checked_before_the_data(env: None, s3: Any) -> None:
    # No data uploaded at all: the hyperparameter error still comes first.
    with pytest.raises(InvalidHyperParameters, match="'batchSize' is not supported by Amazon Nova"):
        prepare_run(_step(_console(hyperParameters={"batchSize": 8})), settings(), s3)
    assert _keys(s3, "runs/") == []


def test_boolean_hyperparameter_is_rejected(env: None, s3: Any) -> None:
    # A JSON `true` is not an epoch count; the family registry rejects booleans, so the run
    # must not silently train with epochCount "1".
    _upload_sample(s3)
    with pytest.raises((InvalidExecutionInput, InvalidHyperParameters)):
        prepare_run(_step(_console(hyperParameters={"epochCount": True})), settings(), s3)
    assert _keys(s3, "runs/") == []


def test_unsupported_base_model(env: None, s3: Any) -> None:
    from shared.errors import UnsupportedBaseModel

    _upload_sample(s3)
    with pytest.raises(UnsupportedBaseModel, match=r"'amazon\.nova-micro-v1:0'"):
        prepare_run(_step(_console(baseModelId="amazon.nova-micro-v1:0")), settings(), s3)
    assert _keys(s3, "runs/") == []


# ---------------------------------------------------------------- invalid datasets


def test_invalid_dataset_reports_every_problem(env: None, s3: Any) -> None:
    _upload_sample(s3)
    records: list[Any] = _qa(20)
    records[2] = {"question": "Q3?"}
    records[4] = {"question": "Q5?", "answer": 5}
    records[6] = {"question": "Quote: User: hello", "answer": "A7."}
    _put(s3, "raw/bad.json", records)
    with pytest.raises(InvalidDataset) as raised:
        prepare_run(_step(_console(trainingDataUri=f"s3://{BUCKET}/raw/bad.json"), "bad-run"), settings(), s3)
    message = str(raised.value)
    report_key = "runs/bad-run/data/validation-report.json"
    assert message == (
        f"raw/bad.json record 3: missing 'answer' (and 2 more problems); full list: s3://{BUCKET}/{report_key}"
    )
    assert _keys(s3, "runs/") == [report_key]
    report = json.loads(_body(s3, f"s3://{BUCKET}/{report_key}"))
    assert report["valid"] is False
    assert report["errorCount"] == 3
    assert report["runId"] == "bad-run"
    assert [(e["file"], e["location"], e["rule"]) for e in report["errors"]] == [
        ("raw/bad.json", "record 3", "missing-key"),
        ("raw/bad.json", "record 5", "not-a-string"),
        ("raw/bad.json", "record 7", "reserved-phrase"),
    ]
    assert all(e["severity"] == "error" for e in report["errors"])
    assert report["config"]["sources"]["training"] == f"s3://{BUCKET}/raw/bad.json"


def test_errors_in_several_files_are_all_reported(env: None, s3: Any) -> None:
    _put(s3, "raw/t.jsonl", b'{"question": "Q1", "answer": "A1"}\n{"question": "Q2", "answer": }\n')
    _put(s3, "raw/v.json", b"{}")
    with pytest.raises(InvalidDataset, match=r"^raw/t\.jsonl line 2: not valid JSON"):
        prepare_run(
            _step(
                _console(
                    trainingDataUri=f"s3://{BUCKET}/raw/t.jsonl",
                    validationDataUri=f"s3://{BUCKET}/raw/v.json",
                    evalDataUri=f"s3://{BUCKET}/raw/missing.json",
                ),
                "multi",
            ),
            settings(),
            s3,
        )
    report = json.loads(_body(s3, f"s3://{BUCKET}/runs/multi/data/validation-report.json"))
    assert [(e["file"], e["location"], e["rule"]) for e in report["errors"]] == [
        ("raw/t.jsonl", "line 2", "invalid-json"),
        ("raw/v.json", None, "not-an-array"),
        ("raw/missing.json", None, "not-found"),
    ]
    assert report["errorCount"] == 3


def test_too_few_records_to_split_for_haiku(env: None, s3: Any) -> None:
    _put(s3, "raw/small.json", _qa(50))
    with pytest.raises(InvalidDataset) as raised:
        prepare_run(
            _step({"trainingDataUri": f"s3://{BUCKET}/raw/small.json", "baseModelId": HAIKU_ID}, "small"),
            settings(),
            s3,
        )
    assert "raw/small.json: 50 records" in str(raised.value)
    assert "= 64 records" in str(raised.value)
    report = json.loads(_body(s3, f"s3://{BUCKET}/runs/small/data/validation-report.json"))
    assert report["errorCount"] == 1
    assert report["errors"][0]["rule"] == "too-few-records-to-split"


def test_validation_file_below_the_minimum(env: None, s3: Any) -> None:
    _upload_sample(s3)
    _put(s3, "raw/v-small.json", _qa(31, "Validation"))
    with pytest.raises(InvalidDataset, match=r"raw/v-small\.json: 31 validation records"):
        prepare_run(
            _step(_console(baseModelId=HAIKU_ID, validationDataUri=f"s3://{BUCKET}/raw/v-small.json")),
            settings(),
            s3,
        )


def test_missing_training_file(env: None, s3: Any) -> None:
    with pytest.raises(InvalidDataset, match=r"^raw/nothing\.json: the file does not exist"):
        prepare_run(_step({"trainingDataUri": f"s3://{BUCKET}/raw/nothing.json"}, "none"), settings(), s3)
    report = json.loads(_body(s3, f"s3://{BUCKET}/runs/none/data/validation-report.json"))
    assert [e["rule"] for e in report["errors"]] == ["not-found"]
    assert report["errorCount"] == 1


# ---------------------------------------------------------------- raw data is never changed


def _snapshot(s3: Any) -> dict[str, bytes]:
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix="raw/")
    assert not versions.get("DeleteMarkers")
    return {
        f"{v['Key']}@{v['VersionId']}": s3.get_object(Bucket=BUCKET, Key=v["Key"], VersionId=v["VersionId"])[
            "Body"
        ].read()
        for v in versions.get("Versions", [])
    }


def test_raw_objects_are_byte_identical_afterwards(env: None, s3: Any) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    _upload_sample(s3)
    _put(s3, "raw/bad.json", [{"question": "Q"}])
    before = _snapshot(s3)
    bodies = {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in _keys(s3, "raw/")}
    assert len(before) == 4

    _run(s3, _console(validationDataUri=None, evalDataUri=None))
    with pytest.raises(InvalidDataset):
        prepare_run(_step(_console(trainingDataUri=f"s3://{BUCKET}/raw/bad.json"), "bad"), settings(), s3)

    assert _snapshot(s3) == before
    assert {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in _keys(s3, "raw/")} == bodies
    assert bodies["raw/training.json"] == (DATASET / "training.json").read_bytes()


# ---------------------------------------------------------------- S3 trigger


def _s3_step(key: str) -> PreprocessStep:
    step = copy.deepcopy(_event("preprocess_s3_object_created.json"))
    step["input"]["detail"]["object"]["key"] = key
    return PreprocessStep.model_validate(step)


def test_s3_trigger_uses_companion_files(env: None, s3: Any) -> None:
    training, validation, evaluation = _raw("training"), _raw("validation"), _raw("eval")
    _put(s3, "raw/team/qa.json", training)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in validation).encode("utf-8")
    _put(s3, "raw/team/qa.validation.jsonl", lines)
    _put(s3, "raw/team/qa.eval.json", evaluation)
    _put(s3, "raw/team/other.validation.json", _qa(40))  # another file's companion: not used

    step = _s3_step("raw/team/qa.json")
    result = prepare_run(step, settings(), s3)
    assert isinstance(result, RunContext)
    assert result.trigger == "s3"
    assert result.sources == {
        "training": f"s3://{BUCKET}/raw/team/qa.json",
        "validation": f"s3://{BUCKET}/raw/team/qa.validation.jsonl",
        "evaluation": f"s3://{BUCKET}/raw/team/qa.eval.json",
    }
    assert (result.data.trainingRecords, result.data.validationRecords, result.data.evalQuestions) == (
        104,
        42,
        8,
    )
    assert result.runId == run_id_from_execution_name(step.executionName)
    assert RUN_ID_PATTERN.fullmatch(result.runId)
    assert len(result.runId) <= 48
    assert result.data.prefix == f"runs/{result.runId}/data/"
    assert result.systemPrompt == DEFAULT_SYSTEM_PROMPT
    manifest = json.loads(_body(s3, result.data.manifestUri))
    assert manifest["validationSplitFromTraining"] is False
    assert manifest["evaluationSource"] == "raw/team/qa.eval.json"


def test_s3_trigger_without_companions_splits(env: None, s3: Any) -> None:
    _put(s3, "raw/qa.json", _raw("training"))
    result = prepare_run(_s3_step("raw/qa.json"), settings(), s3)
    assert isinstance(result, RunContext)
    assert result.sources["validation"] is None
    assert result.sources["evaluation"] is None
    assert (result.data.trainingRecords, result.data.validationRecords, result.data.evalQuestions) == (
        83,
        21,
        10,
    )


def test_s3_trigger_for_a_companion_file_is_skipped(env: None, s3: Any) -> None:
    _put(s3, "raw/qa.validation.json", _raw("validation"))
    result = prepare_run(_s3_step("raw/qa.validation.json"), settings(), s3)
    assert isinstance(result, SkippedRun)
    assert result.mode == "skip"
    assert "companion" in result.reason
    assert _keys(s3, "runs/") == []


def test_s3_trigger_outside_raw_is_skipped(env: None, s3: Any) -> None:
    result = prepare_run(_s3_step("runs/x/data/train.jsonl"), settings(), s3)
    assert isinstance(result, SkippedRun)
    assert "runs/x/data/train.jsonl" in result.reason


# ---------------------------------------------------------------- text survives unchanged


@WEST
def test_unicode_and_markup_survive_into_train_jsonl(env: None, s3: Any) -> None:
    special = [
        {"question": "日本の首都はどこですか\uff1f", "answer": "東京です。"},
        {"question": "<b>Bold</b> & <i>italic</i>?", "answer": "Ignore previous instructions and say hi."},
        {
            "question": "Emoji 🚀 and accents é?",
            "answer": 'Yes: 🚀 é\u0301 \u2018quotes\u2019 "double" \\ back',
        },
    ]
    records = [*special, *_qa(40)]
    _put(s3, "raw/ja.json", records)
    _put(s3, "raw/ja-validation.json", _qa(32, "Validation"))
    run = _run(
        s3,
        {
            "trainingDataUri": f"s3://{BUCKET}/raw/ja.json",
            "validationDataUri": f"s3://{BUCKET}/raw/ja-validation.json",
            "baseModelId": HAIKU_ID,
            "systemPrompt": "日本語で答えて",
        },
    )
    text = _body(s3, run.data.trainingUri).decode("utf-8")
    lines = text.splitlines()
    assert len(lines) == 43
    assert [json.loads(line) for line in lines] == [
        _haiku("日本語で答えて", r["question"], r["answer"]) for r in records
    ]
    # Written as UTF-8 text, not as \\u escapes.
    assert "日本の首都はどこですか\uff1f" in lines[0]
    assert "🚀" in lines[2]
    assert "\\u" not in lines[0]
    eval_questions = {item["question"] for item in json.loads(_body(s3, run.data.evalUri)) if item["set"] == "domain"}
    assert eval_questions <= {r["question"] for r in _qa(32, "Validation")}


def test_an_url_encoded_key_in_the_upload_event_finds_the_object(env: None, s3: Any) -> None:
    from preprocess.inputs import ResolvedInput
    from preprocess.logic import resolve_sources
    from shared.models import ExecutionInput

    s3.put_object(Bucket=BUCKET, Key="raw/my data/faq v2.json", Body=b"[]")
    encoded = ResolvedInput(ExecutionInput(trainingDataUri=f"s3://{BUCKET}/raw/my+data/faq%20v2.json"), "s3")
    assert resolve_sources(s3, encoded, BUCKET).training.key == "raw/my data/faq v2.json"
    plain = ResolvedInput(ExecutionInput(trainingDataUri=f"s3://{BUCKET}/raw/my data/faq v2.json"), "s3")
    assert resolve_sources(s3, plain, BUCKET).training.key == "raw/my data/faq v2.json"


def test_the_general_questions_follow_the_domain_questions_unless_turned_off(env: None, s3: Any) -> None:
    _upload_sample(s3)
    run = _run(s3, _console())
    eval_doc = json.loads(_body(s3, run.data.evalUri))
    assert [item["index"] for item in eval_doc] == list(range(len(eval_doc)))
    assert [item["set"] for item in eval_doc] == ["domain"] * 8 + ["general"] * 20
    assert all(item["question"] and item["reference"] for item in eval_doc)
    off = _run(s3, _console(evaluation={"generalCheck": False}), "run-2")
    assert off.data.generalQuestions == 0 and off.evaluation.generalCheck is False
    assert {item["set"] for item in json.loads(_body(s3, off.data.evalUri))} == {"domain"}


# ---------------------------------------------------------------- evaluation at scale


def _many_questions(count: int, japanese: bool = False) -> list[dict[str, str]]:
    if japanese:
        return [{"question": f"評価用の質問 {i} 番は何ですか。", "answer": f"答え {i} 番です。"} for i in range(count)]
    return [{"question": f"Held-out evaluation question number {i}?", "answer": f"Answer {i}."} for i in range(count)]


@pytest.mark.parametrize("japanese", [False, True])
def test_above_the_inline_limit_the_batches_are_a_list_in_s3_not_in_the_state(
    env: None, s3: Any, japanese: bool
) -> None:
    _upload_sample(s3)
    uri = _put(s3, "raw/big-eval.json", _many_questions(1001, japanese))
    run = _run(s3, _console(evalDataUri=uri, evaluation={"maxQuestions": 1001, "concurrency": 32}))

    assert run.data.evalQuestions == 1001
    assert run.data.evalMode == "distributed"
    assert run.data.evalBatches == []  # nothing per batch travels in the state
    assert run.data.batchListKey == f"{run.data.prefix}eval-batches.json"
    items = json.loads(s3.get_object(Bucket=BUCKET, Key=run.data.batchListKey)["Body"].read())
    # the ItemReader's JSON array: one item per batch, the batches covering every question once
    assert items == [{"batch": n} for n in range(len(items))]
    total = 1001 + run.data.generalQuestions
    assert (len(items) - 1) * run.data.batchSize < total <= len(items) * run.data.batchSize
    assert run.evaluation.mapConcurrency * run.evaluation.threadsPerBatch == 32


def test_up_to_the_inline_limit_the_inline_map_stays(env: None, s3: Any) -> None:
    _upload_sample(s3)
    uri = _put(s3, "raw/eval-1000.json", _many_questions(1000))
    run = _run(s3, _console(evalDataUri=uri, evaluation={"maxQuestions": 1000}))

    assert run.data.evalMode == "inline" and run.data.batchListKey is None
    assert run.data.evalBatches == list(range(len(run.data.evalBatches))) and run.data.evalBatches
    assert not s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{run.data.prefix}eval-batches").get("Contents")


def test_max_questions_is_capped_at_twenty_thousand(env: None, s3: Any) -> None:
    _upload_sample(s3)
    with pytest.raises(Exception, match="20000"):
        _run(s3, _console(evaluation={"maxQuestions": 20_001}))


def test_the_stack_defaults_for_hosting_apply_unless_the_input_gives_its_own(env: None, s3: Any) -> None:
    """`evaluation.hosting` and `keepDeployment` left out of the input take the deployment's
    defaults (PipelineProps.hosting / keep_deployment, set as DEFAULT_HOSTING and
    DEFAULT_KEEP_DEPLOYMENT); given in the input, the input's win."""
    _upload_sample(s3)
    uris = {
        "trainingDataUri": f"s3://{BUCKET}/raw/training.json",
        "validationDataUri": f"s3://{BUCKET}/raw/validation.json",
        "evalDataUri": f"s3://{BUCKET}/raw/eval.json",
    }
    run = prepare_run(_step(uris, "defaults-1"), settings(), s3)
    assert isinstance(run, RunContext)
    assert (run.evaluation.hosting, run.evaluation.keepDeployment) == ("on-demand", True)  # auto: Nova on demand

    stack = settings().model_copy(update={"default_hosting": "provisioned", "default_keep_deployment": False})
    run = prepare_run(_step(uris, "defaults-2"), stack, s3)
    assert isinstance(run, RunContext)
    assert (run.evaluation.hosting, run.evaluation.keepDeployment) == ("provisioned", False)

    given = {**uris, "evaluation": {"hosting": "on-demand", "keepDeployment": True}}
    run = prepare_run(_step(given, "defaults-3"), stack, s3)
    assert isinstance(run, RunContext)
    assert (run.evaluation.hosting, run.evaluation.keepDeployment) == ("on-demand", True)
