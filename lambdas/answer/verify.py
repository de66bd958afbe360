"""VerifyBaseAnswers / VerifyFineTunedAnswers: after a Distributed Map of answer batches, every
batch must have written its answers, or the step fails with the batch's own error.

Why a step: a Distributed Map's child failure does not reach the run with its cause. Step
Functions fails the map run with `States.ExceedToleratedFailureThreshold` (the children's errors
are only in the map run's result files); moto 5.2.5 does not fail it at all
(docs/performance.md, "Evaluation at scale"). This check gives both the same outcome: the
answers are complete, or `AnswerGenerationFailed` names the question that could not be answered.
"""

from __future__ import annotations

import math
from typing import Any

from shared import s3 as s3io
from shared.answers import answer_error_key, answer_errors_prefix, answers_key, answers_prefix
from shared.errors import AnswerGenerationFailed
from shared.models import RunContext, VerifiedAnswers


def expected_batches(run: RunContext) -> int:
    questions = run.data.evalQuestions + run.data.generalQuestions
    return math.ceil(questions / run.data.batchSize)


def verify_answers(run: RunContext, target: str, s3: Any) -> VerifiedAnswers:
    expected = expected_batches(run)
    found = set(s3io.list_keys(s3, run.bucket, answers_prefix(run.runId, target)))
    missing = [batch for batch in range(expected) if answers_key(run.runId, target, batch) not in found]
    if not missing:
        questions = run.data.evalQuestions + run.data.generalQuestions
        return VerifiedAnswers(target=target, batches=expected, answered=questions)  # type: ignore[arg-type]
    errors = set(s3io.list_keys(s3, run.bucket, answer_errors_prefix(run.runId, target)))
    recorded = [batch for batch in missing if answer_error_key(run.runId, target, batch) in errors]
    label = "fine-tuned model" if target == "fine-tuned" else "base model"
    summary = f"{len(missing)} of {expected} answer batches of the {label} wrote no answers"
    if recorded:
        cause = s3io.get_json(s3, run.bucket, answer_error_key(run.runId, target, recorded[0]))["cause"]
        raise AnswerGenerationFailed(f"{cause} ({summary})")
    raise AnswerGenerationFailed(
        f"{summary} (first: batch {missing[0]}); their child executions failed without an answer error "
        "(a Lambda timeout or crash): see the map run in the Step Functions console"
    )
