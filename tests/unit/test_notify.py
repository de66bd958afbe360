from __future__ import annotations

import json

from notify.logic import FailedStep, describe_failure, failed_message, finished_message
from tests.unit.factories import make_run


def _lambda_error(error: str, message: str) -> dict[str, str]:
    return {
        "Error": error,
        "Cause": json.dumps({"errorMessage": message, "errorType": error, "stackTrace": []}),
    }


def test_lambda_errors_are_reported_in_the_users_words() -> None:
    step = FailedStep(
        kind="failed",
        executionName="run-1",
        state={"input": {}, "error": _lambda_error("InvalidDataset", "raw/x.json record 17: empty answer")},
    )
    assert describe_failure(step) == ("InvalidDataset", "raw/x.json record 17: empty answer")


def test_plain_step_functions_causes_are_kept() -> None:
    step = FailedStep(
        kind="failed",
        executionName="run-1",
        state={"error": {"Error": "States.Timeout", "Cause": "Task timed out"}},
    )
    assert describe_failure(step) == ("States.Timeout", "Task timed out")


def test_a_deleted_throughput_is_mentioned() -> None:
    run = make_run().model_dump()
    step = FailedStep(
        kind="failed",
        executionName="run-1",
        state={
            "run": run,
            "hosting": {"kind": "provisioned", "name": "pt-run-1"},
            "hostingDeletion": {"existed": True, "kind": "provisioned", "name": "pt-run-1"},
            "error": _lambda_error("AnswerGenerationFailed", "question 1 failed"),
        },
    )
    error, cause = describe_failure(step)
    assert error == "AnswerGenerationFailed"
    assert cause == "question 1 failed (provisioned throughput pt-run-1 was deleted)"


def test_a_failed_cleanup_is_the_loudest_error() -> None:
    run = make_run().model_dump()
    step = FailedStep(
        kind="failed",
        executionName="run-1",
        state={
            "run": run,
            "error": _lambda_error("ProvisionedThroughputFailed", "capacity"),
            "cleanupError": _lambda_error("ProvisionedThroughputStillExists", "pt-run-1 still exists"),
        },
    )
    error, cause = describe_failure(step)
    assert error == "ProvisionedThroughputDeletionFailed"
    assert "pt-run-1" in cause and "delete it now" in cause and "Original failure: ProvisionedThroughputFailed" in cause


def test_deletion_failure_on_the_success_path_is_caught_too() -> None:
    run = make_run().model_dump()
    step = FailedStep(
        kind="failed",
        executionName="run-1",
        state={
            "run": run,
            "hosting": {"kind": "provisioned", "name": "pt-run-1"},
            "error": _lambda_error("ProvisionedThroughputStillExists", "pt-run-1 still exists after the delete"),
        },
    )
    assert describe_failure(step)[0] == "ProvisionedThroughputDeletionFailed"


def test_simulated_runs_are_labelled_in_subject_and_body() -> None:
    run = make_run(simulated=True).model_dump()
    step = FailedStep(kind="failed", executionName="run-1", state={"run": run})
    subject, body = failed_message(step, "InvalidDataset", "bad")
    assert subject.startswith("[SIMULATED] ") and body.startswith("SIMULATED RUN")


def test_finished_message_has_the_headline_numbers() -> None:
    report = {
        "runId": "run-1",
        "complete": True,
        "fineTunedMeanScore": 7.125,
        "baseMeanScore": 2.25,
        "questions": 8,
        "comparison": {"wins": 8, "ties": 0, "losses": 0},
        "throughputHeldMinutes": 21.5,
        "estimatedCostUsd": 47.3,
        "customModelArn": "arn:model",
        "reportUri": "s3://b/runs/run-1/report/",
        "problems": [],
        "simulated": False,
    }
    subject, body = finished_message(report)
    assert subject == "Fine-tuning run run-1: fine-tuned 7.13 vs base 2.25"  # half up, as in the report
    assert "8 wins, 0 ties, 0 losses" in body and "21.50 minutes" in body and "$47.30" in body
    assert "s3://b/runs/run-1/report/index.html" in body
    assert len(subject) <= 100 and subject.isascii()
    assert "Verdict" not in body  # a report without a verdict (older results) adds no empty line


def test_the_verdict_line_is_near_the_top_of_the_message() -> None:
    verdict = "Fine-tuned model is better: judge score +4.88 (95 % CI +4.00 to +5.75, p = 0.008, n = 8)"
    report = {"runId": "run-1", "complete": True, "verdict": verdict, "reportUri": "s3://b/r/", "problems": []}
    _, body = finished_message(report)
    assert body.splitlines()[2] == f"Verdict: {verdict}"


def test_finished_message_has_win_rate_similarity_and_token_reduction() -> None:
    report = {
        "runId": "run-1",
        "complete": True,
        "fineTunedMeanScore": 7.125,
        "baseMeanScore": 2.25,
        "questions": 8,
        "comparison": {"wins": 6, "ties": 1, "losses": 1, "compared": 8, "winRate": 0.75},
        "similarityEnabled": True,
        "fineTunedMeanSimilarity": 0.744,
        "baseMeanSimilarity": 0.132,
        "outputTokensReductionPct": 58.4,
        "throughputHeldMinutes": 21.5,
        "estimatedCostUsd": None,
        "costNotConfigured": ["PT_HOURLY_PRICE_USD"],
        "customModelArn": "arn:model",
        "reportUri": "s3://b/runs/run-1/report/",
        "problems": [],
        "warnings": ["semantic similarity is missing for 1 of 16 answers: the answer is empty"],
        "simulated": False,
    }
    _, body = finished_message(report)
    assert "6 wins, 1 ties, 1 losses (win rate 75%, a tie counting as half a win)." in body
    assert "Semantic similarity to the reference answers (cosine): fine-tuned 0.74, base 0.13." in body
    assert "Fine-tuned answers use 58.4% fewer output tokens than base answers." in body
    assert "Estimated cost: not estimated (price not configured: PT_HOURLY_PRICE_USD)." in body
    assert "Warnings:\n- semantic similarity is missing for 1 of 16 answers" in body


def test_finished_message_says_when_similarity_is_off_or_missing() -> None:
    base = {"runId": "run-1", "complete": True, "reportUri": "s3://b/r/", "questions": 1}
    assert "Semantic similarity: turned off for this run." in finished_message(base | {"similarityEnabled": False})[1]
    missing = base | {"similarityEnabled": True, "fineTunedMeanSimilarity": None, "baseMeanSimilarity": None}
    assert "Semantic similarity: not computed (see the warnings in the report)." in finished_message(missing)[1]


def test_a_cost_with_parts_not_priced_is_a_lower_bound() -> None:
    report = {
        "runId": "run-1",
        "complete": True,
        "reportUri": "s3://b/r/",
        "questions": 1,
        "estimatedCostUsd": 0.002895,
        "costNotConfigured": ["trainingPer1kTokensUsd", "ptPerModelUnitHourUsd"],
    }
    _, body = finished_message(report)
    assert "Estimated cost: at least $0.002895 (not priced: trainingPer1kTokensUsd, ptPerModelUnitHourUsd)." in body


def test_a_failed_deployment_cleanup_names_the_deployment_and_the_sweeper() -> None:
    run = make_run().model_dump()
    run["evaluation"]["hosting"] = "on-demand"
    step = FailedStep(
        kind="failed",
        executionName="run-1",
        state={
            "run": run,
            "hosting": {"kind": "on-demand", "name": "od-run-1"},
            "error": _lambda_error("CustomModelDeploymentTimeout", "still Creating"),
            "cleanupError": _lambda_error("CustomModelDeploymentStillExists", "od-run-1 is Creating"),
        },
    )
    error, cause = describe_failure(step)
    assert error == "CustomModelDeploymentDeletionFailed"
    assert "od-run-1" in cause and "sweeper" in cause and "Original failure: CustomModelDeploymentTimeout" in cause


def test_a_kept_deployment_is_announced_with_how_to_call_it() -> None:
    from notify.logic import finished_message

    report = {
        "runId": "run-1",
        "complete": True,
        "reportUri": "s3://b/runs/run-1/report/",
        "questions": 2,
        "similarityEnabled": False,
        "hosting": {"kind": "on-demand", "kept": True, "arn": "arn:x:deployment", "example": "line1\nline2\nline3"},
    }
    _, message = finished_message(report)
    assert "stays deployed on demand" in message and "arn:x:deployment" in message
    assert "line1\nline2\nline3" in message and "Provisioned throughput" not in message
