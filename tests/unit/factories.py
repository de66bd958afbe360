"""Typed step inputs for unit tests, built the way PreprocessDataset builds them."""

from __future__ import annotations

import json
from typing import Any

from localrun.pipeline import BUCKET
from shared.models import Evaluation, PreparedData, RunContext
from shared.naming import resource_names

EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:run-1"


def make_run(run_id: str = "run-1", **overrides: Any) -> RunContext:
    values: dict[str, Any] = {
        "mode": "train",
        "runId": run_id,
        "executionName": run_id,
        "executionArn": EXECUTION_ARN.replace("run-1", run_id),
        "startedAt": "2026-01-01T00:00:00Z",
        "bucket": BUCKET,
        "trigger": "console",
        "sources": {"training": f"s3://{BUCKET}/raw/t.json"},
        "baseModelId": "amazon.nova-micro-v1:0:128k",
        "family": "nova",
        "systemPrompt": "Be brief.",
        "hyperParameters": {"epochCount": "2", "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
        "evaluation": Evaluation(
            judgeModelId="us.amazon.nova-pro-v1:0",
            baseModelInferenceId="amazon.nova-micro-v1:0",
            hosting="provisioned",
            concurrency=2,
            maxTokens=256,
            temperature=0.0,
        ),
        "pollIntervalSeconds": 0,
        "throughputPollIntervalSeconds": 0,
        "throughputMaxWaitSeconds": 600,
        "dryRun": False,
        "names": resource_names(run_id),
        "data": PreparedData(
            prefix=f"runs/{run_id}/data/",
            trainingUri=f"s3://{BUCKET}/runs/{run_id}/data/train.jsonl",
            validationUri=None,
            evalUri=f"s3://{BUCKET}/runs/{run_id}/data/eval.json",
            manifestUri=f"s3://{BUCKET}/runs/{run_id}/data/manifest.json",
            trainingRecords=8,
            validationRecords=0,
            evalQuestions=2,
            evalBatches=[0],
            batchSize=10,
            estimatedTrainingTokens=40,
        ),
    }
    values.update(overrides)
    return RunContext(**values)


_FACTS = [
    ("What is the default epoch count for Nova?", "Two epochs."),
    ("Which Region runs Nova fine-tuning?", "us-east-1."),
    ("What is the maximum epoch count for Nova?", "Five epochs."),
    ("What is the default Nova learning rate?", "0.00001."),
]
TRAINING_JSONL = "".join(
    json.dumps(
        {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                {"role": "user", "content": [{"text": question if copy == 0 else f"{question} (copy {copy})"}]},
                {"role": "assistant", "content": [{"text": answer}]},
            ],
        }
    )
    + "\n"
    for copy in range(2)
    for question, answer in _FACTS
)
"""Eight records: the fewest Nova's customization job accepts."""


def put_training(s3: Any, run: RunContext) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}train.jsonl", Body=TRAINING_JSONL.encode())
