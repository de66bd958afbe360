"""A small run as the report reads it: its questions, answers, verdicts and training metrics in
the pipeline bucket, its step input (with the quote), and the report files read back. Shared by
the report tests; test_report.py checks the report's numbers against these values by hand."""

from __future__ import annotations

import json
from typing import Any

from localrun.pipeline import BUCKET
from report.logic import ReportState, ReportStep
from shared.models import HostingDeletion, HostingState, JobState, StepError
from shared.price_list import PriceListReading
from shared.prices import PriceOverrides
from shared.quote import CostQuote, Question, QuoteInput, build_quote
from tests.unit.factories import make_run

QUESTIONS = [
    {"index": 0, "question": "How many epochs?", "reference": "Two epochs."},
    {"index": 1, "question": "Which Region?", "reference": "us-west-2."},
]
# (answer, output tokens, latency ms, score, correct, similarity) per question, per model
ANSWERS = {
    "base": [("I do not know.", 40, 1000, 2, False, 0.2), ("It depends on the Region.", 60, 1400, 4, False, 0.4)],
    "fine-tuned": [("Two epochs.", 10, 300, 9, True, 0.9), ("us-east-1.", 10, 500, 4, False, 0.5)],
}
TRAINING_CSV = "step_number,epoch_number,training_loss,perplexity\n0,1,2.0,7.4\n1,1,1.6,5.0\n2,2,1.2,3.3\n3,2,1.0,2.7\n"
VALIDATION_CSV = "step_number,epoch_number,validation_loss,perplexity\n1,1,1.5,4.5\n3,2,1.3,3.7\n"
PRICES = PriceOverrides(
    trainingPer1kTokensUsd=0.5,
    storagePerModelMonthUsd=2.0,
    ptPerModelUnitHourUsd=20.0,
    baseInputPer1kTokensUsd=0.001,
    baseOutputPer1kTokensUsd=0.002,
    judgeInputPer1kTokensUsd=0.001,
    judgeOutputPer1kTokensUsd=0.004,
    embeddingPer1kTokensUsd=0.0001,
)


def make_quote(overrides: PriceOverrides, listed: PriceListReading | None = None) -> CostQuote:
    """The quote of this run (Nova Micro, judged by Nova Pro) with `overrides`; with `listed`, the prices
    the AWS Price List gave and the run's copy of them."""
    return build_quote(
        QuoteInput(
            base_model_id="amazon.nova-micro-v1:0:128k",
            base_inference_id="amazon.nova-micro-v1:0",
            judge_model_id="us.amazon.nova-pro-v1:0",
            embedding_model_id="amazon.titan-embed-text-v2:0",
            region="us-east-1",
            training_tokens=40,
            epochs=2,
            questions=[Question(q["question"], q["reference"]) for q in QUESTIONS],
            system_prompt="Be brief.",
            max_tokens=256,
            concurrency=2,
            hosting="provisioned",
            model_units=1,
            semantic_similarity=True,
            overrides=overrides,
            max_cost_usd=None,
            budget_source=None,
            listed=listed,
            prices_uri="s3://bucket/runs/run-1/data/prices.json" if listed else None,
        )
    )


def put(s3: Any, key: str, body: Any) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    s3.put_object(Bucket=BUCKET, Key=key, Body=data.encode("utf-8"))


def make_verdict(target: str, index: int, **overrides: Any) -> dict[str, Any]:
    _, _, _, score, correct, similarity = ANSWERS[target][index]
    verdict = {
        "index": index,
        "target": target,
        "score": score,
        "correct": correct,
        "reasoning": f"{target} reasoning {index}",
        "attempts": 1,
        "missingReason": None,
        "similarity": similarity,
        "similarityMissingReason": None,
        "inputTokens": 500,
        "outputTokens": 100,
    }
    return {**verdict, **overrides}


def write_run(s3: Any, verdicts: list[dict[str, Any]] | None = None, csvs: bool = True) -> None:
    put(s3, "runs/run-1/data/eval.json", QUESTIONS)
    for target, rows in ANSWERS.items():
        answers = [
            {**QUESTIONS[i], "answer": answer, "outputTokens": tokens, "latencyMs": latency}
            for i, (answer, tokens, latency, *_) in enumerate(rows)
        ]
        put(s3, f"runs/run-1/eval/answers/{target}/batch-0000.json", {"target": target, "answers": answers})
    if verdicts is None:
        verdicts = [make_verdict(target, i) for target in ANSWERS for i in range(2)]
    if verdicts:
        put(
            s3,
            "runs/run-1/eval/judgements.json",
            {
                "judgeModelId": "us.amazon.nova-pro-v1:0",
                "inference": {"maxTokens": 1024, "temperature": 0.0, "tool": "record_verdict"},
                "similarity": {
                    "enabled": True,
                    "modelId": "amazon.titan-embed-text-v2:0",
                    "dimensions": 1024,
                    "embeddingCalls": 6,
                    "inputTokens": 50,
                },
                "verdicts": verdicts,
            },
        )
    if csvs:
        prefix = "runs/run-1/output/model-customization-job-abc/"
        put(s3, f"{prefix}training_artifacts/step_wise_training_metrics.csv", TRAINING_CSV)
        put(s3, f"{prefix}validation_artifacts/post_fine_tuning_validation/validation_metrics.csv", VALIDATION_CSV)


def make_step(judge_error: StepError | None = None, prices: PriceOverrides = PRICES) -> ReportStep:
    run = make_run(costQuote=make_quote(prices))
    state = ReportState(
        run=run,
        job=JobState(
            jobArn="arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x/abc",
            jobName=run.names.jobName,
            status="Completed",
            customModelArn="arn:aws:bedrock:us-east-1:123456789012:custom-model/x/abc",
        ),
        hosting=HostingState(
            kind="provisioned",
            arn="arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
            name=run.names.provisionedModelName,
            status="InService",
            ready=True,
            requestedAt="2026-01-01T10:00:00Z",
            readyAt="2026-01-01T10:20:00Z",
        ),
        hostingDeletion=HostingDeletion(
            kind="provisioned",
            name=run.names.provisionedModelName,
            arn="arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
            existed=True,
            deletedAt="2026-01-01T10:30:00Z",
            reason="answers complete",
        ),
        judgeError=judge_error,
    )
    return ReportStep(state=state, executionStartTime="2026-01-01T09:00:00Z")


def report_files(s3: Any) -> tuple[dict[str, Any], str, str]:
    def get(name: str) -> str:
        return str(s3.get_object(Bucket=BUCKET, Key=f"runs/run-1/report/{name}")["Body"].read().decode("utf-8"))

    return json.loads(get("results.json")), get("report.md"), get("index.html")
