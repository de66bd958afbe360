"""The cost quote and the budget: every expected figure below is computed by hand in the comment
next to it (ASCII tokens at 6 characters each, the optimistic estimate of shared/tokens.py;
prices per 1,000 tokens), not by calling the code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from judge.logic import JUDGE_SYSTEM_PROMPT, TOOL_CONFIG, judge_prompt
from judge.tools import preference_request
from shared.errors import BudgetExceeded, InconsistentRunState
from shared.models import ExecutionInput
from shared.prices import PRICE_OVERRIDE_KEYS, PRICE_TABLE, PriceOverrides, bare_inference_id, prices_for
from shared.quote import (
    JUDGE_PROMPT_OVERHEAD_TOKENS,
    RUN_PRICE_ROWS,
    CostQuote,
    Question,
    QuoteInput,
    build_quote,
    enforce_budget,
)
from shared.settings import Settings, settings
from shared.tokens import conservative_tokens

NOVA = {
    "base_model_id": "amazon.nova-micro-v1:0:128k",
    "base_inference_id": "amazon.nova-micro-v1:0",
    "judge_model_id": "us.amazon.nova-pro-v1:0",
    "embedding_model_id": "amazon.titan-embed-text-v2:0",
    "region": "us-east-1",
}
# One question: "abcdefghijkl" = 2 tokens, a 60-character reference = 10 tokens; system prompt "abcdef" = 1 token.
ONE_QUESTION = [Question("abcdefghijkl", "x" * 60)]
GIVEN = PriceOverrides(
    trainingPer1kTokensUsd=0.002,
    storagePerModelMonthUsd=1.95,
    customInputPer1kTokensUsd=0.000035,
    customOutputPer1kTokensUsd=0.00014,
)


def _spec(**overrides: Any) -> QuoteInput:
    values: dict[str, Any] = {
        **NOVA,
        "training_tokens": 1000,
        "epochs": 2,
        "questions": ONE_QUESTION,
        "system_prompt": "abcdef",
        "max_tokens": 512,
        "concurrency": 1,
        "hosting": "on-demand",
        "model_units": 1,
        "semantic_similarity": True,
        "overrides": GIVEN,
        "max_cost_usd": None,
        "budget_source": None,
    }
    values.update(overrides)
    return QuoteInput(**values)


def _parts(quote: CostQuote) -> dict[str, float | None]:
    return {part.name: part.usd for part in quote.parts}


def test_a_fully_priced_on_demand_quote_matches_a_hand_calculation() -> None:
    quote = build_quote(_spec())

    assert _parts(quote) == {
        "training": 0.004,  # 1,000 tokens x 2 epochs = 2,000 / 1000 x $0.002
        "storage": 1.95,  # one month
        # answers: input 1 + 2 = 3 tokens, output max(64, 2 x 10) = 64 tokens (below maxTokens 512)
        # 3 / 1000 x $0.000035 + 64 / 1000 x $0.00014 = $0.000000105 + $0.00000896 = $0.000009065
        "hosting": 0.000009,
        "baseAnswers": 0.000009,  # the same tokens at Nova Micro's on-demand price (the table)
        # judge: 2 verdicts x (400 + 2 + 10 + one answer 64) = 952, plus the pairwise comparison in both
        # orders 2 x (412 + two answers 128) = 1,080: 2,032 input; 4 calls x 300 = 1,200 output (Nova Pro)
        # 2,032 / 1000 x $0.0008 + 1,200 / 1000 x $0.0032 = $0.0016256 + $0.00384 = $0.0054656
        "judge": 0.005466,
        "embeddings": 0.000003,  # reference 10 + two answers 2 x 64 = 138 tokens x $0.00002 / 1000 = $0.00000276
    }
    assert quote.status == "complete" and quote.missingPrices == []
    assert quote.totalUsd == 1.959487  # 0.004 + 1.95 + 0.000009 + 0.000009 + 0.005466 + 0.000003
    assert quote.budget.verdict == "no budget" and not quote.refused()


def test_answers_are_capped_by_max_tokens() -> None:
    # a 600-character reference is 100 tokens -> 200 estimated, but maxTokens is 50
    quote = build_quote(_spec(questions=[Question("abcdefghijkl", "y" * 600)], max_tokens=50))
    hosting = next(part for part in quote.parts if part.name == "hosting")
    assert hosting.quantities == {"inputTokens": 3, "outputTokens": 50}


def test_a_pt_is_billed_per_started_hour_for_the_creation_wait_and_the_answers() -> None:
    prices = PriceOverrides(ptPerModelUnitHourUsd=20.0)
    ten = [Question("q", "r")] * 10
    # 10 answers, 4 at a time: 3 rounds x 10 s = 0.5 min; + 20 min creation = 20.5 min -> 1 hour x 1 MU x $20
    short = build_quote(_spec(hosting="provisioned", overrides=prices, questions=ten, concurrency=4))
    assert _parts(short)["hosting"] == 20.0
    # 400 answers one at a time: 4,000 s = 66.7 min + 20 = 86.7 min -> 2 hours x 2 MU x $20 = $80
    many = [Question("q", "r")] * 400
    long = build_quote(_spec(hosting="provisioned", overrides=prices, questions=many, model_units=2))
    hosting = next(part for part in long.parts if part.name == "hosting")
    assert hosting.usd == 80.0 and hosting.quantities["billedHours"] == 2


def test_prices_missing_from_the_table_make_a_lower_bound() -> None:
    quote = build_quote(_spec(overrides=PriceOverrides()))

    assert quote.status == "lower bound"
    assert quote.missingPrices == [
        "trainingPer1kTokensUsd",
        "storagePerModelMonthUsd",
        "customInputPer1kTokensUsd",
        "customOutputPer1kTokensUsd",
    ]
    assert quote.totalUsd == 0.005478  # base answers 0.000009 + judge 0.005466 + embeddings 0.000003
    training = quote.parts[0]
    assert training.usd is None and "not found on the copies of AWS's pricing page" in training.prices[0].note


def test_a_third_party_figure_is_shown_but_never_used() -> None:
    quote = build_quote(
        _spec(
            base_model_id="anthropic.claude-3-haiku-20240307-v1:0:200k",
            base_inference_id="anthropic.claude-3-haiku-20240307-v1:0",
            region="us-west-2",
            hosting="provisioned",
            overrides=PriceOverrides(),
        )
    )
    hosting = next(part for part in quote.parts if part.name == "hosting")
    (pt,) = hosting.prices
    assert hosting.usd is None and pt.usd is None and pt.basis == "third-party-report" and "$132/h" in pt.note


def test_a_figure_for_another_region_is_not_used() -> None:
    quote = build_quote(
        _spec(
            base_model_id="meta.llama3-3-70b-instruct-v1:0:128k",
            base_inference_id="us.meta.llama3-3-70b-instruct-v1:0",
            region="us-east-1",
            hosting="provisioned",
        )
    )
    base = next(part for part in quote.parts if part.name == "baseAnswers")
    assert base.usd is None and "no Meta Llama 3.3 70B Instruct figure for us-east-1" in base.prices[0].note


def test_nothing_priced_is_not_priced() -> None:
    # Llama 3.3 has no figure for us-east-1 in the table (Nova 2 Lite now has all of its figures)
    quote = build_quote(
        _spec(
            base_model_id="meta.llama3-3-70b-instruct-v1:0:128k",
            base_inference_id="us.meta.llama3-3-70b-instruct-v1:0",
            region="us-east-1",
            judge_model_id="example.unknown-judge-v1:0",
            hosting="provisioned",
            semantic_similarity=False,
            overrides=PriceOverrides(),
        )
    )
    assert quote.status == "not priced" and quote.totalUsd is None
    assert [part.name for part in quote.parts] == ["training", "storage", "hosting", "baseAnswers", "judge"]


@pytest.mark.parametrize(
    ("overrides", "budget", "verdict", "words"),
    [
        (GIVEN, 1.0, "exceeds", "estimated cost $1.96 exceeds the budget maxCostUsd $1.00 (execution input)"),
        (GIVEN, 5.0, "within", "estimated cost $1.96 is within the budget maxCostUsd $5.00"),
        # a lower bound of $0.005478 is already above a budget of $0.001: refused, whatever else it costs
        (PriceOverrides(), 0.001, "exceeds", "(a lower bound: some parts not priced) $0.005478 exceeds"),
        # a lower bound under the budget cannot be checked: refused until the missing prices are given
        (PriceOverrides(), 10.0, "unpriced", "missing: trainingPer1kTokensUsd, storagePerModelMonthUsd"),
    ],
)
def test_the_budget_verdict(overrides: PriceOverrides, budget: float, verdict: str, words: str) -> None:
    quote = build_quote(_spec(overrides=overrides, max_cost_usd=budget, budget_source="execution input"))
    assert quote.budget.verdict == verdict and words in quote.budget.message
    if verdict == "within":
        enforce_budget(quote, dry_run=False)
        return
    with pytest.raises(BudgetExceeded) as refused:
        enforce_budget(quote, dry_run=False)
    assert words in str(refused.value) and "nothing was started or paid" in str(refused.value)
    enforce_budget(quote, dry_run=True)  # a dry run reports the verdict and is not refused


def test_execution_input_prices_win_over_the_stack_which_wins_over_the_older_keys() -> None:
    stack = Settings(
        bucket="bucket",
        pt_hourly_price_usd=20.5,
        training_price_per_1k_tokens_usd=0.008,
        price_overrides=PriceOverrides(trainingPer1kTokensUsd=0.004, storagePerModelMonthUsd=1.95),
    ).stack_prices()
    assert (stack.ptPerModelUnitHourUsd, stack.trainingPer1kTokensUsd, stack.storagePerModelMonthUsd) == (
        20.5,
        0.004,
        1.95,
    )
    run = PriceOverrides(storagePerModelMonthUsd=0).merged_over(stack)
    assert (run.storagePerModelMonthUsd, run.trainingPer1kTokensUsd) == (0.0, 0.004)  # 0 is a real price


def test_execution_input_prices_are_strict() -> None:
    with pytest.raises(ValueError, match="ptHourlyPriceUsd"):
        ExecutionInput.model_validate({"trainingDataUri": "s3://b/raw/t.json", "prices": {"ptHourlyPriceUsd": 1}})
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        ExecutionInput.model_validate(
            {"trainingDataUri": "s3://b/raw/t.json", "prices": {"trainingPer1kTokensUsd": -1}}
        )


def test_every_price_override_is_one_run_price_or_the_teachers() -> None:
    run = [row.override for row in RUN_PRICE_ROWS]
    assert len(set(run)) == len(run)
    assert set(PRICE_OVERRIDE_KEYS) - set(run) == {"teacherInputPer1kTokensUsd", "teacherOutputPer1kTokensUsd"}
    assert set(run) <= set(PRICE_OVERRIDE_KEYS)


def test_stack_price_overrides_arrive_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_BUCKET", "bucket")
    monkeypatch.setenv("PRICE_OVERRIDES_JSON", '{"storagePerModelMonthUsd": 1.95}')
    monkeypatch.setenv("MAX_COST_USD", "25")
    settings.cache_clear()
    try:
        loaded = settings()
        assert loaded.price_overrides.storagePerModelMonthUsd == 1.95 and loaded.max_cost_usd == 25.0
        monkeypatch.setenv("PRICE_OVERRIDES_JSON", '{"storage": 1}')
        settings.cache_clear()
        with pytest.raises(InconsistentRunState, match="storage"):
            settings()
    finally:
        settings.cache_clear()


def test_the_judge_overhead_covers_the_real_prompt() -> None:
    # counted conservatively: the overhead must hold even if the judge's tokenizer is a poor one
    real = conservative_tokens(JUDGE_SYSTEM_PROMPT + json.dumps(TOOL_CONFIG) + judge_prompt("", "", ""))
    assert real <= JUDGE_PROMPT_OVERHEAD_TOKENS
    # the pairwise request: system prompt, tool schema and tags around two empty answers
    pairwise = preference_request("us.amazon.nova-pro-v1:0", "", "", "", "")
    text = pairwise["system"][0]["text"] + json.dumps(pairwise["toolConfig"])
    text += "".join(block["text"] for message in pairwise["messages"] for block in message["content"])
    assert conservative_tokens(text) <= JUDGE_PROMPT_OVERHEAD_TOKENS


def test_a_second_judge_adds_its_verdicts_to_the_judge_part() -> None:
    one = next(part for part in build_quote(_spec()).parts if part.name == "judge")
    two = next(part for part in build_quote(_spec(second_judge=True)).parts if part.name == "judge")
    # two more verdicts of 412 + 64 = 476 input tokens and 300 output tokens each
    assert two.quantities == {"inputTokens": 2032 + 952, "outputTokens": 1200 + 600}
    assert one.quantities == {"inputTokens": 2032, "outputTokens": 1200}


def test_every_figure_names_its_source_and_date() -> None:
    for entry in PRICE_TABLE:
        for name in ("input_per_1k", "output_per_1k", "training_per_1k", "pt_per_model_unit_hour"):
            figure = getattr(entry, name)
            if figure is not None:
                assert figure.source and figure.read == "2026-11-22" and figure.usd >= 0, (entry.model, name)


@pytest.mark.parametrize(
    ("model_id", "bare"),
    [
        ("us.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
        ("amazon.nova-micro-v1:0:128k", "amazon.nova-micro-v1:0"),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"),
        ("global.amazon.nova-2-lite-v1:0", "amazon.nova-2-lite-v1:0"),
    ],
)
def test_model_ids_find_their_table_entry(model_id: str, bare: str) -> None:
    assert bare_inference_id(model_id) == bare
    entry = prices_for(model_id)
    assert entry is not None and entry.model == bare


def _preprocess_quote(request: dict[str, Any], stack: Settings) -> CostQuote:
    from preprocess.costing import quote_run
    from preprocess.raw_data import QAPair
    from shared.models import Evaluation

    evaluation = Evaluation(
        judgeModelId="us.amazon.nova-pro-v1:0",
        baseModelInferenceId="amazon.nova-micro-v1:0",
        hosting="on-demand",
        concurrency=1,
        maxTokens=512,
        temperature=0.0,
    )
    # one training record: system "abcdef" 1 + "abcdefghijkl" 2 + 60 characters 10 = 13 tokens for one epoch
    pairs = [QAPair("abcdefghijkl", "x" * 60, "record 1")]
    return quote_run(
        ExecutionInput.model_validate({"trainingDataUri": "s3://bucket/raw/t.json", **request}),
        stack,
        "amazon.nova-micro-v1:0:128k",
        evaluation,
        {"epochCount": "3"},
        pairs,
        [Question(pair.prompt, pair.completion) for pair in pairs],
        "abcdef",
        1,
    )


def test_preprocess_quotes_with_the_stack_budget_unless_the_input_gives_one() -> None:
    stack = Settings(bucket="bucket", region="us-east-1", max_cost_usd=0.5, training_price_per_1k_tokens_usd=0.01)
    by_stack = _preprocess_quote({}, stack)
    training = by_stack.parts[0]
    assert training.quantities == {"tokens": 39} and training.usd == 0.00039  # 13 x 3 epochs / 1000 x $0.01
    assert (by_stack.budget.maxCostUsd, by_stack.budget.source) == (0.5, "stack default")

    by_input = _preprocess_quote({"maxCostUsd": 2, "prices": {"trainingPer1kTokensUsd": 0.02}}, stack)
    assert (by_input.budget.maxCostUsd, by_input.budget.source) == (2.0, "execution input")
    assert by_input.parts[0].usd == 0.00078  # the input's price wins: 39 / 1000 x $0.02


def test_a_price_is_named_by_its_override_and_the_schema_lists_the_names() -> None:
    from pydantic import ValidationError

    from shared.prices import PriceOverrides
    from shared.quote import PriceUsed

    fields = {"usd": 1.0, "source": None, "read": None, "basis": None}
    assert PriceUsed(name="trainingPer1kTokensUsd", **fields).name == "trainingPer1kTokensUsd"
    with pytest.raises(ValidationError, match="is not a price override name"):
        PriceUsed(name="trainingUsd", **fields)
    schema = PriceUsed.model_json_schema()
    assert schema["properties"]["name"]["enum"] == list(PriceOverrides.model_fields)
