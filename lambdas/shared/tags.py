"""Tags every paid resource carries, so the sweeper can find a run's leftovers.

Bedrock's tag values must match `[a-zA-Z0-9\\s._:/=+@-]*` and hold at most 256 characters
(botocore `bedrock` shapes `TagValue`/`TagKey`). A Step Functions execution name, and so its
ARN, may contain `!`, `(`, `)`, `'` or non-ASCII letters, which Bedrock refuses. `tag_value`
maps such text to an allowed value; it is deterministic, so the sweeper compares a resource's
tag with `tag_value(<execution ARN of the ended run>)` and finds exactly that run's resources.
"""

from __future__ import annotations

import hashlib
import re

from shared.models import RunContext

RUN_ID_TAG = "pipeline:run-id"
EXECUTION_ARN_TAG = "pipeline:execution-arn"

_ALLOWED = re.compile(r"[a-zA-Z0-9\s._:/=+@-]*", re.ASCII)
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9\s._:/=+@-]+", re.ASCII)
MAX_TAG_VALUE = 256
_DIGEST = 12


def tag_value(text: str) -> str:
    """`text` when Bedrock accepts it as is; otherwise the refused characters become `_` and a
    hash of the original is appended, so two different names never share a value."""
    if _ALLOWED.fullmatch(text) and len(text) <= MAX_TAG_VALUE:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGEST]
    cleaned = _NOT_ALLOWED.sub("_", text)[: MAX_TAG_VALUE - _DIGEST - 1]
    return f"{cleaned}+{digest}"


def run_tags(run: RunContext) -> list[dict[str, str]]:
    tags = [{"key": RUN_ID_TAG, "value": tag_value(run.runId)}]
    if run.executionArn:
        tags.append({"key": EXECUTION_ARN_TAG, "value": tag_value(run.executionArn)})
    return tags
