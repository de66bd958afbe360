"""One concurrency setting split into Map concurrency x threads per batch, and the limits
(256 KiB state, 15-minute Lambda, 25,000 history events) checked before anything is paid."""

from __future__ import annotations

import pytest

from shared import work_plan
from shared.errors import InvalidExecutionInput


@pytest.mark.parametrize("concurrency", range(1, 17))
def test_requests_in_flight_equal_the_concurrency_setting(concurrency: int) -> None:
    plan = work_plan.answer_plan(200, concurrency, 10, 512)

    assert plan.mapConcurrency * plan.threadsPerBatch == concurrency
    assert plan.threadsPerBatch <= work_plan.MAX_THREADS_PER_BATCH
    assert plan.batchSize % plan.threadsPerBatch == 0  # whole rounds: no idle thread inside a batch
    assert plan.batches * plan.batchSize >= 200 > (plan.batches - 1) * plan.batchSize


def test_two_hundred_questions_at_eight_run_in_the_ideal_number_of_rounds() -> None:
    plan = work_plan.answer_plan(200, 8, 10, 512)

    rounds = -(-plan.batches // plan.mapConcurrency) * (plan.batchSize // plan.threadsPerBatch)
    assert (plan.mapConcurrency, plan.threadsPerBatch, plan.batchSize) == (1, 8, 16)
    assert rounds <= 26  # ideal: 200 / 8 = 25


def test_by_default_a_batch_holds_eight_rounds_so_its_idle_tail_is_small() -> None:
    plan = work_plan.answer_plan(1000, 16, None, 512)

    assert (plan.mapConcurrency, plan.threadsPerBatch, plan.batchSize) == (2, 8, 64)
    assert plan.batches == 16


def test_batches_are_capped_so_the_map_result_stays_small() -> None:
    plan = work_plan.answer_plan(1000, 1, 1, 64)

    assert plan.batches <= work_plan.MAX_BATCHES


def test_a_batch_fits_in_a_lambda_at_the_slowest_generation_rate() -> None:
    plan = work_plan.answer_plan(100, 4, 200, 8192)
    rounds = plan.batchSize // plan.threadsPerBatch

    assert rounds * work_plan.worst_answer_seconds(8192) <= work_plan.LAMBDA_BUDGET_SECONDS


def test_work_that_cannot_fit_is_refused_up_front() -> None:
    with pytest.raises(InvalidExecutionInput, match=r"raise evaluation\.concurrency"):
        work_plan.answer_plan(1000, 1, 10, 8192)


def test_a_run_context_that_would_overflow_the_state_is_refused() -> None:
    with pytest.raises(InvalidExecutionInput, match="shorten systemPrompt"):
        work_plan.check_run_context_size("x" * (work_plan.MAX_RUN_CONTEXT_BYTES + 1))


def test_poll_interval_floor_for_real_runs_and_a_fast_one_for_simulated_runs() -> None:
    with pytest.raises(InvalidExecutionInput, match="below 300"):
        work_plan.poll_interval(0, simulated=False)
    assert work_plan.poll_interval(300, simulated=False) == 300
    assert work_plan.poll_interval(0, simulated=True) == 1
    # the floor keeps a 72-hour job far below Step Functions' 25,000 history events
    assert 72 * 3600 / work_plan.MIN_POLL_INTERVAL_SECONDS * 8 < 25_000


def test_the_inline_map_is_kept_up_to_the_measured_limit_and_distributed_above_it() -> None:
    assert not work_plan.is_distributed(work_plan.INLINE_MAX_QUESTIONS)
    assert work_plan.is_distributed(work_plan.INLINE_MAX_QUESTIONS + 1)


def test_twenty_thousand_questions_fit_a_distributed_map_but_not_an_inline_one() -> None:
    # 20,000 questions + the 20 general ones, at concurrency 1 and long answers: the inline Map's
    # 100-batch cap cannot hold them, the Distributed Map's batch list in S3 can.
    with pytest.raises(InvalidExecutionInput, match="100 batches"):
        work_plan.answer_plan(20_020, 1, None, 2048)
    plan = work_plan.answer_plan(20_020, 1, None, 2048, distributed=True)

    assert plan.distributed and plan.batches <= work_plan.MAX_DISTRIBUTED_BATCHES
    assert plan.batches * plan.batchSize >= 20_020
    assert (
        plan.batchSize // plan.threadsPerBatch * work_plan.worst_answer_seconds(2048) <= work_plan.LAMBDA_BUDGET_SECONDS
    )


def test_ten_thousand_questions_at_thirty_two_keep_every_request_slot_busy() -> None:
    plan = work_plan.answer_plan(10_020, 32, None, 512, distributed=True)

    assert (plan.mapConcurrency, plan.threadsPerBatch) == (4, 8)
    # as many rounds per batch as fit in a Lambda: fewer child executions, fewer idle last rounds
    rounds = plan.batchSize // plan.threadsPerBatch
    assert (rounds + 1) * work_plan.worst_answer_seconds(512) > work_plan.LAMBDA_BUDGET_SECONDS
    assert rounds * work_plan.worst_answer_seconds(512) <= work_plan.LAMBDA_BUDGET_SECONDS
    assert plan.batches >= plan.mapConcurrency * 8  # still many batches per slot: the last wave is short
