"""NotifyRun: the e-mail-friendly summary of a finished run, or the failure in plain words.

For a failed run it also returns the error name and cause that the workflow's Fail state
reports, so the console, the notification and the API all say the same thing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.numbers import fixed
from shared.settings import Settings
from shared.step_errors import error_message_of

MAX_CAUSE = 30_000
MAX_SUBJECT = 100
SIMULATED_NOTE = "SIMULATED RUN: produced offline against a simulated Bedrock."


class FinishedStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["finished"]
    report: dict[str, Any]


class FailedStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["failed"]
    state: dict[str, Any]
    executionName: str


def _subject(text: str, simulated: bool) -> str:
    subject = ("[SIMULATED] " if simulated else "") + text
    subject = subject.encode("ascii", "replace").decode("ascii")
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 3] + "..."


def _score(value: Any) -> str:
    return "n/a" if value is None else fixed(value, 2) if isinstance(value, float) else str(value)


def _cost(value: Any, not_configured: list[str] | None = None) -> str:
    """The measured cost; "at least" when some part of it is not priced (see report/cost.py)."""
    amount = float(value or 0)
    money = f"${_score(amount)}" if amount >= 0.01 or amount == 0 else f"${amount:.6f}"
    if value is not None and not_configured:
        return f"at least {money} (not priced: {', '.join(not_configured)})"
    if value is not None:
        return money
    if not_configured:
        return f"not estimated (price not configured: {', '.join(not_configured)})"
    return "prices not configured"


def _win_rate(comparison: dict[str, Any]) -> str:
    rate = comparison.get("winRate")
    return "" if rate is None else f" (win rate {fixed(rate * 100, 0)}%, a tie counting as half a win)"


def _similarity(report: dict[str, Any]) -> str | None:
    if "similarityEnabled" not in report:
        return None
    if not report["similarityEnabled"]:
        return "Semantic similarity: turned off for this run."
    tuned, base = report.get("fineTunedMeanSimilarity"), report.get("baseMeanSimilarity")
    if tuned is None and base is None:
        return "Semantic similarity: not computed (see the warnings in the report)."
    return f"Semantic similarity to the reference answers (cosine): fine-tuned {_score(tuned)}, base {_score(base)}."


def finished_message(report: dict[str, Any]) -> tuple[str, str]:
    comparison = report.get("comparison", {})
    lines = [
        f"Fine-tuning run {report['runId']} finished"
        + ("" if report.get("complete") else " with missing evaluation numbers")
        + ".",
        "",
        *([f"Verdict: {report['verdict']}", ""] if report.get("verdict") else []),
        f"Mean correctness score (1-10): fine-tuned {_score(report.get('fineTunedMeanScore'))}, "
        f"base {_score(report.get('baseMeanScore'))} over {report.get('questions')} question(s).",
        f"Fine-tuned vs base per question: {comparison.get('wins', 0)} wins, {comparison.get('ties', 0)} ties, "
        f"{comparison.get('losses', 0)} losses{_win_rate(comparison)}.",
    ]
    similarity = _similarity(report)
    if similarity:
        lines.append(similarity)
    if report.get("outputTokensReductionPct") is not None:
        change = float(report["outputTokensReductionPct"])
        lines.append(
            f"Fine-tuned answers use {fixed(abs(change), 1)}% {'fewer' if change >= 0 else 'more'} output tokens "
            "than base answers."
        )
    hosting = report.get("hosting") or {}
    if hosting.get("kind") == "on-demand":
        lines.append(_deployment_line(hosting))
    else:
        lines.append(
            f"Provisioned throughput held for {_score(report.get('throughputHeldMinutes'))} minutes and deleted."
        )
    lines += [
        f"Estimated cost: {_cost(report.get('estimatedCostUsd'), report.get('costNotConfigured'))}.",
        f"Custom model: {report.get('customModelArn')}",
        "",
        f"Report: {report['reportUri']}index.html (also report.md and results.json)",
    ]
    if hosting.get("kept") and hosting.get("example"):
        lines += ["", "Call the fine-tuned model (Python, boto3):", hosting["example"]]
    if report.get("problems"):
        lines += ["", "Missing numbers:", *(f"- {problem}" for problem in report["problems"])]
    if report.get("warnings"):
        lines += ["", "Warnings:", *(f"- {warning}" for warning in report["warnings"])]
    if report.get("simulated"):
        lines = [SIMULATED_NOTE, "", *lines]
    tuned, base = _score(report.get("fineTunedMeanScore")), _score(report.get("baseMeanScore"))
    subject = f"Fine-tuning run {report['runId']}: fine-tuned {tuned} vs base {base}"
    return _subject(subject, bool(report.get("simulated"))), "\n".join(lines)


def _deployment_line(hosting: dict[str, Any]) -> str:
    if hosting.get("kept"):
        arn = hosting.get("arn")
        return f"The fine-tuned model stays deployed on demand (billed per token, nothing while idle): {arn}"
    return f"The on-demand deployment {hosting.get('name')} was deleted (evaluation.keepDeployment is false)."


def describe_failure(step: FailedStep) -> tuple[str, str]:
    """(error name, cause) of a failed run, in the user's words."""
    state = step.state
    error = state.get("error")
    name = str(error.get("Error", "RunFailed")) if isinstance(error, dict) else "RunFailed"
    cause = error_message_of(error) if isinstance(error, dict) else "the run failed without an error record"
    run = state.get("run") if isinstance(state.get("run"), dict) else None
    names = (run or {}).get("names") or {}
    on_demand = ((run or {}).get("evaluation") or {}).get("hosting") == "on-demand"
    pt_name = names.get("provisionedModelName")
    deletion = state.get("hostingDeletion")
    cleanup_failed = "cleanupError" in state or ("hosting" in state and deletion is None and "run" in state)
    if cleanup_failed and on_demand and names.get("deploymentName"):
        cleanup = state.get("cleanupError") or error
        detail = error_message_of(cleanup) if isinstance(cleanup, dict) else ""
        original = f" Original failure: {name}: {cause}" if "cleanupError" in state else ""
        return (
            "CustomModelDeploymentDeletionFailed",
            f"on-demand deployment {names['deploymentName']} could not be confirmed deleted ({detail}). It costs "
            "nothing while idle; the sweeper retries the deletion for this run, or delete it in the Bedrock console "
            f"(Custom model on-demand).{original}"[:MAX_CAUSE],
        )
    if cleanup_failed and pt_name and not on_demand:
        cleanup = state.get("cleanupError") or error
        detail = error_message_of(cleanup) if isinstance(cleanup, dict) else ""
        original = f" Original failure: {name}: {cause}" if "cleanupError" in state else ""
        return (
            "ProvisionedThroughputDeletionFailed",
            f"provisioned throughput {pt_name} could not be confirmed deleted ({detail}). It is billed by the "
            f"hour: delete it now in the Bedrock console (Provisioned Throughput). The sweeper retries the "
            f"deletion for this run.{original}"[:MAX_CAUSE],
        )
    if isinstance(deletion, dict) and deletion.get("existed"):
        what = "on-demand deployment" if deletion.get("kind") == "on-demand" else "provisioned throughput"
        cause += f" ({what} {deletion.get('name')} was deleted)"
    return name, cause[:MAX_CAUSE]


def failed_message(step: FailedStep, error: str, cause: str) -> tuple[str, str]:
    run = step.state.get("run") if isinstance(step.state.get("run"), dict) else {}
    run_id = (run or {}).get("runId") or step.executionName
    simulated = bool((run or {}).get("simulated"))
    lines = [f"Fine-tuning run {run_id} failed.", "", f"{error}: {cause}"]
    if simulated:
        lines = [SIMULATED_NOTE, "", *lines]
    return _subject(f"Fine-tuning run {run_id} failed: {error}", simulated), "\n".join(lines)


def publish(sns: Any, settings: Settings, subject: str, message: str) -> str | None:
    if not settings.topic_arn:
        return None
    response = sns.publish(TopicArn=settings.topic_arn, Subject=subject, Message=message)
    return str(response["MessageId"])
