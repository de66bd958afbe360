"""The grader: one reward in 0..1 per sampled response, never an exception for a bad sample.

- `judge` (default): the pipeline's own judge, with the same verdict tool and prompt as the
  evaluation (judge/tools.py); score 1..10 maps to (score - 1) / 9.
- `rouge`: ROUGE-L F1 against the reference; `similarity`: character-bigram cosine (grader/rewards.py).

Bounded failures: a judge call that fails (after botocore's retries), a malformed verdict (asked
again, as the evaluation does), a sample without a response or reference, or a batch about to
outrun the Lambda's time all get NEUTRAL_REWARD and a `grader_failed` metric of 1. A neutral reward
is the same for every response to a prompt, so it carries no preference either way: it neither
rewards nor punishes, and the job never crashes because of the judge.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from grader.contract import MetricEntry, RewardKind, RewardOutput, Sample
from grader.rewards import bigram_similarity, rouge_l
from judge.logic import MAX_ATTEMPTS, _ask
from judge.tools import parse_verdict, verdict_request

NEUTRAL_REWARD = 0.5
"""Documented reward for a sample the grader could not score (README: reinforcement fine-tuning)."""
SAFETY_SECONDS = 20.0
"""Judge calls stop when less than this is left of the Lambda's time; the rest get the neutral reward."""
THREADS = 8


@dataclass(frozen=True)
class Scored:
    reward: float
    failed: str | None = None
    attempts: int = 0


def verdict_reward(score: int) -> float:
    return round((score - 1) / 9, 6)


def _judge(runtime: Any, judge_model_id: str, question: str, reference: str, response: str) -> Scored:
    verdict, attempts, missing, _ = _ask(
        runtime, verdict_request(judge_model_id, question, reference, response), parse_verdict
    )
    if verdict is None:
        return Scored(NEUTRAL_REWARD, missing or "no verdict", attempts)
    return Scored(verdict_reward(verdict.score), None, attempts)


def score(sample: Sample, kind: RewardKind, runtime: Any, judge_model_id: str) -> Scored:
    response, reference = sample.response(), sample.reference()
    if response is None:
        return Scored(NEUTRAL_REWARD, "the last message is not the assistant's response")
    if reference is None:
        return Scored(NEUTRAL_REWARD, "the sample has no reference_answer")
    if kind == "rouge":
        return Scored(round(rouge_l(response, reference), 6))
    if kind == "similarity":
        return Scored(round(bigram_similarity(response, reference), 6))
    return _judge(runtime, judge_model_id, sample.question(), reference, response)


def _output(sample_id: str, kind: RewardKind, scored: Scored) -> dict[str, Any]:
    metrics = [
        MetricEntry(name=kind, value=scored.reward, type="Reward"),
        MetricEntry(name="grader_failed", value=1.0 if scored.failed else 0.0, type="Metric"),
    ]
    return RewardOutput(id=sample_id, aggregate_reward_score=scored.reward, metrics_list=metrics).model_dump()


def grade(
    event: Any,
    runtime: Any,
    judge_model_id: str,
    default_kind: RewardKind = "judge",
    time_left: Callable[[], float] = lambda: float("inf"),
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(rewards in the documented output shape, counts). `event` is the documented list of samples
    (a single sample object is accepted too)."""
    raw = event if isinstance(event, list) else [event]
    outputs: list[dict[str, Any] | None] = [None] * len(raw)
    counts = {"samples": len(raw), "failed": 0, "judgeCalls": 0, "malformedSamples": 0}
    work: list[tuple[int, Sample, RewardKind]] = []
    for index, item in enumerate(raw):
        try:
            sample = Sample.model_validate(item)
        except Exception:  # a sample we cannot read still gets its (neutral) reward, under its id if any
            counts["malformedSamples"] += 1
            counts["failed"] += 1
            sample_id = str(item.get("id", index)) if isinstance(item, dict) else str(index)
            outputs[index] = _output(sample_id, default_kind, Scored(NEUTRAL_REWARD, "unreadable sample"))
            continue
        work.append((index, sample, sample.reward_kind(default_kind)))

    def run(entry: tuple[int, Sample, RewardKind]) -> tuple[int, Sample, RewardKind, Scored]:
        index, sample, kind = entry
        if kind == "judge" and time_left() < SAFETY_SECONDS:
            return index, sample, kind, Scored(NEUTRAL_REWARD, "out of time before the Lambda timeout")
        return index, sample, kind, score(sample, kind, runtime, judge_model_id)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for index, sample, kind, scored in pool.map(run, work):
            counts["judgeCalls"] += scored.attempts
            if scored.failed:
                counts["failed"] += 1
            outputs[index] = _output(sample.id, kind, scored)
    return [output for output in outputs if output is not None], counts


__all__ = ["MAX_ATTEMPTS", "NEUTRAL_REWARD", "grade", "verdict_reward"]
