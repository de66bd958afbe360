"""The event-driven training wait: Bedrock's job state-change events resume the workflow.

An EventBridge rule on "Model Customization Job State Change" events of this pipeline's jobs
(`detail.jobStatus` Completed, Failed or Stopped; the field is `jobStatus`, not `status`:
https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-eventbridge-how-it-works.html)
invokes ResumeOnTrainingEvent, which completes the AwaitTrainingEvent task token. Both
functions may complete task tokens of this state machine only.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from bedrock_finetuning.stacks import nag

ENDED_JOB_STATUSES = ("Completed", "Failed", "Stopped")


def job_state_change_pattern(job_name_prefix: str) -> dict[str, Any]:
    """Ended jobs of one pipeline instance: shared.naming.resource_names names each of its jobs
    <job_name_prefix><run-id>, so another instance's jobs (another prefix) do not match."""
    return {
        "source": ["aws.bedrock"],
        "detail-type": ["Model Customization Job State Change"],
        "detail": {
            "jobStatus": list(ENDED_JOB_STATUSES),
            "jobName": [{"prefix": job_name_prefix}],
        },
    }


class TrainingEvents(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        resume: lambda_.Function,
        waiters: list[lambda_.IFunction],
        job_name_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        pattern = job_state_change_pattern(job_name_prefix)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        nag.acknowledge(
            self.dead_letter_queue.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the job-event rule's target; an event that lands "
            "here is not lost for the run: the training wait's safety poll reads the job again.",
        )
        self.rule = events.Rule(
            self,
            "JobStateChangeRule",
            description="Resumes a run's training wait when its customization job completes, fails or stops",
            event_pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
            ),
            targets=[
                targets.LambdaFunction(
                    resume, dead_letter_queue=self.dead_letter_queue, retry_attempts=4, max_event_age=Duration.hours(1)
                )
            ],
        )
        # A separate policy, not the roles' default ones: the state machine refers to
        # AwaitTrainingEvent, so a grant inside that function's role would be a dependency cycle.
        self.policy = iam.Policy(
            self,
            "CompleteTaskTokens",
            statements=[
                iam.PolicyStatement(
                    sid="CompleteTrainingWait",
                    actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
                    resources=[state_machine.state_machine_arn],
                )
            ],
        )
        for function in (resume, *waiters):
            if function.role is not None:
                self.policy.attach_to_role(function.role)
