"""boto3 clients with the retry and timeout settings every step uses.

Business logic takes clients as parameters; only handlers call these factories.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from shared import call_stats

# Throttling is retried with exponential backoff and full jitter by botocore's standard mode
# (the first retry waits up to 1 s, the next up to 2 s, ...); validation errors are not
# retried. Converse can take long on big answers, hence the longer read timeout for the
# runtime client. The runtime client does NOT use botocore's adaptive mode: its client-side
# rate limiter cuts the send rate by 30 % on every 429, and `make bench` measured answers at
# 2.1x and judging at 5.5x their ideal time with 1 call in 10 throttled. Requests in flight
# are already bounded by evaluation.concurrency (shared/work_plan.py), which keeps the load
# on a hosting fixed; backoff with jitter then absorbs the 429s. Retries are counted per
# call (shared/call_stats.py). The pool holds a connection for every judge thread (judgeConcurrency
# is at most 64).
_CONTROL = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=60)
_RUNTIME = Config(
    retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=300, max_pool_connections=64
)


_PRICING = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20)
"""The Price List only informs the quote (the table is the fallback): a short wait, then move on."""
PRICING_API_REGION = "us-east-1"
"""The Price List Query API has endpoints in us-east-1, eu-central-1 and ap-south-1 only, whatever Region
is priced (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html)."""


@cache
def client(service: str) -> Any:
    if service == "pricing":
        return boto3.client(service, region_name=PRICING_API_REGION, config=_PRICING)
    if service == "bedrock-runtime":
        return call_stats.instrument(boto3.client(service, config=_RUNTIME))
    return boto3.client(service, config=_CONTROL)


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", type(error).__name__))


def error_message(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message", str(error)))
