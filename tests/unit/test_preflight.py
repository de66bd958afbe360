from __future__ import annotations

from typing import Any

import pytest

from localrun import simulated_bedrock
from localrun.simulated_bedrock import CATALOG, SimulatedBedrock
from preflight.logic import preflight
from shared.errors import JudgeFailed, ProvisionedThroughputQuotaExceeded, UnsupportedBaseModel
from tests.unit.factories import make_run

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"


@pytest.fixture
def quotas(aws: SimulatedBedrock) -> Any:
    from shared.aws import client

    return client("service-quotas")


def test_a_ready_account_passes(aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any) -> None:
    result = preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert result.baseModelLifecycle == "ACTIVE" and result.judgeReachable
    assert result.noCommitmentModelUnitQuota == 2.0 and result.warnings == []
    ping = aws.operations("Converse")[0].params
    assert ping["modelId"] == "us.amazon.nova-pro-v1:0" and ping["inferenceConfig"] == {"maxTokens": 1}


def test_a_model_not_offered_in_the_region_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulated catalog covers every registry model; this Region lacks Llama 3.1 8B.
    model_id = "meta.llama3-1-8b-instruct-v1:0:128k"
    monkeypatch.setattr(simulated_bedrock, "CATALOG", tuple(m for m in CATALOG if m.model_id != model_id))
    run = make_run(baseModelId=model_id, family="llama-3.1")
    with pytest.raises(UnsupportedBaseModel, match="is not offered in us-east-1"):
        preflight(run, bedrock, runtime, quotas, "us-east-1")


def test_a_legacy_model_is_refused_unless_allowed(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    with pytest.raises(UnsupportedBaseModel, match="marked Legacy"):
        preflight(make_run(baseModelId=HAIKU, family="claude-3-haiku"), bedrock, runtime, quotas, "us-west-2")
    allowed = make_run(baseModelId=HAIKU, family="claude-3-haiku", allowLegacyModel=True)
    assert preflight(allowed, bedrock, runtime, quotas, "us-west-2").baseModelLifecycle == "LEGACY"


def test_an_unreachable_judge_stops_the_run_before_training(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    aws.faults.add("judge-unreachable")
    with pytest.raises(JudgeFailed, match="AccessDeniedException"):
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert aws.operations("CreateModelCustomizationJob", outcome=None) == []


def test_a_zero_quota_is_explained(aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any) -> None:
    aws.faults.add("pt-quota-zero")
    with pytest.raises(ProvisionedThroughputQuotaExceeded, match="AWS Support") as raised:
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert "is 0 model unit(s); this run needs 1" in str(raised.value)


def test_an_unreadable_quota_is_a_warning_not_a_failure(bedrock: Any, runtime: Any) -> None:
    class NoQuotas:
        def get_paginator(self, name: str) -> Any:
            raise RuntimeError("AccessDenied")

    result = preflight(make_run(), bedrock, runtime, NoQuotas(), "us-east-1")
    assert result.noCommitmentModelUnitQuota is None
    assert result.warnings and "not verified" in result.warnings[0]
