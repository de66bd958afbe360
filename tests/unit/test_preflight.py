"""PreflightChecks, rule by rule, against the simulated Bedrock and Service Quotas."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from localrun import sim_catalog
from localrun.simulated_bedrock import CATALOG, SimulatedBedrock
from preflight.hosting import check_on_demand
from preflight.logic import preflight
from shared.errors import (
    JudgeFailed,
    ProvisionedThroughputQuotaExceeded,
    ProvisionedThroughputQuotaUnverified,
    UnsupportedBaseModel,
    UnsupportedHosting,
)
from shared.models import RunContext
from shared.pt_quotas import NO_COMMITMENT_QUOTA_CODE, PER_MODEL_QUOTA_NAMES
from tests.unit.factories import make_run

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"
MICRO = "amazon.nova-micro-v1:0:128k"


@pytest.fixture
def quotas(aws: SimulatedBedrock) -> Any:
    from shared.aws import client

    return client("service-quotas")


def _hosted(hosting: str, **overrides: Any) -> RunContext:
    run = make_run(**overrides)
    return run.model_copy(update={"evaluation": run.evaluation.model_copy(update={"hosting": hosting})})


def _catalog(monkeypatch: pytest.MonkeyPatch, model_id: str, **changes: Any) -> None:
    catalog = tuple(dataclasses.replace(m, **changes) if m.model_id == model_id else m for m in sim_catalog.CATALOG)
    monkeypatch.setattr(sim_catalog, "CATALOG", catalog)  # the module that owns the catalog


def _held(aws: SimulatedBedrock, units: int, **extra: Any) -> None:
    """A PT the account already holds (bought outside this run)."""
    arn = f"arn:aws:bedrock:us-east-1:123456789012:provisioned-model/held{len(aws.throughputs)}"
    aws.throughputs[arn] = {
        "provisionedModelArn": arn,
        "provisionedModelName": f"other-{len(aws.throughputs)}",
        "modelArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model/x",
        "desiredModelArn": "arn:aws:bedrock:us-east-1:123456789012:custom-model/x",
        "foundationModelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{MICRO}",
        "modelUnits": units,
        "desiredModelUnits": units,
        "status": "InService",
        "creationTime": "2026-01-01T00:00:00Z",
        "lastModifiedTime": "2026-01-01T00:00:00Z",
        "_token": "",
        "_polls": 0,
        **extra,
    }


def test_a_ready_account_passes(aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any) -> None:
    result = preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert result.baseModelLifecycle == "ACTIVE" and result.judgeReachable
    assert result.noCommitmentModelUnitQuota == 5.0 and result.warnings == []
    assert result.quota is not None and result.quota.modelQuota is not None
    assert result.quota.accountQuota is not None and result.quota.accountQuota.source == "applied"
    assert result.quota.modelQuota.value == 2.0 and result.quota.unitsHeld == 0
    (probe,) = aws.operations("Converse")
    assert probe.params["modelId"] == "us.amazon.nova-pro-v1:0"
    # the probe is a real verdict request: the judge's own tool configuration, forced on Nova
    assert probe.params["toolConfig"]["toolChoice"] == {"tool": {"name": "record_verdict"}}


def test_a_model_not_offered_in_the_region_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulated catalog covers every registry model; this Region lacks Llama 3.1 8B.
    model_id = "meta.llama3-1-8b-instruct-v1:0:128k"
    monkeypatch.setattr(sim_catalog, "CATALOG", tuple(m for m in CATALOG if m.model_id != model_id))
    run = make_run(baseModelId=model_id, family="llama-3.1")
    with pytest.raises(UnsupportedBaseModel, match="is not offered in us-west-2"):
        preflight(run, bedrock, runtime, quotas, "us-west-2")


def test_a_model_bedrock_does_not_customize_in_the_region_is_refused_before_any_call(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    run = _hosted("on-demand", baseModelId="meta.llama3-3-70b-instruct-v1:0:128k", family="llama-3.3")
    with pytest.raises(UnsupportedBaseModel, match="cannot be fine-tuned in us-east-1") as raised:
        preflight(run, bedrock, runtime, quotas, "us-east-1")
    assert "only in us-west-2" in str(raised.value) and "nothing was started or paid" in str(raised.value)
    assert aws.calls == []


# ---------------------------------------------------------------- hosting: on-demand


def test_on_demand_needs_no_quota_and_reads_none(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    aws.faults.add("pt-quota-zero")
    result = preflight(_hosted("on-demand"), bedrock, runtime, quotas, "us-east-1")
    assert result.hosting == "on-demand" and result.quota is None
    assert not [c for c in aws.calls if c.service == "service-quotas"]


def test_on_demand_in_a_region_that_does_not_offer_it_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    # Nova is customized only in us-east-1, so preflight stops first at the customization Region;
    # the on-demand rule itself still names the Regions and the provisioned alternative Nova has.
    with pytest.raises(UnsupportedBaseModel, match="cannot be fine-tuned in eu-west-1"):
        preflight(_hosted("on-demand"), bedrock, runtime, quotas, "eu-west-1")
    with pytest.raises(UnsupportedHosting, match="eu-west-1 does not offer on-demand") as raised:
        check_on_demand(_hosted("on-demand"), "eu-west-1")
    assert "us-east-1, us-west-2" in str(raised.value) and '"provisioned"' in str(raised.value)
    assert aws.calls == []  # refused before any call


def test_on_demand_advice_never_suggests_hosting_the_family_lacks() -> None:
    run = _hosted("on-demand", baseModelId="meta.llama3-3-70b-instruct-v1:0:128k", family="llama-3.3")
    with pytest.raises(UnsupportedHosting, match="us-east-1 does not offer on-demand") as raised:
        check_on_demand(run, "us-east-1")
    assert 'provisioned"' not in str(raised.value) and "cannot be served through a Provisioned" in str(raised.value)


def test_on_demand_for_a_family_without_it_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    run = _hosted("on-demand", baseModelId=HAIKU, family="claude-3-haiku")
    with pytest.raises(UnsupportedHosting, match="does not serve Claude 3 Haiku custom models on demand"):
        preflight(run, bedrock, runtime, quotas, "us-west-2")


# ---------------------------------------------------------------- hosting: provisioned quotas


def test_an_account_at_the_default_has_no_applied_row_and_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    """The bug this replaces: no row used to mean a warning, then paid training, then no PT."""
    aws.faults.add("pt-quota-zero")
    with pytest.raises(ProvisionedThroughputQuotaExceeded, match="AWS Support") as raised:
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert "is 0 model unit(s) (AWS default)" in str(raised.value) and "this run needs 1" in str(raised.value)
    assert aws.operations("GetServiceQuota", outcome="NoSuchResourceException")
    assert aws.operations("GetAWSDefaultServiceQuota")


def test_a_non_zero_default_is_used_when_no_value_is_applied(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    quota = aws.quotas.quotas[NO_COMMITMENT_QUOTA_CODE]
    quota.applied, quota.default = None, 1.0
    result = preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert result.quota and result.quota.accountQuota and result.quota.accountQuota.source == "AWS default"
    assert result.noCommitmentModelUnitQuota == 1.0


def test_a_quota_missing_even_from_the_defaults_counts_as_zero(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    del aws.quotas.quotas[NO_COMMITMENT_QUOTA_CODE]
    with pytest.raises(ProvisionedThroughputQuotaExceeded, match=r"is 0 model unit\(s\) \(not found \(0\)\)"):
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")


def test_units_held_by_other_no_commitment_throughputs_are_subtracted(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    _held(aws, 1, status="Failed")  # a Failed PT holds nothing
    _held(aws, 3, commitmentDuration="OneMonth")  # a commitment PT uses another quota
    assert preflight(make_run(), bedrock, runtime, quotas, "us-east-1").quota.unitsHeld == 0  # type: ignore[union-attr]
    _held(aws, 1, status="Creating")
    assert preflight(make_run(), bedrock, runtime, quotas, "us-east-1").quota.unitsHeld == 1  # type: ignore[union-attr]
    _held(aws, 4)
    with pytest.raises(ProvisionedThroughputQuotaExceeded, match="5 already held"):
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")


def test_the_per_model_quota_is_checked_by_name(aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any) -> None:
    aws.faults.add("pt-model-quota-zero")
    with pytest.raises(ProvisionedThroughputQuotaExceeded) as raised:
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert f"the quota '{PER_MODEL_QUOTA_NAMES[MICRO]}' is 0 model unit(s) (AWS default)" in str(raised.value)
    assert aws.operations("ListAWSDefaultServiceQuotas")


def test_a_per_model_quota_name_not_found_is_zero_unless_unverified_is_allowed(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    code = aws.quotas.per_model[MICRO]
    del aws.quotas.quotas[code]
    with pytest.raises(ProvisionedThroughputQuotaExceeded, match="no quota of that name was found"):
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    result = preflight(make_run(allowUnverifiedQuota=True), bedrock, runtime, quotas, "us-east-1")
    assert result.warnings and "per-model quota not verified" in result.warnings[0]


def test_an_unreadable_quota_fails_closed_unless_allowed(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    aws.faults.add("pt-quota-unreadable")
    with pytest.raises(ProvisionedThroughputQuotaUnverified, match="AccessDeniedException") as raised:
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert "allowUnverifiedQuota" in str(raised.value)
    result = preflight(make_run(allowUnverifiedQuota=True), bedrock, runtime, quotas, "us-east-1")
    assert result.noCommitmentModelUnitQuota is None
    assert result.warnings and "not verified" in result.warnings[0]


# ---------------------------------------------------------------- lifecycle


def test_a_legacy_model_is_refused_for_provisioned_hosting_even_when_allowed(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    for allowed in (False, True):
        run = make_run(
            baseModelId=HAIKU, family="claude-3-haiku", allowLegacyModel=allowed, startedAt="2026-01-01T00:00:00Z"
        )
        with pytest.raises(UnsupportedBaseModel, match="sells no new Provisioned Throughput") as raised:
            preflight(run, bedrock, runtime, quotas, "us-west-2")
        assert "end of life 2026-09-10" in str(raised.value) and "allowLegacyModel does not change" in str(raised.value)
    assert not [c for c in aws.calls if c.service == "service-quotas"]


def test_a_legacy_model_on_demand_needs_allow_legacy(
    monkeypatch: pytest.MonkeyPatch, aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    _catalog(monkeypatch, MICRO, lifecycle="LEGACY")
    with pytest.raises(UnsupportedBaseModel, match="set allowLegacyModel to true"):
        preflight(_hosted("on-demand"), bedrock, runtime, quotas, "us-east-1")
    result = preflight(_hosted("on-demand", allowLegacyModel=True), bedrock, runtime, quotas, "us-east-1")
    assert result.baseModelLifecycle == "LEGACY"


def test_a_base_model_whose_end_of_life_falls_inside_the_time_budget_is_refused(
    monkeypatch: pytest.MonkeyPatch, aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    _catalog(monkeypatch, MICRO, end_of_life="2030-01-03T00:00:00Z")
    run = make_run(startedAt="2030-01-01T00:00:00Z")
    with pytest.raises(UnsupportedBaseModel, match="reaches its Bedrock end of life on 2030-01-03") as raised:
        preflight(run, bedrock, runtime, quotas, "us-east-1")  # 72 h budget ends 2030-01-04
    assert "before this run's time budget ends (2030-01-04)" in str(raised.value)
    assert preflight(run, bedrock, runtime, quotas, "us-east-1", budget_hours=24).baseModelLifecycle == "ACTIVE"


def test_a_judge_whose_end_of_life_falls_inside_the_time_budget_is_refused(
    monkeypatch: pytest.MonkeyPatch, aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    _catalog(monkeypatch, "amazon.nova-pro-v1:0", end_of_life="2030-01-02T00:00:00Z")
    with pytest.raises(JudgeFailed, match=r"judge model us\.amazon\.nova-pro-v1:0 reaches its Bedrock end of life"):
        preflight(make_run(startedAt="2030-01-01T00:00:00Z"), bedrock, runtime, quotas, "us-east-1")
    assert aws.operations("Converse") == []


def test_an_unreachable_judge_stops_the_run_before_training(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    aws.faults.add("judge-unreachable")
    with pytest.raises(JudgeFailed, match="AccessDeniedException"):
        preflight(make_run(), bedrock, runtime, quotas, "us-east-1")
    assert aws.operations("CreateModelCustomizationJob", outcome=None) == []


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
        preflight(
            _with_judge("us.amazon.nova-pro-v1:0", "amazon.titan-text-lite-v1"), bedrock, runtime, quotas, "us-east-1"
        )


# ---------------------------------------------------------------- lifecycle dates from the registry


def test_the_registry_end_of_life_applies_when_bedrock_gives_none(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    # The simulated GetFoundationModel gives Llama 3.2 no end of life; the registry has 2026-07-07.
    model_id = "meta.llama3-2-1b-instruct-v1:0:128k"
    run = _hosted("provisioned", baseModelId=model_id, family="llama-3-conversation", startedAt="2026-07-05T00:00:00Z")
    with pytest.raises(UnsupportedBaseModel, match="end of life on 2026-07-07") as raised:
        preflight(run, bedrock, runtime, quotas, "us-west-2")
    assert "awslabs/startups" in str(raised.value) and "confidence medium" in str(raised.value)
    early = _hosted(
        "provisioned", baseModelId=model_id, family="llama-3-conversation", startedAt="2026-06-01T00:00:00Z"
    )
    assert preflight(early, bedrock, runtime, quotas, "us-west-2").baseModelLifecycle == "ACTIVE"


def test_a_date_from_bedrock_wins_over_the_registry(
    monkeypatch: pytest.MonkeyPatch, aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    model_id = "meta.llama3-2-1b-instruct-v1:0:128k"
    _catalog(monkeypatch, model_id, end_of_life="2027-12-31T00:00:00Z")
    run = _hosted("provisioned", baseModelId=model_id, family="llama-3-conversation", startedAt="2026-07-05T00:00:00Z")
    assert preflight(run, bedrock, runtime, quotas, "us-west-2").baseModelLifecycle == "ACTIVE"


def test_a_judge_past_its_registry_end_of_life_is_refused(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any, quotas: Any
) -> None:
    run = _with_judge("us.amazon.nova-premier-v1:0").model_copy(update={"startedAt": "2026-09-13T00:00:00Z"})
    with pytest.raises(JudgeFailed, match="end of life on 2026-09-14"):
        preflight(run, bedrock, runtime, quotas, "us-east-1")
