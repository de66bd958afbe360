"""The simulated Bedrock's model catalog and its on-demand invocation rules.

The catalog lists every customizable model of the pipeline's registry (so a demo on any
supported model reaches the customization job), plus the in-Region IDs used to invoke the
base models. What Bedrock does with those IDs is the simulator's own knowledge, written here
independently of the registry, so that a wrong registry entry fails a test instead of passing
through:

- Some base models have no in-Region on-demand ID. Bedrock answers a Converse call on it with
  ValidationException "Invocation of model ID <id> with on-demand throughput isn't supported.
  Retry your request with the ID or ARN of an inference profile that contains this model."
  (the message as botocore surfaces it, with a typographic apostrophe, e.g.
  github.com/terricain/aioboto3/issues/352; which
  models: the project's Bedrock fact sheet, section 13, and
  https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
  Their cross-Region profiles (`us.`, `global.`) are accepted.
- Output caps: Converse with `inferenceConfig.maxTokens` above the model's limit is refused
  (Claude 3 Haiku 4,096: model-parameters-anthropic-claude-messages.html; Meta Llama
  `max_gen_len` 2,048: model-parameters-meta.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.families import FAMILIES


@dataclass
class FoundationModel:
    model_id: str
    name: str
    customizations: tuple[str, ...]
    lifecycle: str = "ACTIVE"
    inference_types: tuple[str, ...] = ("ON_DEMAND",)
    end_of_life: str | None = None
    """`modelLifecycle.endOfLifeTime` (botocore shape FoundationModelLifecycle)."""


PROFILE_ONLY = frozenset(
    {
        "meta.llama3-2-1b-instruct-v1:0",
        "meta.llama3-2-3b-instruct-v1:0",
        "meta.llama3-2-11b-instruct-v1:0",
        "meta.llama3-2-90b-instruct-v1:0",
        "meta.llama3-3-70b-instruct-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
        "amazon.nova-2-lite-v1:0",
    }
)
"""Base models with no in-Region on-demand ID: only an inference profile invokes them."""

PROFILE_PREFIXES = ("us.", "global.", "eu.", "apac.")

OUTPUT_CAPS = {
    "anthropic.claude-3-haiku-20240307-v1:0": 4_096,
    "meta.llama3-1-8b-instruct-v1:0": 2_048,
    "meta.llama3-1-70b-instruct-v1:0": 2_048,
    "meta.llama3-2-1b-instruct-v1:0": 2_048,
    "meta.llama3-2-3b-instruct-v1:0": 2_048,
    "meta.llama3-2-11b-instruct-v1:0": 2_048,
    "meta.llama3-2-90b-instruct-v1:0": 2_048,
    "meta.llama3-3-70b-instruct-v1:0": 2_048,
}
"""Most output tokens per Converse call, by base model (in-Region ID, without profile prefix)."""

NO_PROVISIONED_THROUGHPUT = frozenset({"meta.llama3-3-70b-instruct-v1:0:128k"})
"""Base models whose custom models Bedrock serves only through an on-demand deployment, not a
Provisioned Throughput. Llama 3.3 70B: a third-party report (cloud-custodian's Bedrock test
notes), not in AWS's docs; the pipeline's registry follows the same report."""


def provisioned_refusal(base_model_arn: str) -> str | None:
    """CreateProvisionedModelThroughput's answer for a custom model of such a base model."""
    base = bare(base_model_arn)
    if base in NO_PROVISIONED_THROUGHPUT:
        return f"Provisioned Throughput is not supported for custom models based on {base}"
    return None


HAIKU_EOL = "2026-09-10T00:00:00Z"

LIFECYCLE = {"anthropic.claude-3-haiku-20240307-v1:0": ("LEGACY", HAIKU_EOL)}
"""Lifecycle states and end-of-life times the simulator reports (by base model ID without the
context suffix). Claude 3 Haiku: Legacy, end of life 2026-09-10
(https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html)."""


def _without_suffix(model_id: str) -> str:
    head, _, last = model_id.rpartition(":")
    return head if head and last.endswith("k") and last[:-1].isdigit() else model_id


def catalog() -> tuple[FoundationModel, ...]:
    """Every customizable model of the registry, plus its in-Region base model."""
    models: list[FoundationModel] = []
    for family in FAMILIES:
        for model_id in family.model_ids:
            base = _without_suffix(model_id)
            lifecycle, end_of_life = LIFECYCLE.get(base, ("ACTIVE", None))
            name = model_id.split(".", 1)[1].split("-v1")[0]
            models.append(FoundationModel(model_id, name, ("FINE_TUNING",), lifecycle, ("PROVISIONED",), end_of_life))
            kinds = ("INFERENCE_PROFILE",) if base in PROFILE_ONLY else ("ON_DEMAND",)
            models.append(FoundationModel(base, name, (), lifecycle, kinds, end_of_life))
    return tuple(models)


def bare(model_id: str) -> str:
    return model_id.split("foundation-model/")[-1]


def on_demand_refusal(model_id: str) -> str | None:
    """Bedrock's message for invoking a profile-only model by its in-Region ID, else None."""
    wanted = bare(model_id)
    if wanted in PROFILE_ONLY:
        return (
            f"Invocation of model ID {wanted} with on-demand throughput isn't supported. Retry your request "
            "with the ID or ARN of an inference profile that contains this model."
        )
    return None


def output_cap(model_id: str) -> int | None:
    """The output cap of a base model invoked by in-Region ID, profile ID or foundation-model ARN."""
    wanted = bare(model_id)
    for prefix in PROFILE_PREFIXES:
        if wanted.startswith(prefix):
            wanted = wanted[len(prefix) :]
            break
    return OUTPUT_CAPS.get(_without_suffix(wanted))
