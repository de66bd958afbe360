"""The report's cost section: the quote PreprocessDataset made before anything was paid, next to the
usage this run actually had (tokens from the answer and verdict files, PT minutes), priced with the
same unit prices as the quote (shared/quote.py)."""

from __future__ import annotations

from typing import Any

from shared.quote import CostQuote, PriceUsed, QuotePart, pt_part, summarize, token_part, unpriced

MEASURED_NOTE = (
    "Measured: tokens of the answers (Bedrock's usage of each Converse call), of the judge (summed over "
    "its attempts) and of the embeddings (Titan's inputTextTokenCount); PT time from the create request to "
    "the confirmed deletion, billed per started hour (see the quote's assumptions). Training and storage "
    "are not measured by the pipeline: those rows repeat the estimate. Prices are the quote's."
)


def _prices(quote: CostQuote | None) -> dict[str, PriceUsed]:
    if quote is None:
        return {}
    return {price.name: price for part in quote.parts for price in part.prices}


def _price(prices: dict[str, PriceUsed], name: str) -> PriceUsed:
    return prices.get(name) or unpriced(name, "the run has no cost quote")


def _tokens(records: Any) -> tuple[int, int]:
    records = list(records)
    return (
        sum(int(record.get("inputTokens") or 0) for record in records),
        sum(int(record.get("outputTokens") or 0) for record in records),
    )


def measured_parts(
    quote: CostQuote | None,
    hosting: str,
    answers: dict[str, dict[int, dict[str, Any]]],
    judgements: dict[str, Any] | None,
    held_minutes: float | None,
    throughput_bought: bool,
    model_units: int,
) -> list[QuotePart]:
    prices = _prices(quote)
    parts = [part for part in (quote.parts if quote else []) if part.name in ("training", "storage")]
    tuned_in, tuned_out = _tokens(answers.get("fine-tuned", {}).values())
    if hosting == "on-demand":
        parts.append(
            token_part(
                "hosting",
                "Fine-tuned answers through the on-demand deployment (deployment tokens)",
                tuned_in,
                tuned_out,
                _price(prices, "customInputPer1kTokensUsd"),
                _price(prices, "customOutputPer1kTokensUsd"),
            )
        )
    elif not throughput_bought:
        parts.append(pt_part(0, model_units, _price(prices, "ptPerModelUnitHourUsd"), "Provisioned Throughput (none)"))
    elif held_minutes is None:
        pt = _price(prices, "ptPerModelUnitHourUsd")
        parts.append(
            QuotePart(
                name="hosting",
                label="Provisioned Throughput (time held not measured: its deletion was not confirmed)",
                formula="PT time unknown",
                quantities={},
                prices=[pt],
                usd=None,
                missing=["heldMinutes"],
            )
        )
    else:
        parts.append(
            pt_part(held_minutes, model_units, _price(prices, "ptPerModelUnitHourUsd"), "Provisioned Throughput")
        )
    base_in, base_out = _tokens(answers.get("base", {}).values())
    parts.append(
        token_part(
            "baseAnswers",
            "Base-model answers",
            base_in,
            base_out,
            _price(prices, "baseInputPer1kTokensUsd"),
            _price(prices, "baseOutputPer1kTokensUsd"),
        )
    )
    # Every judge call is billed: absolute verdicts, both orders of each pairwise comparison and,
    # when set, the second judge's verdicts (priced at the judge's prices).
    judged = (judgements or {}).get
    verdicts = [*judged("verdicts", []), *judged("pairwise", []), *judged("secondVerdicts", [])]
    judge_in, judge_out = _tokens(verdicts)
    parts.append(
        token_part(
            "judge",
            f"Judge ({len(judged('verdicts', []))} verdicts, {len(judged('pairwise', []))} pairwise comparisons)",
            judge_in,
            judge_out,
            _price(prices, "judgeInputPer1kTokensUsd"),
            _price(prices, "judgeOutputPer1kTokensUsd"),
        )
    )
    similarity = (judgements or {}).get("similarity") or {}
    parts.append(
        token_part(
            "embeddings",
            f"Embeddings ({int(similarity.get('embeddingCalls') or 0)} calls)",
            int(similarity.get("inputTokens") or 0),
            0,
            _price(prices, "embeddingPer1kTokensUsd"),
            None,
        )
    )
    return parts


def cost_section(
    quote: CostQuote | None,
    hosting: str,
    answers: dict[str, dict[int, dict[str, Any]]],
    judgements: dict[str, Any] | None,
    held_minutes: float | None,
    throughput_bought: bool,
    model_units: int,
) -> dict[str, Any]:
    parts = measured_parts(quote, hosting, answers, judgements, held_minutes, throughput_bought, model_units)
    total, missing, status = summarize(parts, None if quote is not None else ["costQuote"])
    return {
        "status": status,
        "totalUsd": total,
        "currency": "USD",
        "missingPrices": missing,
        "estimate": quote.model_dump() if quote else None,
        "measured": [part.model_dump() for part in parts],
        "note": MEASURED_NOTE,
    }
