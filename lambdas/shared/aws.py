"""boto3 clients with the retry and timeout settings every step uses.

Business logic takes clients as parameters; only handlers call these factories.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Throttling is retried with exponential backoff and jitter by botocore's standard mode;
# validation errors are not retried. Converse can take long on big answers, hence the
# longer read timeout for the runtime client.
_CONTROL = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=60)
_RUNTIME = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=300)


@cache
def client(service: str) -> Any:
    config = _RUNTIME if service == "bedrock-runtime" else _CONTROL
    return boto3.client(service, config=config)


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", type(error).__name__))


def error_message(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message", str(error)))
