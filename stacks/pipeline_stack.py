"""BedrockFineTuningPipelineStack: the standalone app's stack. It reads the CDK context, builds
the props, instantiates the construct and adds the outputs; everything else is the construct's."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from bedrock_finetuning.stacks.config import PipelineProps
from bedrock_finetuning.stacks.construct import BedrockFineTuningPipeline

STACK_NAME = "BedrockFineTuningPipelineStack"


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str = STACK_NAME,
        *,
        props: PipelineProps | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.props = props or PipelineProps.from_context(self.node)
        self.pipeline = pipeline = BedrockFineTuningPipeline(self, "Pipeline", props=self.props)

        CfnOutput(
            self,
            "BucketName",
            value=pipeline.bucket.bucket_name,
            description="Upload raw QA files to s3://<bucket>/raw/<name>.json (.jsonl, .csv) to start a run",
        )
        CfnOutput(
            self,
            "StateMachineArn",
            value=pipeline.state_machine.state_machine_arn,
            description="Start a run from the Step Functions console or `aws stepfunctions start-execution`",
        )
        CfnOutput(
            self,
            "NotificationTopicArn",
            value=pipeline.topic.topic_arn,
            description="Run outcomes and alarms are published here",
        )
        CfnOutput(
            self,
            "SweeperFunctionName",
            value=pipeline.sweeper.function_name,
            description="Safety net that deletes the provisioned throughput of runs that end badly",
        )
