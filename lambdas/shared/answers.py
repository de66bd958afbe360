"""Reads the answer batches a run wrote (used by the judge and the report)."""

from __future__ import annotations

from typing import Any

from shared import s3 as s3io

TARGETS = ("base", "fine-tuned")


def answers_prefix(run_id: str, target: str) -> str:
    return f"runs/{run_id}/eval/answers/{target}/"


def answers_key(run_id: str, target: str, batch: int) -> str:
    return f"{answers_prefix(run_id, target)}batch-{batch:04d}.json"


def answer_errors_prefix(run_id: str, target: str) -> str:
    """Why batches failed, beside (not among) the answers: read by answer.verify."""
    return f"runs/{run_id}/eval/answer-errors/{target}/"


def answer_error_key(run_id: str, target: str, batch: int) -> str:
    return f"{answer_errors_prefix(run_id, target)}batch-{batch:04d}.json"


def judgements_key(run_id: str) -> str:
    return f"runs/{run_id}/eval/judgements.json"


def load_answers(s3: Any, bucket: str, run_id: str) -> dict[str, dict[int, dict[str, Any]]]:
    """{target: {question index: answer record}} for every batch found."""
    found: dict[str, dict[int, dict[str, Any]]] = {}
    for target in TARGETS:
        by_index: dict[int, dict[str, Any]] = {}
        for key in s3io.list_keys(s3, bucket, answers_prefix(run_id, target)):
            for record in s3io.get_json(s3, bucket, key)["answers"]:
                by_index[int(record["index"])] = record
        found[target] = by_index
    return found


def load_batch_answers(s3: Any, bucket: str, run_id: str, batch: int) -> dict[str, dict[int, dict[str, Any]]]:
    """{target: {question index: answer record}} of one answer batch (a target without it: empty)."""
    found: dict[str, dict[int, dict[str, Any]]] = {}
    for target in TARGETS:
        key = answers_key(run_id, target, batch)
        records = s3io.get_json(s3, bucket, key)["answers"] if s3io.list_keys(s3, bucket, key) else []
        found[target] = {int(record["index"]): record for record in records}
    return found


def batch_verdicts_prefix(run_id: str) -> str:
    """Each answer batch's judge results, written inside the judge's Distributed Map."""
    return f"runs/{run_id}/eval/verdicts/"


def batch_verdicts_key(run_id: str, batch: int) -> str:
    return f"{batch_verdicts_prefix(run_id)}batch-{batch:04d}.json"
