"""Record shapes of raw data, each turned into one `QAPair` (see dataset/README.md).

- Key pairs: `question`/`answer`, `sentence1`/`sentence2`, `prompt`/`completion` (also Llama's
  own fine-tuning format), or any pair named by promptKey/completionKey.
- Alpaca: `instruction`, optional `input`, `output`; Dolly: `instruction`, optional `context`,
  `response`. The optional field is folded into the prompt by `fold_context`, never dropped.
- Chat: `messages` with `system`/`user`/`assistant` roles: the OpenAI chat fine-tuning format,
  Claude 3 Haiku's own format (top-level `system` string) and Bedrock's
  `bedrock-conversation-2024` (content as `[{"text": ...}]`, `system` as `[{"text": ...}]`).
  The last exchange is the pair; earlier exchanges are kept as `history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from preprocess.issues import IssueLog

CONTEXT_TEMPLATE = "{instruction}\n\nContext:\n{context}"
"""How Dolly's `context` (and Alpaca's `input`) joins the instruction to make the prompt."""

KEY_PAIRS: tuple[tuple[str, str], ...] = (
    ("question", "answer"),
    ("sentence1", "sentence2"),
    ("prompt", "completion"),
    ("instruction", "output"),
)
CONTEXT_KEYS: dict[tuple[str, str], str] = {("instruction", "output"): "input", ("instruction", "response"): "context"}
"""Key pairs whose records may carry an optional context field (Alpaca, Dolly)."""

CHAT_ROLES = ("system", "user", "assistant")
_CHAT_KEYS = {"messages", "system", "schemaVersion"}
_MESSAGE_KEYS = {"role", "content", "name"}


@dataclass(frozen=True)
class QAPair:
    prompt: str
    completion: str
    location: str
    """Where the pair came from, e.g. 'record 17', 'line 17' or 'row 17'."""
    system: str | None = None
    """The record's own system prompt (chat records), else None: the run's applies."""
    history: tuple[tuple[str, str], ...] = ()
    """Earlier (user, assistant) exchanges of a multi-turn conversation."""

    def texts(self) -> tuple[str, ...]:
        """Every text of the record but the system prompt (token counts, reserved phrases)."""
        return (*(text for turn in self.history for text in turn), self.prompt, self.completion)


@dataclass(frozen=True)
class Shape:
    kind: str
    """'keys' (a key pair, maybe with a context field) or 'chat'."""
    keys: tuple[str, str] | None = None
    context_key: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "chat":
            return "chat messages"
        assert self.keys is not None
        names = {"context": "Dolly", "input": "Alpaca"}
        base = f"{self.keys[0]}/{self.keys[1]}"
        return f"{names[self.context_key]} ({base}, optional {self.context_key})" if self.context_key else base


def type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def shape_for_keys(keys: tuple[str, str]) -> Shape:
    return Shape("keys", keys, CONTEXT_KEYS.get(keys))


PROMPT_ONLY_KEYS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("question", ("question", "answer")),
    ("sentence1", ("sentence1", "sentence2")),
    ("prompt", ("prompt", "completion")),
)
"""The shape a record with a prompt and no answer key has (distillation's prompts only)."""


def detect_prompt_only(record: dict[str, Any]) -> list[Shape]:
    """Shapes a record without its answer key could be, when answers are optional (distillation):
    only used when no record of the file holds a complete shape."""
    if "messages" in record:
        return [Shape("chat")]
    found = [shape_for_keys(pair) for key, pair in PROMPT_ONLY_KEYS if key in record]
    if "instruction" in record:
        # Dolly when it has `context`, else Alpaca: without the answer key both read the same prompt.
        found.append(shape_for_keys(("instruction", "response") if "context" in record else ("instruction", "output")))
    return found


def detect(record: dict[str, Any]) -> list[Shape]:
    """Every shape the record could be (more than one is ambiguous)."""
    if "messages" in record:
        return [Shape("chat")]
    if "instruction" in record and "response" in record:
        return [shape_for_keys(("instruction", "response"))]
    return [shape_for_keys(pair) for pair in KEY_PAIRS if pair[0] in record and pair[1] in record]


def fold_context(instruction: str, context: str) -> str:
    return CONTEXT_TEMPLATE.format(instruction=instruction, context=context) if context.strip() else instruction


def read(
    shape: Shape, record: dict[str, Any], file: str, location: str, log: IssueLog, answers_optional: bool = False
) -> QAPair | None:
    """`answers_optional` (distillation): a missing, null or empty answer is no answer (the pair's
    completion is ""); every other rule holds. Otherwise an answer is required."""
    if shape.kind == "chat":
        return _Chat(file, location, log, answers_optional).read(record)
    assert shape.keys is not None
    prompt = _string(record, shape.keys[0], file, location, log)
    if answers_optional and _blank(record.get(shape.keys[1])):
        completion: str | None = ""
    else:
        completion = _string(record, shape.keys[1], file, location, log)
    context = ""
    if shape.context_key and record.get(shape.context_key) is not None:
        value = record[shape.context_key]
        if isinstance(value, str):
            context = value
        else:
            log.error(
                file,
                location,
                "not-a-string",
                f"{shape.context_key!r} must be a string, found {type_name(value)}",
            )
            return None
    if prompt is None or completion is None:
        return None
    return QAPair(fold_context(prompt, context), completion, location)


def _blank(value: Any) -> bool:
    """No answer: absent, null, an empty or whitespace-only string, or text blocks holding nothing."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(isinstance(block, dict) and not str(block.get("text", "")).strip() for block in value)
    return False


def _string(record: dict[str, Any], key: str, file: str, location: str, log: IssueLog) -> str | None:
    if key not in record:
        log.error(file, location, "missing-key", f"missing {key!r}")
        return None
    value = record[key]
    if value is None:
        log.error(file, location, "null-value", f"{key!r} is null")
        return None
    if not isinstance(value, str):
        hint = ""
        if isinstance(value, list) and any(isinstance(item, dict) and "role" in item for item in value):
            hint = " (these are chat messages: drop promptKey/completionKey, the chat format is detected by itself)"
        log.error(file, location, "not-a-string", f"{key!r} must be a string, found {type_name(value)}{hint}")
        return None
    if not value.strip():
        detail = "" if value == "" else " (whitespace only)"
        log.error(file, location, "empty-value", f"empty {key}{detail}")
        return None
    return value


class _Chat:
    """One chat record: optional system prompt, then user/assistant turns alternating, starting
    with user and ending with assistant. Only text is converted: tool calls, images and the
    like have no counterpart in every family's format, so they are refused rather than dropped."""

    def __init__(self, file: str, location: str, log: IssueLog, answers_optional: bool = False) -> None:
        self.file, self.location, self.log = file, location, log
        self.answers_optional = answers_optional
        self.ok = True

    def _error(self, rule: str, message: str) -> None:
        self.ok = False
        self.log.error(self.file, self.location, rule, message)

    def read(self, record: dict[str, Any]) -> QAPair | None:
        extra = sorted(set(record) - _CHAT_KEYS)
        if extra:
            self._error(
                "unsupported-field",
                f"unsupported field {extra[0]!r} in a chat record (only messages, system and schemaVersion "
                "convert); remove it",
            )
        messages = record.get("messages")
        if not isinstance(messages, list) or not messages:
            self._error("bad-messages", f"'messages' must be a non-empty array, found {type_name(messages)}")
            return None
        if self.answers_optional and _unanswered(messages):
            messages = messages[:-1]  # an empty last assistant turn is no answer (the teacher gives one)
        given = record.get("system")
        empty = given is None or given == "" or given == []  # an empty system prompt is no system prompt
        system = None if empty else self._text(given, "'system'")
        turns: list[tuple[str, str]] = []
        for number, message in enumerate(messages, start=1):
            role_text = self._message(message, number)
            if role_text is None:
                continue
            role, text = role_text
            if role == "system":
                if turns or system is not None:
                    self._error(
                        "misplaced-system",
                        f"message {number}: a system message may only come first, once; merge it into the first",
                    )
                system = text
                continue
            expected = "user" if not turns or turns[-1][0] == "assistant" else "assistant"
            if role != expected:
                self._error(
                    "turn-order",
                    f"message {number} is {role!r} where {expected!r} is expected: after the optional system "
                    "message, user and assistant messages must alternate, starting with user",
                )
                return None
            turns.append((role, text))
        if not self.ok:
            return None
        if self.answers_optional and turns and turns[-1][0] == "user":
            turns.append(("assistant", ""))  # prompts only: the assistant turn is optional (distillation)
        if not turns or turns[-1][0] != "assistant":
            self._error("turn-order", "the last message must be the assistant's answer")
            return None
        pairs = [(turns[i][1], turns[i + 1][1]) for i in range(0, len(turns), 2)]
        prompt, completion = pairs[-1]
        return QAPair(prompt, completion, self.location, system, tuple(pairs[:-1]))

    def _message(self, message: Any, number: int) -> tuple[str, str] | None:
        if not isinstance(message, dict):
            self._error("bad-message", f"message {number} must be an object, found {type_name(message)}")
            return None
        extra = sorted(set(message) - _MESSAGE_KEYS)
        if extra:
            self._error(
                "unsupported-field",
                f"message {number} has {extra[0]!r}, which cannot be converted (only role and content); remove it",
            )
            return None
        role = message.get("role")
        if role == "developer":  # OpenAI's newer name for the system role
            role = "system"
        if role not in CHAT_ROLES:
            self._error(
                "bad-role",
                f"message {number} has role {role!r}; only system, user and assistant convert "
                "(tool and function messages cannot)",
            )
            return None
        text = self._text(message.get("content"), f"message {number}'s content")
        return None if text is None else (str(role), text)

    def _text(self, content: Any, what: str) -> str | None:
        """A string, or a list of text blocks ({"text": ...} or OpenAI's {"type": "text", "text": ...})."""
        if isinstance(content, list):
            parts = []
            for block in content:
                if not isinstance(block, dict) or not isinstance(block.get("text"), str):
                    kind = sorted(block)[0] if isinstance(block, dict) and block else type_name(block)
                    self._error(
                        "not-text",
                        f"{what} holds a {kind!r} block; only text blocks convert (images, documents, tool use "
                        "and reasoning content cannot)",
                    )
                    return None
                parts.append(block["text"])
            content = "".join(parts)
        if not isinstance(content, str):
            self._error("not-a-string", f"{what} must be a string or text blocks, found {type_name(content)}")
            return None
        if not content.strip():
            self._error("empty-value", f"{what} is empty")
            return None
        return content


def _unanswered(messages: list[Any]) -> bool:
    last = messages[-1]
    return (
        len(messages) > 1 and isinstance(last, dict) and last.get("role") == "assistant" and _blank(last.get("content"))
    )
