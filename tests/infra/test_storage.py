"""The pipeline bucket and its access-log bucket."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from .support import Synthesized

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
SSE_S3 = {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def _bucket(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    logical_id = synthesized.logical_id(synthesized.stack.pipeline.data.bucket)
    return logical_id, synthesized.json["Resources"][logical_id]


def _log_bucket(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    logical_id = synthesized.logical_id(synthesized.stack.pipeline.data.access_logs)
    return logical_id, synthesized.json["Resources"][logical_id]


def _policy_of(synthesized: Synthesized, bucket_logical_id: str) -> list[dict[str, Any]]:
    policies = synthesized.resources("AWS::S3::BucketPolicy")
    (policy,) = (p for p in policies.values() if p["Properties"]["Bucket"] == {"Ref": bucket_logical_id})
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_bucket_is_private_encrypted_versioned_and_logged(default: Synthesized) -> None:
    _, bucket = _bucket(default)
    log_bucket_id, _ = _log_bucket(default)
    properties = bucket["Properties"]

    assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert properties["BucketEncryption"] == SSE_S3
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert properties["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": log_bucket_id},
        "LogFilePrefix": "data-bucket/",
    }
    assert "BucketName" not in properties  # no physical name


def test_bucket_sends_events_to_eventbridge_without_a_custom_resource(default: Synthesized) -> None:
    _, bucket = _bucket(default)

    assert bucket["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    assert default.resources("Custom::S3BucketNotifications") == {}


def test_bucket_expires_noncurrent_versions(default: Synthesized) -> None:
    _, bucket = _bucket(default)

    default.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [Match.object_like({"NoncurrentVersionExpiration": {"NoncurrentDays": 90}, "Status": "Enabled"})]
                )
            },
            "LoggingConfiguration": Match.any_value(),
        },
    )
    assert "ExpirationInDays" not in bucket["Properties"]["LifecycleConfiguration"]["Rules"][0]


def test_buckets_are_retained_by_default(default: Synthesized) -> None:
    for _, bucket in (_bucket(default), _log_bucket(default)):
        assert bucket["DeletionPolicy"] == "Retain"
        assert bucket["UpdateReplacePolicy"] == "Retain"
    assert default.resources("Custom::S3AutoDeleteObjects") == {}


def test_buckets_are_emptied_and_deleted_with_destroy(configured: Synthesized) -> None:
    bucket_id, bucket = _bucket(configured)
    log_bucket_id, log_bucket = _log_bucket(configured)

    assert bucket["DeletionPolicy"] == log_bucket["DeletionPolicy"] == "Delete"
    emptied = {
        r["Properties"]["BucketName"]["Ref"] for r in configured.resources("Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == {bucket_id, log_bucket_id}


def test_both_buckets_deny_requests_without_tls(default: Synthesized) -> None:
    for bucket_id in (_bucket(default)[0], _log_bucket(default)[0]):
        statements = _policy_of(default, bucket_id)
        assert {
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": [
                {"Fn::GetAtt": [bucket_id, "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
            ],
        } in statements


def test_log_bucket_is_private_encrypted_versioned_and_expires_logs(default: Synthesized) -> None:
    _, log_bucket = _log_bucket(default)
    properties = log_bucket["Properties"]

    assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert properties["BucketEncryption"] == SSE_S3
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 365
    assert rule["Status"] == "Enabled"
    assert "LoggingConfiguration" not in properties


def test_only_s3_logging_of_this_bucket_may_write_access_logs(default: Synthesized) -> None:
    bucket_id, _ = _bucket(default)
    log_bucket_id, _ = _log_bucket(default)

    allows = [s for s in _policy_of(default, log_bucket_id) if s["Effect"] == "Allow"]

    assert allows == [
        {
            "Action": "s3:PutObject",
            "Condition": {
                "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [bucket_id, "Arn"]}},
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            },
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [log_bucket_id, "Arn"]}, "/data-bucket/*"]]},
        }
    ]
