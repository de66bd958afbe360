"""The RFT grader contract AWS documents, as typed models.

Bedrock's RFT job invokes the grader Lambda with a JSON list of samples; each sample has an `id`,
the `messages` (the training record's turns with the model's sampled response appended as the
last, assistant, turn) and the record's other fields: `reference_answer` at the top level
(https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-implementing-reward-functions.html)
or under `metadata` (https://docs.aws.amazon.com/sagemaker/latest/dg/nova-rft-reward-functions.html
shows that shape); both are read. The grader returns a list of `{id, aggregate_reward_score,
metrics_list}`, one per sample, in any order, `metrics_list` items `{name, value, type}` with type
`Reward` or `Metric` (https://docs.aws.amazon.com/bedrock/latest/userguide/reward-functions.html).
Timeout: raise Lambda's 3 s default, up to 15 minutes (same page).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RewardKind = Literal["judge", "similarity", "rouge"]
REWARD_FIELD = "pipeline_reward"
"""The RFT record field (passed to the grader with the sample) naming the run's reward."""


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str
    content: Any

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if isinstance(self.content, list):  # [{"type": "text", "text": ...}] or [{"text": ...}]
            return "".join(str(part.get("text", "")) for part in self.content if isinstance(part, dict))
        return ""


class Sample(BaseModel):
    """One sampled response to grade (unknown fields are the record's extras: kept, not trusted)."""

    model_config = ConfigDict(extra="allow")

    id: str
    messages: list[Message] = Field(default_factory=list)
    reference_answer: Any = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    def reference(self) -> str | None:
        value = self.reference_answer if self.reference_answer is not None else self.metadata.get("reference_answer")
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            for key in ("answer", "explanation", "solution"):
                if isinstance(value.get(key), str):
                    return str(value[key])
        return json.dumps(value, ensure_ascii=False)

    def question(self) -> str:
        users = [message.text() for message in self.messages if message.role == "user"]
        return users[-1] if users else ""

    def response(self) -> str | None:
        """The sampled response: the last turn, when it is the assistant's."""
        if not self.messages or self.messages[-1].role != "assistant":
            return None
        return self.messages[-1].text()

    def reward_kind(self, default: RewardKind) -> RewardKind:
        extra = self.model_extra or {}
        value = extra.get(REWARD_FIELD, self.metadata.get(REWARD_FIELD, default))
        return value if value in ("judge", "similarity", "rouge") else default


class MetricEntry(BaseModel):
    name: str
    value: float
    type: Literal["Reward", "Metric"]


class RewardOutput(BaseModel):
    id: str
    aggregate_reward_score: float
    metrics_list: list[MetricEntry] = Field(default_factory=list)
