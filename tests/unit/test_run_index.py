"""runs/index.json and runs/index.html: every run's row, newest first, and no row lost when
two runs update the index at the same moment (S3 conditional writes, enforced by moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from report import run_index
from tests.conftest import moto_bucket

BUCKET = "runs-bucket"


@pytest.fixture
def s3() -> Iterator[Any]:
    """moto alone in us-east-1 with BUCKET (conftest's `s3` also starts the simulated Bedrock)."""
    with moto_bucket(BUCKET) as client:
        yield client


def _results(run_id: str, started: str, verdict: str = "Fine-tuned model is better", simulated: bool = True) -> dict:
    return {
        "runId": run_id,
        "simulated": simulated,
        "startedAt": started,
        "baseModelId": "amazon.nova-micro-v1:0:128k",
        "hyperParameters": {"epochCount": "2"},
        "data": {"trainingRecords": 104, "evalQuestions": 8},
        "verdictOutcome": "better",
        "verdict": verdict,
        "summary": {
            "fine-tuned": {"meanScore": 7.1},
            "base": {"meanScore": 2.2},
            "comparison": {"judgeScore": {"meanDifference": 4.9, "ci95": [4.0, 5.8]}},
        },
        "cost": {"totalUsd": 0.0114, "status": "lower bound"},
        "hosting": {"kind": "on-demand", "kept": True, "arn": "arn:aws:bedrock:us-east-1:1:custom-model-deployment/x"},
    }


def _index(s3: Any) -> dict:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=run_index.INDEX_JSON)["Body"].read())


def test_rows_newest_first_with_a_link_to_each_report(s3: Any) -> None:
    run_index.record(s3, BUCKET, _results("run-old", "2026-12-01T10:00:00+00:00"))
    run_index.record(s3, BUCKET, _results("run-new", "2026-12-02T10:00:00+00:00", "微調整モデルの方が良い"))
    rows = _index(s3)["runs"]
    assert [r["runId"] for r in rows] == ["run-new", "run-old"]
    assert rows[0]["report"] == "run-new/report/index.html"
    assert rows[0]["judgeScoreCi95"] == [4.0, 5.8] and rows[0]["keptDeploymentArn"].endswith("/x")
    page = s3.get_object(Bucket=BUCKET, Key=run_index.INDEX_HTML)["Body"].read().decode("utf-8")
    assert page.index('href="run-new/report/index.html"') < page.index('href="run-old/report/index.html"')
    assert "微調整モデルの方が良い" in page and "SIMULATED" in page
    assert "<style>" in page and "<script" not in page and "http" not in page.split("<main>")[1]


def test_a_run_reported_again_replaces_its_row(s3: Any) -> None:
    run_index.record(s3, BUCKET, _results("run-a", "2026-12-01T10:00:00+00:00"))
    again = _results("run-a", "2026-12-01T10:00:00+00:00")
    again["verdictOutcome"] = "not shown"
    run_index.record(s3, BUCKET, again)
    rows = _index(s3)["runs"]
    assert len(rows) == 1 and rows[0]["verdictOutcome"] == "not shown"


class _Racing:
    """An S3 client whose first conditional write of index.json is preceded by another run's
    complete update, as when two runs finish at the same moment."""

    def __init__(self, client: Any, other: dict) -> None:
        self.client, self.other, self.raced, self.refused = client, other, False, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def put_object(self, **kwargs: Any) -> Any:
        if kwargs["Key"] == run_index.INDEX_JSON and not self.raced:
            self.raced = True
            run_index.record(self.client, BUCKET, self.other)
        try:
            return self.client.put_object(**kwargs)
        except self.client.exceptions.ClientError as error:
            self.refused += 1
            raise error


def test_two_runs_finishing_together_keep_both_rows(s3: Any) -> None:
    run_index.record(s3, BUCKET, _results("run-0", "2026-11-30T10:00:00+00:00"))
    racing = _Racing(s3, _results("run-b", "2026-12-01T10:00:01+00:00"))
    run_index.record(racing, BUCKET, _results("run-a", "2026-12-01T10:00:00+00:00"))
    assert racing.refused == 1  # the stale write was refused (412) and made again from the newer index
    assert [r["runId"] for r in _index(s3)["runs"]] == ["run-b", "run-a", "run-0"]
    page = s3.get_object(Bucket=BUCKET, Key=run_index.INDEX_HTML)["Body"].read().decode("utf-8")
    assert all(f'href="{run}/report/index.html"' in page for run in ("run-a", "run-b", "run-0"))


def test_first_index_is_created_only_once(s3: Any) -> None:
    """Two first writers: If-None-Match: * lets one create it; the other adds its row after."""
    racing = _Racing(s3, _results("run-b", "2026-12-01T10:00:01+00:00"))
    run_index.record(racing, BUCKET, _results("run-a", "2026-12-01T10:00:00+00:00"))
    assert racing.refused == 1
    assert {r["runId"] for r in _index(s3)["runs"]} == {"run-a", "run-b"}


def test_update_does_not_fail_the_report_when_the_index_cannot_be_written(s3: Any) -> None:
    class Refusing:
        def __getattr__(self, name: str) -> Any:
            return getattr(s3, name)

        def put_object(self, **kwargs: Any) -> Any:
            raise s3.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")

    run_index.update(Refusing(), BUCKET, _results("run-a", "2026-12-01T10:00:00+00:00"))
    with pytest.raises(s3.exceptions.ClientError):
        run_index.record(Refusing(), BUCKET, _results("run-a", "2026-12-01T10:00:00+00:00"))
