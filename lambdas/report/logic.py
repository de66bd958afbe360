"""BuildReport: results.json, report.md and index.html under `runs/<run-id>/report/`."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from report import metrics, render
from shared import call_stats
from shared import s3 as s3io
from shared.answers import TARGETS, judgements_key, load_answers
from shared.aws import error_code
from shared.clock import iso, parse
from shared.errors import ReportWriteFailed
from shared.models import JobState, RunContext, StepError, ThroughputDeletion, ThroughputState
from shared.settings import Settings
from shared.step_errors import error_text

RESULTS_VERSION = 2
"""Bumped when a field changes meaning or moves; docs/results-schema.md lists the changes."""


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


def _judgements(s3: Any, run: RunContext) -> dict[str, Any] | None:
    """judgements.json as the judge step wrote it (also when it then failed), or None."""
    if not s3io.list_keys(s3, run.bucket, judgements_key(run.runId)):
        return None
    return dict(s3io.get_json(s3, run.bucket, judgements_key(run.runId)))


def _side(answer: dict[str, Any] | None, verdict: dict[str, Any] | None, reference: str) -> dict[str, Any]:
    if answer is None:
        return {
            "answer": None,
            "score": None,
            "correct": None,
            "reasoning": None,
            "missingReason": "no answer",
            "similarity": None,
            "similarityMissingReason": "no answer",
            "rougeL": None,
            "answerChars": None,
            "outputTokens": None,
            "latencyMs": None,
        }
    verdict = verdict or {}
    return {
        "answer": answer["answer"],
        "score": verdict.get("score"),
        "correct": verdict.get("correct"),
        "reasoning": verdict.get("reasoning"),
        "missingReason": verdict.get("missingReason") or (None if verdict else "not judged"),
        "similarity": verdict.get("similarity"),
        "similarityMissingReason": verdict.get("similarityMissingReason")
        or (None if "similarity" in verdict else "not computed: the judge step recorded no similarity"),
        "rougeL": round(metrics.rouge_l_f1(answer["answer"], reference), 4),
        "answerChars": len(answer["answer"]),
        "outputTokens": answer.get("outputTokens"),
        "latencyMs": answer.get("latencyMs"),
    }


def _summary(rows: list[dict[str, Any]], target: str) -> dict[str, Any]:
    sides = [row[target] for row in rows]
    scores = [s["score"] for s in sides if s["score"] is not None]
    lengths = [s["answerChars"] for s in sides if s["answerChars"] is not None]
    latencies = [s["latencyMs"] for s in sides if s["latencyMs"] is not None]
    output_tokens = [s["outputTokens"] for s in sides if s["outputTokens"] is not None]
    similarity = [s["similarity"] for s in sides if s["similarity"] is not None]
    correct = sum(1 for s in sides if s["correct"] is True)
    incorrect = sum(1 for s in sides if s["correct"] is False)
    return {
        "answered": sum(1 for s in sides if s["answer"] is not None),
        "judged": len(scores),
        "meanScore": metrics.mean(scores),
        "medianScore": metrics.median(scores),
        "scoreDistribution": metrics.score_distribution(scores),
        "correct": correct,
        "incorrect": incorrect,
        "correctShare": metrics.share(correct, correct + incorrect),
        "meanRougeL": metrics.mean([s["rougeL"] for s in sides if s["rougeL"] is not None]),
        "withSimilarity": len(similarity),
        "meanSimilarity": metrics.mean(similarity),
        "meanAnswerChars": metrics.mean(lengths),
        "meanOutputTokens": metrics.mean(output_tokens),
        "latencyP50Ms": metrics.percentile(latencies, 0.5),
        "latencyP95Ms": metrics.percentile(latencies, 0.95),
    }


def _comparison(rows: list[dict[str, Any]], base: dict[str, Any], tuned: dict[str, Any]) -> dict[str, Any]:
    wins = ties = losses = 0
    for row in rows:
        base_score, tuned_score = row["base"]["score"], row["fine-tuned"]["score"]
        if base_score is None or tuned_score is None:
            continue
        if tuned_score > base_score:
            wins += 1
        elif tuned_score == base_score:
            ties += 1
        else:
            losses += 1
    compared = wins + ties + losses
    return {
        "wins": wins,
        "ties": ties,
        "losses": losses,
        "compared": compared,
        "winRate": metrics.share(wins, compared),
        "meanScoreDelta": metrics.difference(tuned["meanScore"], base["meanScore"]),
        "meanSimilarityDelta": metrics.difference(tuned["meanSimilarity"], base["meanSimilarity"]),
        "answerCharsReductionPct": metrics.reduction_pct(base["meanAnswerChars"], tuned["meanAnswerChars"]),
        "outputTokensReductionPct": metrics.reduction_pct(base["meanOutputTokens"], tuned["meanOutputTokens"]),
    }


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((parse(end) - parse(start)).total_seconds() / 60, 2)


def _problems(state: ReportState, rows: list[dict[str, Any]]) -> list[str]:
    """Why numbers are missing, in words: these make the evaluation incomplete."""
    problems: list[str] = []
    base_answers = state.baseAnswers or {}
    if base_answers.get("status") == "failed":
        problems.append(
            "the base model's numbers and the base-vs-fine-tuned comparison are missing because the "
            f"base-model answers are missing: {error_text(base_answers.get('error'))}"
        )
    judge_error = error_text(state.judgeError)
    if judge_error:
        problems.append(
            "the judge failed, so no scores were recorded; missing: correctness scores (mean, median, "
            "distribution, per question), correct/incorrect verdicts and wins/ties/losses; "
            f"cause: {judge_error}"
        )
        return problems
    for target in TARGETS:
        missing = [row for row in rows if row[target]["answer"] is not None and row[target]["score"] is None]
        if missing:
            reasons = sorted({str(row[target]["missingReason"]) for row in missing})
            problems.append(
                f"{target} scores are missing for question(s) {[row['index'] + 1 for row in missing]}: "
                + "; ".join(reasons)
            )
    return problems


def _warnings(run: RunContext, rows: list[dict[str, Any]], curves: metrics.LossCurves) -> list[str]:
    """Secondary numbers that are missing: reported, but the evaluation still counts as complete."""
    warnings: list[str] = []
    if run.evaluation.semanticSimilarity:
        sides = [row[target] for row in rows for target in TARGETS if row[target]["answer"] is not None]
        missing = [side for side in sides if side["similarity"] is None]
        if missing:
            reasons = sorted({str(side["similarityMissingReason"]) for side in missing})
            warnings.append(
                f"semantic similarity is missing for {len(missing)} of {len(sides)} answers: " + "; ".join(reasons)
            )
    if not curves.training:
        warnings.append("the customization job wrote no training metrics (step_wise_training_metrics.csv)")
    return warnings


def build_report(step: ReportStep, settings: Settings, s3: Any) -> dict[str, Any]:
    state, run = step.state, step.state.run
    questions = s3io.get_json(s3, run.bucket, f"{run.data.prefix}eval.json")
    answers = load_answers(s3, run.bucket, run.runId)
    judgements = _judgements(s3, run)
    verdicts = {(v["target"], int(v["index"])): v for v in (judgements or {}).get("verdicts", [])}
    rows = []
    for item in questions:
        index = int(item["index"])
        row: dict[str, Any] = {"index": index, "question": item["question"], "reference": item["reference"]}
        for target in TARGETS:
            row[target] = _side(answers[target].get(index), verdicts.get((target, index)), item["reference"])
        rows.append(row)

    curves = _loss_curves(s3, run)
    problems = _problems(state, rows)
    warnings = _warnings(run, rows, curves)
    training = curves.summary()
    epochs_asked = int(run.hyperParameters.get("epochCount", "0") or 0)
    training["epochsRequested"] = epochs_asked or None
    training["earlyStopped"] = bool(
        epochs_asked and training["trainingEpochs"] and training["trainingEpochs"] < epochs_asked
    )
    throughput = _throughput(run, state)
    cost = estimate_cost(settings, run, throughput["heldMinutes"], state.throughput is not None)
    base, tuned = _summary(rows, "base"), _summary(rows, "fine-tuned")
    summary = {"base": base, "fine-tuned": tuned, "comparison": _comparison(rows, base, tuned)}
    evaluation = run.evaluation
    recorded_similarity = (judgements or {}).get("similarity") or {}
    results: dict[str, Any] = {
        "resultsVersion": RESULTS_VERSION,
        "simulated": run.simulated,
        "runId": run.runId,
        "executionName": run.executionName,
        "startedAt": step.executionStartTime,
        "generatedAt": iso(),
        "baseModelId": run.baseModelId,
        "baseModelInferenceId": evaluation.baseModelInferenceId,
        "customModelArn": state.job.customModelArn,
        "customizationJobArn": state.job.jobArn,
        "provisionedThroughput": throughput,
        "judge": {
            "modelId": evaluation.judgeModelId,
            "inference": (judgements or {}).get("inference"),
            "error": error_text(state.judgeError),
        },
        "similarity": {
            "enabled": evaluation.semanticSimilarity,
            "modelId": evaluation.embeddingModelId if evaluation.semanticSimilarity else None,
            "dimensions": recorded_similarity.get("dimensions"),
            "method": "cosine of the embedding vectors of the answer and the reference answer",
        },
        "inference": {
            "maxTokens": evaluation.maxTokens,
            "temperature": evaluation.temperature,
            "topP": evaluation.topP,
            "systemPrompt": run.systemPrompt,
        },
        "hyperParameters": run.hyperParameters,
        "configuration": {
            "trigger": run.trigger,
            "sources": run.sources,
            "family": run.family,
            "evaluation": evaluation.model_dump(),
            "modelUnits": run.modelUnits,
            "pollIntervalSeconds": run.pollIntervalSeconds,
            "throughputPollIntervalSeconds": run.throughputPollIntervalSeconds,
            "throughputMaxWaitSeconds": run.throughputMaxWaitSeconds,
        },
        "data": run.data.model_dump(),
        "summary": summary,
        "throttling": {
            **{target: call_stats.totals(list(answers[target].values())) for target in TARGETS},
            "judge": call_stats.totals(list((judgements or {}).get("verdicts", []))),
        },
        "training": training,
        "cost": cost,
        "complete": not problems,
        "problems": problems,
        "warnings": warnings,
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
    comparison = summary["comparison"]
    return {
        "complete": not problems,
        "incompleteError": None if not problems else ("JudgeFailed" if state.judgeError else "EvaluationIncomplete"),
        "incompleteCause": None if not problems else "; ".join(problems) + f" (report: s3://{run.bucket}/{prefix})",
        "reportUri": f"s3://{run.bucket}/{prefix}",
        "runId": run.runId,
        "simulated": run.simulated,
        "baseMeanScore": base["meanScore"],
        "fineTunedMeanScore": tuned["meanScore"],
        "comparison": {key: comparison[key] for key in ("wins", "ties", "losses", "compared", "winRate")},
        "similarityEnabled": evaluation.semanticSimilarity,
        "baseMeanSimilarity": base["meanSimilarity"],
        "fineTunedMeanSimilarity": tuned["meanSimilarity"],
        "outputTokensReductionPct": comparison["outputTokensReductionPct"],
        "questions": len(rows),
        "customModelArn": state.job.customModelArn,
        "throughputHeldMinutes": throughput["heldMinutes"],
        "estimatedCostUsd": cost["totalUsd"],
        "costNotConfigured": cost["notConfigured"],
        "problems": problems,
        "warnings": warnings,
    }


def _throughput(run: RunContext, state: ReportState) -> dict[str, Any]:
    """The throughput's life as the workflow's own steps timed it: `requestedAt` is taken by
    CreateProvisionedThroughput just before it asks Bedrock, `deletedAt` by
    DeleteProvisionedThroughput once Bedrock confirms it is gone."""
    requested = state.throughput.requestedAt if state.throughput else None
    deleted = state.throughputDeletion.deletedAt if state.throughputDeletion else None
    return {
        "name": run.names.provisionedModelName,
        "arn": state.throughput.provisionedModelArn if state.throughput else None,
        "modelUnits": run.modelUnits,
        "requestedAt": requested,
        "inServiceAt": state.throughput.inServiceAt if state.throughput else None,
        "deletedAt": deleted,
        "heldMinutes": _minutes(requested, deleted),
        "deleted": state.throughputDeletion is not None,
    }


TRAINING_FORMULA = "estimated training tokens x epochs / 1000 x TRAINING_PRICE_PER_1K_TOKENS_USD"
THROUGHPUT_FORMULA = "minutes held / 60 x model units x PT_HOURLY_PRICE_USD"


def estimate_cost(
    settings: Settings, run: RunContext, held_minutes: float | None, throughput_bought: bool
) -> dict[str, Any]:
    """Training tokens x price per 1,000 tokens plus PT time held x hourly price per model unit.

    Prices come from the stack configuration (environment variables set by the stack). A price
    that is not configured leaves its part, and the total, as null: a total without the PT
    part would understate the bill by far the largest item."""
    epochs = int(run.hyperParameters.get("epochCount", "1") or 1)
    tokens = run.data.estimatedTrainingTokens * epochs
    training_price, hourly_price = settings.training_price_per_1k_tokens_usd, settings.pt_hourly_price_usd
    not_configured = [
        name
        for name, price in (
            ("TRAINING_PRICE_PER_1K_TOKENS_USD", training_price),
            ("PT_HOURLY_PRICE_USD", hourly_price),
        )
        if price is None
    ]
    training = round(tokens / 1000 * training_price, 2) if training_price is not None else None
    hours = (held_minutes or 0) / 60 if throughput_bought else 0.0
    throughput_known = held_minutes is not None or not throughput_bought
    throughput = (
        round(hours * run.modelUnits * hourly_price, 2) if hourly_price is not None and throughput_known else None
    )
    started_hours = math.ceil(hours) if hours else 0
    return {
        "trainingTokensEstimated": tokens,
        "epochs": epochs,
        "trainingUsd": training,
        "throughputHours": round(hours, 4) if throughput_known else None,
        "throughputUsd": throughput,
        "throughputUsdIfBilledPerStartedHour": (
            round(started_hours * run.modelUnits * hourly_price, 2)
            if hourly_price is not None and throughput_known
            else None
        ),
        "totalUsd": round(training + throughput, 2) if training is not None and throughput is not None else None,
        "prices": {
            "trainingPer1kTokensUsd": training_price,
            "throughputPerModelUnitHourUsd": hourly_price,
        },
        "notConfigured": not_configured,
        "formula": {"training": TRAINING_FORMULA, "throughput": THROUGHPUT_FORMULA},
        "note": (
            "Estimate from the configured prices. Training tokens are estimated by PreprocessDataset and "
            "multiplied by the epochs asked for (an upper bound when early stopping ends training sooner). "
            "PT time runs from the create request to the confirmed deletion, pro rata; if AWS bills every "
            "started hour, the PT part is throughputUsdIfBilledPerStartedHour. Monthly storage of the "
            "custom model and on-demand calls (base model, judge, embeddings) are not included."
        ),
    }
