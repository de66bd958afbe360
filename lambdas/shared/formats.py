"""Fine-tuning record formats, one per `RecordFormat` in the family registry.

`to_record` turns a QA pair into the JSONL object Bedrock expects for the family;
`from_record` reads one back (the simulated Bedrock and the tests use it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.families import RecordFormat

SCHEMA_VERSION = "bedrock-conversation-2024"


def _anthropic(system: str, prompt: str, completion: str) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if system:
        record["system"] = system
    record["messages"] = [
        {"role": "user", "content": prompt},
        {"role": "assistant", "content": completion},
    ]
    return record


def _conversation(system: str, prompt: str, completion: str) -> dict[str, Any]:
    record: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION}
    if system:
        record["system"] = [{"text": system}]
    record["messages"] = [
        {"role": "user", "content": [{"text": prompt}]},
        {"role": "assistant", "content": [{"text": completion}]},
    ]
    return record


def _prompt_completion(system: str, prompt: str, completion: str) -> dict[str, Any]:
    # This format has no system field: the system prompt is prepended to the prompt.
    return {"prompt": f"{system}\n\n{prompt}" if system else prompt, "completion": completion}


_WRITERS: dict[RecordFormat, Callable[[str, str, str], dict[str, Any]]] = {
    "anthropic-messages": _anthropic,
    "bedrock-conversation": _conversation,
    "prompt-completion": _prompt_completion,
}


def to_record(record_format: RecordFormat, system: str, prompt: str, completion: str) -> dict[str, Any]:
    return _WRITERS[record_format](system, prompt, completion)


def converse_prompt(record_format: RecordFormat, system: str, question: str) -> tuple[str, str]:
    """(Converse system text, user message text) in the same shape as the training records, so
    a model is evaluated on the prompt shape it was trained on. Prompt/completion records have no
    system field, so the system prompt goes inside the user message exactly as `to_record` puts it."""
    if record_format == "prompt-completion":
        return "", str(_prompt_completion(system, question, "")["prompt"])
    return system, question


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content)


def from_record(record: dict[str, Any]) -> tuple[str, str]:
    """(prompt, completion) of a record in any of the formats above."""
    if "messages" in record:
        messages = record["messages"]
        return _text(messages[0]["content"]), _text(messages[-1]["content"])
    return str(record["prompt"]), str(record["completion"])
