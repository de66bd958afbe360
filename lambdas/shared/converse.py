"""Calls through the Bedrock Converse API (model-agnostic: base models, inference profiles,
provisioned throughputs and judges all take the same request)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.models import Evaluation


@dataclass(frozen=True)
class Reply:
    text: str
    stop_reason: str
    input_tokens: int
    output_tokens: int
    latency_ms: int


def inference_config(settings: Evaluation) -> dict[str, Any]:
    config: dict[str, Any] = {"maxTokens": settings.maxTokens, "temperature": settings.temperature}
    if settings.topP is not None:
        config["topP"] = settings.topP
    return config


def ask(runtime: Any, model_id: str, system_prompt: str, question: str, settings: Evaluation) -> Reply:
    request: dict[str, Any] = {
        "modelId": model_id,
        "messages": [{"role": "user", "content": [{"text": question}]}],
        "inferenceConfig": inference_config(settings),
    }
    if system_prompt:
        request["system"] = [{"text": system_prompt}]
    response = runtime.converse(**request)
    blocks = response["output"]["message"]["content"]
    usage = response.get("usage", {})
    return Reply(
        text="".join(block.get("text", "") for block in blocks),
        stop_reason=response.get("stopReason", ""),
        input_tokens=int(usage.get("inputTokens", 0)),
        output_tokens=int(usage.get("outputTokens", 0)),
        latency_ms=int(response.get("metrics", {}).get("latencyMs", 0)),
    )
