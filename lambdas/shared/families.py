"""Model-family registry: the one place that knows how Bedrock families differ.

Record format, dataset limits, hyperparameter names/ranges/defaults and reserved phrases
for every customizable family live here, in one table. Sources: the project's Bedrock fact
sheet (AWS user guide pages on dataset preparation, hyperparameters and supported models).
Figures AWS does not publish are marked `unconfirmed` and chosen conservatively.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from shared import contract
from shared.errors import (
    InvalidHyperParameters,
    UnsupportedBaseModel,
    UnsupportedCustomizationMethod,
    UnsupportedHosting,
)

RecordFormat = Literal["anthropic-messages", "bedrock-conversation", "prompt-completion"]
HostingKind = Literal["on-demand", "provisioned"]
"""How a custom model is served: an on-demand custom model deployment (per token, nothing
while idle) or a no-commitment Provisioned Throughput (per model-unit hour until deleted)."""
HostingRequest = Literal["auto", "on-demand", "provisioned"]

WARMUP = "learningRateWarmupSteps"
GB = 1024**3
MB = 1024**2


@dataclass(frozen=True)
class HyperParameter:
    name: str
    kind: type[int] | type[float]
    default: int | float
    minimum: int | float
    maximum: int | float

    def normalise(self, value: Any) -> str:
        """Validate one value and render it the way Bedrock expects (a string)."""
        if isinstance(value, bool):
            raise InvalidHyperParameters(f"hyperparameter {self.name}: expected a number, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidHyperParameters(f"hyperparameter {self.name}: expected a number, got {value!r}") from None
        if not math.isfinite(number):
            raise InvalidHyperParameters(f"hyperparameter {self.name}: {value!r} is not a finite number")
        if self.kind is int and not number.is_integer():
            raise InvalidHyperParameters(f"hyperparameter {self.name}: must be a whole number, got {value!r}")
        if not self.minimum <= number <= self.maximum:
            raise InvalidHyperParameters(
                f"hyperparameter {self.name}: {value!r} is outside the allowed range {self.minimum}-{self.maximum}"
            )
        return str(int(number)) if self.kind is int or number.is_integer() else plain_decimal(number)


def plain_decimal(number: float) -> str:
    """The shortest text that reads back as the same float, written without an exponent:
    `0.00001`, not `1e-05`. The `hyperParameters` map is string to string (botocore's
    `ModelCustomizationHyperParameters`) and AWS documents no number syntax for it; request
    examples write plain decimals, so that is the form sent (issue 8 of this project)."""
    shortest = repr(number)
    if "e" not in shortest and "E" not in shortest:
        return shortest
    return format(Decimal(shortest), "f")


CustomizationMethod = Literal["supervised", "reinforcement", "distillation"]
"""How the model is customized: supervised fine-tuning (`FINE_TUNING`), reinforcement fine-tuning
(`REINFORCEMENT_FINE_TUNING`) or distillation from a teacher (`DISTILLATION`)."""
METHODS: tuple[CustomizationMethod, ...] = contract.CUSTOMIZATION_METHODS  # type: ignore[assignment]
"""The same values, stated once in shared/contract.py (the stack validates its default with them);
tests/unit/test_methods.py checks that the Literal above lists exactly these."""
CUSTOMIZATION_TYPES: dict[str, str] = {
    "supervised": "FINE_TUNING",
    "reinforcement": "REINFORCEMENT_FINE_TUNING",
    "distillation": "DISTILLATION",
}
"""`customizationType` of CreateModelCustomizationJob (botocore `bedrock` 2023-04-20, shape
CustomizationType; REINFORCEMENT_FINE_TUNING since botocore 1.42.2)."""
RewardKind = Literal["judge", "similarity", "rouge"]


@dataclass(frozen=True)
class RftSpec:
    """Reinforcement fine-tuning of one family: data rules and the typed `rftConfig.hyperParameters`.

    Ranges: botocore `bedrock` service model, shape RFTHyperParameters (EpochCount 1-50,
    RFTBatchSize 16-512, RFTLearningRate 1e-7 to 1e-3, RFTTrainingSamplePerPrompt 2-16,
    RFTEvalInterval 1-100, ReasoningEffort low|medium|high; RFTMaxPromptLength and
    RFTInferenceMaxTokens have no range in the model). Data: JSONL records with `messages`
    (system and user turns) and `reference_answer`, extra fields passed to the grader; at most
    20,000 prompts (https://docs.aws.amazon.com/bedrock/latest/userguide/rft-prepare-data.html)."""

    min_records: int = 100
    max_records: int = 20_000
    validation_set: bool = False
    """aws/nova-forge-sdk: validation datasets are not supported for Nova 2 Lite RFT on Bedrock."""
    hyperparameters: tuple[HyperParameter, ...] = ()
    reasoning_efforts: tuple[str, ...] = ("low", "medium", "high")
    default_reasoning_effort: str | None = None
    unconfirmed: tuple[str, ...] = ()

    def hyperparameter(self, name: str) -> HyperParameter:
        for spec in self.hyperparameters:
            if spec.name == name:
                return spec
        known = ", ".join([spec.name for spec in self.hyperparameters] + ["reasoningEffort"])
        raise InvalidHyperParameters(
            f"reinforcement fine-tuning hyperparameter {name!r} is unknown; supported: {known}"
        )

    def resolve(self, requested: Mapping[str, Any] | Literal["auto"] | None) -> dict[str, int | float | str]:
        """Typed values for `rftConfig.hyperParameters` (the RFT shape takes numbers, not strings)."""
        values: dict[str, Any] = {spec.name: spec.default for spec in self.hyperparameters}
        if self.default_reasoning_effort:
            values["reasoningEffort"] = self.default_reasoning_effort
        if isinstance(requested, Mapping):
            for name, value in requested.items():
                if name == "reasoningEffort":
                    if value not in self.reasoning_efforts:
                        allowed = ", ".join(self.reasoning_efforts)
                        raise InvalidHyperParameters(
                            f"hyperparameter reasoningEffort: {value!r} is not one of {allowed}"
                        )
                    values[name] = value
                    continue
                self.hyperparameter(name)
                values[name] = value
        typed: dict[str, int | float | str] = {}
        for name, value in values.items():
            if name == "reasoningEffort":
                typed[name] = str(value)
                continue
            spec = self.hyperparameter(name)
            text = spec.normalise(value)
            typed[name] = int(text) if spec.kind is int else float(text)
        return typed


_RFT_HYPERPARAMETERS = (
    # Defaults: the values the Bedrock console proposes are not published as API defaults; these are
    # the middle of each documented range AWS's RFT guidance recommends starting from (small
    # epochs, batch 128, 4 samples per prompt). Ranges are botocore's exactly.
    HyperParameter("epochCount", int, 2, 1, 50),
    HyperParameter("batchSize", int, 128, 16, 512),
    HyperParameter("learningRate", float, 1e-5, 1e-7, 1e-3),
    HyperParameter("trainingSamplePerPrompt", int, 4, 2, 16),
    HyperParameter("evalInterval", int, 10, 1, 100),
    HyperParameter("maxPromptLength", int, 4_096, 1, 256_000),
    HyperParameter("inferenceMaxTokens", int, 1_024, 1, 32_768),
)


@dataclass(frozen=True)
class DistillationSpec:
    """Distillation into one family's models (the student side) and the teachers that may teach them.

    Data: `bedrock-conversation-2024` records, system prompt optional, the assistant turn optional;
    Nova students take multi-turn records (https://docs.aws.amazon.com/bedrock/latest/userguide/
    distillation-data-prep-option-1.html); at most 15,000 prompts or prompt-response pairs
    (distillation-data-prep-option-2.html). Pairs: Nova Premier teaches Nova Pro, Lite and Micro;
    Nova Pro teaches Lite and Micro (https://docs.aws.amazon.com/nova/latest/userguide/customization.html;
    https://docs.aws.amazon.com/bedrock/latest/userguide/prequisites-model-distillation.html).
    Cross-Region inference profiles are accepted as teachers (TeacherModelIdentifier pattern in
    botocore's model takes `inference-profile/` ARNs and profile IDs)."""

    teachers: Mapping[str, tuple[str, ...]]
    """Teacher model ID (in-Region, no context suffix) -> student customization IDs it may teach."""
    min_records: int = 100
    max_records: int = 15_000
    validation_set: bool = False
    """The distillation request has no validation data: Bedrock generates the teacher's answers itself."""
    unconfirmed: tuple[str, ...] = ("minimum of 100 distillation prompts",)

    def teacher_base(self, teacher_id: str) -> str:
        """The teacher's in-Region ID: profile prefixes and ARNs stripped."""
        wanted = teacher_id.rsplit("/", 1)[-1] if teacher_id.startswith("arn:") else teacher_id
        for prefix in ("us.", "eu.", "apac.", "global."):
            if wanted.startswith(prefix):
                return wanted[len(prefix) :]
        return wanted

    def students_of(self, teacher_id: str) -> tuple[str, ...]:
        return self.teachers.get(self.teacher_base(teacher_id), ())


NOVA_PREMIER_TEACHER = "amazon.nova-premier-v1:0"
NOVA_PRO_TEACHER = "amazon.nova-pro-v1:0"
NOVA_DISTILLATION = DistillationSpec(
    # In order of preference for the default teacher: Nova Pro first, because Nova Premier's end of
    # life is reported for 2026-09-14; Premier stays the only teacher of a Nova Pro student.
    teachers={
        NOVA_PRO_TEACHER: ("amazon.nova-lite-v1:0:300k", "amazon.nova-micro-v1:0:128k"),
        NOVA_PREMIER_TEACHER: (
            "amazon.nova-pro-v1:0:300k",
            "amazon.nova-lite-v1:0:300k",
            "amazon.nova-micro-v1:0:128k",
        ),
    },
    unconfirmed=(
        "minimum of 100 distillation prompts",
        # End of life reported for 2026-09-14 (bedrock-facts section 15, awslabs/startups lifecycle table).
        "whether Nova Premier still teaches after its reported end of life (2026-09-14)",
    ),
)
TEACHER_PROFILES: dict[str, str] = {
    NOVA_PREMIER_TEACHER: "us.amazon.nova-premier-v1:0",
    NOVA_PRO_TEACHER: "us.amazon.nova-pro-v1:0",
}
"""How the pipeline invokes each teacher for the report's teacher answers (Nova Premier has no
in-Region on-demand ID: https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html)."""


@dataclass(frozen=True)
class BaseModelSpec:
    """One customizable base model: the facts that differ between models of one family."""

    model_id: str
    """Customization ID; the `:Nk` context suffix is part of it."""
    invocation_id: str
    """How the base model is invoked on demand (base-model answers, judge). Kept per model, never
    derived from `model_id`: Llama 3.2/3.3 and Nova 2 Lite have no in-Region on-demand ID and
    need a cross-Region inference profile (`us.` prefix); Bedrock refuses the in-Region ID with
    "on-demand throughput isn't supported" (https://docs.aws.amazon.com/bedrock/latest/userguide/
    inference-profiles-support.html)."""
    max_output_tokens: int | None = None
    """The most tokens one answer may have; None where AWS publishes no figure."""
    warmup_divisor: int | None = None
    """Nova: AWS recommends `learningRateWarmupSteps` = dataset size / this
    (https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-nova-mm.html)."""


@dataclass(frozen=True)
class ModelFamily:
    key: str
    display_name: str
    models: tuple[BaseModelSpec, ...]
    """Customizable base models, each with its own invocation ID and output cap."""
    record_format: RecordFormat
    min_training_records: int
    max_training_records: int
    min_validation_records: int
    """Minimum when a validation set is used (also the target of the automatic split)."""
    max_validation_records: int
    max_total_records: int
    max_tokens_per_record: int
    max_training_file_bytes: int
    max_validation_file_bytes: int
    hyperparameters: tuple[HyperParameter, ...]
    reserved_phrases: tuple[str, ...] = ()
    """Text that makes the customization job fail when it appears in a record."""
    reserved_ignore_case: bool = False
    """Whether the reserved phrases match in any letter case (AWS's Nova validator does)."""
    validator_chars_per_token: int | None = None
    """Characters per token that AWS's own dataset validator counts for this family: a record it
    would reject is refused even if a finer estimate would pass it."""
    auto_hyperparameters: Callable[[int], dict[str, int | float]] | None = None
    """AWS-recommended values by training-set size, used when `hyperParameters` is "auto"."""
    unconfirmed: tuple[str, ...] = field(default=())
    """Limits in this entry that AWS does not publish; shown in the manifest as warnings."""
    hosting: tuple[HostingKind, ...] = ("provisioned",)
    """How Bedrock can serve a custom model of this family, cheapest first: `auto` takes the first."""
    on_demand_regions: tuple[str, ...] = ()
    """Regions that offer on-demand custom model deployment for this family."""
    validation_set: bool = True
    """False where Bedrock takes no validation set: `validationDataConfig` must not be sent."""
    hyperparameters_note: str = ""
    """Where AWS publishes no hyperparameters for the family: what the pipeline does instead."""
    customization_regions: tuple[str, ...] = ()
    """Regions where Bedrock fine-tunes this family (`CreateModelCustomizationJob`); elsewhere the job
    is refused. Source: "Supported models and Regions for fine-tuning", column "Single-region model
    support" (https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html, read
    2026-12-06): Nova Micro/Lite/Pro and Nova 2 Lite us-east-1; Claude 3 Haiku and Llama 3.1/3.2
    us-west-2. Llama 3.3 70B: us-west-2 per the project's fact sheet (section 2 table)."""

    def customizable_in(self, region: str | None) -> bool:
        """True where the family can be fine-tuned (an unknown Region, or a family without the fact, is not refused)."""
        return region is None or not self.customization_regions or region in self.customization_regions

    def check_customization_region(self, model_id: str, region: str | None) -> None:
        """Refuse, before anything is paid, a base model Bedrock does not customize in this Region."""
        if self.customizable_in(region):
            return
        where = " or ".join(self.customization_regions)
        raise UnsupportedBaseModel(
            f"base model {bare_model_id(model_id)} cannot be fine-tuned in {region}: Bedrock customizes "
            f"{self.display_name} only in {where} (custom-model-supported.html). Deploy the pipeline in {where}, "
            f"or choose a model customizable in {region}"
            + (f" ({', '.join(customizable_models(region))})" if customizable_models(region) else "")
            + "; nothing was started or paid"
        )

    reinforcement: RftSpec | None = None
    """Reinforcement fine-tuning support (None: Bedrock offers no RFT for this family)."""
    distillation: DistillationSpec | None = None
    """Distillation support with this family's models as students (None: not offered)."""

    @property
    def methods(self) -> tuple[CustomizationMethod, ...]:
        found: list[CustomizationMethod] = ["supervised"]
        if self.reinforcement is not None:
            found.append("reinforcement")
        if self.distillation is not None:
            found.append("distillation")
        return tuple(found)

    @property
    def model_ids(self) -> tuple[str, ...]:
        return tuple(spec.model_id for spec in self.models)

    def model(self, model_id: str) -> BaseModelSpec:
        wanted = bare_model_id(model_id)
        for spec in self.models:
            if spec.model_id == wanted:
                return spec
        raise UnsupportedBaseModel(f"{model_id!r} is not a {self.display_name} model")

    def resolve_hosting(self, requested: HostingRequest) -> HostingKind:
        """`auto` picks the cheapest option the family allows; an explicit choice it lacks is refused."""
        if requested == "auto":
            return self.hosting[0]
        if requested not in self.hosting:
            offered = " or ".join(self.hosting)
            raise UnsupportedHosting(
                f"evaluation.hosting {requested!r} is not available for {self.display_name} custom models: "
                f"Bedrock serves them only through {offered} hosting"
            )
        return requested

    def reserved_in(self, text: str) -> list[str]:
        """The reserved phrases that occur in `text`."""
        if self.reserved_ignore_case:
            folded = text.casefold()
            return [phrase for phrase in self.reserved_phrases if phrase.casefold() in folded]
        return [phrase for phrase in self.reserved_phrases if phrase in text]

    def hyperparameter(self, name: str) -> HyperParameter:
        for spec in self.hyperparameters:
            if spec.name == name:
                return spec
        known = ", ".join(spec.name for spec in self.hyperparameters)
        raise InvalidHyperParameters(
            f"hyperparameter {name!r} is not supported by {self.display_name}; supported: {known}"
        )

    def resolve_hyperparameters(
        self,
        requested: Mapping[str, Any] | Literal["auto"] | None,
        training_records: int,
        model_id: str | None = None,
    ) -> dict[str, str]:
        """Defaults (per model where AWS sizes them by dataset), overlaid by "auto"
        recommendations or explicit values; all validated."""
        values: dict[str, Any] = {spec.name: spec.default for spec in self.hyperparameters}
        divisor = self.model(model_id).warmup_divisor if model_id else None
        if divisor and any(spec.name == WARMUP for spec in self.hyperparameters):
            warmup = self.hyperparameter(WARMUP)
            values[WARMUP] = min(int(warmup.maximum), max(int(warmup.minimum), round(training_records / divisor)))
        if requested == "auto":
            if self.auto_hyperparameters is not None:
                values.update(self.auto_hyperparameters(training_records))
        elif requested:
            for name, value in requested.items():
                self.hyperparameter(name)
                values[name] = value
        return {name: self.hyperparameter(name).normalise(value) for name, value in values.items()}


def _claude_haiku_auto(training_records: int) -> dict[str, int | float]:
    """Batch size and epochs by dataset size, from AWS's Claude 3 Haiku fine-tuning guidance
    (batch 4-16 below 500 records, 16-32 for 500-1,000, 32-64 above; about 10 epochs for
    small sets and 1-2 for large ones; learning-rate multiplier starting at 1.0)."""
    if training_records < 500:
        return {"batchSize": 8, "epochCount": 10 if training_records < 100 else 5}
    if training_records <= 1000:
        return {"batchSize": 32, "epochCount": 3}
    return {"batchSize": 64, "epochCount": 2}


CLAUDE_3_HAIKU = ModelFamily(
    key="claude-3-haiku",
    display_name="Claude 3 Haiku",
    models=(
        # Output cap 4,096 tokens: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
        BaseModelSpec(
            "anthropic.claude-3-haiku-20240307-v1:0:200k",
            invocation_id="anthropic.claude-3-haiku-20240307-v1:0",
            max_output_tokens=4_096,
        ),
    ),
    record_format="anthropic-messages",
    min_training_records=32,
    max_training_records=10_000,
    min_validation_records=32,
    max_validation_records=1_000,
    max_total_records=10_000,
    max_tokens_per_record=32_000,
    max_training_file_bytes=10 * GB,
    max_validation_file_bytes=1 * GB,
    hyperparameters=(
        HyperParameter("epochCount", int, 2, 1, 10),
        HyperParameter("batchSize", int, 32, 4, 256),
        HyperParameter("learningRateMultiplier", float, 1.0, 0.1, 2.0),
        HyperParameter("earlyStoppingThreshold", float, 0.001, 0.0, 0.1),
        HyperParameter("earlyStoppingPatience", int, 2, 1, 10),
    ),
    # AWS's Claude 3 Haiku dataset validator (github.com/aws-samples/amazon-bedrock-samples,
    # custom-models/bedrock-fine-tuning/claude-haiku/DataValidator): prompts and system text must not
    # contain these turn markers, and it counts 3 characters per token against the 32k limit.
    reserved_phrases=("\nHuman:", "\nAssistant:"),
    validator_chars_per_token=3,
    auto_hyperparameters=_claude_haiku_auto,
    unconfirmed=("minimum of 32 validation records",),
    customization_regions=("us-west-2",),
)


def _nova_auto(training_records: int) -> dict[str, int | float]:
    """AWS caps Nova at 5 epochs and suggests more effective epochs for sets under about 1k
    samples (https://docs.aws.amazon.com/nova/latest/userguide/customize-fine-tune-hyperparameters.html);
    the warmup steps follow the dataset size per model (see `BaseModelSpec.warmup_divisor`)."""
    return {"epochCount": 5} if training_records < 1_000 else {}


_NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]", "<unk>", "Thought:")
"""AWS's Nova dataset validator (github.com/aws-samples/amazon-bedrock-samples, custom-models/
bedrock-fine-tuning/nova/understanding/dataset_validation) rejects these in any letter case;
the Nova guide lists the first seven (https://docs.aws.amazon.com/nova/latest/userguide/
fine-tune-prepare-data-understanding.html)."""

NOVA = ModelFamily(
    key="nova",
    display_name="Amazon Nova (Micro/Lite/Pro)",
    models=(
        # In-Region on-demand IDs work for Nova 1 (fact sheet section 13). Output caps: not
        # published consistently (5k and 10k are both quoted), so left unchecked.
        BaseModelSpec("amazon.nova-micro-v1:0:128k", invocation_id="amazon.nova-micro-v1:0", warmup_divisor=640),
        BaseModelSpec("amazon.nova-lite-v1:0:300k", invocation_id="amazon.nova-lite-v1:0", warmup_divisor=160),
        BaseModelSpec("amazon.nova-pro-v1:0:300k", invocation_id="amazon.nova-pro-v1:0", warmup_divisor=320),
    ),
    record_format="bedrock-conversation",
    # AWS's Nova dataset validator: at least 8 training samples, at most 20,000 samples in
    # training + validation together, and no separate cap on the validation set.
    min_training_records=8,
    max_training_records=20_000,
    min_validation_records=8,
    max_validation_records=20_000,
    max_total_records=20_000,
    max_tokens_per_record=32_000,
    max_training_file_bytes=10 * GB,
    max_validation_file_bytes=1 * GB,
    hyperparameters=(
        HyperParameter("epochCount", int, 2, 1, 5),
        HyperParameter("learningRate", float, 1e-5, 1e-6, 1e-4),
        HyperParameter(WARMUP, int, 10, 0, 100),
    ),
    reserved_phrases=_NOVA_RESERVED,
    reserved_ignore_case=True,
    auto_hyperparameters=_nova_auto,
    unconfirmed=(
        "32,000 tokens per record",
        "file-size limits",
    ),
    # On-demand custom model deployment: Nova Micro/Lite/Pro customized on or after 2025-07-16,
    # us-east-1 and us-west-2 (https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html).
    hosting=("on-demand", "provisioned"),
    on_demand_regions=("us-east-1", "us-west-2"),
    customization_regions=("us-east-1",),
    # A distilled Nova model is hosted like a fine-tuned one: on-demand deployment covers custom
    # models "from fine-tuning, distillation, or continued pre-training" of Nova Micro/Lite/Pro
    # (https://docs.aws.amazon.com/nova/latest/userguide/deploy-custom-model.html).
    distillation=NOVA_DISTILLATION,
)

NOVA_2_LITE = ModelFamily(
    key="nova-2",
    display_name="Amazon Nova 2 Lite",
    models=(
        # No in-Region on-demand ID: the cross-Region profile (`us.`; `global.` is also offered).
        BaseModelSpec("amazon.nova-2-lite-v1:0:256k", invocation_id="us.amazon.nova-2-lite-v1:0"),
    ),
    record_format="bedrock-conversation",
    # Nova 2.0 SFT data (https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-data-prep-sft-2.html):
    # 200-20,000 samples, Converse records (assistant turns may carry `reasoningContent`), and no
    # validation set: `validationDataConfig` must not be sent.
    min_training_records=200,
    max_training_records=20_000,
    min_validation_records=0,
    max_validation_records=0,
    max_total_records=20_000,
    max_tokens_per_record=32_000,
    max_training_file_bytes=10 * GB,
    max_validation_file_bytes=1 * GB,
    hyperparameters=(),
    hyperparameters_note=(
        "AWS publishes no Bedrock hyperparameters for Nova 2 Lite (the custom-models-hp pages cover Nova "
        "Micro/Lite/Pro only), so the pipeline sends none and Bedrock's defaults apply"
    ),
    reserved_phrases=_NOVA_RESERVED,
    reserved_ignore_case=True,
    validation_set=False,
    unconfirmed=("32,000 tokens per record", "file-size limits", "on-demand hosting of custom models"),
    customization_regions=("us-east-1",),
    # RFT: the console offers it for Nova 2 Lite (https://docs.aws.amazon.com/bedrock/latest/userguide/
    # rft-nova-models.html). The RFT model is hosted like the family's SFT models (Provisioned
    # Throughput): on-demand deployment lists only Nova Canvas/Lite/Micro/Pro custom models from
    # "fine-tuning, distillation, or continued pre-training", neither Nova 2 nor RFT
    # (https://docs.aws.amazon.com/nova/latest/userguide/deploy-custom-model.html).
    reinforcement=RftSpec(
        hyperparameters=_RFT_HYPERPARAMETERS,
        unconfirmed=("defaults of the RFT hyperparameters (AWS publishes ranges only)",),
    ),
)

_LLAMA_HYPERPARAMETERS = (
    HyperParameter("epochCount", int, 5, 1, 10),
    HyperParameter("batchSize", int, 1, 1, 1),
    HyperParameter("learningRate", float, 1e-4, 5e-6, 0.1),
)

LLAMA_MAX_OUTPUT_TOKENS = 2_048
"""`max_gen_len` maximum for Meta Llama on Bedrock
(https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-meta.html)."""


def _llama(model_id: str, invocation_id: str) -> BaseModelSpec:
    return BaseModelSpec(model_id, invocation_id=invocation_id, max_output_tokens=LLAMA_MAX_OUTPUT_TOKENS)


LLAMA_3_CONVERSATION = ModelFamily(
    key="llama-3-conversation",
    display_name="Meta Llama 3.2",
    models=(
        # Llama 3.2 has no in-Region on-demand ID: only the `us.` cross-Region profile.
        _llama("meta.llama3-2-1b-instruct-v1:0:128k", "us.meta.llama3-2-1b-instruct-v1:0"),
        _llama("meta.llama3-2-3b-instruct-v1:0:128k", "us.meta.llama3-2-3b-instruct-v1:0"),
        _llama("meta.llama3-2-11b-instruct-v1:0:128k", "us.meta.llama3-2-11b-instruct-v1:0"),
        _llama("meta.llama3-2-90b-instruct-v1:0:128k", "us.meta.llama3-2-90b-instruct-v1:0"),
    ),
    record_format="bedrock-conversation",
    min_training_records=100,
    max_training_records=10_000,
    min_validation_records=1,
    max_validation_records=1_000,
    max_total_records=10_000,
    max_tokens_per_record=10_000,
    max_training_file_bytes=10 * GB,
    max_validation_file_bytes=1 * GB,
    hyperparameters=_LLAMA_HYPERPARAMETERS,
    unconfirmed=("file-size limits",),
    customization_regions=("us-west-2",),
)

# Llama 3.3 and 3.1 share Llama 3.2's published dataset limits and hyperparameters; each states only
# what differs.
LLAMA_3_3 = replace(
    LLAMA_3_CONVERSATION,
    key="llama-3.3",
    display_name="Meta Llama 3.3",
    models=(_llama("meta.llama3-3-70b-instruct-v1:0:128k", "us.meta.llama3-3-70b-instruct-v1:0"),),
    max_tokens_per_record=16_000,
    unconfirmed=(
        "file-size limits",
        "Llama 3.3 hyperparameter ranges (Llama 3.1/3.2 figures used)",
        "on-demand-only hosting of Llama 3.3 custom models (third-party report)",
    ),
    # Llama 3.3 70B custom models are reported servable by on-demand deployment only, not by
    # Provisioned Throughput. Source: cloud-custodian's Bedrock test notes (third party); confidence
    # LOW-MEDIUM, AWS's deploy-custom-model-on-demand.html names only Nova. Buying a PT we cannot use
    # after paid training is the worse failure, so the registry follows the report.
    hosting=("on-demand",),
    on_demand_regions=("us-west-2",),
)

LLAMA_3_1 = replace(
    LLAMA_3_CONVERSATION,
    key="llama-3.1",
    display_name="Meta Llama 3.1",
    models=(
        _llama("meta.llama3-1-8b-instruct-v1:0:128k", "meta.llama3-1-8b-instruct-v1:0"),
        # Llama 3.1 70B is reported to have no in-Region on-demand ID (fact sheet section 13).
        _llama("meta.llama3-1-70b-instruct-v1:0:128k", "us.meta.llama3-1-70b-instruct-v1:0"),
    ),
    record_format="prompt-completion",
    max_tokens_per_record=16_000,
)

FAMILIES: tuple[ModelFamily, ...] = (CLAUDE_3_HAIKU, NOVA, NOVA_2_LITE, LLAMA_3_CONVERSATION, LLAMA_3_3, LLAMA_3_1)


def bare_model_id(model_id: str) -> str:
    """Accept either a model ID or a foundation-model ARN."""
    return model_id.split("foundation-model/", 1)[1] if "foundation-model/" in model_id else model_id


def family_for(model_id: str) -> ModelFamily:
    wanted = bare_model_id(model_id)
    for family in FAMILIES:
        if wanted in family.model_ids:
            return family
    known = ", ".join(mid for family in FAMILIES for mid in family.model_ids)
    raise UnsupportedBaseModel(
        f"base model {model_id!r} is not a customizable model this pipeline supports "
        f"(fine-tuning IDs carry a context suffix such as ':128k'); supported: {known}"
    )


def customizable_models(region: str | None) -> list[str]:
    """The registry's base models Bedrock fine-tunes in `region`."""
    return [mid for family in FAMILIES if family.customizable_in(region) for mid in family.model_ids]


def family_by_key(key: str) -> ModelFamily:
    for family in FAMILIES:
        if family.key == key:
            return family
    raise UnsupportedBaseModel(f"unknown model family {key!r}")


def base_model(model_id: str) -> BaseModelSpec:
    """The registry entry of one customizable base model (ID or foundation-model ARN)."""
    return family_for(model_id).model(model_id)


def invocation_id(model_id: str) -> str:
    """The ID to invoke a base model on demand, from the registry (never derived from the
    customization ID: several models have no in-Region on-demand ID)."""
    return base_model(model_id).invocation_id


# ---------------------------------------------------------------- lifecycle facts

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class LifecycleFact:
    """A model's Bedrock end of life as published outside `GetFoundationModel` (which preflight reads
    first; these dates are used only when it gives none)."""

    end_of_life: str
    """ISO date (UTC)."""
    source: str
    confidence: Confidence
    note: str = ""


_STARTUPS_TABLE = (
    "awslabs/startups ai-model-lifecycle.md (public lifecycle table, snapshot of 2026-05-26), as cited by "
    "the project's issue 14 and fact sheet"
)
_LIFECYCLE_NOTE = "one third-party table; AWS's model-lifecycle.html was not readable for these rows"

LIFECYCLE: dict[str, LifecycleFact] = {
    **{
        model: LifecycleFact("2026-07-07", _STARTUPS_TABLE, "medium", _LIFECYCLE_NOTE)
        for model in (
            "meta.llama3-2-1b-instruct-v1:0",
            "meta.llama3-2-3b-instruct-v1:0",
            "meta.llama3-2-11b-instruct-v1:0",
            "meta.llama3-2-90b-instruct-v1:0",
            "meta.llama3-1-405b-instruct-v1:0",
        )
    },
    "amazon.nova-premier-v1:0": LifecycleFact("2026-09-14", _STARTUPS_TABLE, "medium", _LIFECYCLE_NOTE),
}
"""End-of-life dates by foundation-model ID (no context suffix, no inference-profile prefix).
AWS's fine-tuning table still listed Llama 3.2 when read on 2026-12-06 although the date above has
passed: the registry keeps the models and preflight refuses them by this date unless Bedrock's own
`GetFoundationModel` says otherwise (a date it gives wins)."""


def lifecycle_fact(model_id: str) -> LifecycleFact | None:
    """The registry's end-of-life fact for a model, customization ID, profile or ARN; None when unknown."""
    bare = bare_model_id(model_id).rsplit("/", 1)[-1]
    head, dot, rest = bare.partition(".")
    if dot and head in ("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"):
        bare = rest
    stem, _, last = bare.rpartition(":")
    if stem.count(":") >= 1 and last.endswith("k") and last[:-1].isdigit():
        bare = stem
    return LIFECYCLE.get(bare)


def method_support(method: CustomizationMethod) -> list[str]:
    """The families (and their models) that support `method`, for refusal messages."""
    return [f"{family.display_name} ({', '.join(family.model_ids)})" for family in FAMILIES if method in family.methods]


def check_method(method: CustomizationMethod, base_model_id: str, teacher_model_id: str | None = None) -> ModelFamily:
    """Refuse an unsupported method/model/teacher combination before anything is paid, naming
    what does support it. Returns the base model's family."""
    family = family_for(base_model_id)
    if method not in family.methods:
        raise UnsupportedCustomizationMethod(
            f"customization.method {method!r} is not available for {family.display_name} "
            f"({bare_model_id(base_model_id)}); it is supported by: {'; '.join(method_support(method))}"
        )
    if method == "distillation":
        spec = family.distillation
        assert spec is not None
        student = bare_model_id(base_model_id)
        teacher = teacher_for(family, teacher_model_id, student)
        students = spec.students_of(teacher)
        if student not in students:
            pairs = "; ".join(
                f"{name} teaches {', '.join(taught)}" for name, taught in spec.teachers.items() if student in taught
            )
            if not students:
                raise UnsupportedCustomizationMethod(
                    f"customization.teacherModelId {teacher!r} is not a distillation teacher; "
                    f"teachers for {student}: {pairs or 'none'}"
                )
            raise UnsupportedCustomizationMethod(
                f"teacher {teacher!r} cannot teach {student}; it teaches {', '.join(students)}. "
                f"Teachers for {student}: {pairs or 'none'}"
            )
    return family


def teacher_for(family: ModelFamily, teacher_model_id: str | None, student_model_id: str) -> str:
    """The teacher identifier sent to Bedrock: the one given, else the first teacher (in the registry's
    order of preference) that teaches this student, as its cross-Region profile."""
    if teacher_model_id:
        return teacher_model_id
    spec = family.distillation
    student = bare_model_id(student_model_id)
    for teacher, students in spec.teachers.items() if spec else ():
        if student in students:
            return TEACHER_PROFILES.get(teacher, teacher)
    raise UnsupportedCustomizationMethod(f"no distillation teacher teaches {student}")


def teacher_invocation_id(teacher_model_id: str) -> str:
    """How the pipeline invokes the teacher itself (profiles and ARNs as given; an in-Region ID of a
    profile-only teacher mapped to its profile)."""
    return TEACHER_PROFILES.get(teacher_model_id, teacher_model_id)
