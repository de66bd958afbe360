"""PreprocessDataset over moto with the formats people have: an Excel CSV in CP932 (refused
with the fix, read with sourceEncoding), chat records and their system prompt."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from preprocess.logic import DEFAULT_SYSTEM_PROMPT, prepare_run
from shared.errors import InvalidDataset
from shared.models import PreprocessStep, RunContext
from shared.settings import settings

DATASET = Path(__file__).resolve().parent.parent.parent / "dataset" / "rawdata"
JA = [
    (f"東京タワーの見学{i}回目の質問は何ですか", f"{i}回目の答えは展望台の高さ150メートルです。") for i in range(1, 41)
]


def _step(payload: dict[str, Any], name: str = "run-1") -> PreprocessStep:
    return PreprocessStep(
        input=payload,
        executionName=name,
        executionArn=f"arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:{name}",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )


def _excel_csv(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # what Excel writes
    writer.writerow(("question", "answer"))
    writer.writerows(rows)
    return out.getvalue()


def _body(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_a_cp932_csv_is_refused_with_the_encoding_and_the_fix(env: None, s3: Any) -> None:
    body = _excel_csv(JA).encode("cp932")
    s3.put_object(Bucket=BUCKET, Key="raw/excel.csv", Body=body)
    with pytest.raises(InvalidDataset) as raised:
        prepare_run(_step({"trainingDataUri": f"s3://{BUCKET}/raw/excel.csv"}, "sjis"), settings(), s3)
    message = str(raised.value)
    assert message.startswith("raw/excel.csv: not UTF-8 text (first at line 2); it looks like CP932")
    assert "iconv -f CP932 -t UTF-8" in message and '"sourceEncoding": "cp932"' in message
    assert _body(s3, "raw/excel.csv") == body


def test_a_cp932_csv_is_read_with_source_encoding(env: None, s3: Any) -> None:
    body = _excel_csv(JA).encode("cp932")
    s3.put_object(Bucket=BUCKET, Key="raw/excel.csv", Body=body)
    payload = {"trainingDataUri": f"s3://{BUCKET}/raw/excel.csv", "sourceEncoding": "cp932", "systemPrompt": ""}
    run = prepare_run(_step(payload, "sjis-ok"), settings(), s3)
    assert isinstance(run, RunContext)
    assert run.data.trainingRecords + run.data.validationRecords == len(JA)
    train = [json.loads(line) for line in _body(s3, f"{run.data.prefix}train.jsonl").decode("utf-8").splitlines()]
    questions = {record["messages"][0]["content"][0]["text"] for record in train}
    assert questions <= {question for question, _ in JA} and len(questions) == run.data.trainingRecords
    manifest = json.loads(_body(s3, f"{run.data.prefix}manifest.json"))
    assert manifest["config"]["formats"]["training"] == {
        "file": "csv",
        "records": "question/answer",
        "encoding": "cp932",
    }
    assert _body(s3, "raw/excel.csv") == body  # decoded in memory only


def _chat_lines(system: str | None, pairs: list[tuple[str, str]]) -> bytes:
    def record(question: str, answer: str) -> dict[str, Any]:
        head = [{"role": "system", "content": system}] if system else []
        return {"messages": [*head, {"role": "user", "content": question}, {"role": "assistant", "content": answer}]}

    return "".join(json.dumps(record(q, a), ensure_ascii=False) + "\n" for q, a in pairs).encode("utf-8")


def test_openai_chat_records_and_their_system_prompt_become_the_runs(env: None, s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="raw/chat.jsonl", Body=_chat_lines("日本語で簡潔に答える。", JA))
    run = prepare_run(_step({"trainingDataUri": f"s3://{BUCKET}/raw/chat.jsonl"}, "chat"), settings(), s3)
    assert isinstance(run, RunContext)
    assert run.systemPrompt == "日本語で簡潔に答える。"  # evaluation asks as training taught
    first = json.loads(_body(s3, f"{run.data.prefix}train.jsonl").decode("utf-8").splitlines()[0])
    assert first["system"] == [{"text": "日本語で簡潔に答える。"}]


def test_chat_records_without_a_common_system_prompt_keep_the_default(env: None, s3: Any) -> None:
    body = _chat_lines(None, JA[:20]) + _chat_lines("Be brief.", JA[20:])
    s3.put_object(Bucket=BUCKET, Key="raw/mixed.jsonl", Body=body)
    run = prepare_run(_step({"trainingDataUri": f"s3://{BUCKET}/raw/mixed.jsonl"}, "mixed"), settings(), s3)
    assert isinstance(run, RunContext)
    assert run.systemPrompt == DEFAULT_SYSTEM_PROMPT
    systems = {
        json.loads(line)["system"][0]["text"]
        for line in _body(s3, f"{run.data.prefix}train.jsonl").decode("utf-8").splitlines()
    }
    assert systems <= {DEFAULT_SYSTEM_PROMPT, "Be brief."} and len(systems) == 2


def test_conversations_in_the_evaluation_set_are_asked_alone_with_a_warning(env: None, s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="raw/train.json", Body=(DATASET / "training.json").read_bytes())
    turns = [
        {"role": "user", "content": "前の質問"},
        {"role": "assistant", "content": "前の答え"},
        {"role": "user", "content": "次の質問"},
        {"role": "assistant", "content": "次の答え"},
    ]
    s3.put_object(Bucket=BUCKET, Key="raw/eval.jsonl", Body=(json.dumps({"messages": turns}) + "\n").encode())
    payload = {"trainingDataUri": f"s3://{BUCKET}/raw/train.json", "evalDataUri": f"s3://{BUCKET}/raw/eval.jsonl"}
    run = prepare_run(_step(payload, "conv-eval"), settings(), s3)
    assert isinstance(run, RunContext)
    (question, *_) = json.loads(_body(s3, run.data.evalUri[len(f"s3://{BUCKET}/") :]))
    assert (question["question"], question["reference"]) == ("次の質問", "次の答え")
    assert any("asked as its last user message" in warning for warning in run.data.warnings)
