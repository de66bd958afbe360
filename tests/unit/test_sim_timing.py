"""The simulated Bedrock's time model: answers are generated concurrently (no lock held while
"generating"), each hosting throttles beyond its capacity with a 429, and every latency and
throttle is recorded."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localrun import sim_timing
from localrun.simulated_bedrock import SimulatedBedrock

PT = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc"
DEPLOYMENT = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc"


def test_capacity_is_looked_up_by_hosting_kind() -> None:
    assert sim_timing.hosting_kind(PT) == "provisioned-model"
    assert sim_timing.hosting_kind(DEPLOYMENT) == "custom-model-deployment"
    assert sim_timing.hosting_kind("us.amazon.nova-pro-v1:0") == "on-demand"
    capacity = sim_timing.Capacity(sim_timing.SimClock(), {"provisioned-model": 100, "on-demand": 10})
    assert capacity.limit(PT, model_units=3) == 300  # per model unit
    assert capacity.limit("amazon.nova-micro-v1:0", model_units=3) == 10


def test_a_hosting_over_its_tokens_per_minute_throttles_until_the_window_moves() -> None:
    clock = sim_timing.SimClock(scale=600.0)  # a simulated minute every 0.1 s
    capacity = sim_timing.Capacity(clock, {"provisioned-model": 100})

    assert capacity.admit(PT, 60) and not capacity.admit(PT, 60)
    assert capacity.admit("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/other", 60)  # its own capacity
    time.sleep(0.15)
    assert capacity.admit(PT, 60)


def test_generation_time_follows_output_tokens() -> None:
    model = sim_timing.TimeModel(scale=1000.0)

    short, long = model.generate(PT, 10), model.generate(PT, 1000)

    assert short == pytest.approx(sim_timing.FIRST_TOKEN_SECONDS + 10 * sim_timing.SECONDS_PER_OUTPUT_TOKEN)
    assert long > 10 * short
    assert [t.output_tokens for t in model.timings] == [10, 1000]


def test_concurrent_calls_are_not_serialised(aws: SimulatedBedrock, runtime: Any) -> None:
    """Eight calls of 0.5 s each take about 0.5 s together, not 4 s."""
    aws.timing = sim_timing.TimeModel(scale=1.0)
    seconds = sim_timing.generation_seconds(1)
    calls = 8

    def ask() -> None:
        runtime.converse(modelId="amazon.nova-micro-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}])

    threads = [threading.Thread(target=ask) for _ in range(calls)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    served = [t for t in aws.timing.timings if not t.throttled]
    assert len(served) == calls
    assert all(t.seconds >= seconds for t in served)
    assert elapsed < calls * min(t.seconds for t in served) / 2  # overlapping, not one after another


def test_over_capacity_the_runtime_answers_429_and_records_it(aws: SimulatedBedrock) -> None:
    aws.timing = sim_timing.TimeModel(scale=1.0, per_minute={"on-demand": 1, "provisioned-model": 1})
    no_retries = boto3.client("bedrock-runtime", config=Config(retries={"total_max_attempts": 1}))
    request = {"modelId": "amazon.nova-micro-v1:0", "messages": [{"role": "user", "content": [{"text": "hi"}]}]}
    no_retries.converse(**request)  # the first call in a window is always admitted

    with pytest.raises(ClientError) as raised:
        no_retries.converse(**request)

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert [t.throttled for t in aws.timing.timings] == [False, True]
