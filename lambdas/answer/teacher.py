"""Distillation runs: the teacher answers the evaluation questions beside the base student, and the
pipeline's judge grades those answers with the same verdict request, so the report can set base
student, distilled student and teacher side by side on one scale.

Teacher answers are secondary: a teacher or judge failure is recorded with the question it hit and
never fails the base batch (the report then says which teacher answers are missing).
"""

from __future__ import annotations

from typing import Any

from answer.logic import answer_chunk
from judge.logic import judge_one
from shared import s3 as s3io
from shared.answers import answers_key
from shared.aws import error_code, error_message
from shared.models import RunContext

TEACHER = "teacher"


def answer_with_teacher(run: RunContext, batch: int, chunk: list[dict[str, Any]], s3: Any, runtime: Any) -> None:
    teacher = run.customization.teacherInvocationId or run.customization.teacherModelId
    if not teacher:
        return
    document: dict[str, Any] = {"target": TEACHER, "modelId": teacher, "answers": [], "error": None}
    try:
        answers = answer_chunk(run, chunk, teacher, "teacher model", runtime)
    except Exception as error:  # recorded, not raised: see the module docstring
        document["error"] = f"{error_code(error)}: {error_message(error)}"
        answers = []
    for answer in answers:
        verdict = judge_one(
            runtime, run.evaluation.judgeModelId, answer["question"], answer["reference"], answer["answer"]
        )
        answer["score"], answer["verdictMissing"] = verdict["score"], verdict["missingReason"]
    document["answers"] = answers
    s3io.put_json(s3, run.bucket, answers_key(run.runId, TEACHER, batch), document)
