# ruff: noqa: RUF001, RUF003  (full-width letters, digits and marks are the point of these tests)
"""Leakage of training questions into evaluation, and contradicting training answers
(preprocess/leakage.py), alone and inside PreprocessDataset."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from preprocess.leakage import (
    NEAR_THRESHOLD,
    TrainingIndex,
    contradictions,
    find_leaks,
    gram_size,
    ngrams,
    normalize_question,
)
from preprocess.logic import prepare_run
from preprocess.raw_data import QAPair
from shared.errors import InvalidDataset
from shared.models import PreprocessStep, RunContext
from shared.settings import settings


def _jaccard(a: str, b: str) -> float:
    first, second = ngrams(normalize_question(a), gram_size(a)), ngrams(normalize_question(b), gram_size(b))
    return len(first & second) / len(first | second)


def _numbers(question: str) -> list[str]:
    return re.findall(r"\d+", normalize_question(question))


def _pairs(questions: list[str], prefix: str = "record") -> list[QAPair]:
    return [QAPair(q, f"answer {i}", f"{prefix} {i + 1}") for i, q in enumerate(questions)]


def test_normalization_folds_width_case_spaces_and_punctuation() -> None:
    assert normalize_question("What's the DEFAULT  epoch count?") == "whatsthedefaultepochcount"
    assert (
        normalize_question("ＡＷＳの　エポック数は？") == normalize_question("awsのエポック数は") == "awsのエポック数は"
    )
    assert gram_size("エポック数は？") == 3 and gram_size("How many epochs?") == 5


NEAR_COPIES = [
    (
        "Amazon Bedrockでファインチューニングできるモデルは何ですか？",
        "Amazon Bedrock でファインチューニングできるモデルはどれですか",
    ),
    ("東京タワーの高さは何メートルですか", "東京タワーの高さは何メートル？"),
    (
        "What is the default number of epochs for Nova Micro fine-tuning?",
        "What is the default number of epochs for Nova Micro fine-tuning jobs?",
    ),
]
DIFFERENT = [
    ("東京タワーの高さは何メートルですか", "スカイツリーの高さは何メートルですか"),
    (
        "ファインチューニングのデフォルトのエポック数はいくつですか？",
        "ファインチューニングの学習率のデフォルトはいくつですか？",
    ),
    ("What is the default number of epochs for fine-tuning?", "What is the default learning rate for fine-tuning?"),
    ("How long does a customization job take?", "How much does a customization job cost?"),
    # different numbers: different questions, however alike
    ("What is fact number 12 about fine-tuning on Bedrock?", "What is fact number 13 about fine-tuning on Bedrock?"),
    (
        "質問1: Bedrock のファインチューニングで使うリージョンはどこですか?",
        "質問2: Bedrock のファインチューニングで使うリージョンはどこですか?",
    ),
    # a re-worded question (one verb swapped), as in the bundled evaluation set: a paraphrase, kept
    (
        "Which EventBridge detail field contains the customization job status?",
        "Which EventBridge detail field holds the customization job status?",
    ),
]


@pytest.mark.parametrize(("training", "other"), NEAR_COPIES)
def test_near_copies_are_at_or_above_the_threshold(training: str, other: str) -> None:
    assert _jaccard(training, other) >= NEAR_THRESHOLD
    (match,) = find_leaks(TrainingIndex(_pairs([training])), _pairs([other], "eval"))
    assert (match.kind, match.trainingLocation, match.location) == ("near", "record 1", "eval 1")
    assert match.similarity == pytest.approx(_jaccard(training, other), abs=1e-4)


@pytest.mark.parametrize(("training", "other"), DIFFERENT)
def test_different_questions_are_not_matched(training: str, other: str) -> None:
    if not any(char.isdigit() for char in training):
        assert _jaccard(training, other) < NEAR_THRESHOLD
    assert find_leaks(TrainingIndex(_pairs([training])), _pairs([other], "eval")) == []


def test_exact_matches_after_normalization() -> None:
    index = TrainingIndex(_pairs(["What is the default?", "東京は日本の首都ですか？"]))
    found = find_leaks(
        index, _pairs(["what is the DEFAULT", "東京は日本の首都ですか", "Something else entirely?"], "e")
    )
    assert [(m.location, m.trainingLocation, m.kind, m.similarity) for m in found] == [
        ("e 1", "record 1", "exact", 1.0),
        ("e 2", "record 2", "exact", 1.0),
    ]


def test_the_index_finds_the_same_matches_as_comparing_every_pair() -> None:
    # prefix filtering is exact: a brute-force comparison finds nothing it misses
    words = [
        "model",
        "job",
        "epoch",
        "rate",
        "token",
        "region",
        "quota",
        "price",
        "data",
        "set",
        "record",
        "answer",
        "question",
    ]
    training = [
        f"What {words[i % 13]} does {words[(i * 7) % 13]} use for {words[(i * 5) % 13]} {i % 4}?" for i in range(60)
    ]
    others = (
        [q.replace("?", " ok?") for q in training[:20]]
        + [q.replace("What", "Which") for q in training[20:30]]
        + [f"How is {w} billed?" for w in words]
    )
    index = TrainingIndex(_pairs(training))
    found = {m.location for m in find_leaks(index, _pairs(others, "e"))}
    brute = {
        f"e {j + 1}"
        for j, other in enumerate(others)
        if any(
            normalize_question(other) == normalize_question(t)
            or (_jaccard(t, other) >= NEAR_THRESHOLD and _numbers(t) == _numbers(other))
            for t in training
        )
    }
    assert found == brute and found


def test_a_repeated_question_with_a_different_answer_is_a_contradiction() -> None:
    pairs = [
        QAPair("デフォルトのエポック数は？", "2です。", "record 1"),
        QAPair("Other?", "x", "record 2"),
        QAPair("デフォルトの エポック数は", "2 です", "record 3"),  # same answer once normalized
        QAPair("デフォルトのエポック数は?", "5です。", "record 4"),
    ]
    (found,) = contradictions(pairs)
    assert (found.location, found.otherLocation) == ("record 4", "record 1")


# ---------------------------------------------------------------- inside PreprocessDataset

JA_TRAINING = [
    (
        "Amazon Bedrockでファインチューニングできるモデルは何ですか？",
        "Nova Micro、Nova Lite、Claude 3 Haiku などです。",
    ),
    ("学習データはどの形式でアップロードしますか？", "JSON Lines 形式で S3 にアップロードします。"),
    ("デフォルトのエポック数はいくつですか？", "2 エポックです。"),
    ("プロビジョンドスループットの料金はどう計算されますか？", "モデルユニットごとの時間単位で課金されます。"),
    ("検証データは必須ですか？", "いいえ、省略すると学習データから分割されます。"),
    ("カスタマイズジョブの状態はどこで確認できますか？", "EventBridge のイベントで確認します。"),
    ("学習率を変更するにはどうすればよいですか？", "hyperParameters の learningRate を指定します。"),
    ("評価にはどのジャッジモデルを使いますか？", "既定では Nova Pro を使います。"),
    ("カスタムモデルを削除する方法は？", "DeleteCustomModel を呼び出します。"),
    ("1レコードあたりの最大トークン数はいくつですか？", "モデルファミリーごとに異なります。"),
]
JA_NEW = [
    ("東京リージョンでファインチューニングは使えますか？", "モデルによって異なります。"),
    ("ジョブが失敗したときの原因はどこに記録されますか？", "failureMessage に記録されます。"),
    ("オンデマンド推論とは何ですか？", "時間単位の購入なしでトークン単位で課金される推論です。"),
    ("蒸留とはどのような手法ですか？", "大きなモデルの回答で小さなモデルを学習させる手法です。"),
    ("バッチサイズは変更できますか？", "ファミリーによっては固定です。"),
]
JA_LEAKED = [
    ("ＤＥＦＡＵＬＴ？ デフォルトのエポック数はいくつですか", "2"),  # not a copy: a different question
    ("デフォルトの　エポック数は　いくつですか", "2 エポック"),  # exact once normalized (record 3)
    ("Amazon Bedrock でファインチューニングできるモデルはどれですか", "Nova です。"),  # near copy of record 1
]


def _records(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"question": q, "answer": a} for q, a in pairs]


def _validation() -> list[dict[str, str]]:
    return [
        {"question": f"検証用の質問 {word} について教えてください", "answer": "はい。"} for word in "甲乙丙丁戊己庚辛"
    ]


def _put(s3: Any, key: str, records: Any) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(records, ensure_ascii=False).encode("utf-8"))
    return f"s3://{BUCKET}/{key}"


def _input(
    s3: Any, questions: list[tuple[str, str]], training: list[tuple[str, str]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "trainingDataUri": _put(s3, "raw/ja/training.json", _records(training or JA_TRAINING)),
        "validationDataUri": _put(s3, "raw/ja/validation.json", _validation()),
        "evalDataUri": _put(s3, "raw/ja/eval.json", _records(questions)),
        **extra,
    }


def _prepare(s3: Any, payload: dict[str, Any]) -> Any:
    step = PreprocessStep(
        input=payload,
        executionName="leak-run",
        executionArn="arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:leak-run",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )
    return prepare_run(step, settings(), s3)


def _json(s3: Any, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


PREFIX = "runs/leak-run/data/"


def test_leaked_evaluation_questions_are_removed_and_listed(env: None, s3: Any) -> None:
    run = _prepare(s3, _input(s3, JA_NEW + JA_LEAKED))
    assert isinstance(run, RunContext)
    assert run.data.evalQuestions == 6  # 5 new + the one that only shares words
    questions = [item["question"] for item in _json(s3, f"{PREFIX}eval.json") if item.get("set") != "general"]
    assert JA_LEAKED[1][0] not in questions and JA_LEAKED[2][0] not in questions and JA_LEAKED[0][0] in questions
    report = _json(s3, f"{PREFIX}validation-report.json")
    removed = report["leakage"]["removed"]
    assert [(m["location"], m["trainingLocation"], m["kind"]) for m in removed] == [
        ("record 7", "record 3", "exact"),
        ("record 8", "record 1", "near"),
    ]
    assert [w["rule"] for w in report["warnings"]].count("eval-leak-removed") == 2
    manifest = _json(s3, f"{PREFIX}manifest.json")
    assert manifest["leakage"]["removed"] == removed and manifest["leakage"]["allowLeakage"] is False
    assert any("removed from the evaluation set" in w for w in run.data.warnings)


def test_allow_leakage_keeps_and_marks_them(env: None, s3: Any) -> None:
    run = _prepare(s3, _input(s3, JA_NEW + JA_LEAKED, evaluation={"allowLeakage": True}))
    assert isinstance(run, RunContext) and run.data.evalQuestions == 8 and run.evaluation.allowLeakage
    items = {item["question"]: item for item in _json(s3, f"{PREFIX}eval.json")}
    assert items[JA_LEAKED[1][0]]["leakedFrom"]["trainingLocation"] == "record 3"
    assert "leakedFrom" not in items[JA_NEW[0][0]]
    assert len(_json(s3, f"{PREFIX}manifest.json")["leakage"]["kept"]) == 2


def test_too_few_questions_left_after_removal_refuses_the_run(env: None, s3: Any) -> None:
    with pytest.raises(InvalidDataset, match=r"2 evaluation question\(s\) repeat training questions .* leaving 3"):
        _prepare(s3, _input(s3, JA_NEW[:3] + JA_LEAKED[1:]))
    report = _json(s3, f"{PREFIX}validation-report.json")
    assert report["errors"][0]["rule"] == "too-few-after-leakage" and len(report["leakage"]["removed"]) == 2


def test_a_contradicting_training_answer_is_a_warning_naming_both_records(env: None, s3: Any) -> None:
    training = [*JA_TRAINING, ("デフォルトのエポック数はいくつですか", "5 エポックです。")]
    run = _prepare(s3, _input(s3, JA_NEW, training=training))
    assert isinstance(run, RunContext)
    (warning,) = [w for w in run.data.warnings if "different answer" in w]
    assert "record 11" in warning and "record 3" in warning


def test_the_manifest_and_the_quote_count_the_same_japanese_training_tokens(env: None, s3: Any) -> None:
    run = _prepare(s3, _input(s3, JA_NEW, systemPrompt="簡潔に答えてください。"))
    assert isinstance(run, RunContext)
    manifest = _json(s3, f"{PREFIX}manifest.json")
    tokens = manifest["estimatedTokens"]["training"]
    epochs = int(run.hyperParameters["epochCount"])
    training_part = next(part for part in run.costQuote.parts if part.name == "training")
    assert training_part.quantities["tokens"] == tokens * epochs
    assert run.data.estimatedTrainingTokens == tokens
    # by hand for the first record: system 簡潔に答えてください。 = 11 Japanese characters -> 11;
    # the question: "Amazon Bedrock" 14 ASCII -> 2.33, and 23 Japanese characters (で, ファインチューニング,
    # できる, モデル, は, 何, ですか, ？) -> 25.33 -> 26;
    # the answer: 34 ASCII ("Nova Micro", "Nova Lite", "Claude 3 Haiku ") -> 5.67, and 7 Japanese
    # (、 twice, など, です, 。) -> 12.67 -> 13
    from shared.tokens import record_tokens

    assert record_tokens("簡潔に答えてください。", *JA_TRAINING[0]) == 11 + 26 + 13
    assert tokens == sum(record_tokens("簡潔に答えてください。", q, a) for q, a in JA_TRAINING)
