"""Fine-tuning record formats, one per `RecordFormat` in the family registry.

`to_record` turns a QA pair into the JSONL object Bedrock expects for the family;
`from_record` reads one back (the simulated Bedrock and the tests use it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.families import RecordFormat

SCHEMA_VERSION = "bedrock-conversation-2024"


Turn = tuple[str, str]
"""One (user, assistant) exchange."""

TAKES_CONVERSATIONS: dict[RecordFormat, bool] = {
    # Claude 3 Haiku: user and assistant messages alternate, the first user and the last assistant
    # (https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock).
    "anthropic-messages": True,
    # Nova and Llama 3.2/3.3: the Converse format, "single-turn and multi-turn"
    # (https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html).
    "bedrock-conversation": True,
    # Llama 3.1: the non-conversational format, one prompt and one completion (same page).
    "prompt-completion": False,
}
"""Whether a record of the format can hold earlier exchanges (multi-turn conversations)."""


def _turns(history: tuple[Turn, ...], prompt: str, completion: str) -> list[tuple[str, str]]:
    messages = [
        (role, text) for user, assistant in history for role, text in (("user", user), ("assistant", assistant))
    ]
    return [*messages, ("user", prompt), ("assistant", completion)]


def _anthropic(system: str, prompt: str, completion: str, history: tuple[Turn, ...] = ()) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if system:
        record["system"] = system
    record["messages"] = [{"role": role, "content": text} for role, text in _turns(history, prompt, completion)]
    return record


def _conversation(system: str, prompt: str, completion: str, history: tuple[Turn, ...] = ()) -> dict[str, Any]:
    record: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION}
    if system:
        record["system"] = [{"text": system}]
    record["messages"] = [
        {"role": role, "content": [{"text": text}]} for role, text in _turns(history, prompt, completion)
    ]
    return record


def _prompt_completion(system: str, prompt: str, completion: str, history: tuple[Turn, ...] = ()) -> dict[str, Any]:
    # This format has no system field: the system prompt is prepended to the prompt.
    if history:
        raise ValueError("prompt/completion records hold one exchange; conversations are refused before this")
    return {"prompt": f"{system}\n\n{prompt}" if system else prompt, "completion": completion}


_WRITERS: dict[RecordFormat, Callable[[str, str, str, tuple[Turn, ...]], dict[str, Any]]] = {
    "anthropic-messages": _anthropic,
    "bedrock-conversation": _conversation,
    "prompt-completion": _prompt_completion,
}


def to_record(
    record_format: RecordFormat, system: str, prompt: str, completion: str, history: tuple[Turn, ...] = ()
) -> dict[str, Any]:
    """`history`: earlier exchanges of a conversation, written before the last one."""
    return _WRITERS[record_format](system, prompt, completion, history)


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
    """(prompt, completion) of a record in any of the formats above: its last exchange."""
    if "messages" in record:
        messages = record["messages"]
        return _text(messages[-2]["content"]), _text(messages[-1]["content"])
    return str(record["prompt"]), str(record["completion"])
