"""AnswerWithBaseModel / AnswerWithFineTunedModel: one batch of evaluation questions.

Answers are written to `runs/<run-id>/eval/answers/<target>/batch-NNNN.json`. A question
that cannot be answered after botocore's retries fails the batch with a named error: for
the fine-tuned model that ends the run (after the throughput is deleted); for the base
model the workflow records it and goes on training.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared import call_stats
from shared import s3 as s3io
from shared.answers import answer_error_key, answers_key
from shared.aws import error_code, error_message
from shared.converse import ask
from shared.errors import AnswerGenerationFailed, InconsistentRunState
from shared.families import family_by_key
from shared.formats import converse_prompt
from shared.models import AnswerBatchResult, AnswerBatchStep, RunContext


def _model_id(step: AnswerBatchStep) -> str:
    if step.target == "base":
        return step.run.evaluation.baseModelInferenceId
    if not step.modelId:
        raise InconsistentRunState("fine-tuned answers need the ARN of the deployment or provisioned throughput")
    return step.modelId


def answer_batch(step: AnswerBatchStep, s3: Any, runtime: Any) -> AnswerBatchResult:
    run = step.run
    questions = s3io.get_json(s3, run.bucket, f"{run.data.prefix}eval.json")
    start = step.batch * run.data.batchSize
    chunk = questions[start : start + run.data.batchSize]
    model_id = _model_id(step)
    label = "fine-tuned model" if step.target == "fine-tuned" else "base model"
    try:
        answers = answer_chunk(run, chunk, model_id, label, runtime)
    except AnswerGenerationFailed as error:
        # A Distributed Map's child failure does not carry its cause to the run (AWS stops the map
        # run with States.ExceedToleratedFailureThreshold; moto does not fail it at all), so the
        # cause is kept where answer.verify finds it.
        record = {"error": type(error).__name__, "cause": str(error), "batch": step.batch}
        s3io.put_json(s3, run.bucket, answer_error_key(run.runId, step.target, step.batch), record)
        raise
    key = answers_key(run.runId, step.target, step.batch)
    s3io.put_json(s3, run.bucket, key, {"target": step.target, "modelId": model_id, "answers": answers})
    if step.target == "base" and run.customization.method == "distillation":
        # The teacher answers the same questions on the base-answers path (report: three-way comparison).
        from answer.teacher import answer_with_teacher

        answer_with_teacher(run, step.batch, chunk, s3, runtime)
    return AnswerBatchResult(target=step.target, batch=step.batch, key=key, answered=len(answers))


def answer_chunk(run: RunContext, chunk: list[dict[str, Any]], model_id: str, label: str, runtime: Any) -> list[Any]:
    """Answers to `chunk` from `model_id`, in order; the first failure raises AnswerGenerationFailed."""
    record_format = family_by_key(run.family).record_format

    def one(item: dict[str, Any]) -> dict[str, Any]:
        try:
            # Same prompt shape as the training records (Llama 3.1: system prompt inside the prompt).
            system, user_text = converse_prompt(record_format, run.systemPrompt, item["question"])
            with call_stats.measured() as stats:
                reply = ask(runtime, model_id, system, user_text, run.evaluation)
        except Exception as error:  # every failure is reported with the question it hit
            raise AnswerGenerationFailed(
                f"{label} ({model_id}) could not answer evaluation question {item['index'] + 1}: "
                f"{error_code(error)}: {error_message(error)}"
            ) from error
        return {
            "index": item["index"],
            "question": item["question"],
            "reference": item["reference"],
            "answer": reply.text,
            "stopReason": reply.stop_reason,
            "inputTokens": reply.input_tokens,
            "outputTokens": reply.output_tokens,
            "latencyMs": reply.latency_ms,
            "callStats": stats.as_dict(),
        }

    with ThreadPoolExecutor(max_workers=run.evaluation.threadsPerBatch) as pool:
        return list(pool.map(one, chunk))
