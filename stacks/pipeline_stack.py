"""BedrockFineTuningPipelineStack: bucket, Bedrock service role, functions, workflow, triggers."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from stacks.config import PipelineConfig
from stacks.constructs.bedrock_service_role import BedrockServiceRole
from stacks.constructs.data_bucket import DataBucket
from stacks.constructs.function_policies import PolicyTargets
from stacks.constructs.functions import PipelineFunctions
from stacks.constructs.notifications import Notifications
from stacks.constructs.training_events import TrainingEvents
from stacks.constructs.triggers import Triggers
from stacks.constructs.workflow import Workflow

STACK_NAME = "BedrockFineTuningPipelineStack"


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str = STACK_NAME,
        *,
        config: PipelineConfig | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config or PipelineConfig.from_context(self.node)

        data = DataBucket(self, "Data", removal_policy=self.config.removal_policy)
        service_role = BedrockServiceRole(self, "BedrockServiceRole", bucket=data.bucket)
        notifications = Notifications(
            self,
            "Notifications",
            email=self.config.notification_email,
            removal_policy=self.config.removal_policy,
        )
        functions = PipelineFunctions(
            self,
            "Functions",
            config=self.config,
            targets=PolicyTargets(
                bucket=data.bucket,
                service_role=service_role.role,
                topic=notifications.topic,
                topic_key=notifications.key,
            ),
        )
        workflow = Workflow(
            self,
            "Workflow",
            functions=functions.by_name,
            bucket=data.bucket,
            timeout_seconds=self.config.execution_timeout_seconds,
            log_retention=self.config.log_retention,
            removal_policy=self.config.removal_policy,
        )
        self.training_events = TrainingEvents(
            self,
            "TrainingEvents",
            state_machine=workflow.state_machine,
            resume=functions.training_events,
            waiters=[functions.by_name["AwaitTrainingEvent"]],
        )
        triggers = Triggers(
            self,
            "Triggers",
            bucket=data.bucket,
            state_machine=workflow.state_machine,
            sweeper=functions.sweeper,
            topic=notifications.topic,
        )

        self.data = data
        self.service_role = service_role
        self.notifications = notifications
        self.functions = functions
        self.workflow = workflow
        self.triggers = triggers

        CfnOutput(
            self,
            "BucketName",
            value=data.bucket.bucket_name,
            description="Upload raw QA files to s3://<bucket>/raw/<name>.json to start a run",
        )
        CfnOutput(
            self,
            "StateMachineArn",
            value=workflow.state_machine.state_machine_arn,
            description="Start a run from the Step Functions console or `aws stepfunctions start-execution`",
        )
        CfnOutput(
            self,
            "NotificationTopicArn",
            value=notifications.topic.topic_arn,
            description="Run outcomes and alarms are published here",
        )
        CfnOutput(
            self,
            "SweeperFunctionName",
            value=functions.sweeper.function_name,
            description="Safety net that deletes the provisioned throughput of runs that end badly",
        )
