"""The judge's saved progress, so one run's grading can span several JudgeAnswers invocations.

A Lambda runs at most 15 minutes (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
and grading 1,020 questions (a verdict on each answer, the pairwise comparison in both orders, a second
judge's verdicts) can take longer. The judge therefore works in chunks and, when its time runs short,
saves every finished result here and returns `complete: false`; the state machine calls it again
(IsJudgingComplete) and it goes on from what is saved. No verdict is asked for twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared import s3 as s3io
from shared.answers import batch_verdicts_key, batch_verdicts_prefix, judgements_key

SAFETY_MARGIN_SECONDS = 120.0
"""No new chunk starts with less time than this left: a chunk's calls, the S3 writes and the
similarity step must finish before the Lambda's own timeout."""
MAX_PASSES = 100
"""Each pass finishes at least one chunk, so judging always ends; this bound only stops a run that
somehow does not. The most work, 1,020 questions with a second judge (6,120 calls) at
judgeConcurrency 1 and ~4 s a call, takes about 32 passes of 13 minutes."""
PROGRESS_VERSION = 1

TimeLeft = Callable[[], float]
"""Seconds the current invocation has left (from the Lambda context)."""


def unlimited() -> float:
    return float("inf")


def partial_key(run_id: str) -> str:
    """Beside judgements.json; internal to the judge step, the report never reads it."""
    return judgements_key(run_id).removesuffix(".json") + ".partial.json"


@dataclass
class Progress:
    """Finished results by task id ("verdicts/base/3", "pairwise/3", "secondVerdicts/fine-tuned/3")."""

    passes: int = 0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def _read(cls, s3: Any, bucket: str, key: str) -> Progress:
        if not s3io.list_keys(s3, bucket, key):
            return cls()
        document = s3io.get_json(s3, bucket, key)
        if document.get("version") != PROGRESS_VERSION:
            return cls(passes=int(document.get("passes", 0)))
        return cls(passes=int(document["passes"]), results=dict(document["results"]))

    @classmethod
    def load(cls, s3: Any, bucket: str, run_id: str) -> Progress:
        """The whole-run progress, with every answer batch's results the judge's Distributed Map saved."""
        progress = cls._read(s3, bucket, partial_key(run_id))
        for key in s3io.list_keys(s3, bucket, batch_verdicts_prefix(run_id)):
            for task_id, result in cls._read(s3, bucket, key).results.items():
                progress.results.setdefault(task_id, result)
        return progress

    @classmethod
    def load_batch(cls, s3: Any, bucket: str, run_id: str, batch: int) -> Progress:
        return cls._read(s3, bucket, batch_verdicts_key(run_id, batch))

    def save_batch(self, s3: Any, bucket: str, run_id: str, batch: int) -> str:
        key = batch_verdicts_key(run_id, batch)
        s3io.put_json(s3, bucket, key, {"version": PROGRESS_VERSION, "passes": self.passes, "results": self.results})
        return key

    def save(self, s3: Any, bucket: str, run_id: str) -> str:
        document = {"version": PROGRESS_VERSION, "passes": self.passes, "results": self.results}
        s3io.put_json(s3, bucket, partial_key(run_id), document)
        return partial_key(run_id)
