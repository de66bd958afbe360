"""BedrockFineTuningPipeline: the whole pipeline as one construct, for any CDK app.

It wires the internal constructs (bucket, Bedrock service role, notifications, functions,
workflow, training events, triggers) from one `PipelineProps`. Several instances may live in
one account, even in one stack: each reacts only to its own events (the job-name prefix of its
customization jobs, its state machine's ARN, its bucket's uploads) and every name it creates
is unique to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType

from aws_cdk import Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from bedrock_finetuning.stacks.config import PipelineProps
from bedrock_finetuning.stacks.constructs.bedrock_service_role import BedrockServiceRole
from bedrock_finetuning.stacks.constructs.data_bucket import DataBucket
from bedrock_finetuning.stacks.constructs.distillation import grant_teachers
from bedrock_finetuning.stacks.constructs.function_policies import PolicyTargets
from bedrock_finetuning.stacks.constructs.functions import PipelineFunctions
from bedrock_finetuning.stacks.constructs.grader import GraderFunction
from bedrock_finetuning.stacks.constructs.notifications import Notifications
from bedrock_finetuning.stacks.constructs.training_events import TrainingEvents
from bedrock_finetuning.stacks.constructs.triggers import Triggers
from bedrock_finetuning.stacks.constructs.workflow import Workflow


def default_job_name_prefix(scope: Construct) -> str:
    """`ft` + 5 hex characters of the construct's path and its stack's name: unique per
    instance in an app, and stable across synths (renaming the construct changes it)."""
    stack = Stack.of(scope)
    stack_name = "" if Token.is_unresolved(stack.stack_name) else stack.stack_name
    digest = hashlib.sha256(f"{stack_name}/{scope.node.path}".encode()).hexdigest()
    return f"ft{digest[:5]}-"


class BedrockFineTuningPipeline(Construct):
    """Upload raw QA data (or start an execution), get a fine-tuned, evaluated custom model.

    Read-only attributes: `bucket`, `state_machine`, `topic`, `topic_key`, `functions` (by
    step name), `sweeper`, `service_role`, `job_name_prefix`, `props`.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: PipelineProps | None = None) -> None:
        super().__init__(scope, construct_id)
        props = props or PipelineProps()
        self._props = props
        self._job_name_prefix = props.job_name_prefix or default_job_name_prefix(self)

        self.data = DataBucket(self, "Data", removal_policy=props.removal_policy, existing=props.existing_bucket)
        self.bedrock_service_role = BedrockServiceRole(self, "BedrockServiceRole", bucket=self.data.bucket)
        self.notifications = Notifications(
            self,
            "Notifications",
            email=props.notification_email,
            removal_policy=props.removal_policy,
            existing_topic=props.existing_topic,
            existing_key=props.existing_topic_key,
        )
        self.lambdas = PipelineFunctions(
            self,
            "Functions",
            config=props,
            targets=PolicyTargets(
                bucket=self.data.bucket,
                service_role=self.bedrock_service_role.role,
                topic=self.notifications.topic,
                topic_key=self.notifications.key,
            ),
            job_name_prefix=self._job_name_prefix,
        )
        # Distillation: the job invokes the teacher (constructs/distillation.py); RFT: the job invokes
        # the grader, and the grader the judge (constructs/grader.py).
        grant_teachers(self.bedrock_service_role.role)
        self.grader = GraderFunction(
            self, "Grader", config=props, functions=self.lambdas, service_role=self.bedrock_service_role.role
        )
        self.workflow = Workflow(
            self,
            "Workflow",
            functions=self.lambdas.by_name,
            bucket=self.data.bucket,
            timeout_seconds=props.execution_timeout_seconds,
            log_retention=props.log_retention,
            removal_policy=props.removal_policy,
        )
        self.training_events = TrainingEvents(
            self,
            "TrainingEvents",
            state_machine=self.workflow.state_machine,
            resume=self.lambdas.training_events,
            waiters=[self.lambdas.by_name["AwaitTrainingEvent"]],
            job_name_prefix=self._job_name_prefix,
        )
        self.triggers = Triggers(
            self,
            "Triggers",
            bucket=self.data.bucket,
            state_machine=self.workflow.state_machine,
            sweeper=self.lambdas.sweeper,
            topic=self.notifications.topic,
        )

    @property
    def props(self) -> PipelineProps:
        return self._props

    @property
    def job_name_prefix(self) -> str:
        """Prefix of this instance's customization jobs; its job-event rule matches it."""
        return self._job_name_prefix

    @property
    def bucket(self) -> s3.IBucket:
        """Uploads under raw/ start runs; each run writes under runs/<run-id>/."""
        return self.data.bucket

    @property
    def state_machine(self) -> sfn.StateMachine:
        return self.workflow.state_machine

    @property
    def topic(self) -> sns.ITopic:
        """Run outcomes and alarms."""
        return self.notifications.topic

    @property
    def topic_key(self) -> kms.IKey | None:
        return self.notifications.key

    @property
    def functions(self) -> Mapping[str, lambda_.IFunction]:
        """Every function by its step name (statemachine.TASK_FUNCTIONS, SweepRun, ResumeOnTrainingEvent)."""
        return MappingProxyType(self.lambdas.by_name)

    @property
    def sweeper(self) -> lambda_.IFunction:
        """The safety net that deletes the paid hosting of runs that ended badly."""
        return self.lambdas.sweeper

    @property
    def service_role(self) -> iam.IRole:
        """The role Bedrock assumes to run the customization jobs."""
        return self.bedrock_service_role.role
