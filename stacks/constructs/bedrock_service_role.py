"""The role Bedrock assumes to run a model customization job: read the run's data, write its output."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_finetuning.stacks import nag
from bedrock_finetuning.stacks.constructs import arns


class BedrockServiceRole(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        customization_jobs = stack.format_arn(
            service="bedrock",
            resource="model-customization-job",
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.statements = [
            iam.PolicyStatement(
                sid="ReadTrainingData",
                actions=["s3:GetObject"],
                resources=[arns.run_objects(bucket, "data")],
            ),
            iam.PolicyStatement(
                sid="WriteJobOutput",
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[arns.run_objects(bucket, "output")],
            ),
            # AWS's example policy for the customization role grants s3:ListBucket on the bucket
            # without an s3:prefix condition (model-customization-code-samples.html,
            # model-customization-iam-role.html). Which prefixes Bedrock lists while it validates
            # and reads the data is not documented, so a condition could deny its own calls.
            iam.PolicyStatement(sid="ListRunData", actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
        ]
        self.role = iam.Role(
            self,
            "Role",
            description="Assumed by Amazon Bedrock to run this pipeline's model customization jobs",
            # Confused-deputy protection: only Bedrock acting for a customization job of this
            # account and Region may assume the role.
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": customization_jobs},
                },
            ),
            # Inline, so the permissions exist as soon as the role does.
            inline_policies={"CustomizationJobData": iam.PolicyDocument(statements=self.statements)},
        )
        nag.acknowledge_wildcards(
            self.role.node.default_child,  # type: ignore[arg-type]
            self.statements,
            arns.RUN_PREFIX_REASON,
        )
