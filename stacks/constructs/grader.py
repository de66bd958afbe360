"""The reinforcement fine-tuning grader: a Lambda function Bedrock's RFT job invokes with sampled
responses (lambdas/grader/). Not a workflow step.

- The grader may call exactly the stack's judge model (Converse needs bedrock:InvokeModel): the
  inference profile of this account and the foundation model behind it in any Region the profile
  routes to, or the in-Region foundation model when the judge is not a profile.
- The Bedrock service role may invoke exactly this function (AWS: the role that runs the RFT job
  needs lambda:InvokeFunction on the grader,
  https://docs.aws.amazon.com/bedrock/latest/userguide/rft-access-security.html).
- StartCustomizationJob learns the function's ARN from GRADER_FUNCTION_ARN.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks import nag
from bedrock_finetuning.stacks.config import PipelineProps
from bedrock_finetuning.stacks.constructs.functions import PipelineFunctions

PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.")


def judge_model_arns(stack: Stack, judge_model_id: str) -> list[str]:
    """The ARNs that invoking exactly this judge needs (and nothing else)."""
    bare = judge_model_id.rsplit("/", 1)[-1]
    for prefix in PROFILE_PREFIXES:
        if bare.startswith(prefix):
            model = bare[len(prefix) :]
            return [
                stack.format_arn(service="bedrock", resource="inference-profile", resource_name=bare),
                # A cross-Region profile routes to the model in several Regions of its geography.
                f"arn:{stack.partition}:bedrock:*::foundation-model/{model}",
            ]
    return [f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{bare}"]


class GraderFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineProps,
        functions: PipelineFunctions,
        service_role: iam.IRole,
    ) -> None:
        super().__init__(scope, construct_id)
        entry = statemachine.GRADER_FUNCTION
        judge = judge_model_arns(Stack.of(self), config.judge_model_id)
        statements = [iam.PolicyStatement(sid="InvokeJudgeModel", actions=["bedrock:InvokeModel"], resources=judge)]
        self.function, role = functions.build_function(
            self,
            entry,
            statements=statements,
            environment={statemachine.JUDGE_MODEL_ID: config.judge_model_id},
            label=f"{entry.name} (RFT grader)",
        )
        if len(judge) > 1:
            # By the finding's resolved name (nag.acknowledge_wildcards): with an explicit environment the
            # partition is a literal, without one a token.
            nag.acknowledge_wildcards(
                role.node.default_child,  # type: ignore[arg-type]
                statements,
                "The judge is a cross-Region inference profile: Bedrock routes each call to the same model in "
                "one of several Regions of the profile's geography, so the one model is allowed in any Region "
                "(inference-profiles-prereq.html); no other model is allowed.",
            )
        # Exactly this function, and its versions/aliases are not used (no `:*`).
        service_role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="InvokeRftGrader", actions=["lambda:InvokeFunction"], resources=[self.function.function_arn]
            )
        )
        functions.by_name["StartCustomizationJob"].add_environment(
            statemachine.GRADER_FUNCTION_ARN, self.function.function_arn
        )
