"""The dated price table: the one place that knows what Bedrock charges for the models a run uses.

Since issue 14 the quote first reads the AWS Price List at run time (shared/price_list.py); this
table is the fallback for every price the Price List does not give (unreachable, not matched), and
each figure in the quote says which of the two (or an override) it came from.

Every figure carries the URL it was read from and the date it was read. AWS's pricing page
(https://aws.amazon.com/bedrock/pricing/) renders its tables client-side, so the stored copies of
the page itself hold no numbers; the figures below were read from dated copies of that page that
others published (each named in its `source`). They are marked `basis="aws-page-copy"` and are used.
A figure known only from a third party's own bill or an unattributed list is `"third-party-report"`:
it is shown to the user as a hint but never used in a total. A figure not found is `None` (absent).
A quote that needs an absent or third-party figure says "lower bound" or "not priced"; it never guesses.

Every figure can be overridden (stack context `priceOverrides` / `ptHourlyPriceUsd` /
`trainingPricePer1kTokensUsd`, or the execution input's `prices`), see `PriceOverrides`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TABLE_READ = "2026-11-22"
"""When the figures below were read (the date shown with every figure)."""

Basis = Literal["aws-page-copy", "price-list-copy", "third-party-report", "override"]
"""`price-list-copy`: a dated transcription of AWS Price List rows (usage type, price, unit) that a
third party published after querying `pricing:GetProducts`; AWS's own figures, read second-hand,
so each one names its transcription and is marked unconfirmed in its note."""

# Sources (dated copies of https://aws.amazon.com/bedrock/pricing/ and AWS user-guide pages).
AWS_PAGE_KO_COPY = (
    "https://aws.amazon.com/ko/bedrock/pricing/ as copied in github.com/sungminna/GapS "
    "crawl/aws_pricing_data_titan.md (commit a5dddfd3; copy undated, page banner of early 2025)"
)
AWS_PAGE_2025_07_20_COPY = (
    "https://aws.amazon.com/bedrock/pricing/ as copied on 2025-07-20 in github.com/convo-lang/convo-lang "
    "packages/convo-lang-bedrock/bedrock-pricing.md (commit 091db583)"
)
PT_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html"
LITELLM = (
    "github.com/BerriAI/litellm model_prices_and_context_window.json (entries bedrock/us-east-1/amazon.nova-*, "
    "us.amazon.nova-2-lite-v1:0, global.amazon.nova-2-lite-v1:0; read 2026-12-06)"
)
PRICE_LIST_COPY_2026_08_02 = (
    "AWS Price List (pricing:GetProducts AmazonBedrock, regionCode us-east-1) as transcribed on 2026-08-02 in a "
    "public project's COSTS.md (AWS-Bedrock-FineTuning-LangGraph-MCP-Agentic-Platform; found by code search)"
)
PRICE_LIST_COPY_USW2 = (
    "AWS Price List row USW2-Llama3-1-70B-ProvisionedThroughput-NoCommit-ModelUnits as quoted in a public "
    "project's review notes (2026; found by code search)"
)
UNCONFIRMED = "unconfirmed: one second-hand transcription of the Price List"
SEED_ARTICLE = "the seed article's own bill (2024), as recorded in the project's Bedrock fact sheet section 11"


@dataclass(frozen=True)
class Figure:
    """One price in USD, with where and when it was read."""

    usd: float
    source: str
    read: str = TABLE_READ
    basis: Basis = "aws-page-copy"
    note: str = ""

    @property
    def usable(self) -> bool:
        """Only figures read from (a copy of) AWS's page, or given by the user, enter a total."""
        return self.basis != "third-party-report"


@dataclass(frozen=True)
class ModelPrices:
    """What one model costs. `None`: the figure was not found (the quote then says so)."""

    model: str
    """Base model ID without the context suffix or inference-profile prefix (`amazon.nova-micro-v1:0`)."""
    display_name: str
    regions: tuple[str, ...]
    """The Regions these figures apply to (where the pipeline uses the model)."""
    input_per_1k: Figure | None = None
    """Base model on demand, per 1,000 input tokens (a cross-Region profile is priced in the source
    Region: "There's no additional charge for using cross-region inference", AWS pricing page)."""
    output_per_1k: Figure | None = None
    training_per_1k: Figure | None = None
    """Customization: per 1,000 training tokens; billed tokens = training tokens x epochs."""
    storage_per_month: Figure | None = None
    """Customization: per custom model per month."""
    pt_per_model_unit_hour: Figure | None = None
    """No-commitment Provisioned Throughput per model unit and hour (a custom model is priced as its
    base model, prov-throughput.html)."""
    custom_input_per_1k: Figure | None = None
    """On-demand custom model deployment, per 1,000 input tokens (Nova only)."""
    custom_output_per_1k: Figure | None = None
    usage_stem: str | None = None
    """The model's name inside its AWS Price List usage types (`NovaMicro` in `USE1-NovaMicro-input-tokens`);
    None where no spelling is known (the Price List is then not asked for this model). Spellings seen in
    Price List rows: NovaMicro, NovaLite, NovaPro, Nova2.0Lite, Llama3-3-70B, Llama3-1-70B (see
    shared/price_list.py); the others follow the same pattern and are unconfirmed."""


def _page(usd: float, source: str = AWS_PAGE_KO_COPY, note: str = "") -> Figure:
    return Figure(usd, source, note=note)


_NOVA_NOTE = "us-east-1 table of the page; the fine-tuning Region"
_SECOND_NOVA = "; second source: LiteLLM's price file (bedrock/us-east-1 entries), same figure"


def _list_copy(usd: float, row: str) -> Figure:
    return Figure(usd, PRICE_LIST_COPY_2026_08_02, basis="price-list-copy", note=f"{row}; {UNCONFIRMED}")


NOVA_PREMIER_LISTS = (
    "third-party model price lists (OpenRouter's amazon/nova-premier-v1 listing; several public projects' "
    "Bedrock price tables for us.amazon.nova-premier-v1:0, found by code search; read 2026-12-06), "
    "not AWS's page; one project lists $2.00 / $8.00"
)
_PREMIER_NOTE = (
    "third-party figure, not used in totals: give teacherInputPer1kTokensUsd / teacherOutputPer1kTokensUsd, or "
    "let the AWS Price List price it (usage type spelling NovaPremier unconfirmed)"
)
_META_NOTE = "the copy does not name the Region (us-west-2 is where the pipeline fine-tunes Llama)"

PRICE_TABLE: tuple[ModelPrices, ...] = (
    ModelPrices(
        "amazon.nova-micro-v1:0",
        "Amazon Nova Micro",
        ("us-east-1", "us-west-2"),
        input_per_1k=_page(0.000035, note=_NOVA_NOTE + _SECOND_NOVA),
        output_per_1k=_page(0.00014, note=_NOVA_NOTE + _SECOND_NOVA),
        usage_stem="NovaMicro",
    ),
    ModelPrices(
        "amazon.nova-lite-v1:0",
        "Amazon Nova Lite",
        ("us-east-1", "us-west-2"),
        input_per_1k=_page(0.00006, note=_NOVA_NOTE + _SECOND_NOVA),
        output_per_1k=_page(0.00024, note=_NOVA_NOTE + _SECOND_NOVA),
        usage_stem="NovaLite",
    ),
    ModelPrices(
        "amazon.nova-pro-v1:0",
        "Amazon Nova Pro",
        ("us-east-1", "us-west-2"),
        input_per_1k=_page(0.0008, note=_NOVA_NOTE + _SECOND_NOVA),
        output_per_1k=_page(0.0032, note=_NOVA_NOTE + _SECOND_NOVA),
        usage_stem="NovaPro",
    ),
    ModelPrices(
        "amazon.nova-premier-v1:0",
        "Amazon Nova Premier",
        ("us-east-1",),
        # A distillation teacher only (shared/families.py). No copy of AWS's page with Premier's figures
        # was found; third-party price lists agree on $2.50 / $12.50 per million tokens, so they are a hint
        # here, never in a total: the Price List (read at run time) or an override prices it.
        input_per_1k=Figure(0.0025, NOVA_PREMIER_LISTS, basis="third-party-report", note=_PREMIER_NOTE),
        output_per_1k=Figure(0.0125, NOVA_PREMIER_LISTS, basis="third-party-report", note=_PREMIER_NOTE),
        usage_stem="NovaPremier",
    ),
    ModelPrices(
        "amazon.nova-2-lite-v1:0",
        "Amazon Nova 2 Lite",
        ("us-east-1",),
        # The `us.` profile (what the registry invokes); the `global.` profile is $0.0003 / $0.0025 (LiteLLM).
        # Second source: the Price List transcription (USE1-Nova2.0Lite-input-tokens 0.00033, -output-tokens 0.00275).
        input_per_1k=_page(0.00033, LITELLM, "us. profile; agrees with the Price List transcription of 2026-08-02"),
        output_per_1k=_page(0.00275, LITELLM, "us. profile; agrees with the Price List transcription of 2026-08-02"),
        training_per_1k=_list_copy(0.00378, "USE1-Nova2.0Lite-Customization-Training, per 1K tokens"),
        storage_per_month=_list_copy(1.95, "USE1-Nova2.0Lite-Customization-Storage, per model-month"),
        custom_input_per_1k=_list_copy(0.0003, "USE1-Nova2.0Lite-input-tokens-custom-model"),
        custom_output_per_1k=_list_copy(0.0025, "USE1-Nova2.0Lite-output-tokens-custom-model"),
        pt_per_model_unit_hour=_list_copy(60.5, "USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits"),
        usage_stem="Nova2.0Lite",
    ),
    ModelPrices(
        "anthropic.claude-3-haiku-20240307-v1:0",
        "Claude 3 Haiku",
        ("us-east-1", "us-west-2"),
        input_per_1k=_page(0.00025, note="table for US East (N. Virginia) and US West (Oregon)"),
        output_per_1k=_page(0.00125, note="table for US East (N. Virginia) and US West (Oregon)"),
        pt_per_model_unit_hour=Figure(
            132.0,
            SEED_ARTICLE,
            basis="third-party-report",
            note="about $132/h reported by a user, not read on AWS's page; not used in totals",
        ),
        usage_stem="Claude3Haiku",
    ),
    ModelPrices(
        "meta.llama3-1-8b-instruct-v1:0",
        "Meta Llama 3.1 8B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.00022, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.00022, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-1-8B",
    ),
    ModelPrices(
        "meta.llama3-1-70b-instruct-v1:0",
        "Meta Llama 3.1 70B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.00072, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.00072, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-1-70B",
        pt_per_model_unit_hour=Figure(24.0, PRICE_LIST_COPY_USW2, basis="price-list-copy", note=UNCONFIRMED),
    ),
    ModelPrices(
        "meta.llama3-2-1b-instruct-v1:0",
        "Meta Llama 3.2 1B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.0001, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.0001, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-2-1B",
    ),
    ModelPrices(
        "meta.llama3-2-3b-instruct-v1:0",
        "Meta Llama 3.2 3B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.00015, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.00015, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-2-3B",
    ),
    ModelPrices(
        "meta.llama3-2-11b-instruct-v1:0",
        "Meta Llama 3.2 11B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.00016, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.00016, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-2-11B",
    ),
    ModelPrices(
        "meta.llama3-2-90b-instruct-v1:0",
        "Meta Llama 3.2 90B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.00072, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.00072, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-2-90B",
    ),
    ModelPrices(
        "meta.llama3-3-70b-instruct-v1:0",
        "Meta Llama 3.3 70B Instruct",
        ("us-west-2",),
        input_per_1k=_page(0.00072, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        output_per_1k=_page(0.00072, AWS_PAGE_2025_07_20_COPY, _META_NOTE),
        usage_stem="Llama3-3-70B",
    ),
    ModelPrices(
        "amazon.titan-embed-text-v2:0",
        "Amazon Titan Text Embeddings V2",
        ("us-east-1", "us-west-2"),
        input_per_1k=_page(0.00002, note="us-east-1 table of the page; embeddings are billed per input token"),
        usage_stem="TitanEmbeddingsV2-Text",
    ),
)
"""Not found on any copy of the page read: training, storage, no-commitment PT and on-demand
custom-model token prices for Nova Micro/Lite/Pro, Claude 3 Haiku (customization) and Llama 3.x
(the copies render those tables empty); Nova 2 Lite's and Llama 3.1 70B's PT come from second-hand
Price List transcriptions (unconfirmed). Absent figures are read from the Price List at run time
(shared/price_list.py); where it cannot give them, give them as overrides."""

# ---------------------------------------------------------------- billing rules

PT_BILLING_RULE = (
    "AWS bills a Provisioned Throughput hourly until it is deleted (prov-throughput.html: \"You're billed "
    'hourly for a Provisioned Throughput that you purchase"; botocore CreateProvisionedModelThroughput.'
    'commitmentDuration: "Billing occurs hourly"). Whether a started hour is billed in full is not '
    "published; the quote assumes it is (rounds up to the next full hour), the conservative reading."
)
PT_BILLING_SOURCE = PT_PAGE
PT_CREATION_MINUTES = 20
"""Creating a PT took about 20 minutes in the seed project's report (Qiita write-up of the AWS
Claude 3 Haiku fine-tuning blog, fact sheet section 12). AWS publishes no figure; this is an assumption."""


# ---------------------------------------------------------------- overrides


class PriceOverrides(BaseModel):
    """Prices (USD) that replace the table's figures for this run's models. Every field is optional;
    0 is a price of zero (for example covered by credits), not "unset"."""

    model_config = ConfigDict(extra="forbid")

    trainingPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    storagePerModelMonthUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    ptPerModelUnitHourUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    customInputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    customOutputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    baseInputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    baseOutputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    judgeInputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    judgeOutputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    embeddingPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    teacherInputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """Distillation: the teacher's on-demand input price (its answers to the training prompts and to
    the evaluation questions)."""
    teacherOutputPer1kTokensUsd: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    def merged_over(self, lower: PriceOverrides) -> PriceOverrides:
        """These overrides, with `lower`'s values where this one has none."""
        mine = self.model_dump(exclude_none=True)
        return PriceOverrides.model_validate({**lower.model_dump(exclude_none=True), **mine})


PRICE_OVERRIDE_KEYS: tuple[str, ...] = tuple(PriceOverrides.model_fields)
"""The override names: the same in the execution input's `prices` and the stack's `priceOverrides`."""


def bare_inference_id(model_id: str) -> str:
    """`us.amazon.nova-pro-v1:0` / `amazon.nova-micro-v1:0:128k` / an ARN -> `amazon.nova-pro-v1:0`."""
    bare = model_id.rsplit("/", 1)[-1]
    head, dot, rest = bare.partition(".")
    if dot and head in {"us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"}:
        bare = rest
    stem, _, last = bare.rpartition(":")
    if stem.count(":") >= 1 and last.endswith("k") and last[:-1].isdigit():
        bare = stem
    return bare


def prices_for(model_id: str) -> ModelPrices | None:
    """The table's entry for a model ID, inference profile or customization ID; None when unknown."""
    wanted = bare_inference_id(model_id)
    return next((entry for entry in PRICE_TABLE if entry.model == wanted), None)
