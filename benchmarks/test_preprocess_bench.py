"""PreprocessDataset throughput and memory on the largest dataset Claude 3 Haiku accepts (10,000 records in all).

Goals (on the project's 2-core reference machine): 9,000 training + 1,000 validation
records validated and converted in under 20 s, with a Python heap peak under 400 MB.
Timing is measured here, never in unit tests.
"""

from __future__ import annotations

import json
import time
import tracemalloc

import boto3
import pytest
from moto import mock_aws

from localrun.pipeline import BUCKET, REGION
from preprocess.logic import prepare_run
from shared.models import PreprocessStep, RunContext
from shared.settings import Settings

SECONDS_GOAL = 20.0
PEAK_MB_GOAL = 400.0


def _records(count: int, start: int = 0) -> bytes:
    lines = (
        json.dumps(
            {
                "question": f"What is fact number {i} about fine-tuning on Bedrock? " * 3,
                "answer": f"Fact {i}: a concise and accurate answer that is long enough to matter. " * 4,
            }
        )
        for i in range(start, start + count)
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.bench
def test_preprocess_largest_haiku_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="raw/bench/train.jsonl", Body=_records(9_000))
        s3.put_object(Bucket=BUCKET, Key="raw/bench/val.jsonl", Body=_records(1_000, 9_000))
        step = PreprocessStep(
            input={
                "trainingDataUri": f"s3://{BUCKET}/raw/bench/train.jsonl",
                "validationDataUri": f"s3://{BUCKET}/raw/bench/val.jsonl",
                "baseModelId": "anthropic.claude-3-haiku-20240307-v1:0:200k",
            },
            executionName="bench",
            executionStartTime="2026-01-01T00:00:00Z",
        )
        tracemalloc.start()
        started = time.perf_counter()
        result = prepare_run(step, Settings(bucket=BUCKET), s3)
        elapsed = time.perf_counter() - started
        peak_mb = tracemalloc.get_traced_memory()[1] / 1024**2
        tracemalloc.stop()
    assert isinstance(result, RunContext) and result.data.trainingRecords == 9_000
    print(f"\npreprocess 9,000 + 1,000 records: {elapsed:.2f} s, peak heap {peak_mb:.0f} MB")
    assert elapsed < SECONDS_GOAL
    assert peak_mb < PEAK_MB_GOAL
