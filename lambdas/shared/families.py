"""Model-family registry: the one place that knows how Bedrock families differ.

Record format, dataset limits, hyperparameter names/ranges/defaults and reserved phrases
for every customizable family live here, in one table. Sources: the project's Bedrock fact
sheet (AWS user guide pages on dataset preparation, hyperparameters and supported models).
Figures AWS does not publish are marked `unconfirmed` and chosen conservatively.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.errors import InvalidHyperParameters, UnsupportedBaseModel, UnsupportedHosting

RecordFormat = Literal["anthropic-messages", "bedrock-conversation", "prompt-completion"]
HostingKind = Literal["on-demand", "provisioned"]
"""How a custom model is served: an on-demand custom model deployment (per token, nothing
while idle) or a no-commitment Provisioned Throughput (per model-unit hour until deleted)."""
HostingRequest = Literal["auto", "on-demand", "provisioned"]

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
        # repr() is the shortest text that reads back as the same float: no digit the user gave is lost.
        return str(int(number)) if self.kind is int or number.is_integer() else repr(number)


@dataclass(frozen=True)
class ModelFamily:
    key: str
    display_name: str
    model_ids: tuple[str, ...]
    """Customizable base model identifiers (the `:Nk` suffix is part of the ID)."""
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
    """Text that makes the customization job fail when it appears in a prompt."""
    auto_hyperparameters: Callable[[int], dict[str, int | float]] | None = None
    """AWS-recommended values by training-set size, used when `hyperParameters` is "auto"."""
    unconfirmed: tuple[str, ...] = field(default=())
    """Limits in this entry that AWS does not publish; shown in the manifest as warnings."""
    hosting: tuple[HostingKind, ...] = ("provisioned",)
    """How Bedrock can serve a custom model of this family, cheapest first: `auto` takes the first."""
    on_demand_regions: tuple[str, ...] = ()
    """Regions that offer on-demand custom model deployment for this family."""

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

    def hyperparameter(self, name: str) -> HyperParameter:
        for spec in self.hyperparameters:
            if spec.name == name:
                return spec
        known = ", ".join(spec.name for spec in self.hyperparameters)
        raise InvalidHyperParameters(
            f"hyperparameter {name!r} is not supported by {self.display_name}; supported: {known}"
        )

    def resolve_hyperparameters(
        self, requested: Mapping[str, Any] | Literal["auto"] | None, training_records: int
    ) -> dict[str, str]:
        """Defaults, overlaid by "auto" recommendations or explicit values; all validated."""
        values: dict[str, Any] = {spec.name: spec.default for spec in self.hyperparameters}
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
    model_ids=("anthropic.claude-3-haiku-20240307-v1:0:200k",),
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
    auto_hyperparameters=_claude_haiku_auto,
    unconfirmed=("minimum of 32 validation records",),
)

NOVA = ModelFamily(
    key="nova",
    display_name="Amazon Nova (Micro/Lite/Pro)",
    model_ids=(
        "amazon.nova-micro-v1:0:128k",
        "amazon.nova-lite-v1:0:300k",
        "amazon.nova-pro-v1:0:300k",
    ),
    record_format="bedrock-conversation",
    min_training_records=8,
    max_training_records=20_000,
    min_validation_records=8,
    max_validation_records=1_000,
    max_total_records=20_000,
    max_tokens_per_record=32_000,
    max_training_file_bytes=10 * GB,
    max_validation_file_bytes=1 * GB,
    hyperparameters=(
        HyperParameter("epochCount", int, 2, 1, 5),
        HyperParameter("learningRate", float, 1e-5, 1e-6, 1e-4),
        HyperParameter("learningRateWarmupSteps", int, 10, 0, 100),
    ),
    reserved_phrases=("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]"),
    unconfirmed=(
        "record-count limits (AWS recommends at least 100 samples per task)",
        "32,000 tokens per record",
        "file-size limits",
    ),
    # On-demand custom model deployment: Nova Micro/Lite/Pro customized on or after 2025-07-16,
    # us-east-1 and us-west-2 (https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html).
    hosting=("on-demand", "provisioned"),
    on_demand_regions=("us-east-1", "us-west-2"),
)

_LLAMA_HYPERPARAMETERS = (
    HyperParameter("epochCount", int, 5, 1, 10),
    HyperParameter("batchSize", int, 1, 1, 1),
    HyperParameter("learningRate", float, 1e-4, 5e-6, 0.1),
)

LLAMA_3_CONVERSATION = ModelFamily(
    key="llama-3-conversation",
    display_name="Meta Llama 3.2 / 3.3",
    model_ids=(
        "meta.llama3-2-1b-instruct-v1:0:128k",
        "meta.llama3-2-3b-instruct-v1:0:128k",
        "meta.llama3-2-11b-instruct-v1:0:128k",
        "meta.llama3-2-90b-instruct-v1:0:128k",
        "meta.llama3-3-70b-instruct-v1:0:128k",
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
    unconfirmed=("file-size limits", "Llama 3.3 hyperparameter ranges"),
)

LLAMA_3_1 = ModelFamily(
    key="llama-3.1",
    display_name="Meta Llama 3.1",
    model_ids=("meta.llama3-1-8b-instruct-v1:0:128k", "meta.llama3-1-70b-instruct-v1:0:128k"),
    record_format="prompt-completion",
    min_training_records=100,
    max_training_records=10_000,
    min_validation_records=1,
    max_validation_records=1_000,
    max_total_records=10_000,
    max_tokens_per_record=16_000,
    max_training_file_bytes=10 * GB,
    max_validation_file_bytes=1 * GB,
    hyperparameters=_LLAMA_HYPERPARAMETERS,
    unconfirmed=("file-size limits",),
)

FAMILIES: tuple[ModelFamily, ...] = (CLAUDE_3_HAIKU, NOVA, LLAMA_3_CONVERSATION, LLAMA_3_1)


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


def family_by_key(key: str) -> ModelFamily:
    for family in FAMILIES:
        if family.key == key:
            return family
    raise UnsupportedBaseModel(f"unknown model family {key!r}")


def on_demand_model_id(model_id: str) -> str:
    """The ID to invoke the base model on demand: the customization ID without its
    context-window suffix (`amazon.nova-micro-v1:0:128k` -> `amazon.nova-micro-v1:0`)."""
    bare = bare_model_id(model_id)
    head, _, last = bare.rpartition(":")
    return head if head and last.endswith("k") and last[:-1].isdigit() else bare
