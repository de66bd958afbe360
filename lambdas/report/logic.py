"""BuildReport: results.json, report.md and index.html under `runs/<run-id>/report/`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from report import comparison, distillation, metrics, render, rewards, run_index
from report.cost import cost_section
from report.results import RESULTS_VERSION, Results
from shared import call_stats, text
from shared import s3 as s3io
from shared.answers import TARGETS, judgements_key, load_answers
from shared.aws import error_code
from shared.clock import iso, parse
from shared.errors import ReportWriteFailed
from shared.models import HostingDeletion, HostingState, JobState, RunContext, StepError
from shared.step_errors import error_text
from shared.usage_example import converse_example

__all__ = ["RESULTS_VERSION", "ReportStep", "build_report", "collect"]


class ReportState(BaseModel):
    """The workflow state when BuildReport runs (only what the report reads)."""

    model_config = ConfigDict(extra="ignore")
    run: RunContext
    job: JobState
    baseAnswers: dict[str, Any] | None = None
    hosting: HostingState | None = None
    hostingDeletion: HostingDeletion | None = None
    hostingKept: bool = False
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


def _leakage(s3: Any, run: RunContext) -> dict[str, Any] | None:
    """The leakage check PreprocessDataset recorded in the manifest (None for older runs)."""
    uri = s3io.S3Uri.parse(run.data.manifestUri)
    if not s3io.list_keys(s3, uri.bucket, uri.key):
        return None
    found = s3io.get_json(s3, uri.bucket, uri.key).get("leakage")
    return dict(found) if isinstance(found, dict) else None


def leakage_warnings(leak: dict[str, Any] | None) -> list[str]:
    """The evaluation items removed or kept as leaked, and contradictions, in words."""
    if not leak:
        return []
    warnings = []

    def listed(items: list[dict[str, Any]]) -> str:
        shown = ", ".join(f"{item['location']} (training {item['trainingLocation']})" for item in items[:10])
        return shown + (f" and {len(items) - 10} more" if len(items) > 10 else "")

    if leak.get("removed"):
        warnings.append(
            f"{len(leak['removed'])} evaluation question(s) repeated training questions and were removed before "
            f"the run (evaluation.allowLeakage: true keeps them): {listed(leak['removed'])}"
        )
    if leak.get("kept"):
        warnings.append(
            f"LEAKED: {len(leak['kept'])} evaluation question(s) repeat training questions and were kept "
            "(evaluation.allowLeakage is true): the verdict counts answers the model may have memorized: "
            + listed(leak["kept"])
        )
    if leak.get("contradictions"):
        warnings.append(
            f"{len(leak['contradictions'])} training question(s) repeat with a different answer "
            "(see validation-report.json): "
            + ", ".join(f"{c['location']} and {c['otherLocation']}" for c in leak["contradictions"][:10])
        )
    return warnings


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
            "similarityTextCut": [],
            "rougeL": None,
            "language": None,
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
        "similarityTextCut": verdict.get("similarityTextCut") or [],
        "rougeL": round(text.rouge_l_f1(answer["answer"], reference), 4),
        "language": text.language(answer["answer"]),
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
        "sameLanguage": same_language(rows, target),
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


def same_language(rows: list[dict[str, Any]], target: str) -> dict[str, Any]:
    """How many answers are in the script/language of their question (shared/text.py's detector);
    questions or answers with no letters are not counted."""
    counted = [
        row for row in rows if row["questionLanguage"] != "none" and row[target]["language"] not in (None, "none")
    ]
    matched = sum(1 for row in counted if row[target]["language"] == row["questionLanguage"])
    return {"matched": matched, "compared": len(counted), "share": metrics.share(matched, len(counted))}


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
        # the one win rate of the report: a tie is half a win (the statistics table's judgeScore.winRate too)
        "winRate": metrics.share(2 * wins + ties, 2 * compared),
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
    cut = [(row["index"] + 1, target) for row in rows for target in TARGETS if row[target]["similarityTextCut"]]
    if cut:
        warnings.append(
            f"{len(cut)} answer(s) or reference(s) were longer than Titan Text Embeddings V2's 8,192-token limit "
            "(estimated per script) and were cut before embedding; their similarity covers the beginning only: "
            + ", ".join(f"question {index} ({target})" for index, target in cut)
        )
    if not curves.training:
        warnings.append("the customization job wrote no training metrics (step_wise_training_metrics.csv)")
    return warnings


def collect(step: ReportStep, s3: Any) -> Results:
    """Everything the run measured, as the typed results.json (validated: a number out of its
    documented range fails here, before anything is written)."""
    state, run = step.state, step.state.run
    questions = s3io.get_json(s3, run.bucket, f"{run.data.prefix}eval.json")
    answers = load_answers(s3, run.bucket, run.runId)
    judgements = _judgements(s3, run)
    verdicts = {(v["target"], int(v["index"])): v for v in (judgements or {}).get("verdicts", [])}
    rows = []
    for item in questions:
        index = int(item["index"])
        row: dict[str, Any] = {
            "index": index,
            "set": item.get("set", "domain"),
            "question": item["question"],
            "reference": item["reference"],
            "questionLanguage": text.language(item["question"]),
            "leakedFrom": item.get("leakedFrom"),
        }
        for target in TARGETS:
            row[target] = _side(answers[target].get(index), verdicts.get((target, index)), item["reference"])
        row["scoreDifference"] = metrics.difference(row["fine-tuned"]["score"], row["base"]["score"])
        rows.append(row)
    domain_rows = [row for row in rows if row["set"] != "general"]
    general_rows = [row for row in rows if row["set"] == "general"]

    rft = run.customization.method == "reinforcement"
    curves = metrics.LossCurves() if rft else _loss_curves(s3, run)  # RFT writes reward curves
    problems = _problems(state, rows)
    leak = _leakage(s3, run)
    warnings = leakage_warnings(leak) + (_warnings(run, rows, curves) if not rft else [])
    training = curves.summary()
    if rft:
        training["rewards"] = rewards.reward_section(s3, run)
    epochs_asked = int(run.hyperParameters.get("epochCount", "0") or 0)
    training["epochsRequested"] = epochs_asked or None
    training["earlyStopped"] = bool(
        epochs_asked and training["trainingEpochs"] and training["trainingEpochs"] < epochs_asked
    )
    throughput = _throughput(run, state)
    pt_bought = state.hosting is not None and state.hosting.kind == "provisioned"
    cost = cost_section(
        run.costQuote,
        run.evaluation.hosting,
        answers,
        judgements,
        throughput["heldMinutes"],
        pt_bought,
        run.modelUnits,
    )
    hosting = hosting_section(run, state)
    base, tuned = _summary(domain_rows, "base"), _summary(domain_rows, "fine-tuned")
    evaluation = run.evaluation
    compared = _comparison(domain_rows, base, tuned) | comparison.metric_comparisons(domain_rows)
    compared["pairwise"] = comparison.pairwise_summary(
        (judgements or {}).get("pairwise", []), {row["index"] for row in domain_rows}
    )
    compared["method"] = {"ties": comparison.TIES, "pValue": comparison.SIGN_TEST, "ci95": comparison.BOOTSTRAP}
    general = comparison.general_check(general_rows, evaluation.generalCheck)
    summary = {"base": base, "fine-tuned": tuned, "comparison": compared, "general": general}
    verdict_outcome, verdict = comparison.verdict(compared["judgeScore"], general)
    if run.simulated:
        verdict = f"SIMULATED — {verdict}"
    recorded_similarity = (judgements or {}).get("similarity") or {}
    data_language = text.dominant_language(row["question"] for row in domain_rows)
    document = {
        "resultsVersion": RESULTS_VERSION,
        "simulated": run.simulated,
        "runId": run.runId,
        "verdict": verdict,
        "verdictOutcome": verdict_outcome,
        "executionName": run.executionName,
        "startedAt": step.executionStartTime,
        "generatedAt": iso(),
        "baseModelId": run.baseModelId,
        "baseModelInferenceId": evaluation.baseModelInferenceId,
        "customModelArn": state.job.customModelArn,
        "customizationJobArn": state.job.jobArn,
        "provisionedThroughput": throughput,
        "hosting": hosting,
        "judge": {
            "modelId": evaluation.judgeModelId,
            "inference": (judgements or {}).get("inference"),
            "error": error_text(state.judgeError),
            "audit": comparison.judge_audit(judgements, evaluation.judgeModelId, run.baseModelId),
        },
        "similarity": {
            "enabled": evaluation.semanticSimilarity,
            "modelId": evaluation.embeddingModelId if evaluation.semanticSimilarity else None,
            "dimensions": recorded_similarity.get("dimensions"),
            "method": "cosine of the embedding vectors of the answer and the reference answer",
            "textsCut": recorded_similarity.get("textsCut", 0),
        },
        "leakage": leak,
        "text": {
            "tokenization": text.TOKENIZATION,
            "dataLanguage": data_language,
            "htmlLang": text.HTML_LANG.get(data_language, "en"),
            "languageRule": text.LANGUAGE_RULE,
        },
        "inference": {
            "maxTokens": evaluation.maxTokens,
            "temperature": evaluation.temperature,
            "topP": evaluation.topP,
            "systemPrompt": run.systemPrompt,
        },
        "hyperParameters": run.hyperParameters,
        "customization": run.customization.model_dump(),
        "distillation": distillation.three_way(s3, run, rows, answers),
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
            # every judge call: the verdicts, both orders of each pairwise comparison, the second judge's
            "judge": call_stats.totals(
                [
                    record
                    for part in ("verdicts", "pairwise", "secondVerdicts")
                    for record in (judgements or {}).get(part, [])
                ]
            ),
        },
        "training": training,
        "cost": cost,
        "complete": not problems,
        "problems": problems,
        "warnings": warnings,
        "questions": rows,
    }
    try:
        return Results.model_validate(document)
    except ValidationError as error:
        # a bug in a measurement, not bad user input: name the fields, keep what the run recorded
        broken = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
        raise ReportWriteFailed(
            f"results.json would not match its schema (docs/results.schema.json), so no report was written: "
            f"{broken}; the answers and verdicts are kept under s3://{run.bucket}/runs/{run.runId}/eval/"
        ) from None


def build_report(step: ReportStep, s3: Any) -> dict[str, Any]:
    """Writes results.json, report.md and index.html (and the run index); returns the step's output."""
    state, run = step.state, step.state.run
    typed = collect(step, s3)
    results = typed.document()
    prefix = f"runs/{run.runId}/report/"
    try:
        s3io.put_json(s3, run.bucket, f"{prefix}results.json", results)
        s3io.put_text(s3, run.bucket, f"{prefix}report.md", render.markdown(typed), "text/markdown; charset=utf-8")
        s3io.put_text(s3, run.bucket, f"{prefix}index.html", render.html(typed), "text/html; charset=utf-8")
    except s3.exceptions.ClientError as error:
        raise ReportWriteFailed(
            f"the report could not be written to s3://{run.bucket}/{prefix} ({error_code(error)}); the answers "
            f"and verdicts are kept under s3://{run.bucket}/runs/{run.runId}/eval/"
        ) from None
    run_index.update(s3, run.bucket, results)  # runs/index.json and runs/index.html; never fails the run
    overall, problems = typed.summary.comparison, typed.problems
    base, tuned, throughput, cost = typed.summary.base, typed.summary.tuned, typed.provisionedThroughput, typed.cost
    return {
        "complete": typed.complete,
        "incompleteError": None if not problems else ("JudgeFailed" if state.judgeError else "EvaluationIncomplete"),
        "incompleteCause": None if not problems else "; ".join(problems) + f" (report: s3://{run.bucket}/{prefix})",
        "reportUri": f"s3://{run.bucket}/{prefix}",
        "runId": typed.runId,
        "simulated": typed.simulated,
        "verdict": typed.verdict,
        "baseMeanScore": base.meanScore,
        "fineTunedMeanScore": tuned.meanScore,
        "comparison": overall.model_dump(include={"wins", "ties", "losses", "compared", "winRate"}),
        "similarityEnabled": typed.similarity.enabled,
        "baseMeanSimilarity": base.meanSimilarity,
        "fineTunedMeanSimilarity": tuned.meanSimilarity,
        "outputTokensReductionPct": overall.outputTokensReductionPct,
        "questions": sum(1 for row in typed.questions if row.set != "general"),
        "generalQuestions": sum(1 for row in typed.questions if row.set == "general"),
        "customModelArn": typed.customModelArn,
        "throughputHeldMinutes": throughput.heldMinutes,
        "hosting": results["hosting"],
        "estimatedCostUsd": cost.totalUsd,
        "costStatus": cost.status,
        "costNotConfigured": cost.missingPrices,
        "problems": problems,
        "warnings": typed.warnings,
    }


def _throughput(run: RunContext, state: ReportState) -> dict[str, Any]:
    """The throughput's life as the workflow's own steps timed it: `requestedAt` is taken by
    CreateHosting (hosting.kind provisioned) just before it asks Bedrock, `deletedAt` by
    DeleteHosting once Bedrock confirms it is gone. All null when the run
    hosted its model on demand (no throughput was bought)."""
    bought = state.hosting if state.hosting is not None and state.hosting.kind == "provisioned" else None
    deletion = state.hostingDeletion if state.hostingDeletion and state.hostingDeletion.kind == "provisioned" else None
    requested = bought.requestedAt if bought else None
    deleted = deletion.deletedAt if deletion else None
    return {
        "name": run.names.provisionedModelName,
        "arn": bought.arn if bought else None,
        "modelUnits": run.modelUnits,
        "requestedAt": requested,
        "inServiceAt": bought.readyAt if bought else None,
        "deletedAt": deleted,
        "heldMinutes": _minutes(requested, deleted),
        "deleted": deletion is not None,
    }


def hosting_section(run: RunContext, state: ReportState) -> dict[str, Any]:
    """How the fine-tuned model was served, and whether it is still there to use."""
    hosting, deletion = state.hosting, state.hostingDeletion
    kept = hosting is not None and hosting.kind == "on-demand" and deletion is None and state.hostingKept
    return {
        "kind": run.evaluation.hosting,
        "name": hosting.name if hosting else None,
        "arn": hosting.arn if hosting else None,
        "status": hosting.status if hosting else None,
        "requestedAt": hosting.requestedAt if hosting else None,
        "readyAt": hosting.readyAt if hosting else None,
        "deletedAt": deletion.deletedAt if deletion else None,
        "deleted": deletion is not None,
        "kept": kept,
        "example": converse_example(hosting.arn) if kept and hosting else None,
    }
