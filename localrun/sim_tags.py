"""Bedrock's tag rules, enforced by the simulated Bedrock on every tagged create.

botocore validates only types, required members and lengths on the client side; the
`pattern` of a shape is checked by the service. Bedrock's `TagKey` and `TagValue` shapes
(botocore `bedrock/2023-04-20/service-2.json`) carry the pattern `[a-zA-Z0-9\\s._:/=+@-]*`,
keys 1-128 and values 0-256 characters, at most 200 tags (`TagList`). A Step Functions
execution name may hold `!`, `(`, `)`, `'` and non-ASCII letters, and the execution ARN
contains the name, so an unsanitised ARN as a tag value is refused by the real service.
"""

from __future__ import annotations

import re
from typing import Any

from .sim_errors import not_found

TAG_PATTERN = re.compile(r"[a-zA-Z0-9\s._:/=+@-]*", re.ASCII)
"""`\\s` is Java's ASCII whitespace class in AWS's validators, hence re.ASCII."""
MAX_KEY, MAX_VALUE, MAX_TAGS = 128, 256, 200


class TagRejected(Exception):
    """A tag breaks Bedrock's TagKey/TagValue constraints (ValidationException, HTTP 400)."""


def _constraint(field: str, value: str, rule: str) -> TagRejected:
    # The message follows the service's standard validation wording.
    return TagRejected(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {rule}"
    )


def check_tags(tags: list[dict[str, Any]] | None, field: str) -> None:
    """Raise TagRejected for the first tag Bedrock would refuse in request member `field`."""
    tags = tags or []
    if len(tags) > MAX_TAGS:
        raise TagRejected(f"{field}: at most {MAX_TAGS} tags are allowed, got {len(tags)}")
    for index, tag in enumerate(tags, start=1):
        key, value = str(tag.get("key", "")), str(tag.get("value", ""))
        if not 1 <= len(key) <= MAX_KEY:
            raise _constraint(f"{field}.{index}.member.key", key, f"Member must have length between 1 and {MAX_KEY}")
        if len(value) > MAX_VALUE:
            raise _constraint(f"{field}.{index}.member.value", value, f"Member must have length <= {MAX_VALUE}")
        for name, text in (("key", key), ("value", value)):
            if not TAG_PATTERN.fullmatch(text):
                raise _constraint(
                    f"{field}.{index}.member.{name}",
                    text,
                    f"Member must satisfy regular expression pattern: {TAG_PATTERN.pattern}",
                )


def list_tags_handlers(tags: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """ListTagsForResource over the account's tags (every tagged create records its tags there)."""

    def list_tags(body: dict[str, Any], *_: Any) -> dict[str, Any]:
        arn = body["resourceARN"]
        if arn not in tags:
            raise not_found(f"Resource {arn}")
        return {"tags": tags[arn]}

    return {"ListTagsForResource": list_tags}
