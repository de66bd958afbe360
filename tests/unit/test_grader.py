"""The RFT grader Lambda: AWS's documented input/output shape, the three rewards, bounded failures."""

from __future__ import annotations

from typing import Any

import pytest

from grader.contract import Sample
from grader.logic import NEUTRAL_REWARD, grade, verdict_reward
from grader.rewards import bigram_similarity, rouge_l, units
from localrun.simulated_bedrock import SimulatedBedrock

JUDGE = "us.amazon.nova-pro-v1:0"
REFERENCE = "Claude 3 Haiku fine-tuning runs only in us-west-2."


def _sample(sample_id: str, answer: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": sample_id,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Where can Claude 3 Haiku be fine-tuned?"},
            {"role": "assistant", "content": answer},
        ],
        "reference_answer": REFERENCE,
        **extra,
    }


def test_judge_rewards_follow_the_verdict_and_keep_the_documented_shape(runtime: Any) -> None:
    rewards, counts = grade([_sample("a", REFERENCE), _sample("b", "I do not know.")], runtime, JUDGE)
    by_id = {item["id"]: item for item in rewards}
    assert set(by_id) == {"a", "b"}
    assert by_id["a"]["aggregate_reward_score"] == 1.0  # the simulated judge gives the reference 10/10
    assert by_id["b"]["aggregate_reward_score"] < 0.3
    assert by_id["a"]["metrics_list"][0] == {"name": "judge", "value": 1.0, "type": "Reward"}
    assert counts == {"samples": 2, "failed": 0, "judgeCalls": 2, "malformedSamples": 0}


def test_verdict_scores_map_to_zero_and_one() -> None:
    assert verdict_reward(1) == 0.0 and verdict_reward(10) == 1.0 and verdict_reward(5) == pytest.approx(4 / 9)


def test_a_failing_judge_gives_the_neutral_reward_and_never_raises(aws: SimulatedBedrock, runtime: Any) -> None:
    aws.faults.add("judge-unreachable")
    rewards, counts = grade([_sample("a", REFERENCE)], runtime, JUDGE)
    assert rewards[0]["aggregate_reward_score"] == NEUTRAL_REWARD
    assert {"name": "grader_failed", "value": 1.0, "type": "Metric"} in rewards[0]["metrics_list"]
    assert counts["failed"] == 1


def test_out_of_time_samples_get_the_neutral_reward_without_calling_the_judge(
    aws: SimulatedBedrock, runtime: Any
) -> None:
    rewards, counts = grade([_sample("a", REFERENCE)], runtime, JUDGE, time_left=lambda: 5.0)
    assert rewards[0]["aggregate_reward_score"] == NEUTRAL_REWARD and counts["judgeCalls"] == 0
    assert aws.operations("Converse") == []


def test_unreadable_samples_are_answered_not_crashed() -> None:
    broken = [{"id": "x"}, "not a sample", {"id": "y", "messages": [{"role": "user", "content": "q"}]}]
    rewards, counts = grade(broken, None, JUDGE, default_kind="rouge")
    assert [item["id"] for item in rewards] == ["x", "1", "y"]
    assert all(item["aggregate_reward_score"] == NEUTRAL_REWARD for item in rewards)
    assert counts["failed"] == 3


def test_the_record_chooses_its_reward_and_metadata_references_are_read() -> None:
    sample = _sample("m", REFERENCE, pipeline_reward="rouge")
    del sample["reference_answer"]
    sample["metadata"] = {"reference_answer": {"answer": REFERENCE}}
    rewards, _ = grade([sample], None, JUDGE)
    assert rewards[0]["aggregate_reward_score"] == 1.0 and rewards[0]["metrics_list"][0]["name"] == "rouge"
    assert Sample.model_validate(sample).reward_kind("judge") == "rouge"


def test_lexical_rewards_work_for_japanese() -> None:
    reference = "Claude 3 Haiku のファインチューニングは us-west-2 でのみ実行できます。"
    close = "Claude 3 Haiku のファインチューニングは us-west-2 だけで実行できます。"
    far = "わかりません。"
    assert "フ" in units(reference) and "haiku" in units(reference)
    assert rouge_l(close, reference) > 0.8 > 0.2 > rouge_l(far, reference)
    assert bigram_similarity(close, reference) > 0.8 > bigram_similarity(far, reference)
    rewards, _ = grade([_sample("j", close, reference_answer=reference, pipeline_reward="similarity")], None, JUDGE)
    assert 0.8 < rewards[0]["aggregate_reward_score"] <= 1.0


def test_the_handler_reads_the_judge_from_its_environment(
    aws: SimulatedBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.handler import lambda_handler
    from localrun.pipeline import LambdaContext

    monkeypatch.setenv("JUDGE_MODEL_ID", JUDGE)
    context = LambdaContext("GradeResponses", 512, "arn:aws:lambda:us-east-1:123456789012:function:GradeResponses")
    result = lambda_handler([_sample("h", REFERENCE)], context)
    assert result[0]["id"] == "h" and result[0]["aggregate_reward_score"] == 1.0
    (call,) = aws.operations("Converse")
    assert call.params["modelId"] == JUDGE
