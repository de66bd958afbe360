"""The simulated Bedrock and Service Quotas refuse what the real services refuse."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun.sim_models import HAIKU_EOL
from localrun.simulated_bedrock import SimulatedBedrock
from shared.pt_quotas import NO_COMMITMENT_QUOTA_CODE

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0:200k"


@pytest.fixture
def quotas(aws: SimulatedBedrock) -> Any:
    from shared.aws import client

    return client("service-quotas")


def _custom_model(aws: SimulatedBedrock, base: str) -> str:
    arn = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{base}/abc123"
    aws.custom_models[arn] = {
        "modelArn": arn,
        "modelName": f"m-{len(aws.custom_models)}",
        "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x",
        "baseModelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{base}",
        "knowledge": [],
        "creationTime": "2026-01-01T00:00:00Z",
    }
    return arn


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_an_account_at_the_default_has_no_applied_quota(aws: SimulatedBedrock, quotas: Any) -> None:
    aws.faults.add("pt-quota-zero")
    with pytest.raises(ClientError) as raised:
        quotas.get_service_quota(ServiceCode="bedrock", QuotaCode=NO_COMMITMENT_QUOTA_CODE)
    assert _code(raised) == "NoSuchResourceException"
    applied = [q["QuotaCode"] for q in quotas.list_service_quotas(ServiceCode="bedrock")["Quotas"]]
    assert NO_COMMITMENT_QUOTA_CODE not in applied
    default = quotas.get_aws_default_service_quota(ServiceCode="bedrock", QuotaCode=NO_COMMITMENT_QUOTA_CODE)
    assert default["Quota"]["Value"] == 0.0
    assert default["Quota"]["QuotaArn"].endswith(f":bedrock/{NO_COMMITMENT_QUOTA_CODE}")


def test_an_unreadable_quota_is_access_denied(aws: SimulatedBedrock, quotas: Any) -> None:
    aws.faults.add("pt-quota-unreadable")
    with pytest.raises(ClientError) as raised:
        quotas.list_aws_default_service_quotas(ServiceCode="bedrock")
    assert _code(raised) == "AccessDeniedException"


def test_a_throughput_beyond_the_quota_is_refused_at_purchase(aws: SimulatedBedrock, bedrock: Any) -> None:
    model = _custom_model(aws, "amazon.nova-micro-v1:0:128k")
    with pytest.raises(ClientError, match="Model units per provisioned model"):  # 3 > 2 per throughput
        bedrock.create_provisioned_model_throughput(modelUnits=3, provisionedModelName="d", modelId=model)
    bedrock.create_provisioned_model_throughput(modelUnits=2, provisionedModelName="a", modelId=model)
    bedrock.create_provisioned_model_throughput(modelUnits=2, provisionedModelName="b", modelId=model)
    with pytest.raises(ClientError) as raised:  # 5 applied units, 4 held
        bedrock.create_provisioned_model_throughput(modelUnits=2, provisionedModelName="c", modelId=model)
    assert _code(raised) == "ServiceQuotaExceededException" and "4 in use" in str(raised.value)
    aws.faults.add("pt-model-quota-zero")
    aws.throughputs.clear()
    with pytest.raises(ClientError, match="Model units per provisioned model"):
        bedrock.create_provisioned_model_throughput(modelUnits=1, provisionedModelName="e", modelId=model)


def test_no_throughput_is_sold_for_a_model_whose_base_is_legacy(aws: SimulatedBedrock, bedrock: Any) -> None:
    model = _custom_model(aws, HAIKU)
    with pytest.raises(ClientError) as raised:
        bedrock.create_provisioned_model_throughput(modelUnits=1, provisionedModelName="h", modelId=model)
    assert _code(raised) == "ValidationException" and "Legacy" in str(raised.value)
    assert aws.throughputs == {}


def test_haiku_is_legacy_with_its_end_of_life(aws: SimulatedBedrock, bedrock: Any) -> None:
    lifecycle = bedrock.get_foundation_model(modelIdentifier=HAIKU)["modelDetails"]["modelLifecycle"]
    assert lifecycle["status"] == "LEGACY"
    assert lifecycle["endOfLifeTime"].date().isoformat() == HAIKU_EOL[:10] == "2026-09-10"


@pytest.mark.parametrize("value", ["my-run!", "run(1)", "bob's-run", "実行1"])
def test_tags_outside_bedrocks_pattern_are_refused(aws: SimulatedBedrock, bedrock: Any, value: str) -> None:
    model = _custom_model(aws, "amazon.nova-micro-v1:0:128k")
    with pytest.raises(ClientError) as raised:
        bedrock.create_provisioned_model_throughput(
            modelUnits=1, provisionedModelName="t", modelId=model, tags=[{"key": "k", "value": value}]
        )
    assert _code(raised) == "ValidationException" and "tags.1.member.value" in str(raised.value)
    assert aws.throughputs == {}
