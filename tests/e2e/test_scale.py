"""Evaluation above the inline limit on moto's engine: the answer Maps run as Distributed Maps
(ItemReader from the batch list in S3, ResultWriter to S3), each batch a child execution whose
events stay out of the run's history, and no state comes near 256 KiB."""

from __future__ import annotations

import json
from typing import Any

import statemachine
from localrun.pipeline import BUCKET, LocalPipeline
from shared.work_plan import INLINE_MAX_QUESTIONS
from tests.e2e.conftest import FAST, Run, upload_sample

QUESTIONS = INLINE_MAX_QUESTIONS + 1


def _questions(count: int) -> bytes:
    """Distinct questions, half in Japanese, none in the training data (no leakage)."""
    items = [
        {"question": f"評価の質問 {i} 番の答えは何ですか。", "answer": f"答えは {i} 番です。"}
        if i % 2
        else {"question": f"What is the answer to held-out question {i}?", "answer": f"It is answer {i}."}
        for i in range(count)
    ]
    return json.dumps(items, ensure_ascii=False).encode("utf-8")


def _exited(run: Run, name: str) -> dict[str, Any]:
    (event,) = [e for e in run.execution.history if (e.get("stateExitedEventDetails") or {}).get("name") == name]
    return dict(json.loads(event["stateExitedEventDetails"]["output"]))


def _batch_list(run: Run) -> str:
    return f"runs/{run.run_id}/data/eval-batches.json"


def _largest_payload(run: Run) -> int:
    sizes = [
        len(str(details.get(field, "")).encode("utf-8"))
        for event in run.execution.history
        for key, details in event.items()
        if key.endswith("EventDetails") and isinstance(details, dict)
        for field in ("input", "output")
    ]
    return max(sizes)


def test_more_than_a_thousand_questions_answer_through_distributed_maps() -> None:
    with LocalPipeline() as pipeline:
        execution_input = {
            **upload_sample(pipeline),
            **FAST,
            "evalDataUri": pipeline.upload("raw/scale/eval.json", _questions(QUESTIONS)),
            "evaluation": {
                "hosting": "provisioned",
                "maxQuestions": QUESTIONS,
                "concurrency": 64,
                "judgeConcurrency": 16,
                "semanticSimilarity": False,
                "generalCheck": False,
            },
        }
        raw_before = pipeline.raw_snapshot()
        run = Run(pipeline, pipeline.wait(pipeline.start(execution_input), 600), raw_before)
        _check(run)


def _check(run: Run) -> None:
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    entered = run.execution.states_entered()
    assert {"AnswerWithBaseModelAtScale", "AnswerWithFineTunedModelAtScale"} <= set(entered)
    assert "AnswerWithBaseModel" not in entered and "AnswerWithFineTunedModel" not in entered
    # Each batch ran as a child execution: none of its events is in the run's history.
    types = [event["type"] for event in run.execution.history]
    assert types.count("MapRunStarted") == 3 and types.count("MapRunSucceeded") == 3
    assert not {"AnswerFineTunedBatch", "AnswerBaseBatch", "JudgeBatch"} & set(entered)
    assert entered.index("JudgeBatchesAtScale") < entered.index("JudgeAnswers")
    assert len(types) < 200

    # ResultWriter contract: the state keeps the map run and where its results went, nothing per batch.
    answered = _exited(run, "AnswerWithFineTunedModelAtScale")["fineTunedAnswers"]
    assert set(answered) == {"mapRunArn", "results"}
    results = answered["results"]
    assert results["Bucket"] == BUCKET
    assert results["Key"].startswith(statemachine.MAP_RESULTS_PREFIX)
    manifest = json.loads(run.pipeline.s3.get_object(Bucket=results["Bucket"], Key=results["Key"])["Body"].read())
    assert manifest["MapRunArn"] == answered["mapRunArn"]

    # The judge's map graded every batch, so the one JudgeAnswers pass only assembled judgements.json.
    batches = run.pipeline.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"runs/{run.run_id}/eval/verdicts/")["KeyCount"]
    assert batches == len(json.loads(run.pipeline.s3.get_object(Bucket=BUCKET, Key=_batch_list(run))["Body"].read()))
    assert entered.count("JudgeAnswers") == 1

    # Every question was answered by both models and judged.
    report = json.loads(run.pipeline.report_files(str(run.run_id))["results.json"])
    assert len(report["questions"]) == QUESTIONS
    assert all(row[t]["answer"] for row in report["questions"] for t in ("base", "fine-tuned"))
    assert report["complete"] is True
    assert all(row[t]["score"] is not None for row in report["questions"] for t in ("base", "fine-tuned"))
    assert _largest_payload(run) < 128 * 1024
    run.assert_safe()


def test_a_failed_batch_at_scale_deletes_the_throughput_and_fails_the_run() -> None:
    with LocalPipeline(faults=["answer-error"]) as pipeline:
        execution_input = {
            **upload_sample(pipeline),
            **FAST,
            "evalDataUri": pipeline.upload("raw/scale/eval.json", _questions(QUESTIONS)),
            "evaluation": {
                "hosting": "provisioned",
                "maxQuestions": QUESTIONS,
                "concurrency": 64,
                "generalCheck": False,
            },
        }
        raw_before = pipeline.raw_snapshot()
        run = Run(pipeline, pipeline.wait(pipeline.start(execution_input), 600), raw_before)
        assert run.execution.status == "FAILED"
        # the batch's own error, not the map run's: the question and Bedrock's error
        assert run.execution.error == "AnswerGenerationFailed"
        assert (
            "ModelErrorException" in run.execution.cause
            and "answer batches of the fine-tuned model" in run.execution.cause
        )
        states = run.execution.states_entered()
        assert states.index("AnswerWithFineTunedModelAtScale") < states.index("VerifyFineTunedAnswers")
        assert states.index("CleanUpHosting") < states.index("RunFailed")
        assert len(pipeline.bedrock.deleted_throughputs) == 1
        run.assert_safe()
