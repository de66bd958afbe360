from __future__ import annotations

from typing import Any

import pytest

from localrun.simulated_bedrock import SimulatedBedrock
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
    (probe,) = aws.operations("Converse")
    assert probe.params["modelId"] == "us.amazon.nova-pro-v1:0"
    # the probe is a real verdict request: the judge's own tool configuration, forced on Nova
    assert probe.params["toolConfig"]["toolChoice"] == {"tool": {"name": "record_verdict"}}


def test_a_model_not_offered_in_the_region_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    run = make_run(baseModelId="meta.llama3-1-8b-instruct-v1:0:128k", family="llama-3.1")
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


def _with_judge(judge: str, second: str | None = None) -> Any:
    run = make_run()
    evaluation = run.evaluation.model_copy(update={"judgeModelId": judge, "secondJudgeModelId": second})
    return run.model_copy(update={"evaluation": evaluation})


def test_a_llama_judge_passes_with_the_tool_offered_not_forced(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    preflight(_with_judge("us.meta.llama3-3-70b-instruct-v1:0"), bedrock, runtime, quotas, "us-east-1")
    (probe,) = aws.operations("Converse")
    assert "toolChoice" not in probe.params["toolConfig"]


@pytest.mark.parametrize(
    ("judge", "reason"),
    [
        ("amazon.titan-text-express-v1", "doesn't support tool use"),
        ("us.amazon.nova-pro-v1:0", "did not return a verdict"),
    ],
)
def test_a_judge_that_cannot_return_verdicts_is_refused_before_training(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any, judge: str, reason: str
) -> None:
    if judge.startswith("us.amazon.nova"):
        aws.faults.add("judge-no-verdicts")
    with pytest.raises(JudgeFailed, match=reason):
        preflight(_with_judge(judge), bedrock, runtime, quotas, "us-east-1")
    assert aws.operations("CreateModelCustomizationJob", outcome=None) == []


def test_the_second_judge_is_probed_too(aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any) -> None:
    with pytest.raises(JudgeFailed, match=r"amazon\.titan-text-lite-v1"):
        preflight(_with_judge("us.amazon.nova-pro-v1:0", "amazon.titan-text-lite-v1"), bedrock, runtime, quotas, "x")
