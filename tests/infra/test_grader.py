"""The RFT grader function: its role may call exactly the judge model, and StartCustomizationJob
learns its ARN (the Bedrock service role's permission on it: test_iam.py)."""

from __future__ import annotations

from aws_cdk import Stack

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks.constructs.grader import judge_model_arns
from bedrock_finetuning.stacks.nag import flatten_cfn_reference

from .support import Synthesized, as_list, role_statements


def _grader(synthesized: Synthesized) -> dict:  # type: ignore[type-arg]
    function = synthesized.stack.pipeline.grader.function
    return dict(synthesized.json["Resources"][synthesized.logical_id(function)]["Properties"])


def test_the_grader_may_invoke_exactly_the_judge_model(default: Synthesized) -> None:
    role_id = default.logical_id(default.stack.pipeline.grader.function.role)
    statements = role_statements(default, role_id)
    bedrock = [s for s in statements if any(a.startswith("bedrock:") for a in as_list(s["Action"]))]
    assert len(bedrock) == 1 and as_list(bedrock[0]["Action"]) == ["bedrock:InvokeModel"]
    resources = sorted(flatten_cfn_reference(r) for r in as_list(bedrock[0]["Resource"]))
    assert resources == [
        "arn:<AWS::Partition>:bedrock:*::foundation-model/amazon.nova-pro-v1:0",
        "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/us.amazon.nova-pro-v1:0",
    ]
    others = {a for s in statements for a in as_list(s["Action"])} - {"bedrock:InvokeModel"}
    assert {a.split(":")[0] for a in others} == {"logs", "xray"}


def test_the_grader_runs_with_the_judge_and_the_documented_timeout(default: Synthesized) -> None:
    grader = _grader(default)
    assert grader["Handler"] == statemachine.GRADER_FUNCTION.handler == "grader.handler.lambda_handler"
    assert grader["Timeout"] == 900  # AWS: raise the grader's timeout up to 15 minutes
    assert grader["Environment"]["Variables"][statemachine.JUDGE_MODEL_ID] == "us.amazon.nova-pro-v1:0"


def test_start_job_is_given_the_graders_arn(default: Synthesized) -> None:
    start = default.stack.pipeline.lambdas.by_name["StartCustomizationJob"]
    variables = default.json["Resources"][default.logical_id(start)]["Properties"]["Environment"]["Variables"]
    assert variables[statemachine.GRADER_FUNCTION_ARN] == {
        "Fn::GetAtt": [default.logical_id(default.stack.pipeline.grader.function), "Arn"]
    }
    preprocess = default.stack.pipeline.lambdas.by_name["PreprocessDataset"]
    settings = default.json["Resources"][default.logical_id(preprocess)]["Properties"]["Environment"]["Variables"]
    assert settings[statemachine.DEFAULT_CUSTOMIZATION_METHOD] == "supervised"  # cdk.json customizationMethod


def test_an_in_region_judge_is_allowed_in_this_region_only() -> None:
    import aws_cdk as cdk

    stack = Stack(cdk.App(), "Probe")
    (only,) = judge_model_arns(stack, "anthropic.claude-3-haiku-20240307-v1:0")
    assert only.endswith(":foundation-model/anthropic.claude-3-haiku-20240307-v1:0") and ":*:" not in only


def test_the_service_roles_teachers_are_the_registrys() -> None:
    from shared.families import NOVA_DISTILLATION
    from stacks.constructs.distillation import TEACHER_MODELS

    assert sorted(TEACHER_MODELS) == sorted(NOVA_DISTILLATION.teachers)
