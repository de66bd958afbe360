"""Distillation runs in the report: base student, distilled student and teacher on the same questions.

The question distillation users ask: how close did the student come to the teacher, and at what
price per 1,000 answers each? Scores are the pipeline judge's verdicts (1-10) on all three (the
teacher's answers are judged on the base-answers path, answer/teacher.py); closeness is the share of
the base-to-teacher score gap the distilled student closed, and the ROUGE-L agreement of its answers
with the teacher's (CJK-aware units: grader/rewards.py). Prices per 1,000 answers: the measured mean
tokens per answer times each model's on-demand prices, the very prices of the run's cost quote
(override, else the AWS Price List, else the dated table: shared/quote.py `resolve_price`):
- base student: its base on-demand prices (`baseInput/OutputPer1kTokensUsd`);
- distilled student: the on-demand custom-model prices (`customInput/OutputPer1kTokensUsd`); a
  Provisioned Throughput is billed per hour, not per answer, so it has no per-answer price;
- teacher: invoked as a base model or its cross-Region profile, so its base on-demand prices
  (`teacherInput/OutputPer1kTokensUsd`), never custom-model prices.
"""

from __future__ import annotations

import statistics
from typing import Any

from grader.rewards import rouge_l
from report.formatting import DASH
from shared import s3 as s3io
from shared.answers import answers_prefix
from shared.models import RunContext
from shared.quote import PriceAttribute, PriceUsed, resolve_price

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


def _price(run: RunContext, name: str, model_id: str, attribute: PriceAttribute) -> PriceUsed:
    """The quote's price of that name; a run without one (a quote made before the teacher part
    existed) gets the same rule without the run-time Price List reading."""
    quote = run.costQuote
    found = {p.name: p for part in quote.parts for p in part.prices} if quote is not None else {}
    return found.get(name) or resolve_price(name, None, model_id, attribute, quote.region if quote else None)


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
    base_id = run.evaluation.baseModelInferenceId
    prices = {
        "baseStudent": (
            _price(run, "baseInputPer1kTokensUsd", base_id, "input_per_1k"),
            _price(run, "baseOutputPer1kTokensUsd", base_id, "output_per_1k"),
        ),
        "distilledStudent": (
            _price(run, "customInputPer1kTokensUsd", run.baseModelId, "custom_input_per_1k"),
            _price(run, "customOutputPer1kTokensUsd", run.baseModelId, "custom_output_per_1k"),
        ),
        "teacher": (
            _price(run, "teacherInputPer1kTokensUsd", teacher_id, "input_per_1k"),
            _price(run, "teacherOutputPer1kTokensUsd", teacher_id, "output_per_1k"),
        ),
    }
    domain_indices = {row["index"] for row in domain}

    def records(target: str) -> list[dict[str, Any]]:
        return [r for i, r in answers.get(target, {}).items() if i in domain_indices]

    on_demand = run.evaluation.hosting == "on-demand"
    measured = {
        "baseStudent": records("base"),
        "distilledStudent": records("fine-tuned"),
        "teacher": list(teacher.values()),
    }
    per_answer = {
        who: per_1000(measured[who], price_in.usd, price_out.usd) if who != "distilledStudent" or on_demand else None
        for who, (price_in, price_out) in prices.items()
    }
    labels = {
        "baseStudent": base_id,
        "distilledStudent": f"{run.baseModelId} (custom model, on demand)",
        "teacher": teacher_id,
    }
    unpriced = [
        labels[who]
        for who, pair in prices.items()
        if (who != "distilledStudent" or on_demand) and any(price.usd is None for price in pair)
    ]
    origins = sorted({price.origin for pair in prices.values() for price in pair if price.origin})
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
        "pricePer1000AnswersUsd": per_answer,
        "priceNote": "the cost quote's on-demand prices ("
        + (", ".join(origins) or "none found")
        + ") x measured tokens per answer; the teacher at its base on-demand price"
        + ("" if on_demand else "; the distilled student ran on a Provisioned Throughput, billed per hour")
        + (f"; not priced: {', '.join(unpriced)} (give the override in `prices`)" if unpriced else ""),
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
