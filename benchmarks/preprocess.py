"""Preprocessing Nova's maximum dataset (20,000 records) and its cost relative to a plain
json.loads + json.dumps of the same records."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from typing import Any

import boto3
from moto import mock_aws

from localrun.pipeline import BUCKET, REGION
from preprocess.logic import prepare_run
from shared.models import PreprocessStep, RunContext
from shared.settings import Settings

RECORDS = 20_000


def _records(count: int) -> bytes:
    lines = (
        json.dumps(
            {
                "question": f"What is fact number {i} about fine-tuning on Bedrock? " * 3,
                "answer": f"Fact {i}: a concise and accurate answer that is long enough to matter. " * 4,
            }
        )
        for i in range(count)
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


def preprocess_20k() -> dict[str, dict[str, Any]]:
    data = _records(RECORDS)
    os.environ.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION})
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="raw/bench/train.jsonl", Body=data)
        step = PreprocessStep(
            input={
                "trainingDataUri": f"s3://{BUCKET}/raw/bench/train.jsonl",
                "baseModelId": "amazon.nova-micro-v1:0:128k",
                "dryRun": True,
            },
            executionName="bench",
            executionStartTime="2026-01-01T00:00:00Z",
        )
        settings = Settings(bucket=BUCKET, simulated=True)
        started = time.perf_counter()
        result = prepare_run(step, settings, s3)
        elapsed = time.perf_counter() - started
        # Memory in a second pass: tracemalloc slows Python down several times.
        step = step.model_copy(update={"executionName": "bench-memory"})
        tracemalloc.start()
        prepare_run(step, settings, s3)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1024**2
        tracemalloc.stop()
    assert isinstance(result, RunContext), result
    assert result.data.trainingRecords + result.data.validationRecords >= RECORDS * 0.9, result.data
    started = time.perf_counter()
    text = data.decode("utf-8")
    parsed = [json.loads(line) for line in text.splitlines() if line]
    "\n".join(json.dumps(record) for record in parsed)
    baseline = time.perf_counter() - started
    return {
        "preprocess20kSeconds": {"value": round(elapsed, 2), "goal": "<= 5"},
        "preprocess20kPeakMB": {"value": round(peak_mb, 1), "goal": "<= 300"},
        "preprocess20kOverJsonRoundTrip": {
            "value": round(elapsed / baseline, 1),
            "jsonRoundTripSeconds": round(baseline, 3),
            "note": "preprocessing time / (json.loads + json.dumps of the same 20,000 records)",
        },
    }
