"""Dataset rules the simulated Bedrock enforces in a customization job's validation phase.

Real Bedrock accepts CreateModelCustomizationJob, then validates the data and ends the job
`Failed` with a `failureMessage` when a rule is broken. The simulator does the same, so a
pipeline bug that lets bad data through shows up as a failed job in the end-to-end tests.

These rules are the simulator's own, written from the sources below independently of the
pipeline's registry (`shared.families`), so that a registry mistake cannot hide itself:

- Record formats and counts: https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html
  and the Nova guide https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html.
- Claude 3 Haiku: AWS's dataset validator (github.com/aws-samples/amazon-bedrock-samples,
  custom-models/bedrock-fine-tuning/claude-haiku): `\\nHuman:` / `\\nAssistant:` are reserved in
  prompts and system text; 3 characters per token against the 32,000-token record limit;
  32-10,000 training and 32-1,000 validation records.
- Nova Micro/Lite/Pro: AWS's Nova dataset validator (same repository, custom-models/
  bedrock-fine-tuning/nova): reserved words in any letter case, including `<unk>` and
  `Thought:`; at least 8 training samples, at most 20,000 in training and validation together.
- Nova 2 Lite: https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-data-prep-sft-2.html:
  200-20,000 samples, optional `reasoningContent` in assistant turns, no validation set (a
  `validationDataConfig` is refused when the job is created).
- Meta Llama 3.x: 100-10,000 records, training and validation combined.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

Format = Literal["anthropic", "converse", "prompt-completion"]

NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]", "<unk>", "Thought:")


@dataclass(frozen=True)
class DataRules:
    name: str
    record_format: Format
    min_training: int
    max_training: int
    max_validation: int | None
    max_total: int
    min_validation: int = 0
    min_total: int = 0
    validation_allowed: bool = True
    reserved: tuple[str, ...] = ()
    ignore_case: bool = False
    reserved_in_completions: bool = True
    chars_per_token: int | None = None
    max_tokens: int | None = None
    reasoning_allowed: bool = False


_RULES: tuple[tuple[str, DataRules], ...] = (
    (
        "anthropic.claude-3-haiku",
        DataRules(
            "Claude 3 Haiku",
            "anthropic",
            min_training=32,
            max_training=10_000,
            min_validation=32,
            max_validation=1_000,
            max_total=10_000,
            reserved=("\nHuman:", "\nAssistant:"),
            reserved_in_completions=False,
            chars_per_token=3,
            max_tokens=32_000,
        ),
    ),
    (
        "amazon.nova-2-lite",
        DataRules(
            "Nova 2 Lite",
            "converse",
            min_training=200,
            max_training=20_000,
            max_validation=0,
            max_total=20_000,
            validation_allowed=False,
            reserved=NOVA_RESERVED,
            ignore_case=True,
            reasoning_allowed=True,
        ),
    ),
    (
        "amazon.nova-",
        DataRules(
            "Nova",
            "converse",
            min_training=8,
            max_training=20_000,
            max_validation=None,
            max_total=20_000,
            reserved=NOVA_RESERVED,
            ignore_case=True,
        ),
    ),
    (
        "meta.llama3-1",
        DataRules("Llama 3.1", "prompt-completion", 1, 10_000, None, 10_000, min_total=100, max_tokens=16_000),
    ),
    ("meta.llama3-2", DataRules("Llama 3.2", "converse", 1, 10_000, None, 10_000, min_total=100)),
    ("meta.llama3-3", DataRules("Llama 3.3", "converse", 1, 10_000, None, 10_000, min_total=100)),
)


def rules_for(base_model_id: str) -> DataRules | None:
    for prefix, rules in _RULES:
        if base_model_id.startswith(prefix):
            return rules
    return None


def validation_config_refusal(base_model_id: str, body: dict[str, Any]) -> str | None:
    """CreateModelCustomizationJob's answer to a validation set the model does not take."""
    rules = rules_for(base_model_id)
    if rules and not rules.validation_allowed and body.get("validationDataConfig"):
        return f"{rules.name} does not support a validation dataset; remove validationDataConfig"
    return None


class _Problem(Exception):
    pass


def _texts(content: Any, rules: DataRules, role: str) -> Iterator[str]:
    if rules.record_format == "anthropic":
        if not isinstance(content, str):
            raise _Problem("message content must be a string")
        yield content
        return
    if not isinstance(content, list) or not content:
        raise _Problem("message content must be a non-empty list of content blocks")
    for block in content:
        if not isinstance(block, dict):
            raise _Problem("each content block must be an object")
        if "text" in block:
            yield str(block["text"])
        elif "reasoningContent" in block:
            if role != "assistant" or not rules.reasoning_allowed:
                raise _Problem("reasoningContent is allowed only in assistant turns of Nova 2 models")
            yield str(block["reasoningContent"].get("reasoningText", {}).get("text", ""))
        else:
            raise _Problem(f"unsupported content block {sorted(block)}")


def _system_texts(record: dict[str, Any], rules: DataRules) -> list[str]:
    system = record.get("system")
    if system is None:
        return []
    if rules.record_format == "anthropic":
        if not isinstance(system, str):
            raise _Problem("system must be a string")
        return [system]
    if not isinstance(system, list):
        raise _Problem("system must be a list of text blocks")
    return [str(block.get("text", "")) for block in system if isinstance(block, dict)]


def _record(record: Any, rules: DataRules) -> tuple[list[str], list[str]]:
    """(prompt texts, completion texts) of one record, with its structure checked."""
    if not isinstance(record, dict):
        raise _Problem("each line must be a JSON object")
    if rules.record_format == "prompt-completion":
        if not isinstance(record.get("prompt"), str) or not isinstance(record.get("completion"), str):
            raise _Problem("each record needs string 'prompt' and 'completion' fields")
        return [record["prompt"]], [record["completion"]]
    messages = record.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        raise _Problem("each record needs at least two messages")
    prompts, completions = _system_texts(record, rules), list[str]()
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role != ("user" if index % 2 == 0 else "assistant"):
            raise _Problem("roles must alternate user/assistant, starting with user")
        (prompts if role == "user" else completions).extend(_texts(message.get("content"), rules, role))
    if messages[-1].get("role") != "assistant":
        raise _Problem("the last message must be from the assistant")
    return prompts, completions


def _reserved(texts: list[str], rules: DataRules) -> str | None:
    for text in texts:
        haystack = text.casefold() if rules.ignore_case else text
        for word in rules.reserved:
            if (word.casefold() if rules.ignore_case else word) in haystack:
                return word
    return None


def _check_file(text: str, rules: DataRules, label: str) -> tuple[int, str | None]:
    """(number of records, first problem)."""
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        count += 1
        try:
            prompts, completions = _record(json.loads(line), rules)
        except ValueError:
            return count, f"{label} data line {number} is not valid JSON"
        except _Problem as problem:
            return count, f"{label} data line {number}: {problem}"
        word = _reserved(prompts + (completions if rules.reserved_in_completions else []), rules)
        if word is not None:
            case = " (matched in any letter case)" if rules.ignore_case else ""
            return count, f"{label} data line {number} contains the reserved word {word!r}{case}"
        if rules.max_tokens is not None:
            characters = sum(len(t) for t in prompts + completions)
            tokens = math.ceil(characters / (rules.chars_per_token or 1)) if rules.chars_per_token else None
            if tokens is not None and tokens > rules.max_tokens:
                return count, (
                    f"{label} data line {number} has about {tokens:,} tokens "
                    f"({rules.chars_per_token} characters per token); the limit is {rules.max_tokens:,}"
                )
    return count, None


def validate_job_data(base_model_id: str, training: str, validation: str | None) -> str | None:
    """The failure message of the job's validation phase, or None when the data passes."""
    rules = rules_for(base_model_id)
    if rules is None:
        return None
    train_count, problem = _check_file(training, rules, "Training")
    if problem:
        return f"Data validation failed: {problem}"
    val_count = 0
    if validation is not None:
        val_count, problem = _check_file(validation, rules, "Validation")
        if problem:
            return f"Data validation failed: {problem}"
    name = rules.name
    if train_count < rules.min_training or train_count > rules.max_training:
        return (
            f"Data validation failed: {train_count} training records; {name} needs "
            f"{rules.min_training}-{rules.max_training:,}"
        )
    if validation is not None and rules.max_validation is not None and val_count > rules.max_validation:
        return f"Data validation failed: {val_count:,} validation records; {name} allows {rules.max_validation:,}"
    if validation is not None and val_count < rules.min_validation:
        return f"Data validation failed: {val_count} validation records; {name} needs at least {rules.min_validation}"
    total = train_count + val_count
    if total > rules.max_total or total < rules.min_total:
        return (
            f"Data validation failed: {total:,} training and validation records together; {name} needs "
            f"{rules.min_total or rules.min_training}-{rules.max_total:,}"
        )
    return None
