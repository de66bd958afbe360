"""Distillation runs in the report: base student, distilled student and teacher on the same questions.

The question distillation users ask: how close did the student come to the teacher, and at what
price per 1,000 answers each? Scores are the pipeline judge's verdicts (1-10) on all three (the
teacher's answers are judged on the base-answers path, answer/teacher.py); closeness is the share of
the base-to-teacher score gap the distilled student closed, and the ROUGE-L agreement of its answers
with the teacher's (CJK-aware units: grader/rewards.py). Prices per 1,000 answers: the measured mean
tokens per answer times each model's on-demand prices from the price table; a Provisioned Throughput
is billed per hour, not per answer, so it has no per-answer price.
"""

from __future__ import annotations

import statistics
from typing import Any

from grader.rewards import rouge_l
from report.formatting import DASH
from shared import s3 as s3io
from shared.answers import answers_prefix
from shared.models import RunContext
from shared.prices import Figure, prices_for

TEACHER = "teacher"


def _teacher_answers(s3: Any, run: RunContext) -> tuple[dict[int, dict[str, Any]], list[str]]:
    found: dict[int, dict[str, Any]] = {}
    errors: list[str] = []
    for key in s3io.list_keys(s3, run.bucket, answers_prefix(run.runId, TEACHER)):
        document = s3io.get_json(s3, run.bucket, key)
        if document.get("error"):
            errors.append(str(document["error"]))
        for record in document.get("answers", []):
            found[int(record["index"])] = record
    return found, errors


def _usd(figure: Figure | None) -> float | None:
    return figure.usd if figure is not None and figure.usable else None


def per_1000(records: list[dict[str, Any]], price_in: float | None, price_out: float | None) -> float | None:
    """USD for 1,000 answers like these: mean input and output tokens x the per-1k-token prices."""
    if not records or price_in is None or price_out is None:
        return None
    tokens_in = statistics.fmean(float(r.get("inputTokens", 0)) for r in records)
    tokens_out = statistics.fmean(float(r.get("outputTokens", 0)) for r in records)
    return round(tokens_in * price_in + tokens_out * price_out, 4)  # 1,000 answers x tokens / 1,000


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def three_way(s3: Any, run: RunContext, rows: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any] | None:
    """`distillation` of results.json, or None for other methods."""
    if run.customization.method != "distillation":
        return None
    teacher, errors = _teacher_answers(s3, run)
    domain = [row for row in rows if row["set"] != "general"]
    per_question = []
    for row in domain:
        taught = teacher.get(row["index"])
        student = row["fine-tuned"]["answer"]
        per_question.append(
            {
                "index": row["index"],
                "baseScore": row["base"]["score"],
                "studentScore": row["fine-tuned"]["score"],
                "teacherScore": taught.get("score") if taught else None,
                "agreementWithTeacher": round(rouge_l(student, taught["answer"]), 3)
                if taught and student is not None
                else None,
            }
        )
    base = _mean([q["baseScore"] for q in per_question if q["baseScore"] is not None])
    student = _mean([q["studentScore"] for q in per_question if q["studentScore"] is not None])
    teacher_mean = _mean([q["teacherScore"] for q in per_question if q["teacherScore"] is not None])
    gap = None
    if base is not None and student is not None and teacher_mean is not None and teacher_mean > base:
        gap = round((student - base) / (teacher_mean - base), 3)
    teacher_id = run.customization.teacherInvocationId or run.customization.teacherModelId or ""
    base_prices, teacher_prices = prices_for(run.evaluation.baseModelInferenceId), prices_for(teacher_id)
    custom_prices = prices_for(run.baseModelId)
    domain_indices = {row["index"] for row in domain}

    def records(target: str) -> list[dict[str, Any]]:
        return [r for i, r in answers.get(target, {}).items() if i in domain_indices]

    on_demand = run.evaluation.hosting == "on-demand"
    unpriced = [
        name
        for name, entry, figure in (
            (run.evaluation.baseModelInferenceId, base_prices, "input_per_1k"),
            (f"{run.baseModelId} (custom model, on demand)", custom_prices, "custom_input_per_1k"),
            (teacher_id, teacher_prices, "input_per_1k"),
        )
        if entry is None or _usd(getattr(entry, figure)) is None
    ]
    return {
        "teacherModelId": run.customization.teacherModelId,
        "teacherInvocationId": teacher_id,
        "meanScore": {"baseStudent": base, "distilledStudent": student, "teacher": teacher_mean},
        "gapClosed": gap,
        "meanAgreementWithTeacher": _mean(
            [q["agreementWithTeacher"] for q in per_question if q["agreementWithTeacher"] is not None]
        ),
        "teacherAnswers": len([q for q in per_question if q["teacherScore"] is not None]),
        "teacherErrors": errors,
        "pricePer1000AnswersUsd": {
            "baseStudent": per_1000(
                records("base"),
                _usd(base_prices.input_per_1k if base_prices else None),
                _usd(base_prices.output_per_1k if base_prices else None),
            ),
            "distilledStudent": per_1000(
                records("fine-tuned"),
                _usd(custom_prices.custom_input_per_1k if custom_prices else None),
                _usd(custom_prices.custom_output_per_1k if custom_prices else None),
            )
            if on_demand
            else None,
            "teacher": per_1000(
                list(teacher.values()),
                _usd(teacher_prices.input_per_1k if teacher_prices else None),
                _usd(teacher_prices.output_per_1k if teacher_prices else None),
            ),
        },
        "priceNote": "on-demand prices from the price table x measured tokens per answer"
        + ("" if on_demand else "; the distilled student ran on a Provisioned Throughput, billed per hour")
        + (f"; not in the price table: {', '.join(unpriced)}" if unpriced else ""),
        "questions": per_question,
    }


def facts(results: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines for both report formats."""
    section = results.get("distillation")
    if not section:
        return []

    def score(value: float | None) -> str:
        return DASH if value is None else f"{value:.2f}"

    def usd(value: float | None) -> str:
        return DASH if value is None else f"${value:.4f}"

    means, prices = section["meanScore"], section["pricePer1000AnswersUsd"]
    gap = section["gapClosed"]
    return [
        ("Teacher", str(section["teacherModelId"])),
        (
            "Mean judge score (1-10): base student / distilled student / teacher",
            f"{score(means['baseStudent'])} / {score(means['distilledStudent'])} / {score(means['teacher'])}",
        ),
        ("Share of the base-to-teacher gap the student closed", DASH if gap is None else f"{gap:.0%}"),
        ("Agreement with the teacher's answers (ROUGE-L)", score(section["meanAgreementWithTeacher"])),
        (
            "Price per 1,000 answers: base student / distilled student / teacher",
            f"{usd(prices['baseStudent'])} / {usd(prices['distilledStudent'])} / {usd(prices['teacher'])}",
        ),
        ("Prices", section["priceNote"]),
    ]
