"""BuildReport: results.json, report.md and index.html under `runs/<run-id>/report/`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from report import metrics, render
from shared import s3 as s3io
from shared.answers import TARGETS, judgements_key, load_answers
from shared.aws import error_code
from shared.clock import parse
from shared.errors import ReportWriteFailed
from shared.models import JobState, RunContext, StepError, ThroughputDeletion, ThroughputState
from shared.settings import Settings
from shared.step_errors import error_text

RESULTS_VERSION = 1


class ReportState(BaseModel):
    """The workflow state when BuildReport runs (only what the report reads)."""

    model_config = ConfigDict(extra="ignore")
    run: RunContext
    job: JobState
    baseAnswers: dict[str, Any] | None = None
    throughput: ThroughputState | None = None
    throughputDeletion: ThroughputDeletion | None = None
    judgement: dict[str, Any] | None = None
    judgeError: StepError | None = None


class ReportStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: ReportState
    executionStartTime: str


def _loss_curves(s3: Any, run: RunContext) -> metrics.LossCurves:
    curves = metrics.LossCurves()
    for key in s3io.list_keys(s3, run.bucket, f"runs/{run.runId}/output/"):
        name = key.rsplit("/", 1)[-1]
        if name == "step_wise_training_metrics.csv":
            curves.training = metrics.parse_metrics_csv(s3io.get_text(s3, run.bucket, key))
            curves.files.append(key)
        elif name == "validation_metrics.csv":
            curves.validation = metrics.parse_metrics_csv(s3io.get_text(s3, run.bucket, key))
            curves.files.append(key)
    return curves


def _verdicts(s3: Any, run: RunContext) -> dict[tuple[str, int], dict[str, Any]]:
    keys = s3io.list_keys(s3, run.bucket, judgements_key(run.runId))
    if not keys:
        return {}
    document = s3io.get_json(s3, run.bucket, judgements_key(run.runId))
    return {(v["target"], int(v["index"])): v for v in document["verdicts"]}


def _side(answer: dict[str, Any] | None, verdict: dict[str, Any] | None, reference: str) -> dict[str, Any]:
    if answer is None:
        return {
            "answer": None,
            "score": None,
            "correct": None,
            "reasoning": None,
            "missingReason": "no answer",
            "rougeL": None,
            "outputTokens": None,
            "latencyMs": None,
        }
    return {
        "answer": answer["answer"],
        "score": verdict["score"] if verdict else None,
        "correct": verdict["correct"] if verdict else None,
        "reasoning": verdict["reasoning"] if verdict else None,
        "missingReason": (verdict or {}).get("missingReason") or (None if verdict else "not judged"),
        "rougeL": round(metrics.rouge_l_f1(answer["answer"], reference), 4),
        "outputTokens": answer.get("outputTokens"),
        "latencyMs": answer.get("latencyMs"),
    }


def _summary(rows: list[dict[str, Any]], target: str) -> dict[str, Any]:
    sides = [row[target] for row in rows]
    scores = [s["score"] for s in sides if s["score"] is not None]
    lengths = [len(s["answer"]) for s in sides if s["answer"] is not None]
    latencies = [s["latencyMs"] for s in sides if s["latencyMs"] is not None]
    output_tokens = [s["outputTokens"] for s in sides if s["outputTokens"] is not None]
    return {
        "answered": sum(1 for s in sides if s["answer"] is not None),
        "judged": len(scores),
        "meanScore": metrics.mean(scores),
        "medianScore": metrics.median(scores),
        "correct": sum(1 for s in sides if s["correct"] is True),
        "meanRougeL": metrics.mean([s["rougeL"] for s in sides if s["rougeL"] is not None]),
        "meanAnswerChars": metrics.mean(lengths),
        "meanOutputTokens": metrics.mean(output_tokens),
        "latencyP50Ms": metrics.percentile(latencies, 0.5),
        "latencyP95Ms": metrics.percentile(latencies, 0.95),
    }


def _comparison(rows: list[dict[str, Any]]) -> dict[str, int]:
    wins = ties = losses = 0
    for row in rows:
        base, tuned = row["base"]["score"], row["fine-tuned"]["score"]
        if base is None or tuned is None:
            continue
        if tuned > base:
            wins += 1
        elif tuned == base:
            ties += 1
        else:
            losses += 1
    return {"wins": wins, "ties": ties, "losses": losses}


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((parse(end) - parse(start)).total_seconds() / 60, 2)


def build_report(step: ReportStep, settings: Settings, s3: Any) -> dict[str, Any]:
    state, run = step.state, step.state.run
    questions = s3io.get_json(s3, run.bucket, f"{run.data.prefix}eval.json")
    answers = load_answers(s3, run.bucket, run.runId)
    verdicts = _verdicts(s3, run)
    rows = []
    for item in questions:
        index = int(item["index"])
        row: dict[str, Any] = {"index": index, "question": item["question"], "reference": item["reference"]}
        for target in TARGETS:
            row[target] = _side(answers[target].get(index), verdicts.get((target, index)), item["reference"])
        rows.append(row)

    problems: list[str] = []
    base_status = (state.baseAnswers or {}).get("status")
    if base_status == "failed":
        problems.append(f"base-model answers are missing: {error_text((state.baseAnswers or {}).get('error'))}")
    judge_error = error_text(state.judgeError)
    if judge_error:
        problems.append(f"the judge failed, so no scores were recorded: {judge_error}")
    for target in TARGETS:
        missing = [
            row["index"] + 1 for row in rows if row[target]["answer"] is not None and row[target]["score"] is None
        ]
        if missing and not judge_error:
            problems.append(f"{target} scores missing for question(s) {missing}")

    curves = _loss_curves(s3, run)
    training = curves.summary()
    epochs_asked = int(run.hyperParameters.get("epochCount", "0") or 0)
    training["earlyStopped"] = bool(
        epochs_asked and training["trainingEpochs"] and training["trainingEpochs"] < epochs_asked
    )
    pt_minutes = _minutes(
        state.throughput.requestedAt if state.throughput else None,
        state.throughputDeletion.deletedAt if state.throughputDeletion else None,
    )
    cost = _cost(settings, run, pt_minutes)
    summary = {
        "base": _summary(rows, "base"),
        "fine-tuned": _summary(rows, "fine-tuned"),
        "comparison": _comparison(rows),
    }
    results: dict[str, Any] = {
        "resultsVersion": RESULTS_VERSION,
        "simulated": run.simulated,
        "runId": run.runId,
        "executionName": run.executionName,
        "startedAt": step.executionStartTime,
        "baseModelId": run.baseModelId,
        "baseModelInferenceId": run.evaluation.baseModelInferenceId,
        "customModelArn": state.job.customModelArn,
        "customizationJobArn": state.job.jobArn,
        "provisionedThroughput": {
            "name": run.names.provisionedModelName,
            "arn": state.throughput.provisionedModelArn if state.throughput else None,
            "modelUnits": run.modelUnits,
            "heldMinutes": pt_minutes,
            "deleted": state.throughputDeletion is not None,
        },
        "judge": {"modelId": run.evaluation.judgeModelId, "error": judge_error},
        "inference": {
            "maxTokens": run.evaluation.maxTokens,
            "temperature": run.evaluation.temperature,
            "topP": run.evaluation.topP,
            "systemPrompt": run.systemPrompt,
        },
        "hyperParameters": run.hyperParameters,
        "data": run.data.model_dump(),
        "summary": summary,
        "training": training,
        "cost": cost,
        "complete": not problems,
        "problems": problems,
        "questions": rows,
    }
    prefix = f"runs/{run.runId}/report/"
    try:
        s3io.put_json(s3, run.bucket, f"{prefix}results.json", results)
        s3io.put_text(s3, run.bucket, f"{prefix}report.md", render.markdown(results), "text/markdown; charset=utf-8")
        s3io.put_text(s3, run.bucket, f"{prefix}index.html", render.html(results), "text/html; charset=utf-8")
    except s3.exceptions.ClientError as error:
        raise ReportWriteFailed(
            f"the report could not be written to s3://{run.bucket}/{prefix} ({error_code(error)}); the answers "
            f"and verdicts are kept under s3://{run.bucket}/runs/{run.runId}/eval/"
        ) from None
    return {
        "complete": not problems,
        "incompleteError": None if not problems else ("JudgeFailed" if judge_error else "EvaluationIncomplete"),
        "incompleteCause": None if not problems else "; ".join(problems) + f" (report: s3://{run.bucket}/{prefix})",
        "reportUri": f"s3://{run.bucket}/{prefix}",
        "runId": run.runId,
        "simulated": run.simulated,
        "baseMeanScore": summary["base"]["meanScore"],
        "fineTunedMeanScore": summary["fine-tuned"]["meanScore"],
        "comparison": summary["comparison"],
        "questions": len(rows),
        "customModelArn": state.job.customModelArn,
        "throughputHeldMinutes": pt_minutes,
        "estimatedCostUsd": cost["totalUsd"],
        "problems": problems,
    }


def _cost(settings: Settings, run: RunContext, pt_minutes: float | None) -> dict[str, Any]:
    epochs = int(run.hyperParameters.get("epochCount", "1") or 1)
    tokens = run.data.estimatedTrainingTokens * epochs
    training = (
        round(tokens / 1000 * settings.training_price_per_1k_tokens_usd, 2)
        if settings.training_price_per_1k_tokens_usd is not None
        else None
    )
    throughput = (
        round((pt_minutes or 0) / 60 * settings.pt_hourly_price_usd * run.modelUnits, 2)
        if settings.pt_hourly_price_usd is not None
        else None
    )
    parts = [p for p in (training, throughput) if p is not None]
    return {
        "trainingTokensEstimated": tokens,
        "trainingUsd": training,
        "throughputUsd": throughput,
        "totalUsd": round(sum(parts), 2) if parts else None,
        "prices": {
            "trainingPer1kTokensUsd": settings.training_price_per_1k_tokens_usd,
            "throughputPerModelUnitHourUsd": settings.pt_hourly_price_usd,
        },
        "note": "estimate from configured prices; storage of the custom model is billed monthly and not included",
    }
