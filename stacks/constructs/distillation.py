"""Distillation: the Bedrock service role invokes the teacher for the job's synthetic answers.

AWS: to use a cross-Region inference profile as the teacher, the service role needs permission to
invoke the profile and the model in each Region the profile routes to
(https://docs.aws.amazon.com/bedrock/latest/userguide/prequisites-model-distillation.html). The role
may invoke exactly the registry's teachers (lambdas/shared/families.py, NOVA_DISTILLATION; a test
keeps the two lists equal): their foundation models in any Region and their inference profiles of
this account in any geography.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam

from bedrock_finetuning.stacks import nag

TEACHER_MODELS = ("amazon.nova-pro-v1:0", "amazon.nova-premier-v1:0")
TEACHER_PROFILE_GEOGRAPHIES = ("us", "eu", "apac", "global")


REASON = (
    "Distillation teachers through cross-Region inference profiles: Bedrock routes each call to the same "
    "teacher model in one of the geography's Regions (which change over time), so the named teacher models "
    "are allowed in any Region (prequisites-model-distillation.html); no other model is allowed."
)


def grant_teachers(role: iam.Role) -> iam.PolicyStatement:
    """Add the statement to the role's default policy and acknowledge its Region wildcards by name."""
    stack = Stack.of(role)
    resources = [f"arn:{stack.partition}:bedrock:*::foundation-model/{model}" for model in TEACHER_MODELS]
    resources += [
        stack.format_arn(
            service="bedrock",
            region="*",
            resource="inference-profile",
            resource_name=f"{geography}.{model}",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        for model in TEACHER_MODELS
        for geography in TEACHER_PROFILE_GEOGRAPHIES
    ]
    statement = iam.PolicyStatement(
        sid="InvokeDistillationTeachers", actions=["bedrock:InvokeModel"], resources=resources
    )
    role.add_to_principal_policy(statement)
    policy = role.node.find_child("DefaultPolicy")
    nag.acknowledge_wildcards(policy.node.default_child, [statement], REASON)  # type: ignore[arg-type]
    return statement
