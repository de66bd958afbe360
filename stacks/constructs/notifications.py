"""The notification topic: run outcomes (NotifyRun, SweepRun) and operational alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


class Notifications(Construct):
    """A TLS-only SNS topic encrypted with its own KMS key (rotated yearly).

    A customer managed key rather than the AWS managed `alias/aws/sns`: CloudWatch alarms
    (see `triggers.py`) can only publish to an encrypted topic whose key policy lets them.
    """

    topic: sns.ITopic
    key: kms.IKey | None

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        email: str | None,
        removal_policy: RemovalPolicy,
        existing_topic: sns.ITopic | None = None,
        existing_key: kms.IKey | None = None,
    ) -> None:
        """`existing_topic` is used as it is (with `existing_key`, its key, when it has one);
        `existing_key` alone encrypts the created topic instead of a new key. A statement added
        to the policy of a topic or key imported by ARN is dropped by CDK: such a topic must
        already let CloudWatch alarms publish."""
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        alarms_of_this_account = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name="*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            },
        }

        if existing_topic is not None:
            self.topic, self.key = existing_topic, existing_key
            self._allow_alarms(alarms_of_this_account)
            if email:
                self.topic.add_subscription(subscriptions.EmailSubscription(email))
            return
        self.key = existing_key or kms.Key(
            self,
            "TopicKey",
            description="Encrypts the Bedrock fine-tuning pipeline's notification topic",
            enable_key_rotation=True,
            pending_window=Duration.days(7),
            removal_policy=removal_policy,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )

        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="Bedrock fine-tuning pipeline",
            master_key=self.key,
            enforce_ssl=True,
        )
        self._allow_alarms(alarms_of_this_account)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

    def _allow_alarms(self, conditions: dict[str, Any]) -> None:
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=conditions,
            )
        )
