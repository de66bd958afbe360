"""How evaluation work is split, from one concurrency setting, and the limits it must respect.

`evaluation.concurrency` is the number of requests in flight against the evaluated model
across all batches: the answer Map runs `mapConcurrency` batches at a time (ASL
`MaxConcurrencyPath`) and each batch runs `threadsPerBatch` threads, with
mapConcurrency x threadsPerBatch == concurrency. A batch holds a whole number of rounds
(a multiple of its threads), so no thread idles inside a batch except at the very end.

Limits enforced up front (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
- a state's input/output is at most 256 KiB: an inline Map's results grow with the number of
  batches, so inline batches are capped at MAX_BATCHES, and the run context itself is bounded;
- above INLINE_MAX_QUESTIONS the answer Maps run as Distributed Maps: the batch list is an S3
  object (ItemReader), the results go to S3 (ResultWriter), and neither the batch list nor the
  results travel in the state; each batch is a child execution whose events are not in the run's
  history (docs/performance.md, "Evaluation at scale");
- a Lambda runs at most 15 minutes: a batch holds only as many rounds as fit in
  LAMBDA_BUDGET_SECONDS at a pessimistic generation rate (the judge needs no bound here: it
  saves its progress and is called again, judge/progress.py);
- a standard execution keeps at most 25,000 history events: the training wait's safety poll
  has a floor for real runs (MIN_POLL_INTERVAL_SECONDS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.errors import InvalidExecutionInput

LAMBDA_BUDGET_SECONDS = 780
"""15 minutes less a margin for S3 reads and writes and cold starts."""
PESSIMISTIC_FIRST_TOKEN_SECONDS = 3.0
PESSIMISTIC_SECONDS_PER_OUTPUT_TOKEN = 1 / 25
"""Slow end of generation speed, used only to bound work per Lambda (not to predict run time)."""
PESSIMISTIC_RETRY_SECONDS = 20.0
"""Headroom per call for throttling back-off."""
MAX_THREADS_PER_BATCH = 8
"""Below botocore's default connection pool of 10 per client."""
DEFAULT_ROUNDS = 8
"""Rounds per batch when evaluation.batchSize is not given."""
MAX_BATCHES = 100
"""Each Map result is ~150 bytes; two Maps of 100 stay far below 256 KiB."""
INLINE_MAX_QUESTIONS = 1000
"""Evaluation questions (domain questions, the general check's excluded) that still answer through
the inline Map; above this, a Distributed Map. Measured (docs/performance.md): at 1,000 questions the
inline Maps add about 7 history events per batch and ~150 bytes of state per batch; their cost per
question is the Distributed Map's (the same state transitions) without a child execution's start-up."""
BATCH_LIST_NAME = "eval-batches.json"
"""Written beside eval.json in distributed mode: a JSON array of {"batch": n} (ItemReader InputType JSON)."""
MAX_DISTRIBUTED_BATCHES = 10_000
"""Child executions per Distributed Map run: far below Step Functions' limits, which bound what runs
at once (MaxConcurrency up to 10,000), not how many items a map run holds."""
MAX_RUN_CONTEXT_BYTES = 96 * 1024
"""The run context is carried in every state (and in every Map item's input)."""
MIN_POLL_INTERVAL_SECONDS = 300
"""Safety poll floor for real runs: each poll cycle writes 8 history events, so a 72-hour job
makes at most 72 * 3600 / 300 * 8 = 6,912 of the 25,000 allowed."""
SIMULATED_MIN_POLL_INTERVAL_SECONDS = 1
"""Simulated runs may poll every second (Step Functions timeouts are whole seconds, at least 1)."""


@dataclass(frozen=True)
class AnswerPlan:
    mapConcurrency: int
    threadsPerBatch: int
    batchSize: int
    batches: int
    distributed: bool = False
    """True: the answer Maps run as Distributed Maps over a batch list in S3."""


def is_distributed(questions: int) -> bool:
    return questions > INLINE_MAX_QUESTIONS


def threads_per_batch(concurrency: int) -> int:
    """The largest divisor of `concurrency` that is at most MAX_THREADS_PER_BATCH."""
    return max(d for d in range(1, min(concurrency, MAX_THREADS_PER_BATCH) + 1) if concurrency % d == 0)


def worst_answer_seconds(max_tokens: int) -> float:
    return (
        PESSIMISTIC_FIRST_TOKEN_SECONDS + PESSIMISTIC_SECONDS_PER_OUTPUT_TOKEN * max_tokens + PESSIMISTIC_RETRY_SECONDS
    )


def _balanced_rounds(questions: int, threads: int, slots: int, max_rounds: int) -> int:
    """Rounds per batch for a Distributed Map: a batch is a child execution, so each one pays a
    start-up and a last round with idle threads; batches as large as fit in a Lambda, and as many
    per Map slot, so no slot idles at the end while another runs its last batch."""
    per_slot = math.ceil(math.ceil(max(1, questions) / threads) / slots)
    batches_per_slot = math.ceil(per_slot / max_rounds)
    return max(1, math.ceil(per_slot / batches_per_slot))


def answer_plan(
    questions: int,
    concurrency: int,
    requested_batch_size: int | None,
    max_tokens: int,
    distributed: bool = False,
) -> AnswerPlan:
    """`questions` = every question both models answer (the general check's included)."""
    threads = threads_per_batch(concurrency)
    max_batches = MAX_DISTRIBUTED_BATCHES if distributed else MAX_BATCHES
    max_rounds = max(1, math.floor(LAMBDA_BUDGET_SECONDS / worst_answer_seconds(max_tokens)))
    # Each batch ends when its slowest thread does (a throttled call's back-off, a long answer):
    # the more rounds a batch holds, the smaller that idle tail is relative to the batch.
    default_rounds = (
        _balanced_rounds(questions, threads, concurrency // threads, max_rounds) if distributed else DEFAULT_ROUNDS
    )
    wanted = default_rounds * threads if requested_batch_size is None else requested_batch_size
    rounds = min(max(1, math.ceil(wanted / threads)), max_rounds)
    # Too many inline batches would overflow the Map's 256 KiB result: take bigger batches if the budget allows.
    needed = math.ceil(max(1, questions) / (max_batches * threads))
    if needed > max_rounds:
        raise InvalidExecutionInput(
            f"evaluation: {questions} questions at concurrency {concurrency} need more than {max_batches} batches "
            f"that each finish within a Lambda's 15 minutes at maxTokens {max_tokens}; raise evaluation.concurrency "
            "or lower evaluation.maxQuestions or evaluation.maxTokens"
        )
    rounds = max(rounds, needed)
    batch_size = rounds * threads
    return AnswerPlan(
        mapConcurrency=concurrency // threads,
        threadsPerBatch=threads,
        batchSize=batch_size,
        batches=math.ceil(questions / batch_size),
        distributed=distributed,
    )


def check_run_context_size(serialized: str) -> None:
    size = len(serialized.encode("utf-8"))
    if size > MAX_RUN_CONTEXT_BYTES:
        raise InvalidExecutionInput(
            f"the run's settings take {size} bytes, more than the {MAX_RUN_CONTEXT_BYTES} that fit in Step Functions "
            "state (256 KiB per state); shorten systemPrompt"
        )


def poll_interval(requested: int, simulated: bool) -> int:
    """The training wait's safety poll; refused below the floor for real runs."""
    floor = SIMULATED_MIN_POLL_INTERVAL_SECONDS if simulated else MIN_POLL_INTERVAL_SECONDS
    if simulated:
        return max(floor, requested)
    if requested < floor:
        raise InvalidExecutionInput(
            f"pollIntervalSeconds {requested} is below {floor}: the training wait is resumed by Bedrock's job "
            "events, and this safety poll must stay slow so a 72-hour job stays far below Step Functions' "
            "25,000 history events"
        )
    return requested
