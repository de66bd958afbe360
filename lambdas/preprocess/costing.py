"""PreprocessDataset's cost quote: the run's numbers handed to shared/quote.py, before anything is paid."""

from __future__ import annotations

from collections.abc import Sequence

from preprocess.raw_data import QAPair
from shared.models import Evaluation, ExecutionInput
from shared.prices import PriceOverrides
from shared.quote import CostQuote, Question, QuoteInput, build_quote
from shared.settings import Settings
from shared.tokens import record_tokens


def training_tokens(pairs: Sequence[QAPair], system_prompt: str) -> int:
    """Tokens of the training file for one epoch: the optimistic estimate (shared/tokens.py), the
    same figure as the manifest's `estimatedTokens.training`."""
    return sum(record_tokens(system_prompt, pair.prompt, pair.completion) for pair in pairs)


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
) -> CostQuote:
    """Execution-input prices win over the stack's, which win over the table."""
    overrides = (request.prices or PriceOverrides()).merged_over(settings.stack_prices())
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
        )
    )
