"""Reads a raw QA file (JSON array, JSON Lines or CSV with a header row) into QA pairs.

Every problem is recorded in the IssueLog with the file, the record (JSON array, 1-based),
line (JSON Lines, 1-based) or row (CSV, numbered as a spreadsheet shows it: the header is
row 1) and the rule broken; reading goes on so that the user sees all problems at once. A file
in the wrong encoding is refused once, with the likely encoding and the fix (see encodings.py).
The record shapes (key pairs, Dolly, Alpaca, chat messages) are in records.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal

from preprocess import encodings
from preprocess.issues import IssueLog
from preprocess.records import (
    KEY_PAIRS,
    QAPair,
    Shape,
    detect,
    detect_prompt_only,
    read,
    shape_for_keys,
    type_name,
)
from shared.s3 import S3Uri

__all__ = ["KEY_PAIRS", "QAPair", "RawFile", "detect_keys", "file_kind", "read_raw_file"]

MAX_JSON_ARRAY_BYTES = 512 * 1024**2
MAX_JSONL_BYTES = 2 * 1024**3
"""What one PreprocessDataset invocation can hold in memory (the stack gives it 4 GB); Bedrock's
own limits (up to 10 GB) are larger, and such datasets are far past the record limits anyway.
JSON Lines in UTF-8 are streamed line by line; every other file (JSON arrays, CSV, JSON Lines
in another encoding) is decoded whole, so it has the smaller limit."""

HEAD_BYTES = 64 * 1024
CSV_FIELD_LIMIT = 64 * 1024**2
"""Python's csv module refuses cells over 128 KiB by default; a long answer is not an error."""
ZIP_MAGIC = b"PK\x03\x04"

FileKind = Literal["json", "jsonl", "csv"]


@dataclass
class RawFile:
    key: str
    size: int
    pairs: list[QAPair]
    keys: tuple[str, str] | None
    format: str
    """json, jsonl, csv (or unknown when the file could not be read)."""
    shape: str | None = None
    """The record shape, e.g. 'question/answer', 'Dolly (...)', 'chat messages'."""
    encoding: str | None = None
    """How the bytes were decoded, e.g. 'UTF-8', 'UTF-16 with BOM', 'cp932'."""


def file_kind(key: str) -> FileKind:
    lower = key.lower()
    if lower.endswith(".jsonl"):
        return "jsonl"
    if lower.endswith(".csv"):
        return "csv"
    return "json"


def detect_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [pair for pair in KEY_PAIRS if pair[0] in record and pair[1] in record]


def _known_shapes() -> str:
    pairs = ", ".join(f"{p}/{c}" for p, c in KEY_PAIRS)
    return f"{pairs}, instruction/response (Dolly), messages (chat)"


class _Reader:
    """Validates records one by one. Without explicit keys, the shape is detected from the
    first record that holds a complete known shape; records seen before that are held back
    and checked once the shape is known, so one bad first record does not hide the rest."""

    def __init__(
        self,
        file: str,
        keys: tuple[str, str] | None,
        log: IssueLog,
        noun: str = "keys",
        answers_optional: bool = False,
    ) -> None:
        self.file = file
        self.answers_optional = answers_optional
        self.shape: Shape | None = shape_for_keys(keys) if keys else None
        self.log = log
        self.noun = noun
        self.pairs: list[QAPair] = []
        self._pending: list[tuple[dict[str, Any], str]] = []
        self._ambiguous = False

    @property
    def keys(self) -> tuple[str, str] | None:
        return self.shape.keys if self.shape else None

    def add(self, item: Any, location: str) -> None:
        if not isinstance(item, dict):
            self.log.error(self.file, location, "not-an-object", f"expected an object, found {type_name(item)}")
            return
        if self.shape is None:
            self._detect(item, location)
        if self.shape is None:
            self._pending.append((item, location))
            return
        self._check(item, location)

    def finish(self) -> None:
        """Reports records that could not be checked because no known shape was found. Where answers
        are optional and no record has one, the shape is told by the prompt key alone."""
        if self.shape is None and self._pending and not self._ambiguous and self.answers_optional:
            found = detect_prompt_only(self._pending[0][0])
            if len(found) == 1:
                self.shape = found[0]
                pending, self._pending = self._pending, []
                for earlier, where in pending:
                    self._check(earlier, where)
                return
        if self.shape is None and self._pending and not self._ambiguous:
            item, location = self._pending[0]
            self.log.error(
                self.file,
                location,
                "unknown-keys",
                f"no known key pair ({_known_shapes()}) in any record (first record's {self.noun}: {sorted(item)}); "
                "set promptKey and completionKey",
            )

    def _check(self, item: dict[str, Any], location: str) -> None:
        assert self.shape is not None
        pair = read(self.shape, item, self.file, location, self.log, self.answers_optional)
        if pair is not None:
            self.pairs.append(pair)

    def _detect(self, item: dict[str, Any], location: str) -> None:
        if self._ambiguous:
            return
        found = detect(item)
        if len(found) == 1:
            self.shape = found[0]
            pending, self._pending = self._pending, []
            for earlier, where in pending:
                self._check(earlier, where)
        elif len(found) > 1:
            self._ambiguous = True
            names = ", ".join(f"{s.keys[0]}/{s.keys[1]}" for s in found if s.keys)
            self.log.error(
                self.file,
                location,
                "ambiguous-keys",
                f"ambiguous keys: the record has {names}; set promptKey and completionKey",
            )


def read_raw_file(
    s3: Any,
    source: S3Uri,
    keys: tuple[str, str] | None,
    max_bytes: int,
    log: IssueLog,
    encoding: str | None = None,
    answers_optional: bool = False,
) -> RawFile:
    """`encoding`: the execution input's sourceEncoding (None: UTF-8, or UTF-8/UTF-16 by BOM).
    `answers_optional`: questions without an answer are kept with an empty completion (distillation's
    prompts only, see records.read); otherwise a missing or empty answer is an error."""
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
    kind = file_kind(file)
    if size > max_bytes:
        log.error(
            file,
            None,
            "file-too-large",
            f"the file is {size:,} bytes; the limit for this model family is {max_bytes:,} bytes",
        )
        return RawFile(file, size, [], keys, "unknown")
    if size > (MAX_JSONL_BYTES if kind == "jsonl" else MAX_JSON_ARRAY_BYTES):
        _too_large(file, size, kind, log)
        return RawFile(file, size, [], keys, "unknown")
    body = s3.get_object(Bucket=source.bucket, Key=source.key)["Body"]
    first = body.read(HEAD_BYTES)
    if first.startswith(ZIP_MAGIC):
        log.error(
            file,
            None,
            "not-text",
            "this is a spreadsheet workbook (.xlsx) or another zip archive, not text: in Excel use "
            "Save As > CSV UTF-8 (comma delimited), then upload the .csv",
        )
        return RawFile(file, size, [], keys, "unknown")
    try:
        decoding = encodings.choose(first[:4], encoding, file)
    except encodings.EncodingRefused as error:
        log.error(file, None, "unsupported-encoding", str(error))
        return RawFile(file, size, [], keys, "unknown")
    reader = _Reader(file, keys, log, "columns" if kind == "csv" else "keys", answers_optional)
    if kind == "jsonl" and decoding.codec in ("utf-8", "utf-8-sig"):
        _read_json_lines(_lines(first, body), reader)
    else:
        if size > MAX_JSON_ARRAY_BYTES:
            _too_large(file, size, kind, log, whole=True)
            return RawFile(file, size, [], keys, "unknown")
        text, decoding = _decode(first + body.read(), encoding, reader, decoding)
        if text is not None:
            if kind == "jsonl":
                _read_json_lines(((n, line) for n, line in enumerate(text.split("\n"), start=1)), reader)
            elif kind == "csv":
                _read_csv(text, reader)
            else:
                _read_json_array(text, reader)
    reader.finish()
    if not log.failed and not reader.pairs:
        log.error(file, None, "no-records", "the file holds no records")
    shape = reader.shape.label if reader.shape else None
    return RawFile(file, size, reader.pairs, reader.keys, kind, shape, decoding.label)


def _too_large(file: str, size: int, kind: FileKind, log: IssueLog, whole: bool = False) -> None:
    """`whole`: a JSON Lines file that cannot be streamed because it is not UTF-8."""
    what = {"jsonl": "JSON Lines file", "csv": "CSV file"}.get(kind, "JSON array file (use .jsonl for larger files)")
    if whole:
        what = f"JSON Lines file that is not UTF-8 (in UTF-8 it is streamed, up to {MAX_JSONL_BYTES:,} bytes)"
    limit = MAX_JSONL_BYTES if kind == "jsonl" and not whole else MAX_JSON_ARRAY_BYTES
    log.error(
        file,
        None,
        "file-too-large-to-process",
        f"the file is {size:,} bytes; this pipeline processes up to {limit:,} bytes per {what}",
    )


def _decode(
    data: bytes, declared: str | None, reader: _Reader, chosen: encodings.Decoding
) -> tuple[str | None, encodings.Decoding]:
    try:
        return encodings.decode(data, declared, reader.file)
    except encodings.EncodingRefused as error:
        reader.log.error(reader.file, None, "not-utf8", str(error))
        return None, chosen


def _lines(first: bytes, body: Any) -> Iterator[tuple[int, bytes]]:
    """Numbered lines of a streamed body (LF or CRLF), without holding the file in memory."""
    pending = b""
    number = 0
    for chunk in chain([first], body.iter_chunks(1024**2)):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            number += 1
            yield number, line
    if pending:
        yield number + 1, pending


def _read_json_lines(lines: Iterable[tuple[int, bytes | str]], reader: _Reader) -> None:
    numbered = iter(lines)
    for number, raw in numbered:
        location = f"line {number}"
        if isinstance(raw, bytes):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                # The wrong encoding, not one bad line: refuse once, with the likely encoding.
                sample = b"\n".join(
                    chain([raw], (line for _, line in _take(numbered, encodings.DETECTION_SAMPLE_BYTES)))
                )
                reader.log.error(reader.file, location, "not-utf8", encodings.not_utf8(sample, None, reader.file))
                return
        else:
            text = raw
        text = text.rstrip("\r")
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


def _take(lines: Iterator[tuple[int, Any]], budget: int) -> Iterator[tuple[int, Any]]:
    for number, line in lines:
        yield number, line
        budget -= len(line)
        if budget <= 0:
            return


def _json_hint(text: str) -> str:
    """What a .json file that is not a JSON array probably is."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if first.startswith("{"):
        return "a .json file must hold one JSON array (use .jsonl for one object per line)"
    if "," in first and not first.startswith("["):
        return f"this looks like CSV (header {first[:60]!r}): name the file .csv"
    return "a .json file must hold one JSON array (use .jsonl for one object per line, .csv for CSV)"


def _read_json_array(text: str, reader: _Reader) -> None:
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
            f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); {_json_hint(text)}",
        )
        return
    if not isinstance(document, list):
        hint = ""
        if isinstance(document, dict):
            arrays = [key for key, value in document.items() if isinstance(value, list)]
            if "messages" in document:
                hint = " (one chat record: put records in a JSON array, or one per line in a .jsonl file)"
            elif arrays:
                hint = f" (the object's {arrays[0]!r} field holds an array: upload that array instead)"
        reader.log.error(
            reader.file,
            None,
            "not-an-array",
            f"expected a JSON array of records, found {type_name(document)}{hint}",
        )
        return
    if not document:
        reader.log.error(reader.file, None, "no-records", "the array is empty: the file holds no records")
        return
    for index, item in enumerate(document, start=1):
        reader.add(item, f"record {index}")


def _read_csv(text: str, reader: _Reader) -> None:
    """Comma-separated, a header row first, RFC 4180 quoting (cells with commas, quotes or line
    breaks in double quotes, as Excel writes them), LF or CRLF. Rows are numbered as a
    spreadsheet shows them (the header is row 1); the line is added when a multi-line cell
    above moved it."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    row = 0
    line = 0
    while True:
        start = line + 1
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            reader.log.error(
                reader.file,
                f"row {row + 1}" + (f" (line {start})" if start != row + 1 else ""),
                "invalid-csv",
                f"not valid CSV ({error}); a quoted cell must end with a closing double quote, "
                'and a double quote inside a quoted cell is written twice ("")',
            )
            return
        row += 1
        line = rows.line_num
        location = f"row {row}" + (f" (line {start})" if start != row else "")
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            if not _check_header(header, reader):
                return
            continue
        if len(cells) != len(header):
            reader.log.error(
                reader.file,
                location,
                "cell-count",
                f"{len(cells)} cells where the header has {len(header)} columns; a cell holding a comma or a "
                "line break must be in double quotes",
            )
            continue
        reader.add({name: cell for name, cell in zip(header, cells, strict=True) if name}, location)
    if header is None:
        reader.log.error(reader.file, None, "empty-file", "the file is empty (a CSV file needs a header row)")


def _check_header(header: list[str], reader: _Reader) -> bool:
    if len(header) == 1:
        for separator, name in ((";", "semicolons"), ("\t", "tabs")):
            if separator in header[0]:
                reader.log.error(
                    reader.file,
                    "row 1",
                    "csv-separator",
                    f"the header is one column separated by {name} ({header[0][:60]!r}); this pipeline reads "
                    "comma-separated files: save as CSV UTF-8 (comma delimited)",
                )
                return False
    names = [name for name in header if name]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        reader.log.error(
            reader.file, "row 1", "duplicate-column", f"the header names column {duplicates[0]!r} twice; rename one"
        )
        return False
    return True
