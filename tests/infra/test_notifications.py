"""The notification topic and the stack outputs."""

from __future__ import annotations

from aws_cdk.assertions import Match

from .support import Synthesized


def test_topic_is_encrypted_with_a_rotated_customer_managed_key(default: Synthesized) -> None:
    notifications = default.stack.pipeline.notifications
    key_id = default.logical_id(notifications.key)
    topic = default.json["Resources"][default.logical_id(notifications.topic)]["Properties"]

    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert default.json["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    assert default.json["Resources"][key_id]["DeletionPolicy"] == "Retain"


def test_topic_accepts_tls_only_and_alarms_of_this_account(default: Synthesized) -> None:
    topic_id = default.logical_id(default.stack.pipeline.notifications.topic)
    (policy,) = default.resources("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    assert {
        "Action": "sns:Publish",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": "*",
        "Resource": {"Ref": topic_id},
        "Sid": "AllowPublishThroughSSLOnly",
    } in statements
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_no_subscription_without_an_email(default: Synthesized) -> None:
    assert default.resources("AWS::SNS::Subscription") == {}


def test_email_subscription_when_configured(configured: Synthesized) -> None:
    configured.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "email",
            "Endpoint": "ml-team@example.com",
            "TopicArn": {"Ref": configured.logical_id(configured.stack.pipeline.notifications.topic)},
        },
    )


def test_outputs(default: Synthesized) -> None:
    stack = default.stack
    outputs = default.json["Outputs"]

    assert outputs["BucketName"]["Value"] == {"Ref": default.logical_id(stack.pipeline.data.bucket)}
    assert outputs["StateMachineArn"]["Value"] == {"Ref": default.logical_id(stack.pipeline.workflow.state_machine)}
    assert outputs["NotificationTopicArn"]["Value"] == {"Ref": default.logical_id(stack.pipeline.notifications.topic)}
    assert outputs["SweeperFunctionName"]["Value"] == {"Ref": default.logical_id(stack.pipeline.lambdas.sweeper)}
    default.template.has_output("*", {"Description": Match.string_like_regexp(".+")})
