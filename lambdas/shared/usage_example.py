"""How to call a kept on-demand deployment: the three lines of boto3 the report, the
notification and the execution output all show (one source, so they cannot drift apart)."""

from __future__ import annotations

import json


def region_of(arn: str) -> str:
    """`arn:aws:bedrock:<region>:<account>:...` -> `<region>`."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else "us-east-1"


def converse_example(arn: str) -> str:
    """Three lines of Python that ask the deployed custom model one question (Converse API)."""
    return "\n".join(
        [
            "import boto3",
            f"runtime = boto3.client({json.dumps('bedrock-runtime')}, region_name={json.dumps(region_of(arn))})",
            f"print(runtime.converse(modelId={json.dumps(arn)}, "
            'messages=[{"role": "user", "content": [{"text": "Your question"}]}])'
            '["output"]["message"]["content"][0]["text"])',
        ]
    )
