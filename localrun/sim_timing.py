"""Time model of the simulated Bedrock runtime: how long a call "generates", how much a
hosting can serve per minute, and a record of every latency and throttle.

All durations here are SIMULATED seconds. A `SimClock` maps them to wall time with a
scale (simulated seconds per wall second): scale 1 is real time, scale 3600 runs a
simulated hour in one wall second. Every figure the simulator reports (latencies,
capacities, training durations) is in simulated time.

Constants (assumptions of the simulation, not published figures):
- Latency of one call = FIRST_TOKEN_SECONDS + SECONDS_PER_OUTPUT_TOKEN x output tokens, the
  usual shape of autoregressive generation (time to first token + a per-token rate).
- Capacity: Bedrock does not publish tokens per minute per provisioned model unit ("ask your
  account manager", https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html);
  on-demand custom model deployments have a tokens-per-minute quota per model family
  (https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html).
  Beyond its capacity a hosting answers 429 ThrottlingException, as Bedrock does
  (botocore `bedrock-runtime` service model, Converse errors).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

FIRST_TOKEN_SECONDS = 0.25
SECONDS_PER_OUTPUT_TOKEN = 0.02
"""About 50 output tokens per second per request."""

SLOW_ANSWER_WALL_SECONDS = 2.0
"""`--fault slow-answers`: each answer through the fine-tuned model's hosting takes this long in WALL time."""

CAPACITY_WINDOW_SECONDS = 60.0

DEFAULT_SCALE = 60.0
"""Local runs and tests: one wall second is a simulated minute (a 1 s answer takes ~17 ms).
`make bench` runs at scale 1 except where a figure says otherwise."""

TOKENS_PER_MINUTE: dict[str, int] = {
    "provisioned-model": 100_000,
    "custom-model-deployment": 200_000,
    "on-demand": 2_000_000,
}
"""Tokens (input + output) per simulated minute a hosting serves before it throttles, keyed by
hosting kind (the resource type in the model ARN). For a provisioned throughput the figure is
per model unit. Simulation assumptions: chosen so that the default runs never throttle."""


def hosting_kind(model_id: str) -> str:
    """The capacity key of a Converse `modelId`: the ARN's resource type, or "on-demand"
    for foundation models and inference profiles."""
    if model_id.startswith("arn:"):
        resource = model_id.split(":", 5)[-1]
        kind = resource.split("/", 1)[0]
        if kind in TOKENS_PER_MINUTE:
            return kind
    return "on-demand"


def generation_seconds(output_tokens: int) -> float:
    return FIRST_TOKEN_SECONDS + SECONDS_PER_OUTPUT_TOKEN * max(0, output_tokens)


@dataclass
class SimClock:
    """Simulated time. `scale` = simulated seconds per wall second."""

    scale: float = 1.0
    _origin_wall: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError("the time scale must be positive")

    def now(self) -> float:
        """Simulated seconds since the clock started."""
        return (time.monotonic() - self._origin_wall) * self.scale

    def wall_seconds(self, simulated: float) -> float:
        return simulated / self.scale

    def sleep(self, simulated: float) -> None:
        if simulated > 0:
            time.sleep(simulated / self.scale)


@dataclass(frozen=True)
class CallTiming:
    """One runtime call as the simulator saw it (simulated seconds)."""

    model_id: str
    kind: str
    started: float
    seconds: float
    output_tokens: int
    throttled: bool


class Capacity:
    """Tokens admitted per hosting within a sliding window of simulated time."""

    def __init__(self, clock: SimClock, per_minute: dict[str, int] | None = None) -> None:
        self.clock = clock
        self.per_minute = dict(TOKENS_PER_MINUTE if per_minute is None else per_minute)
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[tuple[float, int]]] = {}

    def limit(self, model_id: str, model_units: int = 1) -> int:
        kind = hosting_kind(model_id)
        return self.per_minute[kind] * (model_units if kind == "provisioned-model" else 1)

    def admit(self, model_id: str, tokens: int, model_units: int = 1) -> bool:
        """True and the tokens are counted, or False: the hosting is at capacity (a 429)."""
        now = self.clock.now()
        limit = self.limit(model_id, model_units)
        with self._lock:
            window = self._admitted.setdefault(model_id, deque())
            while window and window[0][0] <= now - CAPACITY_WINDOW_SECONDS:
                window.popleft()
            used = sum(count for _, count in window)
            if used + tokens > limit and window:
                return False
            window.append((now, tokens))
            return True


class TimeModel:
    """The simulator's clock, capacities and the record of runtime calls."""

    def __init__(self, scale: float = 1.0, per_minute: dict[str, int] | None = None) -> None:
        self.clock = SimClock(scale)
        self.capacity = Capacity(self.clock, per_minute)
        self._lock = threading.Lock()
        self.timings: list[CallTiming] = []

    def record(self, timing: CallTiming) -> None:
        with self._lock:
            self.timings.append(timing)

    def generate(self, model_id: str, output_tokens: int, wall_override: float | None = None) -> float:
        """Sleep for the call's generation time (no lock held) and record it; returns simulated seconds."""
        started = self.clock.now()
        if wall_override is not None:
            time.sleep(wall_override)
            seconds = wall_override * self.clock.scale
        else:
            seconds = generation_seconds(output_tokens)
            self.clock.sleep(seconds)
        self.record(CallTiming(model_id, hosting_kind(model_id), started, seconds, output_tokens, False))
        return seconds

    def throttled(self, model_id: str) -> None:
        self.record(CallTiming(model_id, hosting_kind(model_id), self.clock.now(), 0.0, 0, True))

    def summary(self, kind: str | None = None) -> dict[str, float]:
        with self._lock:
            rows = [t for t in self.timings if kind is None or t.kind == kind]
        served = [t for t in rows if not t.throttled]
        return {
            "calls": len(served),
            "throttles": len(rows) - len(served),
            "meanSeconds": sum(t.seconds for t in served) / len(served) if served else 0.0,
        }
