"""PreprocessDataset's cost quote: the run's numbers handed to shared/quote.py, before anything is paid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from preprocess.dataset import record_tokens
from preprocess.raw_data import QAPair
from shared.models import Evaluation, ExecutionInput
from shared.price_list import PriceListReading, fetch_prices
from shared.prices import PriceOverrides
from shared.quote import CostQuote, Question, QuoteInput, build_quote
from shared.settings import Settings


def training_tokens(pairs: Sequence[QAPair], system_prompt: str) -> int:
    """Tokens of the training file for one epoch: the optimistic estimate (shared/tokens.py), the
    same figure as the manifest's `estimatedTokens.training` (every turn and a record's own system
    prompt included)."""
    return sum(record_tokens(system_prompt, pair) for pair in pairs)


def quote_run(
    request: ExecutionInput,
    settings: Settings,
    base_model_id: str,
    evaluation: Evaluation,
    hyperparameters: dict[str, str],
    training: Sequence[QAPair],
    questions: Sequence[Question],
    system_prompt: str,
    model_units: int,
    listed: PriceListReading | None = None,
    prices_uri: str | None = None,
) -> CostQuote:
    """Execution-input prices win over the stack's, which win over the Price List, which wins over the table."""
    overrides = run_overrides(request, settings)
    if request.maxCostUsd is not None:
        budget, source = request.maxCostUsd, "execution input"
    elif settings.max_cost_usd is not None:
        budget, source = settings.max_cost_usd, "stack default"
    else:
        budget, source = None, None
    return build_quote(
        QuoteInput(
            base_model_id=base_model_id,
            base_inference_id=evaluation.baseModelInferenceId,
            judge_model_id=evaluation.judgeModelId,
            embedding_model_id=evaluation.embeddingModelId,
            region=settings.region,
            training_tokens=training_tokens(training, system_prompt),
            epochs=int(hyperparameters.get("epochCount", "1")),
            questions=questions,
            system_prompt=system_prompt,
            max_tokens=evaluation.maxTokens,
            concurrency=evaluation.concurrency,
            hosting=evaluation.hosting,
            model_units=model_units,
            semantic_similarity=evaluation.semanticSimilarity,
            overrides=overrides,
            max_cost_usd=budget,
            second_judge=evaluation.secondJudgeModelId is not None,
            budget_source=source,  # type: ignore[arg-type]
            listed=listed,
            prices_uri=prices_uri,
        )
    )


def run_overrides(request: ExecutionInput, settings: Settings) -> PriceOverrides:
    """The run's price overrides: the execution input's `prices` over the stack's."""
    return (request.prices or PriceOverrides()).merged_over(settings.stack_prices())


def run_models(base_model_id: str, evaluation: Evaluation, teacher_id: str | None = None) -> list[str]:
    """Every model the quote prices: the customized base, its on-demand ID, the judge(s), the embedding
    model and a distillation run's teacher (as it is invoked: a cross-Region profile is priced as its model)."""
    models = [base_model_id, evaluation.baseModelInferenceId, evaluation.judgeModelId]
    if teacher_id:
        models.append(teacher_id)
    if evaluation.secondJudgeModelId:
        models.append(evaluation.secondJudgeModelId)
    if evaluation.semanticSimilarity:
        models.append(evaluation.embeddingModelId)
    return models


def read_price_list(
    pricing: Any | None, region: str | None, base_model_id: str, evaluation: Evaluation, teacher_id: str | None = None
) -> PriceListReading | None:
    """The Price List's prices for this run (None when no pricing client or Region is known).
    Never raises: an unreachable Price List is a reading with `error`, and the table applies."""
    if pricing is None or region is None:
        return None
    return fetch_prices(pricing, region, run_models(base_model_id, evaluation, teacher_id))
