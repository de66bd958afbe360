"""The paired comparison of base and fine-tuned answers: per-metric statistics, the pairwise
judge's win rate and position consistency, the judge audit, the general-ability (forgetting)
check and the one-line verdict decided from interval bounds.

Differences are always fine-tuned minus base, per question, over the questions where both
models have a value. Ties: in every win rate a tie counts as half a win; the sign test drops
ties (they say nothing about direction).
"""

from __future__ import annotations

from typing import Any

from report import stats
from shared.judges import judge_capability, same_maker

METRICS: tuple[tuple[str, str, bool, str], ...] = (
    ("judgeScore", "score", True, "judge score"),
    ("rougeL", "rougeL", True, "ROUGE-L"),
    ("semanticSimilarity", "similarity", True, "semantic similarity"),
    ("outputTokens", "outputTokens", False, "output tokens"),
)
"""(results key, per-answer field, higher is better, label)."""

TIES = "a tie counts as half a win in the win rate; the sign test leaves ties out"
SIGN_TEST = "exact two-sided sign test (binomial, p = 1/2) on wins vs losses"
BOOTSTRAP = (
    f"percentile bootstrap of the mean difference, {stats.BOOTSTRAP_RESAMPLES} resamples, seed {stats.BOOTSTRAP_SEED}"
)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _interval(bounds: tuple[float, float] | None, digits: int = 4) -> list[float] | None:
    return None if bounds is None else [round(bounds[0], digits), round(bounds[1], digits)]


def paired_metric(rows: list[dict[str, Any]], field: str, higher_is_better: bool) -> dict[str, Any]:
    pairs = [
        (float(row["base"][field]), float(row["fine-tuned"][field]))
        for row in rows
        if row["base"][field] is not None and row["fine-tuned"][field] is not None
    ]
    result = stats.paired([b for b, _ in pairs], [t for _, t in pairs], higher_is_better)
    return {
        "n": result.n,
        "meanDifference": _round(result.mean_difference),
        "ci95": _interval(result.ci95),
        "pValue": _round(result.p_value, 6),
        "higherIsBetter": higher_is_better,
        "wins": result.wins,
        "ties": result.ties,
        "losses": result.losses,
        "winRate": _round(result.win_rate),
        "winRateCi95": _interval(result.win_rate_ci95),
    }


def metric_comparisons(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: paired_metric(rows, field, better) for key, field, better, _ in METRICS}


def pairwise_summary(pairwise: list[dict[str, Any]], indices: set[int]) -> dict[str, Any]:
    """The position-swapped pairwise judge over these questions."""
    records = [p for p in pairwise if int(p["index"]) in indices]
    decided = [p for p in records if p["winner"] is not None]
    wins = sum(1 for p in decided if p["winner"] == "fine-tuned")
    losses = sum(1 for p in decided if p["winner"] == "base")
    ties = len(decided) - wins - losses
    consistent = sum(1 for p in decided if p["positionConsistent"])
    n = len(decided)
    return {
        "pairs": len(records),
        "decided": n,
        "missing": len(records) - n,
        "wins": wins,
        "ties": ties,
        "losses": losses,
        "positionConsistency": _round(consistent / n) if n else None,
        "winRate": _round((wins + ties / 2) / n) if n else None,
        "winRateCi95": _interval(stats.wilson(wins + ties / 2, n)),
        "pValue": _round(stats.sign_test(wins, losses), 6),
        "method": "each pair judged twice (A/B, then B/A); two verdicts that disagree count as a tie",
    }


def judge_audit(judgements: dict[str, Any] | None, judge_model_id: str, base_model_id: str) -> dict[str, Any]:
    """How far the judge can be trusted: how often it failed, whether it grades its own family,
    and (with a second judge) how well two judges agree."""
    document = judgements or {}
    verdicts = document.get("verdicts", [])
    calls = len(verdicts)
    failed = [v for v in verdicts if str(v.get("missingReason") or "").startswith("judge call failed")]
    malformed = [v for v in verdicts if str(v.get("missingReason") or "").startswith("malformed verdict")]
    retried = sum(max(0, int(v.get("attempts") or 1) - 1) for v in verdicts)
    warnings: list[str] = []
    if same_maker(judge_model_id, base_model_id):
        warnings.append(
            f"the judge ({judge_model_id}) is from the same model family as the tuned model ({base_model_id}): "
            "LLM judges tend to prefer answers in their own family's style (self-preference); "
            "a judge from another family, or evaluation.secondJudgeModelId, guards against it"
        )
    audit: dict[str, Any] = {
        "modelId": judge_model_id,
        "structuredOutput": (document.get("inference") or {}).get("structuredOutput")
        or judge_capability(judge_model_id).structured_output,
        "verdictsAsked": calls,
        "failureRate": _round(len(failed) / calls) if calls else None,
        "parseFailureRate": _round(len(malformed) / calls) if calls else None,
        "retriedAfterMalformed": retried,
        "sameFamilyAsTunedModel": same_maker(judge_model_id, base_model_id),
        "warnings": warnings,
        "secondJudge": second_judge_agreement(document),
    }
    return audit


def second_judge_agreement(document: dict[str, Any]) -> dict[str, Any] | None:
    model_id = document.get("secondJudgeModelId")
    if not model_id:
        return None
    first = {(v["target"], int(v["index"])): v for v in document.get("verdicts", []) if v.get("score") is not None}
    second = {
        (v["target"], int(v["index"])): v for v in document.get("secondVerdicts", []) if v.get("score") is not None
    }
    both = sorted(first.keys() & second.keys())
    kappa = stats.cohen_kappa([bool(first[k]["correct"]) for k in both], [bool(second[k]["correct"]) for k in both])
    return {
        "modelId": model_id,
        "compared": len(both),
        "cohenKappaCorrect": _round(kappa),
        "meanAbsoluteScoreDifference": (
            _round(sum(abs(first[k]["score"] - second[k]["score"]) for k in both) / len(both)) if both else None
        ),
        "agreementOnCorrect": (
            _round(sum(1 for k in both if first[k]["correct"] == second[k]["correct"]) / len(both)) if both else None
        ),
    }


def general_check(rows: list[dict[str, Any]], enabled: bool) -> dict[str, Any]:
    """Did general ability drop? The general questions' judge-score difference with its interval."""
    if not enabled:
        return {"enabled": False, "questions": 0, "judgeScore": None, "outcome": "not-checked"}
    judge_score = paired_metric(rows, "score", True)
    return {
        "enabled": True,
        "questions": len(rows),
        "judgeScore": judge_score,
        "semanticSimilarity": paired_metric(rows, "similarity", True),
        "outcome": _direction(judge_score, "dropped", "improved", "no-change-shown"),
    }


def _direction(metric: dict[str, Any] | None, worse: str, better: str, neither: str) -> str:
    if not metric or metric["ci95"] is None:
        return "unknown"
    low, high = metric["ci95"]
    signed_low, signed_high = (low, high) if metric["higherIsBetter"] else (-high, -low)
    if signed_low > 0:
        return better
    if signed_high < 0:
        return worse
    return neither


def _p(value: float | None) -> str:
    if value is None:
        return "p n/a"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "\u2212")


def describe(metric: dict[str, Any], label: str) -> str:
    low, high = metric["ci95"]
    return (
        f"{label} {_signed(metric['meanDifference'])} "
        f"(95 % CI {_signed(low)} to {_signed(high)}, {_p(metric['pValue'])}, n = {metric['n']})"
    )


def verdict(judge_score: dict[str, Any], general: dict[str, Any]) -> tuple[str, str]:
    """(outcome, one line) decided from the interval bounds of the judge-score difference,
    never from the means alone."""
    if not judge_score["n"] or judge_score["ci95"] is None:
        return "unknown", "No verdict: the judge scored no question for both models"
    outcome = _direction(judge_score, "worse", "better", "not-shown")
    head = {
        "better": "Fine-tuned model is better",
        "worse": "Fine-tuned model is worse",
        "not-shown": "Not shown to be better",
    }[outcome]
    line = f"{head}: {describe(judge_score, 'judge score')}"
    if general["enabled"] and general["judgeScore"] and general["judgeScore"]["n"]:
        words = {
            "dropped": "general ability dropped",
            "improved": "general ability improved",
            "no-change-shown": "no drop in general ability shown",
        }.get(general["outcome"], "general ability unknown")
        line += f"; {words}: {describe(general['judgeScore'], 'score')}"
    elif general["enabled"]:
        line += "; general ability not measured (no general question was scored for both models)"
    return outcome, line
