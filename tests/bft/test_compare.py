"""`bft compare` on two runs with known results gives the known differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.bft.conftest import bft

QUESTIONS = ["富士山の高さは?", "What is the capital of France?", "Bedrock の料金は?", "How many epochs?"]


def _write_run(state: Path, run_id: str, tuned_scores: list[int], epochs: str, sha: str) -> None:
    arn = f"arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:{run_id}"
    (state / "executions").mkdir(parents=True, exist_ok=True)
    record = {
        "simulated": True,
        "arn": arn,
        "name": run_id,
        "status": "SUCCEEDED",
        "start": "2026-12-01T10:00:00+00:00",
        "stop": "2026-12-01T10:10:00+00:00",
        "input": {},
        "output": {},
        "error": None,
        "cause": None,
        "history": [],
    }
    (state / "executions" / f"{run_id}.json").write_text(json.dumps(record), encoding="utf-8")
    questions: list[dict[str, Any]] = [
        {
            "set": "domain",
            "question": q,
            "base": {"score": 2, "rougeL": 0.1, "similarity": 0.2, "outputTokens": 40},
            "fine-tuned": {"score": s, "rougeL": 0.1 * s, "similarity": 0.1 * s, "outputTokens": 20},
        }
        for q, s in zip(QUESTIONS, tuned_scores, strict=True)
    ]
    results = {
        "simulated": True,
        "runId": run_id,
        "baseModelId": "amazon.nova-micro-v1:0:128k",
        "verdictOutcome": "better",
        "hyperParameters": {"epochCount": epochs},
        "inference": {"systemPrompt": "Be brief."},
        "summary": {
            "fine-tuned": {"meanScore": sum(tuned_scores) / 4},
            "base": {"meanScore": 2.0},
            "comparison": {"judgeScore": {"meanDifference": sum(tuned_scores) / 4 - 2, "ci95": [0.5, 3.0]}},
        },
        "cost": {"totalUsd": 1.5, "status": "priced"},
        "questions": questions,
    }
    manifest = {
        "simulated": True,
        "counts": {"training": 100, "validation": 20, "evaluation": 4},
        "sha256": {"train.jsonl": sha},
        "config": {"baseModelId": "amazon.nova-micro-v1:0:128k", "systemPrompt": "Be brief."},
    }
    base = state / "bucket" / "runs" / run_id
    (base / "report").mkdir(parents=True)
    (base / "data").mkdir(parents=True)
    (base / "report" / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    (base / "data" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_compare_two_runs_with_known_results(tmp_path: Path) -> None:
    state = tmp_path / "s"
    _write_run(state, "run-a", [5, 5, 6, 6], "2", "aaa")
    _write_run(state, "run-b", [7, 8, 6, 9], "10", "bbb")
    result = bft("--json", "compare", "run-a", "run-b", state=state)
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["simulated"] is True
    assert document["differences"] == {
        "hyperParameters": [{"epochCount": "2"}, {"epochCount": "10"}],
        "dataSha256": [{"train.jsonl": "aaa"}, {"train.jsonl": "bbb"}],
    }
    judge = document["paired"]["judgeScore"]
    # differences b - a: +2, +3, 0, +3 -> mean 2.0; 3 better, 1 same, 0 worse; sign test p = 2 * (1/8) = 0.25
    assert judge["n"] == 4 and judge["meanDifference"] == 2.0
    assert (judge["wins"], judge["ties"], judge["losses"]) == (3, 1, 0)
    assert judge["pValue"] == 0.25
    assert judge["ci95"][0] <= 2.0 <= judge["ci95"][1]
    assert document["paired"]["outputTokens"]["ties"] == 4
    assert document["metrics"]["run-b"]["fineTunedMeanScore"] == 7.5


def test_compare_table_shows_both_runs_side_by_side(tmp_path: Path) -> None:
    state = tmp_path / "s"
    _write_run(state, "run-a", [5, 5, 6, 6], "2", "aaa")
    _write_run(state, "run-b", [7, 8, 6, 9], "10", "bbb")
    result = bft("compare", "run-a", "run-b", state=state)
    assert result.code == 0
    assert "SIMULATED" in result.stdout and "run-a" in result.stdout and "run-b" in result.stdout
    assert "+2.00" in result.stdout and "3/1/0" in result.stdout


def test_compare_needs_two_runs_and_known_ones(tmp_path: Path) -> None:
    state = tmp_path / "s"
    _write_run(state, "run-a", [5, 5, 6, 6], "2", "aaa")
    assert bft("compare", "run-a", state=state).code == 2
    assert bft("compare", "run-a", "run-zzz", state=state).code == 4
