"""Shared fixtures: moto with the simulated Bedrock, and the runtime settings; moto alone for
the tests that need nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

import statemachine
from localrun.pipeline import ACCOUNT, BUCKET, REGION, route_bedrock
from localrun.simulated_bedrock import SimulatedBedrock
from localrun.step_observability import deployed_observability

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"
DATASET = ROOT / "dataset" / "rawdata"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def load_event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text(encoding="utf-8")))


@contextmanager
def moto_alone() -> Iterator[None]:
    """moto and nothing else (no simulated Bedrock), with fake credentials and REGION as the default
    Region; the environment is restored afterwards. For fixtures of any scope that override `aws`
    or `s3` where the simulated Bedrock is not needed."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}.items():
            patch.setenv(name, value)
        with mock_aws():
            yield


@contextmanager
def moto_bucket(bucket: str) -> Iterator[Any]:
    """`moto_alone` with `bucket` created; yields an S3 client."""
    with moto_alone():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=bucket)
        yield client


@pytest.fixture
def region() -> str:
    """The Region of the stack under test; a test of a model Bedrock customizes elsewhere (Claude 3 Haiku,
    Llama: us-west-2) parametrizes it: `@pytest.mark.parametrize("region", ["us-west-2"])`."""
    return REGION


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[None]:
    """Runtime settings as the stack sets them, with fake credentials; caches cleared. The handlers
    log and meter as deployed, their log output hidden (localrun.step_observability)."""
    from shared.aws import client
    from shared.settings import settings

    values = {
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        **statemachine.POWERTOOLS_SETTINGS,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        statemachine.BUCKET: BUCKET,
        statemachine.BEDROCK_ROLE_ARN: f"arn:aws:iam::{ACCOUNT}:role/bedrock-service-role",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings.cache_clear()
    client.cache_clear()
    with deployed_observability(shown="CRITICAL"):
        yield
    settings.cache_clear()
    client.cache_clear()


@pytest.fixture
def aws(env: None, region: str) -> Iterator[SimulatedBedrock]:
    """moto (S3, SNS, ...) plus the simulated Bedrock, with the pipeline bucket created."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        with route_bedrock(SimulatedBedrock(region, ACCOUNT, s3)) as simulator:
            yield simulator
            simulator.close()


@pytest.fixture
def s3(aws: SimulatedBedrock) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def bedrock(aws: SimulatedBedrock) -> Any:
    """The client the handlers use (same retry and timeout settings)."""
    from shared.aws import client

    return client("bedrock")


@pytest.fixture
def runtime(aws: SimulatedBedrock) -> Any:
    from shared.aws import client

    return client("bedrock-runtime")
