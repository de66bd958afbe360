"""S3 URIs and small JSON/text helpers that take their client as a parameter."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Bedrock's S3Uri pattern allows only these characters in keys (botocore service model).
_BEDROCK_KEY_CHARS = re.compile(r"^[-!_*'().a-zA-Z0-9/]+$")


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri:
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            raise ValueError(f"{uri!r} is not an s3:// URI")
        bucket, _, key = uri[5:].partition("/")
        if not bucket or not key:
            raise ValueError(f"{uri!r} must name a bucket and an object key (s3://bucket/key)")
        return cls(bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def uri(bucket: str, key: str) -> str:
    return str(S3Uri(bucket, key))


def bedrock_safe_key(key: str) -> bool:
    """Bedrock rejects data URIs with characters such as '=', ':', '+' or spaces."""
    return bool(_BEDROCK_KEY_CHARS.match(key))


def put_json(s3: Any, bucket: str, key: str, document: Any) -> str:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json; charset=utf-8")
    return uri(bucket, key)


def put_text(s3: Any, bucket: str, key: str, text: str, content_type: str) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)
    return uri(bucket, key)


def get_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def get_text(s3: Any, bucket: str, key: str) -> str:
    return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def list_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys
