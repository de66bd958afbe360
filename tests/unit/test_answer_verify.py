"""After a Distributed Map of answer batches: complete answers pass, a missing batch fails the step
with the batch's own recorded error (or says no error was recorded)."""

from __future__ import annotations

from typing import Any

import pytest

from answer.verify import expected_batches, verify_answers
from shared import s3 as s3io
from shared.answers import answer_error_key, answers_key
from shared.errors import AnswerGenerationFailed
from shared.models import RunContext
from tests.unit.factories import make_run


def _scaled_run() -> RunContext:
    run = make_run()
    data = run.data.model_copy(
        update={
            "evalQuestions": 1001,
            "generalQuestions": 20,
            "batchSize": 64,
            "evalBatches": [],
            "evalMode": "distributed",
        }
    )
    return run.model_copy(update={"data": data})


def _answer(s3: Any, run: RunContext, target: str, batches: range) -> None:
    for batch in batches:
        s3io.put_json(s3, run.bucket, answers_key(run.runId, target, batch), {"answers": []})


def test_every_batch_answered_passes(env: None, s3: Any) -> None:
    run = _scaled_run()
    assert expected_batches(run) == 16  # ceil(1,021 / 64)
    _answer(s3, run, "fine-tuned", range(16))

    verified = verify_answers(run, "fine-tuned", s3)

    assert (verified.batches, verified.answered) == (16, 1021)


def test_a_failed_batch_fails_the_step_with_its_recorded_cause(env: None, s3: Any) -> None:
    run = _scaled_run()
    _answer(s3, run, "fine-tuned", range(15))
    cause = "fine-tuned model (arn) could not answer evaluation question 990: ModelErrorException: 評価に失敗"
    s3io.put_json(s3, run.bucket, answer_error_key(run.runId, "fine-tuned", 15), {"cause": cause})
    # the other target's answers and errors do not count
    _answer(s3, run, "base", range(16))

    with pytest.raises(AnswerGenerationFailed) as raised:
        verify_answers(run, "fine-tuned", s3)

    assert str(raised.value).startswith(cause)
    assert "1 of 16 answer batches of the fine-tuned model wrote no answers" in str(raised.value)


def test_a_batch_that_failed_without_an_error_record_is_named(env: None, s3: Any) -> None:
    run = _scaled_run()
    _answer(s3, run, "base", [b for b in range(16) if b != 7])

    with pytest.raises(AnswerGenerationFailed, match=r"1 of 16 .* base model .*first: batch 7.*Lambda timeout"):
        verify_answers(run, "base", s3)
