"""Reads a raw QA file (JSON array or JSON Lines) into prompt/completion pairs.

Every problem is recorded in the IssueLog with the file, the record (JSON array, 1-based)
or line (JSON Lines, 1-based) and the rule broken; reading goes on so that the user sees
all problems at once.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from preprocess.issues import IssueLog
from shared.s3 import S3Uri

KEY_PAIRS: tuple[tuple[str, str], ...] = (
    ("question", "answer"),
    ("sentence1", "sentence2"),
    ("prompt", "completion"),
    ("instruction", "output"),
)


MAX_JSON_ARRAY_BYTES = 512 * 1024**2
MAX_JSONL_BYTES = 2 * 1024**3
"""What one PreprocessDataset invocation can hold in memory (the stack gives it 4 GB); Bedrock's
own limits (up to 10 GB) are larger, and such datasets are far past the record limits anyway."""


@dataclass(frozen=True)
class QAPair:
    prompt: str
    completion: str
    location: str
    """Where the pair came from, e.g. 'record 17' or 'line 17'."""


@dataclass
class RawFile:
    key: str
    size: int
    pairs: list[QAPair]
    keys: tuple[str, str] | None
    format: str


def _type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def detect_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [pair for pair in KEY_PAIRS if pair[0] in record and pair[1] in record]


def _check_value(record: dict[str, Any], key: str, file: str, location: str, log: IssueLog) -> str | None:
    if key not in record:
        log.error(file, location, "missing-key", f"missing {key!r}")
        return None
    value = record[key]
    if value is None:
        log.error(file, location, "null-value", f"{key!r} is null")
        return None
    if not isinstance(value, str):
        log.error(file, location, "not-a-string", f"{key!r} must be a string, found {_type_name(value)}")
        return None
    if not value.strip():
        detail = "" if value == "" else " (whitespace only)"
        log.error(file, location, "empty-value", f"empty {key}{detail}")
        return None
    return value


class _Reader:
    """Validates records one by one. Without explicit keys, the key pair is detected from the
    first record that holds a complete known pair; records seen before that are held back
    and checked once the pair is known, so one bad first record does not hide the rest."""

    def __init__(self, file: str, keys: tuple[str, str] | None, log: IssueLog) -> None:
        self.file = file
        self.keys = keys
        self.log = log
        self.pairs: list[QAPair] = []
        self._pending: list[tuple[dict[str, Any], str]] = []
        self._ambiguous = False

    def add(self, item: Any, location: str) -> None:
        if not isinstance(item, dict):
            self.log.error(self.file, location, "not-an-object", f"expected an object, found {_type_name(item)}")
            return
        if self.keys is None:
            self._detect(item, location)
        if self.keys is None:
            self._pending.append((item, location))
            return
        self._check(item, location)

    def finish(self) -> None:
        """Reports records that could not be checked because no key pair was found."""
        if self.keys is None and self._pending and not self._ambiguous:
            item, location = self._pending[0]
            known = ", ".join(f"{p}/{c}" for p, c in KEY_PAIRS)
            self.log.error(
                self.file,
                location,
                "unknown-keys",
                f"no known key pair ({known}) in any record (first record's keys: {sorted(item)}); "
                "set promptKey and completionKey",
            )

    def _check(self, item: dict[str, Any], location: str) -> None:
        assert self.keys is not None
        prompt = _check_value(item, self.keys[0], self.file, location, self.log)
        completion = _check_value(item, self.keys[1], self.file, location, self.log)
        if prompt is not None and completion is not None:
            self.pairs.append(QAPair(prompt, completion, location))

    def _detect(self, item: dict[str, Any], location: str) -> None:
        if self._ambiguous:
            return
        found = detect_keys(item)
        if len(found) == 1:
            self.keys = found[0]
            pending, self._pending = self._pending, []
            for earlier, where in pending:
                self._check(earlier, where)
        elif len(found) > 1:
            self._ambiguous = True
            names = ", ".join(f"{p}/{c}" for p, c in found)
            self.log.error(
                self.file,
                location,
                "ambiguous-keys",
                f"ambiguous keys: the record has {names}; set promptKey and completionKey",
            )


def _decode(data: bytes, file: str, log: IssueLog) -> str | None:
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as error:
        log.error(file, None, "not-utf8", f"not UTF-8 text (invalid byte at offset {error.start})")
        return None


def _json_lines(body: Any) -> Iterator[tuple[int, bytes]]:
    yield from enumerate(body.iter_lines(keepends=False), start=1)


def read_raw_file(s3: Any, source: S3Uri, keys: tuple[str, str] | None, max_bytes: int, log: IssueLog) -> RawFile:
    file = source.key
    try:
        head = s3.head_object(Bucket=source.bucket, Key=source.key)
    except s3.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey", "NotFound"):
            log.error(file, None, "not-found", f"the file does not exist in bucket {source.bucket}")
        else:
            log.error(file, None, "unreadable", f"the file cannot be read ({code})")
        return RawFile(file, 0, [], keys, "unknown")
    size = int(head["ContentLength"])
    is_jsonl = file.lower().endswith(".jsonl")
    processable = MAX_JSONL_BYTES if is_jsonl else MAX_JSON_ARRAY_BYTES
    if size <= max_bytes and size > processable:
        log.error(
            file,
            None,
            "file-too-large-to-process",
            f"the file is {size:,} bytes; this pipeline processes up to {processable:,} bytes per "
            + ("JSON Lines file" if is_jsonl else "JSON array file (use .jsonl for larger files)"),
        )
        return RawFile(file, size, [], keys, "unknown")
    if size > max_bytes:
        log.error(
            file,
            None,
            "file-too-large",
            f"the file is {size:,} bytes; the limit for this model family is {max_bytes:,} bytes",
        )
        return RawFile(file, size, [], keys, "unknown")
    reader = _Reader(file, keys, log)
    body = s3.get_object(Bucket=source.bucket, Key=source.key)["Body"]
    if is_jsonl:
        _read_json_lines(body, reader)
    else:
        _read_json_array(body.read(), reader)
    reader.finish()
    if not log.failed and not reader.pairs:
        log.error(file, None, "no-records", "the file holds no records")
    return RawFile(file, size, reader.pairs, reader.keys, "jsonl" if is_jsonl else "json")


def _read_json_lines(body: Any, reader: _Reader) -> None:
    for number, raw in _json_lines(body):
        location = f"line {number}"
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            reader.log.error(
                reader.file,
                location,
                "not-utf8",
                f"not UTF-8 text (invalid byte at column {error.start + 1})",
            )
            continue
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as error:
            reader.log.error(
                reader.file, location, "invalid-json", f"not valid JSON ({error.msg} at column {error.colno})"
            )
            continue
        reader.add(item, location)


def _read_json_array(data: bytes, reader: _Reader) -> None:
    text = _decode(data, reader.file, reader.log)
    if text is None:
        return
    if not text.strip():
        reader.log.error(reader.file, None, "empty-file", "the file is empty")
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        reader.log.error(
            reader.file,
            None,
            "invalid-json",
            f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            "a .json file must hold one JSON array (use .jsonl for one object per line)",
        )
        return
    if not isinstance(document, list):
        hint = ""
        if isinstance(document, dict):
            arrays = [key for key, value in document.items() if isinstance(value, list)]
            if arrays:
                hint = f" (the object's {arrays[0]!r} field holds an array: upload that array instead)"
        reader.log.error(
            reader.file,
            None,
            "not-an-array",
            f"expected a JSON array of records, found {_type_name(document)}{hint}",
        )
        return
    if not document:
        reader.log.error(reader.file, None, "no-records", "the array is empty: the file holds no records")
        return
    for index, item in enumerate(document, start=1):
        reader.add(item, f"record {index}")
