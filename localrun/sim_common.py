"""What every part of the simulated Bedrock shares: the one simulated error type, the
simulated account (Region, S3, faults, clock, lock, tags) and small record helpers.

Each service module (sim_jobs, sim_hosting, sim_runtime, sim_catalog, sim_quotas, sim_pricing)
owns its own state and answers its operations through `handlers()`; SimulatedBedrock only
routes requests, injects faults and keeps the call log.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.tokens import estimate_tokens

from . import sim_timing
from .sim_errors import SimulatedError, invalid, not_found
from .sim_faults import ActiveFaults

__all__ = [
    "Account",
    "Handler",
    "Handlers",
    "SimulatedError",
    "invalid",
    "not_found",
    "now",
    "public",
    "reply",
    "stable",
]

Handler = Callable[[dict[str, Any], dict[str, str], dict[str, Any]], dict[str, Any]]
"""An operation: (request body, path parameters, query) -> response document."""
Handlers = dict[str, Handler]


def now() -> str:
    return datetime.now(UTC).isoformat()


def stable(text: str) -> int:
    """A deterministic 32-bit number for a text (seeds, hashed vector slots, ids)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def reply(
    text: str, question: str, latency: int, stop: str, content: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A Converse response document (any simulated model), with token usage from shared.tokens."""
    input_tokens, output_tokens = estimate_tokens(question) + 20, max(1, estimate_tokens(text))
    return {
        "output": {"message": {"role": "assistant", "content": content or [{"text": text}]}},
        "stopReason": stop,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": latency},
    }


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record as the API shows it: without the simulator's own `_` fields and empty values."""
    return {key: value for key, value in record.items() if not key.startswith("_") and value is not None}


@dataclass
class Account:
    """The simulated account every service module works in."""

    region: str
    account: str
    s3: Any
    faults: ActiveFaults
    timing: sim_timing.TimeModel
    lock: threading.RLock = field(default_factory=threading.RLock)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """Tags of every taggable resource, by ARN (ListTagsForResource)."""

    def arn(self, kind: str, suffix: str) -> str:
        return f"arn:aws:bedrock:{self.region}:{self.account}:{kind}/{suffix}"

    def read_text(self, uri: str) -> str:
        bucket, _, key = uri[5:].partition("/")
        return str(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
