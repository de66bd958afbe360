"""The judge split over several JudgeAnswers passes: progress saved, nothing asked twice, the same document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from judge.logic import CHUNK_ROUNDS, judge_batch, judge_run
from judge.progress import MAX_PASSES, SAFETY_MARGIN_SECONDS, partial_key
from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import SimulatedBedrock
from shared.errors import JudgeIncomplete
from shared.models import RunContext
from tests.unit.factories import make_run

QUESTIONS = 10
SECOND_JUDGE = "us.meta.llama3-3-70b-instruct-v1:0"
TIMING = ("seconds", "throttleSeconds")


def _answers(s3: Any, run_id: str) -> None:
    for target in ("base", "fine-tuned"):
        records = [
            {
                "index": index,
                "question": f"How many epochs in setup {index}?",
                "reference": f"Setup {index} trains for {index + 1} epochs.",
                # the fine-tuned model is right on even questions, the base model on none
                "answer": f"Setup {index} trains for {index + 1} epochs."
                if target == "fine-tuned" and index % 2 == 0
                else f"{target} says bananas, {index}.",
            }
            for index in range(QUESTIONS)
        ]
        s3.put_object(
            Bucket=BUCKET,
            Key=f"runs/{run_id}/eval/answers/{target}/batch-0000.json",
            Body=json.dumps({"target": target, "answers": records}).encode(),
        )


def _run(run_id: str) -> RunContext:
    run = make_run(run_id)
    evaluation = run.evaluation.model_copy(update={"secondJudgeModelId": SECOND_JUDGE, "judgeConcurrency": 2})
    return run.model_copy(update={"evaluation": evaluation})


def _document(s3: Any, run_id: str) -> dict[str, Any]:
    body = json.loads(s3.get_object(Bucket=BUCKET, Key=f"runs/{run_id}/eval/judgements.json")["Body"].read())
    for row in [*body["verdicts"], *body["pairwise"], *body["secondVerdicts"]]:
        for name in TIMING:
            row["callStats"].pop(name)
    return dict(body)


def _converse_requests(aws: SimulatedBedrock) -> list[str]:
    return [json.dumps(call.params, sort_keys=True) for call in aws.operations("Converse")]


def _short() -> float:
    return SAFETY_MARGIN_SECONDS - 1


def test_a_short_deadline_saves_progress_and_a_second_pass_finishes_the_same_document(
    aws: SimulatedBedrock, s3: Any, runtime: Any
) -> None:
    # Tasks: a verdict on each answer, one comparison per question, the second judge's verdicts;
    # Converse calls: the same, with each comparison asked in both orders.
    total, calls = QUESTIONS * 5, QUESTIONS * 6
    _answers(s3, "split")
    first = judge_run(_run("split"), s3, runtime, time_left=_short)
    chunk = 2 * CHUNK_ROUNDS
    done = first.pop("done")
    assert first == {"complete": False, "passes": 1, "total": total}
    # one chunk, and the call that was still in flight when the time was checked (judgeConcurrency 2)
    assert chunk <= done <= chunk + 1
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/split/eval/judgements.json").get("KeyCount") == 0
    saved = json.loads(s3.get_object(Bucket=BUCKET, Key=partial_key("split"))["Body"].read())
    assert saved["passes"] == 1 and len(saved["results"]) == done
    assert len(aws.operations("Converse")) == done  # the first chunk is verdicts, each takes one attempt

    second = judge_run(_run("split"), s3, runtime)
    assert second["complete"] is True and second["passes"] == 2
    split_requests = _converse_requests(aws)
    assert len(split_requests) == calls
    assert len(set(split_requests)) == calls  # no verdict or comparison was asked for twice

    _answers(s3, "whole")
    whole = judge_run(_run("whole"), s3, runtime)
    assert whole == {**second, "passes": 1, "key": "runs/whole/eval/judgements.json"}
    assert len(aws.operations("Converse")) == 2 * calls
    assert _document(s3, "split") == _document(s3, "whole")
    assert [v["correct"] for v in _document(s3, "split")["verdicts"]][QUESTIONS:] == [True, False] * (QUESTIONS // 2)


def test_time_short_after_the_last_chunk_leaves_only_the_similarity_for_the_next_pass(
    aws: SimulatedBedrock, s3: Any, runtime: Any
) -> None:
    _answers(s3, "late")
    looks = iter([900.0] * 6 + [_short()])  # 7 chunks: 6 looks between them, then the look before similarity
    first = judge_run(_run("late"), s3, runtime, time_left=lambda: next(looks))
    assert first == {"complete": False, "passes": 1, "done": QUESTIONS * 5, "total": QUESTIONS * 5}
    assert aws.operations("InvokeModel") == []  # no embeddings yet
    asked = len(aws.operations("Converse"))
    finished = judge_run(_run("late"), s3, runtime, time_left=lambda: 900.0)
    assert finished["complete"] is True and finished["similarities"] == 2 * QUESTIONS
    assert len(aws.operations("Converse")) == asked


def test_the_number_of_passes_is_bounded(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    _answers(s3, "stuck")
    s3.put_object(
        Bucket=BUCKET,
        Key=partial_key("stuck"),
        Body=json.dumps({"version": 1, "passes": MAX_PASSES, "results": {}}).encode(),
    )
    with pytest.raises(JudgeIncomplete, match=f"did not finish in {MAX_PASSES} JudgeAnswers passes"):
        judge_run(_run("stuck"), s3, runtime)
    assert aws.operations("Converse") == []


def test_batches_judged_by_the_distributed_map_leave_the_final_pass_nothing_to_ask(
    aws: SimulatedBedrock, s3: Any, runtime: Any
) -> None:
    """judge_batch (one child of JudgeBatchesAtScale) grades its answer batch; JudgeAnswers then
    asks nothing again and writes the same document as a whole-run pass."""
    _answers(s3, "mapped")
    batch = judge_batch(_run("mapped"), 0, s3, runtime)

    assert batch == {"complete": True, "batch": 0, "passes": 1, "done": QUESTIONS * 5, "total": QUESTIONS * 5}
    assert len(aws.operations("Converse")) == QUESTIONS * 6
    final = judge_run(_run("mapped"), s3, runtime)
    assert final["complete"] is True
    assert len(aws.operations("Converse")) == QUESTIONS * 6  # nothing asked twice

    _answers(s3, "whole")
    judge_run(_run("whole"), s3, runtime)
    assert _document(s3, "mapped") == _document(s3, "whole")


def test_a_batch_short_of_time_leaves_the_rest_to_the_final_pass(aws: SimulatedBedrock, s3: Any, runtime: Any) -> None:
    _answers(s3, "short")
    batch = judge_batch(_run("short"), 0, s3, runtime, time_left=_short)
    assert batch["complete"] is False and 0 < batch["done"] < batch["total"]

    final = judge_run(_run("short"), s3, runtime)
    assert final["complete"] is True
    requests = _converse_requests(aws)
    assert len(requests) == QUESTIONS * 6 == len(set(requests))  # the final pass asked only what was left
