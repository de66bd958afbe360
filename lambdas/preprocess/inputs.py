"""Turns what started the execution (console JSON or S3 "Object Created" event) into one
typed ExecutionInput."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from pydantic import ValidationError

from shared.errors import InvalidExecutionInput
from shared.models import ExecutionInput

RAW_PREFIX = "raw/"
DIRECT_PREFIX = f"{RAW_PREFIX}direct/"
"""Files uploaded for an execution started with their URIs (`bft start`): their upload events
must not start a second run."""
_DATA_FILE = re.compile(r"\.(jsonl?|csv)$", re.IGNORECASE)
_COMPANION = re.compile(r"\.(validation|eval)\.(jsonl?|csv)$", re.IGNORECASE)


@dataclass(frozen=True)
class ResolvedInput:
    request: ExecutionInput
    trigger: Literal["console", "s3"]
    upload_identity: str | None = None
    """For S3-triggered runs: bucket, key, version and ETag of the upload (one run per upload)."""


@dataclass(frozen=True)
class NotATrainingFile:
    reason: str


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "input"
        if problem["type"] == "extra_forbidden":
            parts.append(f"unknown key {where!r}")
        else:
            parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def is_s3_event(payload: dict[str, Any]) -> bool:
    return payload.get("source") == "aws.s3" and "detail-type" in payload


OBJECT_CREATED = "Object Created"


def companion_keys(training_key: str) -> dict[str, list[str]]:
    """Files uploaded next to `raw/x.json` as `raw/x.validation.json` / `raw/x.eval.json`
    (or .jsonl, .csv) are used as that run's validation and evaluation sets."""
    stem = _DATA_FILE.sub("", training_key)
    return {role: [f"{stem}.{role}.{ext}" for ext in ("json", "jsonl", "csv")] for role in ("validation", "eval")}


ENCODING_METADATA = "source-encoding"
"""User metadata naming the encoding of a file uploaded to start a run, the upload's own
`sourceEncoding`: `aws s3 cp faq.csv s3://BUCKET/raw/ --metadata source-encoding=cp932`. S3 returns
user metadata (x-amz-meta-*) with lowercase names (docs.aws.amazon.com/AmazonS3/latest/userguide/
UsingMetadata.html, "User-defined object metadata")."""


def with_upload_encoding(request: ExecutionInput, metadata: dict[str, str], uri: str) -> ExecutionInput:
    """The request of an S3-triggered run, with the uploaded file's `source-encoding` metadata as its
    sourceEncoding; an unknown encoding is refused as the execution input's would be."""
    value = metadata.get(ENCODING_METADATA)
    if value is None:
        return request
    try:
        return ExecutionInput.model_validate({**request.model_dump(exclude_unset=True), "sourceEncoding": value})
    except ValidationError as error:
        problem = _describe(error).removeprefix("sourceEncoding: ").removeprefix("Value error, ")
        raise InvalidExecutionInput(f"{uri}: S3 metadata {ENCODING_METADATA}: {problem}") from None


def resolve(payload: dict[str, Any], bucket: str) -> ResolvedInput | NotATrainingFile:
    if is_s3_event(payload):
        try:
            event = S3EventNotificationEventBridgeModel.model_validate(payload)
        except ValidationError as error:
            raise InvalidExecutionInput(f"malformed S3 event: {_describe(error)}") from None
        key = event.detail.object.key
        if event.detail_type != OBJECT_CREATED:
            return NotATrainingFile(f"{event.detail_type} events for {key} do not start runs")
        if event.detail.bucket.name != bucket:
            raise InvalidExecutionInput(
                f"S3 event for bucket {event.detail.bucket.name!r}; this pipeline reads only {bucket!r}"
            )
        if not key.startswith(RAW_PREFIX) or not _DATA_FILE.search(key):
            return NotATrainingFile(f"{key} is not a .json, .jsonl or .csv file under {RAW_PREFIX}")
        if key.startswith(DIRECT_PREFIX):
            return NotATrainingFile(f"{key} is under {DIRECT_PREFIX}: uploaded for a run started with its URIs")
        if _COMPANION.search(key):
            return NotATrainingFile(
                f"{key} is a companion file (validation or evaluation set); it is used by the run "
                "of its training file and does not start a run by itself"
            )
        obj = event.detail.object
        identity = f"{bucket}/{key}@{obj.version_id or ''}#{obj.etag}"
        return ResolvedInput(ExecutionInput(trainingDataUri=f"s3://{bucket}/{key}"), "s3", identity)
    try:
        return ResolvedInput(ExecutionInput.model_validate(payload), "console")
    except ValidationError as error:
        raise InvalidExecutionInput(f"execution input: {_describe(error)}") from None
