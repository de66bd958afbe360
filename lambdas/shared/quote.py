"""The cost quote of a run, computed by PreprocessDataset before anything is paid, and the budget.

A quote is made of parts (training, storage, hosting, base-model answers, judge, embeddings). Each
unit price is an override when one is given, else the AWS Price List's figure read at run time
(shared/price_list.py), else the dated table's (shared/prices.py); every price says which (`origin`)
and where it was read. A part whose price is absent (or only third-party) is "not priced" and the
quote's total is then a "lower bound"; a quote is `complete` when every part is priced. Token counts
are shared/tokens.py's optimistic per-script estimate (`estimate_tokens`), the same figure as the
manifest's training tokens; that module owns every characters-per-token figure and its source.

Budget (`maxCostUsd` from the execution input, else the stack default `MAX_COST_USD`):
- a complete estimate above the budget is refused;
- a lower bound above the budget is refused (the run cannot cost less);
- an estimate with parts not priced is refused while a budget is set, even when what is priced fits:
  a budget can only be enforced on a priced estimate, so the refusal names the missing prices to give.
A dry run is never refused: its quote carries the verdict a real run would get.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.errors import BudgetExceeded
from shared.price_list import Meter, PriceListReading
from shared.prices import (
    PT_BILLING_RULE,
    PT_CREATION_MINUTES,
    TABLE_READ,
    Figure,
    ModelPrices,
    PriceOverrides,
    prices_for,
)
from shared.tokens import OPTIMISTIC, SCRIPT_RULE, estimate_tokens

QUOTE_VERSION = 1
ANSWER_FLOOR_TOKENS = 64
"""An answer is assumed at least this long, even for a one-word reference."""
ANSWER_REFERENCE_FACTOR = 2
"""An answer is assumed up to twice as long as its reference (never beyond `maxTokens`, the hard cap)."""
JUDGE_PROMPT_OVERHEAD_TOKENS = 400
"""The judge's system prompt, tool schema and tags per verdict (about 1,100 characters in
judge/logic.py, rounded up; a unit test keeps this above the real text)."""
JUDGE_OUTPUT_TOKENS = 300
"""Tokens a verdict (score, correct, one or two sentences of reasoning in a tool call) is assumed to take."""
ANSWER_SECONDS = 10
"""Assumed seconds per fine-tuned answer through a PT (answers run `concurrency` at a time)."""

Status = Literal["complete", "lower bound", "not priced"]
PartName = Literal["training", "storage", "hosting", "baseAnswers", "judge", "embeddings", "grader", "teacher"]
"""`grader` and `teacher`: reinforcement fine-tuning and distillation runs (preprocess/method_costing.py)."""


def usd_text(value: float | None) -> str:
    """$1,234.57 for amounts from a cent up; small amounts keep six decimals ($0.000812)."""
    if value is None:
        return "not priced"
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.6f}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriceUsed(_Strict):
    """One unit price a part needs, and where it came from."""

    name: str = Field(json_schema_extra={"enum": list(PriceOverrides.model_fields)})
    """The override name that replaces it (for example `trainingPer1kTokensUsd`): a `PriceOverrides`
    field, which the generated schema lists."""
    usd: float | None
    """None: absent from the table, or only known from a third party (see `note`)."""
    source: str | None
    read: str | None
    basis: str | None
    note: str = ""
    origin: Literal["price list", "table", "override"] | None = None
    """Where the figure came from: the AWS Price List read for this run, the dated table, or an
    override (execution input `prices` or the stack's); None when not priced."""

    @field_validator("name")
    @classmethod
    def _an_override_name(cls, value: str) -> str:
        if value not in PriceOverrides.model_fields:
            raise ValueError(f"{value!r} is not a price override name ({', '.join(PriceOverrides.model_fields)})")
        return value


class PriceSources(_Strict):
    """Where the quote's prices came from, in one place (the prices themselves are in the parts)."""

    priceListQueried: bool
    priceListError: str | None = None
    """Why the Price List gave nothing (denied, throttled, offline, not queried): the table was used."""
    priceListPublished: list[str] = Field(default_factory=list)
    """Publication dates of the Price List offers the prices were read from."""
    priceListSimulated: bool = False
    """The prices came from the SIMULATED Price List (localrun), not AWS's."""
    fromPriceList: int = 0
    fromTable: int = 0
    fromOverrides: int = 0
    cacheUri: str | None = None
    """The run's copy of every Price List price read (runs/<id>/data/prices.json)."""
    notes: list[str] = Field(default_factory=list)


class QuotePart(_Strict):
    name: PartName
    label: str
    formula: str
    """The computation with the numbers used, readable by a person."""
    quantities: dict[str, float | int]
    prices: list[PriceUsed]
    usd: float | None
    """None: some price this part needs is not available (listed in `missing`)."""
    missing: list[str] = Field(default_factory=list)


class BudgetCheck(_Strict):
    maxCostUsd: float | None
    source: Literal["execution input", "stack default"] | None
    verdict: Literal["no budget", "within", "exceeds", "unpriced"]
    message: str


class CostQuote(_Strict):
    quoteVersion: int = QUOTE_VERSION
    status: Status
    totalUsd: float | None
    """Sum of the priced parts (a lower bound when some part is not priced); None when nothing is priced."""
    currency: Literal["USD"] = "USD"
    region: str | None
    hosting: Literal["on-demand", "provisioned"]
    priceTableRead: str = TABLE_READ
    priceSources: PriceSources | None = None
    parts: list[QuotePart]
    missingPrices: list[str]
    assumptions: list[str]
    budget: BudgetCheck

    def refused(self) -> bool:
        return self.budget.verdict in ("exceeds", "unpriced")


@dataclass(frozen=True)
class Question:
    question: str
    reference: str


@dataclass(frozen=True)
class QuoteInput:
    base_model_id: str
    """The customization ID (`amazon.nova-micro-v1:0:128k`)."""
    base_inference_id: str
    judge_model_id: str
    embedding_model_id: str
    region: str | None
    training_tokens: int
    """Training-file tokens for one epoch, counted with `shared.tokens.record_tokens`."""
    epochs: int
    questions: Sequence[Question]
    system_prompt: str
    max_tokens: int
    concurrency: int
    hosting: Literal["on-demand", "provisioned"]
    model_units: int
    semantic_similarity: bool
    overrides: PriceOverrides
    max_cost_usd: float | None
    budget_source: Literal["execution input", "stack default"] | None
    second_judge: bool = False
    """`evaluation.secondJudgeModelId` is set: its verdicts are priced at the judge's prices."""
    listed: PriceListReading | None = None
    """What the AWS Price List gave for this run (None: not asked); it wins over the table."""
    prices_uri: str | None = None


# ---------------------------------------------------------------- prices


def unpriced(name: str, why: str) -> PriceUsed:
    return PriceUsed(name=name, usd=None, source=None, read=None, basis=None, note=why)


_METERS: dict[str, Meter] = {
    "input_per_1k": "input",
    "output_per_1k": "output",
    "training_per_1k": "training",
    "storage_per_month": "storage",
    "pt_per_model_unit_hour": "pt",
    "custom_input_per_1k": "custom_input",
    "custom_output_per_1k": "custom_output",
}


PriceAttribute = Literal[
    "input_per_1k",
    "output_per_1k",
    "training_per_1k",
    "storage_per_month",
    "pt_per_model_unit_hour",
    "custom_input_per_1k",
    "custom_output_per_1k",
]
"""A `ModelPrices` field: what is priced (base on-demand tokens, training, storage, PT, custom-model tokens)."""


def resolve_price(
    name: str,
    override: float | None,
    model_id: str,
    attribute: PriceAttribute,
    region: str | None,
    listed: PriceListReading | None = None,
) -> PriceUsed:
    """One unit price by the quote's one rule: the override when given, else the AWS Price List's
    figure read for this run, else the dated table's; the result says which (`origin`) and where it
    was read. Every part of the quote (preprocess/method_costing.py's included) prices this way."""
    return _resolve(name, override, prices_for(model_id), attribute, model_id, region, listed)


def _resolve(
    name: str,
    override: float | None,
    entry: ModelPrices | None,
    attribute: str,
    model_id: str,
    region: str | None,
    listed: PriceListReading | None = None,
) -> PriceUsed:
    if override is not None:
        return PriceUsed(name=name, usd=override, source="override", read=None, basis="override", origin="override")
    found = listed.price(model_id, _METERS[attribute]) if listed is not None else None
    if found is not None:
        return PriceUsed(
            name=name,
            usd=found.usd,
            source=found.source(),
            read=found.publication_date,
            basis="price-list",
            note="SIMULATED Price List" if (found.version or "").startswith("SIMULATED") else "",
            origin="price list",
        )
    why_not_listed = _not_listed(listed)
    if entry is None:
        return unpriced(name, f"{model_id} is not in the price table{why_not_listed}")
    if region is not None and region not in entry.regions:
        return unpriced(
            name,
            f"the table has no {entry.display_name} figure for {region} (only {', '.join(entry.regions)})"
            + why_not_listed,
        )
    figure: Figure | None = getattr(entry, attribute)
    if figure is None:
        return unpriced(
            name,
            f"{entry.display_name}: not found on the copies of AWS's pricing page read on {TABLE_READ}"
            + why_not_listed,
        )
    return PriceUsed(
        name=name,
        usd=figure.usd if figure.usable else None,
        source=figure.source,
        read=figure.read,
        basis=figure.basis,
        note=figure.note + why_not_listed,
        origin="table" if figure.usable else None,
    )


def _not_listed(listed: PriceListReading | None) -> str:
    if listed is None:
        return ""
    if listed.error:
        return f" (the AWS Price List could not be used: {listed.error})"
    return " (not found in the AWS Price List)"


@dataclass(frozen=True)
class RunPrices:
    training: PriceUsed
    storage: PriceUsed
    pt: PriceUsed
    custom_input: PriceUsed
    custom_output: PriceUsed
    base_input: PriceUsed
    base_output: PriceUsed
    judge_input: PriceUsed
    judge_output: PriceUsed
    embedding: PriceUsed


PricedModel = Literal["base_model_id", "base_inference_id", "judge_model_id", "embedding_model_id"]
"""The `QuoteInput` field naming the model a price is for."""


@dataclass(frozen=True)
class RunPriceRow:
    """One unit price of `RunPrices`: its field, its override name, what is priced and for which model."""

    field: str
    override: str
    """A `PriceOverrides` field; also the price's name in the quote."""
    attribute: PriceAttribute
    model: PricedModel


RUN_PRICE_ROWS: tuple[RunPriceRow, ...] = (
    RunPriceRow("training", "trainingPer1kTokensUsd", "training_per_1k", "base_model_id"),
    RunPriceRow("storage", "storagePerModelMonthUsd", "storage_per_month", "base_model_id"),
    RunPriceRow("pt", "ptPerModelUnitHourUsd", "pt_per_model_unit_hour", "base_model_id"),
    RunPriceRow("custom_input", "customInputPer1kTokensUsd", "custom_input_per_1k", "base_model_id"),
    RunPriceRow("custom_output", "customOutputPer1kTokensUsd", "custom_output_per_1k", "base_model_id"),
    RunPriceRow("base_input", "baseInputPer1kTokensUsd", "input_per_1k", "base_inference_id"),
    RunPriceRow("base_output", "baseOutputPer1kTokensUsd", "output_per_1k", "base_inference_id"),
    RunPriceRow("judge_input", "judgeInputPer1kTokensUsd", "input_per_1k", "judge_model_id"),
    RunPriceRow("judge_output", "judgeOutputPer1kTokensUsd", "output_per_1k", "judge_model_id"),
    RunPriceRow("embedding", "embeddingPer1kTokensUsd", "input_per_1k", "embedding_model_id"),
)
"""Each price `run_prices` resolves (the teacher's: preprocess/method_costing.py)."""


def run_prices(spec: QuoteInput) -> RunPrices:
    """Each unit price the run needs (RUN_PRICE_ROWS), by `resolve_price`'s rule."""
    return RunPrices(
        **{
            row.field: resolve_price(
                row.override,
                getattr(spec.overrides, row.override),
                getattr(spec, row.model),
                row.attribute,
                spec.region,
                spec.listed,
            )
            for row in RUN_PRICE_ROWS
        }
    )


# ---------------------------------------------------------------- parts


def token_part(
    name: PartName,
    label: str,
    tokens_in: int,
    tokens_out: int,
    price_in: PriceUsed,
    price_out: PriceUsed | None,
    words: str = "input tokens",
) -> QuotePart:
    """input tokens / 1000 x input price (+ output tokens / 1000 x output price)."""
    prices = [price_in] + ([price_out] if price_out is not None else [])
    # Nothing used costs nothing, whatever the price.
    missing = [price.name for price in prices if price.usd is None] if tokens_in or tokens_out else []
    usd = None
    if not missing:
        usd = tokens_in / 1000 * (price_in.usd or 0.0)
        if price_out is not None:
            usd += tokens_out / 1000 * (price_out.usd or 0.0)
    formula = f"{tokens_in:,} {words} / 1000 x {_unit(price_in)}"
    quantities: dict[str, float | int] = {"inputTokens" if words == "input tokens" else "tokens": tokens_in}
    if price_out is not None:
        formula += f" + {tokens_out:,} output tokens / 1000 x {_unit(price_out)}"
        quantities["outputTokens"] = tokens_out
    return QuotePart(
        name=name, label=label, formula=formula, quantities=quantities, prices=prices, usd=_round(usd), missing=missing
    )


def pt_part(minutes: float, model_units: int, price: PriceUsed, label: str) -> QuotePart:
    """Billed hours (every started hour, see PT_BILLING_RULE) x model units x hourly price."""
    hours = math.ceil(minutes / 60) if minutes > 0 else 0
    usd = 0.0 if hours == 0 else None if price.usd is None else hours * model_units * price.usd
    return QuotePart(
        name="hosting",
        label=label,
        formula=f"{fmt(minutes)} min -> {hours} billed hour(s) x {model_units} model unit(s) x {_unit(price)}",
        quantities={"minutes": round(minutes, 2), "billedHours": hours, "modelUnits": model_units},
        prices=[price],
        usd=_round(usd),
        missing=[] if usd is not None else [price.name],
    )


def _unit(price: PriceUsed) -> str:
    return f"${fmt(price.usd)}" if price.usd is not None else f"[{price.name}: not priced]"


def fmt(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def answer_tokens(reference: str, max_tokens: int) -> int:
    """Estimated answer length: twice the reference, at least ANSWER_FLOOR_TOKENS, at most maxTokens."""
    return min(max_tokens, max(ANSWER_FLOOR_TOKENS, ANSWER_REFERENCE_FACTOR * estimate_tokens(reference)))


def build_quote(spec: QuoteInput) -> CostQuote:
    prices = run_prices(spec)
    system = estimate_tokens(spec.system_prompt)
    answer_in = sum(system + estimate_tokens(q.question) for q in spec.questions)
    answer_out = sum(answer_tokens(q.reference, spec.max_tokens) for q in spec.questions)
    billed_training = spec.training_tokens * spec.epochs
    parts = [
        token_part(
            "training",
            f"Training ({spec.training_tokens:,} tokens x {spec.epochs} epoch(s))",
            billed_training,
            0,
            prices.training,
            None,
            "training tokens",
        ),
        QuotePart(
            name="storage",
            label="Custom model storage, first month (monthly while kept)",
            formula=f"1 model x 1 month x {_unit(prices.storage)}",
            quantities={"months": 1},
            prices=[prices.storage],
            usd=prices.storage.usd,
            missing=[] if prices.storage.usd is not None else [prices.storage.name],
        ),
    ]
    questions = len(spec.questions)
    if spec.hosting == "on-demand":
        parts.append(
            token_part(
                "hosting",
                "Fine-tuned answers through an on-demand deployment",
                answer_in,
                answer_out,
                prices.custom_input,
                prices.custom_output,
            )
        )
        hosting_note = "on-demand deployment: no hourly charge; tokens of the fine-tuned answers only"
    else:
        rounds = math.ceil(questions / max(1, spec.concurrency))
        minutes = PT_CREATION_MINUTES + rounds * ANSWER_SECONDS / 60
        parts.append(pt_part(minutes, spec.model_units, prices.pt, "Provisioned Throughput (creation wait + answers)"))
        hosting_note = (
            f"PT time = {PT_CREATION_MINUTES} min creation wait (seed project's report; AWS publishes no figure) "
            f"+ {questions} answers / concurrency {spec.concurrency} x {ANSWER_SECONDS} s each (assumed). "
            + PT_BILLING_RULE
        )
    parts.append(
        token_part(
            "baseAnswers",
            "Base-model answers (on demand)",
            answer_in,
            answer_out,
            prices.base_input,
            prices.base_output,
        )
    )
    verdict_sets = 2 if spec.second_judge else 1
    judge_in = 0
    for q in spec.questions:
        prompt = JUDGE_PROMPT_OVERHEAD_TOKENS + estimate_tokens(q.question) + estimate_tokens(q.reference)
        answer = answer_tokens(q.reference, spec.max_tokens)
        # per judge: one verdict per answer (each sees one answer); pairwise: both orders, each
        # seeing both answers (judged by the first judge only)
        judge_in += verdict_sets * 2 * (prompt + answer) + 2 * (prompt + 2 * answer)
    calls = questions * (2 * verdict_sets + 2)
    parts.append(
        token_part(
            "judge",
            f"Judge ({2 * verdict_sets * questions} verdicts, {2 * questions} pairwise comparisons)",
            judge_in,
            calls * JUDGE_OUTPUT_TOKENS,
            prices.judge_input,
            prices.judge_output,
        )
    )
    if spec.semantic_similarity:
        embed_tokens = sum(estimate_tokens(q.reference) for q in spec.questions) + 2 * answer_out
        parts.append(
            token_part("embeddings", "Embeddings (references and answers)", embed_tokens, 0, prices.embedding, None)
        )
    return _finish(spec, parts, hosting_note)


def summarize(
    parts: Sequence[QuotePart], missing: Sequence[str] | None = None
) -> tuple[float | None, list[str], Status]:
    """(total of the priced parts, missing price names, status): `complete` when nothing is missing,
    else a `lower bound` when something is priced, else `not priced`. `missing` replaces the parts'
    own list (the report says `costQuote` when a run has no quote)."""
    priced = [part.usd for part in parts if part.usd is not None]
    names = list(dict.fromkeys(name for part in parts for name in part.missing)) if missing is None else list(missing)
    status: Status = "complete" if not names else ("lower bound" if priced else "not priced")
    return (_round(sum(priced)) if priced else None), names, status


def _finish(spec: QuoteInput, parts: list[QuotePart], hosting_note: str) -> CostQuote:
    total, missing, status = summarize(parts)
    assumptions = [
        f"Tokens are estimated per script, optimistically ({OPTIMISTIC.describe()}); {SCRIPT_RULE}.",
        f"Answers: up to {ANSWER_REFERENCE_FACTOR}x the reference's tokens, at least {ANSWER_FLOOR_TOKENS}, "
        f"at most maxTokens ({spec.max_tokens}); input = system prompt + question.",
        f"Judge: per question, 2 verdicts (4 with a second judge) and a pairwise comparison in both orders; "
        f"input = {JUDGE_PROMPT_OVERHEAD_TOKENS} tokens of prompt and tool schema + question + reference + the "
        f"answer(s) shown; output {JUDGE_OUTPUT_TOKENS} tokens per call.",
        "Embeddings: each reference once and both answers (semantic similarity)."
        if spec.semantic_similarity
        else "Embeddings: none (semanticSimilarity is off).",
        "Hosting: " + hosting_note,
        "Training is billed on the epochs asked for; early stopping can make it cheaper.",
    ]
    sources = price_sources(spec, parts)
    assumptions.append(_sources_text(sources))
    budget = check_budget(spec.max_cost_usd, spec.budget_source, status, total, missing)
    return CostQuote(
        status=status,
        totalUsd=total,
        region=spec.region,
        hosting=spec.hosting,
        priceSources=sources,
        parts=parts,
        missingPrices=missing,
        assumptions=assumptions,
        budget=budget,
    )


def price_sources(spec: QuoteInput, parts: Sequence[QuotePart]) -> PriceSources:
    """Count where the distinct prices of the quote came from, and what the Price List said."""
    used = {price.name: price for part in parts for price in part.prices}.values()
    listed = spec.listed
    return PriceSources(
        priceListQueried=listed is not None,
        priceListError=listed.error if listed is not None else "not queried",
        priceListPublished=listed.publication_dates if listed is not None else [],
        priceListSimulated=bool(listed is not None and listed.simulated),
        fromPriceList=sum(1 for price in used if price.origin == "price list"),
        fromTable=sum(1 for price in used if price.origin == "table"),
        fromOverrides=sum(1 for price in used if price.origin == "override"),
        cacheUri=spec.prices_uri,
        notes=list(listed.notes[:10]) if listed is not None else [],
    )


def with_parts_counted(sources: PriceSources, parts: Sequence[QuotePart]) -> PriceSources:
    """`sources` with its origin counts taken over `parts` (after a method's parts are added)."""
    used = {price.name: price for part in parts for price in part.prices}.values()
    return sources.model_copy(
        update={
            "fromPriceList": sum(1 for price in used if price.origin == "price list"),
            "fromTable": sum(1 for price in used if price.origin == "table"),
            "fromOverrides": sum(1 for price in used if price.origin == "override"),
        }
    )


def sources_text(sources: PriceSources) -> str:
    """The quote's assumption line on where its prices came from (it starts with `Prices: `)."""
    return _sources_text(sources)


def _sources_text(sources: PriceSources) -> str:
    counts = (
        f"{sources.fromPriceList} from the AWS Price List, {sources.fromTable} from the dated table "
        f"(read {TABLE_READ}), {sources.fromOverrides} override(s)"
    )
    if sources.priceListError:
        return f"Prices: {counts}; the AWS Price List was not used ({sources.priceListError}), so the table applies."
    published = ", ".join(sources.priceListPublished) or "publication date not given"
    label = "SIMULATED Price List" if sources.priceListSimulated else "AWS Price List"
    return f"Prices: {counts}; {label} published {published}; the table fills what it does not list."


def check_budget(
    budget: float | None,
    source: Literal["execution input", "stack default"] | None,
    status: Status,
    total: float | None,
    missing: Sequence[str],
) -> BudgetCheck:
    if budget is None:
        return BudgetCheck(maxCostUsd=None, source=None, verdict="no budget", message="no budget set (maxCostUsd)")
    named = f"the budget maxCostUsd {usd_text(budget)} ({source})"
    if total is not None and total > budget:
        kind = "estimated cost" if status == "complete" else "estimated cost (a lower bound: some parts not priced)"
        return BudgetCheck(
            maxCostUsd=budget,
            source=source,
            verdict="exceeds",
            message=f"{kind} {usd_text(total)} exceeds {named}",
        )
    if status != "complete":
        priced = f"the priced parts come to {usd_text(total)}" if total is not None else "nothing is priced"
        return BudgetCheck(
            maxCostUsd=budget,
            source=source,
            verdict="unpriced",
            message=(
                f"the estimate cannot be checked against {named}: {priced} and these prices are missing: "
                f"{', '.join(missing)}; give them in the execution input's `prices` (or the stack's "
                "priceOverrides) to run under a budget"
            ),
        )
    return BudgetCheck(
        maxCostUsd=budget,
        source=source,
        verdict="within",
        message=f"estimated cost {usd_text(total)} is within {named}",
    )


def enforce_budget(quote: CostQuote, dry_run: bool) -> None:
    """Refuse a run whose quote breaks its budget (before anything is paid); a dry run only reports it."""
    if quote.refused() and not dry_run:
        raise BudgetExceeded(f"{quote.budget.message}; nothing was started or paid")
