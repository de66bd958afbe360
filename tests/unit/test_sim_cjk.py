"""The simulated Bedrock works on Japanese (and other CJK) text as on English: the fine-tuned
model finds what it was trained on from a paraphrased question, the judge sees shared key terms,
embeddings point the same way for texts on the same topic, and token counts follow the script."""

# ruff: noqa: RUF001  (full-width punctuation is part of the Japanese text under test)
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from localrun import sim_judge, sim_text
from localrun.simulated_bedrock import UNKNOWN, SimulatedBedrock
from shared.tokens import estimate_tokens

SAMPLES = Path(__file__).resolve().parents[2] / "dataset" / "rawdata"
PARAPHRASED = {
    "en": (SAMPLES, [4, 0, 29, 43, 49, 78, 75, 62]),
    "ja": (SAMPLES / "ja", [0, 6, 12, 15, 21, 24, 30, 41, 80, 89]),
}
"""For each sample: the training record each evaluation question paraphrases (read by hand)."""
JUDGE = "amazon.nova-pro-v1:0"
EMBED = "amazon.titan-embed-text-v2:0"


def _load(folder: Path, name: str) -> list[dict[str, str]]:
    return list(json.loads((folder / f"{name}.json").read_text(encoding="utf-8")))


def _fine_tuned(aws: SimulatedBedrock, bedrock: Any, knowledge: list[tuple[str, str]]) -> str:
    """A custom model that learnt `knowledge`, served through an in-service throughput."""
    job = f"arn:aws:bedrock:us-east-1:123456789012:model-customization-job/j{len(aws.jobs)}"
    aws.jobs[job] = {"jobArn": job, "hyperParameters": {"epochCount": "2"}}
    arn = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/c{len(aws.custom_models)}"
    aws.custom_models[arn] = {
        "modelArn": arn,
        "modelName": f"m-{len(aws.custom_models)}",
        "jobArn": job,
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
        "knowledge": knowledge,
        "creationTime": "2026-01-01T00:00:00Z",
    }
    pt = bedrock.create_provisioned_model_throughput(modelUnits=1, provisionedModelName="p", modelId=arn)
    assert bedrock.get_provisioned_model_throughput(provisionedModelId=pt["provisionedModelArn"])["status"] == (
        "InService"
    )
    return str(pt["provisionedModelArn"])


def _ask(runtime: Any, model_id: str, question: str) -> dict[str, Any]:
    return dict(runtime.converse(modelId=model_id, messages=[{"role": "user", "content": [{"text": question}]}]))


def _text(reply: dict[str, Any]) -> str:
    return str(reply["output"]["message"]["content"][0]["text"])


def _grade(aws: SimulatedBedrock, answer: str, reference: str) -> dict[str, Any]:
    prompt = f"<reference_answer>{reference}</reference_answer><answer_to_grade>{answer}</answer_to_grade>"
    body = {"toolConfig": {"tools": [{"toolSpec": {"name": "record_grade"}}], "toolChoice": {"tool": {}}}}
    reply = sim_judge.judge(aws, JUDGE, prompt, body)
    return dict(reply["output"]["message"]["content"][0]["toolUse"]["input"])


# ---------------------------------------------------------------- terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("領収書を撮影します", ["領収", "収書", "撮影"]),  # hiragana (particles, endings) dropped
        ("無料トライアル", ["無料", "トラ", "ライ", "イア", "アル"]),  # Han and katakana runs apart
        ("ＡＷＳのｶﾀｶﾅ", ["aws", "カタ", "タカ", "カナ"]),  # NFKC: full-width Latin, half-width kana
        ("问题的答案", ["问题", "题的", "的答", "答案"]),  # Chinese: one Han run
        ("모델을 학습", ["모델", "델을", "학습"]),  # Korean: Hangul runs
        ("The model is fine-tuned", ["the", "model", "is", "fine", "tuned"]),  # English: words, as before
        ("値", ["値"]),  # a one-character run is a term itself
        ("データ・モデル", ["デー", "ータ", "モデ", "デル"]),  # the middle dot separates
    ],
)
def test_terms_are_words_and_cjk_character_bigrams(text: str, expected: list[str]) -> None:
    assert sim_text.terms(text) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("これは日本語です", "ja"),
        ("カタカナ", "ja"),
        ("这是中文", "zh"),
        ("한국어입니다", "ko"),
        ("Plain English.", "en"),
    ],
)
def test_the_language_guess_follows_the_script(text: str, language: str) -> None:
    assert sim_text.language(text) == language


# ---------------------------------------------------------------- the fine-tuned model's knowledge


@pytest.mark.parametrize("sample", ["en", "ja"])
def test_a_paraphrased_evaluation_question_gets_the_trained_answer(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, sample: str
) -> None:
    folder, paraphrased = PARAPHRASED[sample]
    training, evaluation = _load(folder, "training"), _load(folder, "eval")
    model = _fine_tuned(aws, bedrock, [(r["question"], r["answer"]) for r in training])
    for item, source in zip(evaluation, paraphrased, strict=True):
        assert item["question"] != training[source]["question"]  # paraphrased, not copied
        assert _text(_ask(runtime, model, item["question"])) == training[source]["answer"], item["question"]


@pytest.mark.parametrize(
    ("question", "sample"),
    [
        ("What colour is the office cat at the Osaka branch?", "en"),
        ("大阪支社の猫は何色ですか？", "ja"),
        ("大阪分公司的猫是什么颜色？", "zh"),
        ("오사카 지사의 고양이는 무슨 색입니까?", "ko"),
    ],
)
def test_a_question_it_was_not_trained_on_is_not_known_in_the_questions_language(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, question: str, sample: str
) -> None:
    folder = PARAPHRASED["ja" if sample != "en" else "en"][0]
    model = _fine_tuned(aws, bedrock, [(r["question"], r["answer"]) for r in _load(folder, "training")])
    answer = _text(_ask(runtime, model, question))
    assert answer == UNKNOWN[sample] and sim_text.language(answer) == sample


def test_the_base_model_hedges_in_japanese_about_the_questions_topic(runtime: Any) -> None:
    answer = _text(_ask(runtime, "amazon.nova-micro-v1:0", "領収書のOCRで読み取られる項目は？"))
    assert sim_text.language(answer) == "ja" and "領収書" in answer and "OCR" in answer
    english = _text(_ask(runtime, "amazon.nova-micro-v1:0", "Which receipt fields does OCR read?"))
    assert english.startswith("I am not certain about receipt fields")


# ---------------------------------------------------------------- the judge


@pytest.mark.parametrize(
    ("reference", "close", "wrong"),
    [
        (
            "申し込みから30日間、無料トライアルを利用できます。その間はプロプランの全機能を試せます。",
            "無料トライアルは申し込みから30日間使えます。期間中はプロプランのすべての機能を試せます。",
            "APIは1社あたり1分間に60リクエストまで呼び出せます。",
        ),
        (
            "Claude 3 Haiku fine-tuning requires a minimum of 32 training records.",
            "A Claude 3 Haiku fine-tuning job needs at least 32 training records.",
            "Amazon Nova models can be fine-tuned only in us-east-1.",
        ),
    ],
    ids=["ja", "en"],
)
def test_the_judge_scores_a_correct_answer_high_and_a_wrong_one_low(
    aws: SimulatedBedrock, reference: str, close: str, wrong: str
) -> None:
    good, bad = _grade(aws, close, reference), _grade(aws, wrong, reference)
    assert good["score"] >= 7 and good["correct"] is True, good
    assert bad["score"] <= 3 and bad["correct"] is False, bad
    shared = int(good["reasoning"].split("shares ")[1].split(" of")[0])
    assert shared >= 5  # key terms, not one clause-long "word"


def test_the_pairwise_judge_prefers_the_closer_japanese_answer(aws: SimulatedBedrock) -> None:
    reference = "データはすべて日本国内のデータセンターに保管され、東京と大阪の2拠点にバックアップされます。"
    close = "データはすべて日本国内のデータセンターに保存され、東京と大阪の2拠点でバックアップされています。"
    hedge = "データについて確かなことは言えません。公式ドキュメントで確認してください。"
    body = {"toolConfig": {"tools": [{"toolSpec": {"name": "record_preference"}}], "toolChoice": {"tool": {}}}}
    for first, second, winner in ((close, hedge, "A"), (hedge, close, "B")):
        prompt = (
            f"<reference_answer>{reference}</reference_answer><answer_a>{first}</answer_a><answer_b>{second}</answer_b>"
        )
        reply = sim_judge.judge(aws, JUDGE, prompt, body)
        assert reply["output"]["message"]["content"][0]["toolUse"]["input"]["better"] == winner


# ---------------------------------------------------------------- embeddings and token counts


def _embed(runtime: Any, text: str) -> tuple[list[float], int]:
    body = json.loads(runtime.invoke_model(modelId=EMBED, body=json.dumps({"inputText": text}))["body"].read())
    return body["embedding"], body["inputTextTokenCount"]


@pytest.mark.parametrize(
    ("text", "paraphrase", "unrelated"),
    [
        (
            "法人カードの明細は毎日1回取り込まれます。",
            "法人カードの利用明細は1日1回取り込まれます。",
            "サポートは平日の9時から18時まで受け付けています。",
        ),
        (
            "Corporate card statements are imported once a day.",
            "Statements of corporate cards are imported daily, once a day.",
            "Support is open on weekdays from nine to six.",
        ),
    ],
    ids=["ja", "en"],
)
def test_embeddings_of_texts_on_one_topic_are_closer(runtime: Any, text: str, paraphrase: str, unrelated: str) -> None:
    vector, tokens = _embed(runtime, text)
    near, far = _embed(runtime, paraphrase)[0], _embed(runtime, unrelated)[0]

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))

    assert cosine(vector, near) > 0.5 > cosine(vector, far)
    assert tokens == estimate_tokens(text) > 5  # not one "word" per Japanese sentence


@pytest.mark.parametrize("sample", ["en", "ja"])
def test_converse_counts_tokens_by_the_shared_estimator(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, sample: str
) -> None:
    folder, paraphrased = PARAPHRASED[sample]
    training, evaluation = _load(folder, "training"), _load(folder, "eval")
    model = _fine_tuned(aws, bedrock, [(r["question"], r["answer"]) for r in training])
    question = evaluation[0]["question"]
    reply = _ask(runtime, model, question)
    answer = training[paraphrased[0]]["answer"]
    assert _text(reply) == answer
    assert reply["usage"]["outputTokens"] == estimate_tokens(answer) > 10
    assert reply["usage"]["inputTokens"] == estimate_tokens(question) + 20
