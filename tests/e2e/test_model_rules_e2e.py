"""Per-model rules through the real workflow: the simulated Bedrock is the safety net behind
PreprocessDataset (data that slips past it fails the job in its validation phase, as on
Bedrock), and models with profile-only invocation IDs and no validation set run end to end."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.families import ModelFamily
from tests.e2e.conftest import RunPipeline


def _qa(count: int) -> list[dict[str, str]]:
    return [{"question": f"Question number {i}?", "answer": f"Answer number {i}."} for i in range(count)]


def test_reserved_words_that_slip_past_preprocessing_fail_the_job_in_validation(
    run_pipeline: RunPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pipeline bug that forgets the reserved-word rule: Bedrock (simulated) still catches it.
    monkeypatch.setattr(ModelFamily, "reserved_in", lambda self, text: [])
    records = _qa(40)
    records[6]["question"] = "user: what is this?"
    run = run_pipeline(
        files={"raw/slip/training.json": json.dumps(records).encode()},
        overrides={"evaluation": {"hosting": "provisioned"}},
    )
    assert run.execution.status == "FAILED"
    assert run.execution.error == "CustomizationJobFailed"
    assert "Data validation failed" in (run.execution.cause or "")
    assert "reserved word 'User:'" in (run.execution.cause or "")
    assert len(run.pipeline.bedrock.jobs) == 1
    assert run.pipeline.bedrock.operations("CreateProvisionedModelThroughput", outcome=None) == []
    run.assert_safe()


def _profile_only_run(run_pipeline: RunPipeline, base_model_id: str, records: int, extra: dict[str, Any]) -> Any:
    # Bedrock customizes Nova in us-east-1 and Llama in us-west-2 (the registry's customization_regions).
    region = "us-west-2" if base_model_id.startswith("meta.") else "us-east-1"
    return run_pipeline(
        files={"raw/models/training.json": json.dumps(_qa(records)).encode()},
        overrides={"baseModelId": base_model_id, **extra},
        region=region,
    )


def test_nova_2_lite_runs_end_to_end_without_a_validation_set(run_pipeline: RunPipeline) -> None:
    run = _profile_only_run(
        run_pipeline, "amazon.nova-2-lite-v1:0:256k", 220, {"evaluation": {"hosting": "provisioned"}}
    )
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    (create,) = run.pipeline.bedrock.operations("CreateModelCustomizationJob")
    assert "validationDataConfig" not in create.params
    assert create.params["hyperParameters"] == {}
    base_models = {
        call.params["modelId"]
        for call in run.pipeline.bedrock.operations("Converse")
        if "provisioned-model" not in call.params["modelId"] and "toolConfig" not in call.params
    }
    assert "us.amazon.nova-2-lite-v1:0" in base_models
    assert run.pipeline.bedrock.operations("Converse", outcome="ValidationException") == []
    run.assert_safe()


def test_llama_3_1_runs_end_to_end_with_one_prompt_shape(run_pipeline: RunPipeline) -> None:
    run = _profile_only_run(
        run_pipeline,
        "meta.llama3-1-8b-instruct-v1:0:128k",
        130,
        {"systemPrompt": "Be brief.", "evaluation": {"hosting": "provisioned"}},
    )
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    answers = [
        call.params
        for call in run.pipeline.bedrock.operations("Converse")
        if "toolConfig" not in call.params and call.params.get("inferenceConfig", {}).get("maxTokens") != 1
    ]
    assert answers and all("system" not in params for params in answers)
    assert all(params["messages"][0]["content"][0]["text"].startswith("Be brief.\n\n") for params in answers)
    run.assert_safe()


def test_a_legacy_claude_3_haiku_is_refused_by_preflight_in_its_customization_region(
    run_pipeline: RunPipeline,
) -> None:
    # (Was a bad-input case in us-east-1; Bedrock customizes Claude 3 Haiku only in us-west-2.)
    run = run_pipeline(
        files={"raw/models/training.json": json.dumps(_qa(80)).encode()},
        overrides={"baseModelId": "anthropic.claude-3-haiku-20240307-v1:0:200k", "allowLegacyModel": True},
        region="us-west-2",
    )
    assert run.execution.status == "FAILED" and run.execution.error == "UnsupportedBaseModel"
    cause = run.execution.cause or ""
    assert "marked Legacy" in cause and "sells no new Provisioned Throughput" in cause
    assert "allowLegacyModel does not change this" in cause and "PreflightChecks" in run.execution.states_entered()
    assert run.pipeline.bedrock.jobs == {}
    run.assert_safe()
