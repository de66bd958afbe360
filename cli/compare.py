"""`bft compare`: runs side by side, and for two runs on the same evaluation set a paired
comparison per question with the report's own statistics (lambdas/report/stats.py)."""

from __future__ import annotations

from typing import Any

from report.stats import paired

METRICS = (
    ("judgeScore", "score"),
    ("rougeL", "rougeL"),
    ("semanticSimilarity", "similarity"),
    ("outputTokens", "outputTokens"),
)
"""Per-question fields compared: the name in summary.comparison and in results.questions[i].<side>."""
HIGHER_IS_BETTER = {"judgeScore": True, "rougeL": True, "semanticSimilarity": True, "outputTokens": False}


def settings_of(results: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """What a user changes between runs."""
    config = manifest.get("config") or {}
    return {
        "baseModelId": results.get("baseModelId") or config.get("baseModelId"),
        "hyperParameters": results.get("hyperParameters") or config.get("hyperParameters"),
        "systemPrompt": (results.get("inference") or {}).get("systemPrompt") or config.get("systemPrompt"),
        "trainingRecords": (manifest.get("counts") or {}).get("training"),
        "validationRecords": (manifest.get("counts") or {}).get("validation"),
        "evalQuestions": (manifest.get("counts") or {}).get("evaluation"),
        "dataSha256": manifest.get("sha256"),
        "hosting": (results.get("hosting") or {}).get("kind"),
    }


def differences(settings: list[dict[str, Any]]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys(k for s in settings for k in s))
    return {k: [s.get(k) for s in settings] for k in keys if len({repr(s.get(k)) for s in settings}) > 1}


def metrics(results: dict[str, Any]) -> dict[str, Any]:
    summary = results.get("summary") or {}
    comparison = summary.get("comparison") or {}
    tuned = summary.get("fine-tuned") or {}
    return {
        "fineTunedMeanScore": tuned.get("meanScore"),
        "baseMeanScore": (summary.get("base") or {}).get("meanScore"),
        **{
            name: {k: comparison[name].get(k) for k in ("meanDifference", "ci95", "pValue", "winRate", "winRateCi95")}
            for name, _ in METRICS
            if isinstance(comparison.get(name), dict)
        },
        "verdict": results.get("verdictOutcome"),
        "costUsd": (results.get("cost") or {}).get("totalUsd"),
    }


def _per_question(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["question"]: q for q in results.get("questions") or [] if q.get("set", "domain") == "domain"}


def paired_runs(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any] | None:
    """Second run's fine-tuned model minus the first's, per question both answered; None when
    the two runs share no evaluation question."""
    a, b = _per_question(first), _per_question(second)
    common = [q for q in a if q in b]
    if not common:
        return None
    out: dict[str, Any] = {
        "questions": len(common),
        "onlyInFirst": len(a) - len(common),
        "onlyInSecond": len(b) - len(common),
    }
    for name, field in METRICS:
        pairs = [
            (a[q]["fine-tuned"].get(field), b[q]["fine-tuned"].get(field))
            for q in common
            if a[q].get("fine-tuned") and b[q].get("fine-tuned")
        ]
        pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
        if not pairs:
            continue
        result = paired([x for x, _ in pairs], [y for _, y in pairs], HIGHER_IS_BETTER[name])
        out[name] = {
            "n": result.n,
            "meanDifference": result.mean_difference,
            "ci95": list(result.ci95) if result.ci95 else None,
            "wins": result.wins,
            "ties": result.ties,
            "losses": result.losses,
            "pValue": result.p_value,
        }
    return out
