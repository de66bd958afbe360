"""The cost quote's method-specific parts, added before anything is paid.

- Reinforcement: the grader Lambda asks the judge once per sampled response, so the judge calls
  are records x epochs x samples per prompt (`rftConfig.hyperParameters`), each priced like an
  evaluation verdict (the same request: shared tools, same judge prices).
- Distillation: the teacher answers the report's questions (the three-way comparison); they are
  priced at the teacher's on-demand prices where the table has them.
"""

from __future__ import annotations

from collections.abc import Sequence

from preprocess.methods import grader_calls
from preprocess.raw_data import QAPair
from shared.models import Customization
from shared.price_list import PriceListReading
from shared.prices import PriceOverrides
from shared.quote import (
    JUDGE_OUTPUT_TOKENS,
    JUDGE_PROMPT_OVERHEAD_TOKENS,
    CostQuote,
    PriceUsed,
    Question,
    QuotePart,
    answer_tokens,
    check_budget,
    resolve_price,
    sources_text,
    summarize,
    token_part,
    with_parts_counted,
)
from shared.tokens import estimate_tokens


def _judge_prices(quote: CostQuote) -> list[PriceUsed]:
    for part in quote.parts:
        if part.name == "judge":
            return list(part.prices)
    raise ValueError("the quote has no judge part")


def grader_part(
    quote: CostQuote, customization: Customization, training: Sequence[QAPair], max_tokens: int
) -> QuotePart:
    hp = customization.rftHyperParameters or {}
    calls = grader_calls(len(training), hp)
    per_record = int(hp.get("epochCount", 1)) * int(hp.get("trainingSamplePerPrompt", 1))
    response_cap = int(hp.get("inferenceMaxTokens", max_tokens))
    tokens_in = 0
    for pair in training:
        prompt = JUDGE_PROMPT_OVERHEAD_TOKENS + estimate_tokens(pair.prompt) + estimate_tokens(pair.completion)
        tokens_in += per_record * (prompt + answer_tokens(pair.completion, response_cap))
    judge_in, judge_out = _judge_prices(quote)
    if customization.reward != "judge":
        # A lexical or embedding-free reward calls no model: the grader costs Lambda time only.
        return QuotePart(
            name="grader",
            label=f"RFT grader ({calls:,} rewards, {customization.reward}: no model calls)",
            formula=f"{calls:,} rewards x $0 (computed in the grader Lambda)",
            quantities={"rewards": calls},
            prices=[],
            usd=0.0,
        )
    part = token_part(
        "grader",
        f"RFT grader judge calls ({len(training):,} records x {per_record} per record = {calls:,})",
        tokens_in,
        calls * JUDGE_OUTPUT_TOKENS,
        judge_in,
        judge_out,
    )
    return part


def with_method_parts(
    quote: CostQuote,
    customization: Customization,
    training: Sequence[QAPair],
    questions: Sequence[Question],
    max_tokens: int,
    overrides: PriceOverrides | None = None,
    listed: PriceListReading | None = None,
) -> CostQuote:
    """The quote with the method's parts, its total, status and budget verdict recomputed. The
    teacher's prices follow the rest of the quote's rule (shared/quote.py `resolve_price`): the
    run's override, else the Price List reading the quote used, else the dated table."""
    parts = list(quote.parts)
    assumptions = list(quote.assumptions)
    if customization.method == "reinforcement":
        parts.append(grader_part(quote, customization, training, max_tokens))
        assumptions.append(
            "RFT: training is quoted on the supervised training-token price; AWS publishes RFT pricing separately "
            "(check it before a large run). Grader: one judge call per sampled response = records x epochs x "
            "samplesPerPrompt."
        )
    elif customization.method == "distillation":
        assumptions.append(
            "Distillation: Bedrock bills the teacher's answers to the training prompts at the teacher's on-demand "
            "prices and the student's training as fine-tuning (the quote's training part); the teacher's answers "
            "to the evaluation questions are the teacher part."
        )
        teacher = customization.teacherInvocationId or customization.teacherModelId or ""
        o = overrides or PriceOverrides()
        # The teacher is invoked as a base model (or its cross-Region profile, priced as the model in the
        # source Region): its base on-demand token prices, never custom-model prices.
        price_in = resolve_price(
            "teacherInputPer1kTokensUsd", o.teacherInputPer1kTokensUsd, teacher, "input_per_1k", quote.region, listed
        )
        price_out = resolve_price(
            "teacherOutputPer1kTokensUsd", o.teacherOutputPer1kTokensUsd, teacher, "output_per_1k", quote.region, listed
        )
        cap = customization.maxResponseLengthForInference or max_tokens
        # Bedrock's teacher answers every training prompt (synthetic data); the report's teacher
        # answers every evaluation question.
        answer_in = sum(estimate_tokens(p.prompt) for p in training) + sum(
            estimate_tokens(q.question) for q in questions
        )
        answer_out = sum(answer_tokens(p.completion, cap) for p in training) + sum(
            answer_tokens(q.reference, max_tokens) for q in questions
        )
        parts.append(
            token_part(
                "teacher",
                f"Teacher answers: {len(training):,} training prompts + {len(questions)} evaluation questions "
                f"({teacher}, on demand)",
                answer_in,
                answer_out,
                price_in,
                price_out,
            )
        )
    total, missing, status = summarize(parts)
    budget = check_budget(quote.budget.maxCostUsd, quote.budget.source, status, total, missing)
    sources = quote.priceSources
    if sources is not None:
        sources = with_parts_counted(sources, parts)
        assumptions = [sources_text(sources) if line.startswith("Prices: ") else line for line in assumptions]
    return quote.model_copy(
        update={
            "priceSources": sources,
            "parts": parts,
            "totalUsd": total,
            "missingPrices": missing,
            "status": status,
            "assumptions": assumptions,
            "budget": budget,
        }
    )
