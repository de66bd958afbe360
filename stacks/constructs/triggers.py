"""EventBridge rules: an upload under raw/ starts a run; a run that ends badly starts the sweeper.

Both targets retry and, when delivery still fails, park the event in an encrypted dead-letter
queue; an alarm on each queue (and on sweeper errors) notifies the topic, so a lost trigger or
a failed clean-up (a provisioned throughput still billing) does not go unnoticed.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from bedrock_finetuning.stacks import nag
from bedrock_finetuning.stacks.constructs.data_bucket import RAW_PREFIX

RAW_KEY_WILDCARDS = (f"{RAW_PREFIX}*.json", f"{RAW_PREFIX}*.jsonl", f"{RAW_PREFIX}*.csv")
"""Keys that start a run. EventBridge's `*` also matches `/`, so files in sub-folders of raw/
count too; `raw/x.json.bak` or `raw/x.txt` do not, and nothing under runs/ ever does (no
recursion when the pipeline writes its own files)."""
FAILED_EXECUTION_STATUSES = ("ABORTED", "TIMED_OUT", "FAILED")

DLQ_REASON = (
    "This queue is itself a dead-letter queue ({of}); a dead-letter queue for it would add "
    "nothing. It keeps messages for 14 days, is encrypted and TLS-only, and a CloudWatch alarm "
    "notifies the pipeline's topic as soon as it holds a message."
)


def upload_pattern(bucket_name: str) -> dict[str, Any]:
    """The S3 "Object Created" events that start a run (raw/*.json and raw/*.jsonl)."""
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [bucket_name]},
            "object": {"key": [{"wildcard": wildcard} for wildcard in RAW_KEY_WILDCARDS]},
        },
    }


def failed_execution_pattern(state_machine_arn: str) -> dict[str, Any]:
    """Executions of this state machine that ended ABORTED, TIMED_OUT or FAILED."""
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "status": list(FAILED_EXECUTION_STATUSES),
            "stateMachineArn": [state_machine_arn],
        },
    }


def _event_pattern(pattern: dict[str, Any]) -> events.EventPattern:
    return events.EventPattern(source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"])


class Triggers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        state_machine: sfn.IStateMachine,
        sweeper: lambda_.Function,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        alarm_action = cloudwatch_actions.SnsAction(topic)

        self.upload_dlq = upload_dlq = self._dead_letter_queue(
            "UploadDeadLetterQueue", "of the upload rule's Step Functions target"
        )
        self.upload_rule = events.Rule(
            self,
            "UploadRule",
            description="Starts a pipeline run when a raw QA file is uploaded under raw/",
            event_pattern=_event_pattern(upload_pattern(bucket.bucket_name)),
            # The whole S3 event is the execution input; PreprocessDataset turns it into a run.
            targets=[
                targets.SfnStateMachine(
                    state_machine,
                    dead_letter_queue=upload_dlq,
                    retry_attempts=4,
                    max_event_age=Duration.hours(1),
                )
            ],
        )
        self._alarm_on_messages(
            upload_dlq,
            "UploadDeadLetterAlarm",
            "An upload under raw/ did not start a pipeline run (the event is in the dead-letter queue).",
            alarm_action,
        )

        self.sweeper_dlq = sweeper_dlq = self._dead_letter_queue(
            "SweeperDeadLetterQueue",
            "of the failed-run rule's sweeper target and of the sweeper's asynchronous invocations",
        )
        self.sweeper_rule = events.Rule(
            self,
            "FailedRunRule",
            description="Runs the sweeper when a pipeline execution ends ABORTED, TIMED_OUT or FAILED",
            event_pattern=_event_pattern(failed_execution_pattern(state_machine.state_machine_arn)),
            targets=[
                targets.LambdaFunction(
                    sweeper,
                    dead_letter_queue=sweeper_dlq,
                    retry_attempts=4,
                    max_event_age=Duration.hours(2),
                )
            ],
        )
        # EventBridge invokes the sweeper asynchronously: its own errors (after Lambda's
        # retries) land in the same queue instead of being dropped.
        sweeper.configure_async_invoke(
            on_failure=destinations.SqsDestination(sweeper_dlq),
            retry_attempts=2,
            max_event_age=Duration.hours(6),
        )
        self._alarm_on_messages(
            sweeper_dlq,
            "SweeperDeadLetterAlarm",
            "The sweeper could not clean up after a failed run: a provisioned throughput may "
            "still be billing. See the sweeper dead-letter queue and delete it by hand.",
            alarm_action,
        )
        sweeper_errors = cloudwatch.Alarm(
            self,
            "SweeperErrorsAlarm",
            alarm_description="The sweeper raised an error: check that no provisioned throughput is left.",
            metric=sweeper.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        sweeper_errors.add_alarm_action(alarm_action)

    def _dead_letter_queue(self, construct_id: str, of: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        nag.acknowledge(queue.node.default_child, "AwsSolutions-SQS3", DLQ_REASON.format(of=of))  # type: ignore[arg-type]
        return queue

    def _alarm_on_messages(
        self,
        queue: sqs.Queue,
        construct_id: str,
        description: str,
        action: cloudwatch_actions.SnsAction,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5), statistic="Maximum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
