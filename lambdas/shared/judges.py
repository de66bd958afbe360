"""Judge-capability registry: how each model family can return a structured verdict through
Converse. One table, keyed by model-ID prefix; inference-profile IDs (`us.`, `eu.`, `apac.`,
`global.` …) and ARNs resolve to the same row as the bare model ID.

Sources:
- Converse `ToolChoice` (botocore bedrock-runtime service model; API_runtime_ToolChoice.html):
  `tool` (force one named tool) is "only supported by Anthropic Claude 3 and Amazon Nova
  models"; `any` makes the model request at least one tool; `auto` (the default, sent by
  omitting `toolChoice`) lets the model choose.
- Project fact sheet bedrock-facts.md §6 and §13 (the same rule, with the workaround).
- Meta Llama on Bedrock rejects both `toolChoice.tool` and `toolChoice.any` with
  "This model doesn't support the toolConfig.toolChoice.<field> field. Remove
  toolConfig.toolChoice.<field> and try again." (third-party reports: strands-agents/sdk-python
  issue 1241; aws-samples/bedrock-access-gateway drops tool choice for Llama). Llama 3.x does
  support tool use itself (conversation-inference-supported-models-features.html), so a Llama
  judge is offered the verdict tool with `auto` and told to call it; the preflight probe proves
  it does before anything is paid.
- Amazon Titan Text has no tool use at all (same features page): it cannot be a judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared.families import bare_model_id

StructuredOutput = Literal["tool", "any", "auto"]
"""How the verdict tool is requested: forced by name, any tool, or offered (model's choice)."""

_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|us-gov|ca|jp|au|global)\.")


@dataclass(frozen=True)
class JudgeCapability:
    prefix: str
    maker: str
    """Model line, for the self-preference warning (a judge grading its own family)."""
    structured_output: StructuredOutput | None
    """None: the model cannot return a structured verdict and is refused as a judge."""
    confidence: Literal["documented", "reported", "assumed"]


JUDGE_CAPABILITIES: tuple[JudgeCapability, ...] = (
    JudgeCapability("anthropic.claude-instant", "Anthropic Claude", None, "documented"),
    JudgeCapability("anthropic.claude-v2", "Anthropic Claude", None, "documented"),
    JudgeCapability("anthropic.claude-", "Anthropic Claude", "tool", "documented"),
    JudgeCapability("amazon.nova-", "Amazon Nova", "tool", "documented"),
    JudgeCapability("amazon.titan-text", "Amazon Titan", None, "documented"),
    JudgeCapability("mistral.mistral-large", "Mistral AI", "any", "reported"),
    JudgeCapability("meta.llama", "Meta Llama", "auto", "reported"),
)

UNKNOWN = JudgeCapability("", "unknown", "auto", "assumed")
"""A model not in the table is offered the tool with `auto`; the preflight probe decides."""


def canonical_model_id(model_id: str) -> str:
    """The bare model ID behind a model ID, foundation-model ARN or inference-profile ID/ARN."""
    bare = bare_model_id(model_id)
    if "inference-profile/" in bare:
        bare = bare.split("inference-profile/", 1)[1]
    return _PROFILE_PREFIX.sub("", bare)


def judge_capability(model_id: str) -> JudgeCapability:
    canonical = canonical_model_id(model_id)
    for row in JUDGE_CAPABILITIES:
        if canonical.startswith(row.prefix):
            return row
    return UNKNOWN


def same_maker(judge_model_id: str, base_model_id: str) -> bool:
    """True when the judge comes from the same model line as the tuned model (self-preference risk)."""
    judge = judge_capability(judge_model_id)
    return judge is not UNKNOWN and judge.maker == judge_capability(base_model_id).maker
