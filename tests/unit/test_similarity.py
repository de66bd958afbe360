"""Semantic similarity: cosine by hand, the Titan V2 request, and failures recorded as missing."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pytest

from judge.logic import SIMILARITY_OFF, judge_run
from judge.similarity import (
    DIMENSIONS,
    MAX_INPUT_CHARS,
    MAX_INPUT_TOKENS,
    Embedder,
    cosine,
    embedding_input,
    parse_embedding,
    similarities,
)
from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import SimulatedBedrock
from shared.errors import JudgeFailed
from shared.tokens import conservative_tokens, estimate_tokens
from tests.unit.factories import make_run

TITAN = "amazon.titan-embed-text-v2:0"


def test_cosine_by_hand() -> None:
    # a = (1, 2, 2), b = (2, 0, 1): a.b = 2 + 0 + 2 = 4, |a| = 3, |b| = sqrt(5) -> 4 / (3 sqrt 5) = 0.596284
    assert cosine([1, 2, 2], [2, 0, 1]) == pytest.approx(4 / (3 * math.sqrt(5)))
    assert cosine([1, 2, 2], [2, 0, 1]) == pytest.approx(0.596284, abs=1e-6)
    # (3, 4) and (4, 3): 24 / (5 * 5) = 0.96
    assert cosine([3, 4], [4, 3]) == pytest.approx(0.96)


def test_cosine_edge_cases() -> None:
    assert cosine([1, 0], [0, 1]) == 0.0  # orthogonal
    assert cosine([1, 1], [-1, -1]) == pytest.approx(-1.0)  # opposite
    assert cosine([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)  # same direction, other length
    assert cosine([0.6, 0.8], [0.6, 0.8]) <= 1.0  # clamped against rounding
    with pytest.raises(ValueError, match="zero vector"):
        cosine([0, 0], [1, 0])
    with pytest.raises(ValueError, match="different or zero length"):
        cosine([1, 0], [1, 0, 0])


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"not json", "not JSON"),
        (json.dumps({"embedding": [0.1] * 3}), "has 3 values, expected 1024"),
        (json.dumps({"vector": []}), "has no values"),
        (json.dumps({"embedding": [0.1] * (DIMENSIONS - 1) + ["x"]}), "not finite numbers"),
        (json.dumps({"embedding": [0.0] * DIMENSIONS}), "zero vector"),
    ],
)
def test_malformed_embeddings_are_rejected_with_the_reason(payload: bytes | str, problem: str) -> None:
    result = parse_embedding(payload)
    assert isinstance(result, str) and problem in result


def test_the_request_is_titan_v2s_and_long_texts_are_cut(aws: SimulatedBedrock, runtime: Any) -> None:
    embedder = Embedder(runtime, TITAN)
    vector = embedder.embed("x" * (MAX_INPUT_CHARS + 10))
    assert isinstance(vector, list) and len(vector) == DIMENSIONS
    (call,) = aws.operations("InvokeModel")
    assert call.params["modelId"] == TITAN
    assert call.params["dimensions"] == DIMENSIONS and call.params["normalize"] is True
    # ASCII at the conservative 3 characters per token: 8,192 tokens = 24,576 characters, before 50,000
    assert len(call.params["inputText"]) == MAX_INPUT_TOKENS * 3 < MAX_INPUT_CHARS
    assert embedder.cut == {"x" * (MAX_INPUT_CHARS + 10)}


def test_long_japanese_is_cut_by_tokens_not_at_50000_characters() -> None:
    # 6,000 Japanese characters are far below 50,000 characters but at 1.6 tokens per character
    # (the conservative estimate) about 9,600 tokens: over Titan V2's 8,192.
    text = "東京は日本の首都です。" * 600
    sent = embedding_input(text)
    assert text.startswith(sent) and len(sent) < len(text)
    assert conservative_tokens(sent) <= MAX_INPUT_TOKENS < conservative_tokens(text[: len(sent) + 1])
    # 8,192 / 1.6 = 5,120 characters
    assert len(sent) == 5120
    short = "東京は日本の首都です。"
    assert embedding_input(short) == short


def test_a_cut_text_is_reported_with_its_similarity(aws: SimulatedBedrock, runtime: Any) -> None:
    long_answer = "北京是中国的首都。" * 1000  # Chinese at 2.1 tokens per character: 18,900 tokens
    found, _ = similarities(runtime, TITAN, [(long_answer, "北京是中国的首都。"), ("北京", "北京是中国的首都。")], 1)
    assert found[0].value is not None and found[0].text_cut == ["answer"]
    assert found[1].text_cut == []
    assert found[0].as_dict()["similarityTextCut"] == ["answer"]


def test_each_distinct_text_is_embedded_once(aws: SimulatedBedrock, runtime: Any) -> None:
    reference = "The default is two epochs."
    pairs = [
        ("Two epochs by default.", reference),
        ("I do not know.", reference),
        ("Two epochs by default.", reference),
    ]
    found, calls = similarities(runtime, TITAN, pairs, concurrency=2)
    assert calls == 3 and len(aws.operations("InvokeModel")) == 3  # reference and two distinct answers
    assert [s.missing_reason for s in found] == [None, None, None]
    assert found[0].value == found[2].value
    assert found[0].value is not None and found[1].value is not None
    assert found[0].value > found[1].value  # sharing words with the reference points the same way


def test_an_empty_answer_has_no_similarity_and_costs_no_call(aws: SimulatedBedrock, runtime: Any) -> None:
    found, calls = similarities(runtime, TITAN, [("  ", "Two epochs."), ("Two epochs.", "")], concurrency=1)
    assert found[0].value is None and found[0].missing_reason == "the answer is empty"
    assert found[1].value is None and found[1].missing_reason == "the reference answer is empty"
    assert calls == 0 and aws.operations("InvokeModel", outcome=None) == []


def test_a_denied_embedding_model_is_recorded_once_not_retried_for_every_text(
    aws: SimulatedBedrock, runtime: Any
) -> None:
    aws.faults.add("embedding-error")
    pairs = [(f"Answer {i}.", "Reference.") for i in range(5)]
    found, calls = similarities(runtime, TITAN, pairs, concurrency=1)
    assert all(s.value is None for s in found)
    assert all(s.missing_reason and "AccessDeniedException" in s.missing_reason for s in found)
    assert calls == 1 and len(aws.operations("InvokeModel", outcome="AccessDeniedException")) == 1


def test_a_malformed_response_is_missing_not_guessed() -> None:
    class Runtime:
        def invoke_model(self, **_: Any) -> dict[str, Any]:
            return {"body": io.BytesIO(json.dumps({"embedding": [1.0, 2.0]}).encode())}

    found, _ = similarities(Runtime(), TITAN, [("a", "b")], concurrency=1)
    assert found[0].value is None and "has 2 values, expected 1024" in str(found[0].missing_reason)


def _answers(s3: Any, run_id: str, answers: dict[str, str]) -> None:
    for target, answer in answers.items():
        document = {
            "target": target,
            "answers": [{"index": 0, "question": "How many epochs?", "reference": "Two epochs.", "answer": answer}],
        }
        s3.put_object(
            Bucket=BUCKET,
            Key=f"runs/{run_id}/eval/answers/{target}/batch-0000.json",
            Body=json.dumps(document).encode(),
        )


def _judgements(s3: Any) -> dict[str, Any]:
    body = s3.get_object(Bucket=BUCKET, Key="runs/run-1/eval/judgements.json")["Body"].read()
    return dict(json.loads(body))


def test_judge_run_stores_similarity_with_each_verdict(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    _answers(s3, "run-1", {"base": "I am not sure.", "fine-tuned": "Two epochs."})
    summary = judge_run(make_run(), s3, runtime)
    assert summary["similarities"] == 2 and summary["similaritiesMissing"] == 0
    document = _judgements(s3)
    assert document["similarity"] == {
        "enabled": True,
        "modelId": TITAN,
        "dimensions": DIMENSIONS,
        "normalize": True,
        "embeddingCalls": 2,  # the fine-tuned answer is the reference text: embedded once
        # Titan's inputTextTokenCount, summed (the simulator counts with the shared estimator)
        "inputTokens": estimate_tokens("I am not sure.") + estimate_tokens("Two epochs."),
        "textsCut": 0,
    }
    by_target = {v["target"]: v for v in document["verdicts"]}
    assert by_target["fine-tuned"]["similarity"] == pytest.approx(1.0)  # same text as the reference
    assert by_target["base"]["similarity"] < by_target["fine-tuned"]["similarity"]
    assert by_target["base"]["similarityMissingReason"] is None


def test_similarity_turned_off_makes_no_embedding_call(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    _answers(s3, "run-1", {"base": "I am not sure.", "fine-tuned": "Two epochs."})
    run = make_run()
    run = run.model_copy(update={"evaluation": run.evaluation.model_copy(update={"semanticSimilarity": False})})
    summary = judge_run(run, s3, runtime)
    assert summary["similarities"] == 0 and summary["similaritiesMissing"] == 0
    assert aws.operations("InvokeModel", outcome=None) == []
    verdicts = _judgements(s3)["verdicts"]
    assert all(v["similarity"] is None and v["similarityMissingReason"] == SIMILARITY_OFF for v in verdicts)


def test_an_embedding_failure_does_not_fail_the_judge_step(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    aws.faults.add("embedding-error")
    _answers(s3, "run-1", {"base": "I am not sure.", "fine-tuned": "Two epochs."})
    summary = judge_run(make_run(), s3, runtime)
    assert summary["judged"] == 2 and summary["similaritiesMissing"] == 2
    verdicts = _judgements(s3)["verdicts"]
    assert all(v["score"] is not None for v in verdicts)
    assert all("AccessDeniedException" in v["similarityMissingReason"] for v in verdicts)


def test_similarity_is_kept_when_the_judge_fails(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    aws.faults.add("judge-unreachable")
    _answers(s3, "run-1", {"base": "I am not sure.", "fine-tuned": "Two epochs."})
    with pytest.raises(JudgeFailed):
        judge_run(make_run(), s3, runtime)
    verdicts = _judgements(s3)["verdicts"]
    assert all(v["score"] is None and v["similarity"] is not None for v in verdicts)
