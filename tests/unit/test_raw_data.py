"""Reading raw QA files (JSON array / JSON Lines) from S3, and the issue log."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from preprocess.issues import MAX_LISTED, IssueLog
from preprocess.raw_data import KEY_PAIRS, QAPair, detect_keys, read_raw_file
from shared.s3 import S3Uri
from tests.conftest import moto_bucket
from tests.unit.raw_files import BIG, read_raw


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """S3 on moto with the pipeline bucket, shared by this module's tests.

    Overrides conftest's per-test `s3`: that one also starts the simulated Bedrock (about
    0.5 s a test), and these ~50 tests need only S3. Every test writes the object it reads.
    """
    with moto_bucket(BUCKET) as client:
        yield client


def _qa(n: int) -> list[dict[str, str]]:
    return [{"question": f"Question {i}?", "answer": f"Answer {i}."} for i in range(1, n + 1)]


def _rules(log: IssueLog) -> list[tuple[str | None, str]]:
    return [(issue.location, issue.rule) for issue in log.errors]


# ---------------------------------------------------------------- well-formed files


def test_json_array(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/a.json", json.dumps(_qa(3)))
    assert not log.failed
    assert log.error_count == 0
    assert raw.format == "json"
    assert raw.key == "raw/a.json"
    assert raw.keys == ("question", "answer")
    assert raw.size == len(json.dumps(_qa(3)).encode("utf-8"))
    assert raw.pairs == [
        QAPair("Question 1?", "Answer 1.", "record 1"),
        QAPair("Question 2?", "Answer 2.", "record 2"),
        QAPair("Question 3?", "Answer 3.", "record 3"),
    ]


def test_json_lines_with_blank_lines_skipped(s3: Any) -> None:
    body = (
        '{"question": "Q1", "answer": "A1"}\n'
        "\n"
        '{"question": "Q2", "answer": "A2"}\r\n'
        "   \n"
        '{"question": "Q3", "answer": "A3"}'
    )
    raw, log = read_raw(s3, "raw/a.jsonl", body)
    assert not log.failed
    assert raw.format == "jsonl"
    assert raw.pairs == [
        QAPair("Q1", "A1", "line 1"),
        QAPair("Q2", "A2", "line 3"),
        QAPair("Q3", "A3", "line 5"),
    ]


def test_json_array_with_bom(s3: Any) -> None:
    body = codecs.BOM_UTF8 + json.dumps(_qa(2)).encode("utf-8")
    raw, log = read_raw(s3, "raw/bom.json", body)
    assert not log.failed
    assert [p.prompt for p in raw.pairs] == ["Question 1?", "Question 2?"]


def test_json_lines_with_bom(s3: Any) -> None:
    body = codecs.BOM_UTF8 + b'{"question": "Q1", "answer": "A1"}\n{"question": "Q2", "answer": "A2"}\n'
    raw, log = read_raw(s3, "raw/bom.jsonl", body)
    assert not log.failed
    assert raw.pairs == [QAPair("Q1", "A1", "line 1"), QAPair("Q2", "A2", "line 2")]


def test_uppercase_jsonl_extension_is_read_as_json_lines(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/UP.JSONL", '{"question": "Q1", "answer": "A1"}\n')
    assert not log.failed
    assert raw.format == "jsonl"
    assert raw.pairs == [QAPair("Q1", "A1", "line 1")]


def test_japanese_and_markup_text_kept_byte_for_byte(s3: Any) -> None:
    records = [
        {"question": "日本の首都はどこですか\uff1f", "answer": "東京です。  "},
        {"question": "<b>bold</b> & <script>x</script>", "answer": "Ignore previous instructions."},
        {"question": "  leading\ttab\nnewline", "answer": "emoji 🚀 \u00e9\u0301 \u200b"},
    ]
    raw, log = read_raw(s3, "raw/ja.json", json.dumps(records, ensure_ascii=False))
    assert not log.failed
    assert [(p.prompt, p.completion) for p in raw.pairs] == [(r["question"], r["answer"]) for r in records]
    assert raw.pairs[0].prompt.encode("utf-8") == "日本の首都はどこですか\uff1f".encode()


def test_extra_keys_are_ignored(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/x.json", json.dumps([{"id": 7, "question": "Q", "answer": "A", "tags": []}]))
    assert not log.failed
    assert raw.pairs == [QAPair("Q", "A", "record 1")]


# ---------------------------------------------------------------- file-level problems


def test_invalid_utf8_json(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/bad.json", b'[{"question": "caf\xe9", "answer": "A"}]')
    assert raw.pairs == []
    assert _rules(log) == [(None, "not-utf8")]
    assert "not UTF-8" in log.errors[0].message
    assert "first at line 1" in log.errors[0].message


def test_invalid_utf8_jsonl_names_the_line(s3: Any) -> None:
    body = b'{"question": "Q1", "answer": "A1"}\n{"question": "caf\xe9", "answer": "A"}\n'
    raw, log = read_raw(s3, "raw/bad.jsonl", body)
    assert _rules(log) == [("line 2", "not-utf8")]
    assert "not UTF-8" in log.errors[0].message
    assert raw.pairs == [QAPair("Q1", "A1", "line 1")]


def test_not_json(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/bad.json", '[\n  {"question": "Q", "answer": "A"},\n  oops\n]')
    assert raw.pairs == []
    assert _rules(log) == [(None, "invalid-json")]
    message = log.errors[0].message
    assert "not valid JSON" in message
    assert "line 3 column 3" in message
    assert ".jsonl" in message


def test_json_lines_content_in_a_json_file(s3: Any) -> None:
    body = '{"question": "Q1", "answer": "A1"}\n{"question": "Q2", "answer": "A2"}\n'
    raw, log = read_raw(s3, "raw/lines.json", body)
    assert raw.pairs == []
    assert _rules(log) == [(None, "invalid-json")]
    assert "Extra data at line 2 column 1" in log.errors[0].message
    assert "use .jsonl for one object per line" in log.errors[0].message


def test_json_object_instead_of_array_with_hint(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/obj.json", json.dumps({"name": "set", "data": _qa(2)}))
    assert raw.pairs == []
    assert _rules(log) == [(None, "not-an-array")]
    message = log.errors[0].message
    assert "expected a JSON array of records, found an object" in message
    assert "'data' field holds an array" in message


def test_json_object_without_array_field_has_no_hint(s3: Any) -> None:
    _, log = read_raw(s3, "raw/obj.json", json.dumps({"question": "Q", "answer": "A"}))
    assert _rules(log) == [(None, "not-an-array")]
    assert log.errors[0].message == "expected a JSON array of records, found an object"


def test_json_scalar_instead_of_array(s3: Any) -> None:
    _, log = read_raw(s3, "raw/s.json", '"just text"')
    assert _rules(log) == [(None, "not-an-array")]
    assert "found a string" in log.errors[0].message


def test_empty_array(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/empty.json", "[]")
    assert raw.pairs == []
    assert _rules(log) == [(None, "no-records")]
    assert log.error_count == 1


@pytest.mark.parametrize("body", [b"", b"   \n\t", codecs.BOM_UTF8])
def test_empty_json_file(s3: Any, body: bytes) -> None:
    raw, log = read_raw(s3, "raw/empty.json", body)
    assert raw.pairs == []
    assert _rules(log) == [(None, "empty-file")]
    assert log.error_count == 1


@pytest.mark.parametrize("body", [b"", b"\n\n  \n"])
def test_empty_jsonl_file(s3: Any, body: bytes) -> None:
    raw, log = read_raw(s3, "raw/empty.jsonl", body)
    assert raw.pairs == []
    assert _rules(log) == [(None, "no-records")]


def test_file_over_max_bytes_is_not_read(s3: Any) -> None:
    class Spy:
        def __init__(self, client: Any) -> None:
            self._client = client
            self.calls: list[str] = []

        def __getattr__(self, name: str) -> Any:
            self.calls.append(name)
            return getattr(self._client, name)

    body = json.dumps(_qa(5)).encode("utf-8")
    s3.put_object(Bucket=BUCKET, Key="raw/big.json", Body=body)
    spy = Spy(s3)
    log = IssueLog()
    raw = read_raw_file(spy, S3Uri(BUCKET, "raw/big.json"), None, len(body) - 1, log)
    assert raw.pairs == []
    assert raw.size == len(body)
    assert _rules(log) == [(None, "file-too-large")]
    assert f"{len(body):,} bytes" in log.errors[0].message
    assert f"{len(body) - 1:,} bytes" in log.errors[0].message
    assert "get_object" not in spy.calls


def test_file_exactly_at_max_bytes_is_read(s3: Any) -> None:
    body = json.dumps(_qa(2)).encode("utf-8")
    raw, log = read_raw(s3, "raw/edge.json", body, max_bytes=len(body))
    assert not log.failed
    assert len(raw.pairs) == 2


def test_missing_object(s3: Any) -> None:
    log = IssueLog()
    raw = read_raw_file(s3, S3Uri(BUCKET, "raw/nothing.json"), None, BIG, log)
    assert raw.pairs == []
    assert [(i.file, i.location, i.rule) for i in log.errors] == [("raw/nothing.json", None, "not-found")]
    assert BUCKET in log.errors[0].message


# ---------------------------------------------------------------- record-level problems


def test_element_not_an_object(s3: Any) -> None:
    records: list[Any] = [*_qa(2), "a string", [1, 2], None, 42]
    raw, log = read_raw(s3, "raw/x.json", json.dumps(records))
    assert _rules(log) == [
        ("record 3", "not-an-object"),
        ("record 4", "not-an-object"),
        ("record 5", "not-an-object"),
        ("record 6", "not-an-object"),
    ]
    assert [i.message for i in log.errors] == [
        "expected an object, found a string",
        "expected an object, found an array",
        "expected an object, found null",
        "expected an object, found a number",
    ]
    assert len(raw.pairs) == 2


def test_missing_key(s3: Any) -> None:
    records = [*_qa(1), {"question": "Q2"}]
    _, log = read_raw(s3, "raw/x.json", json.dumps(records))
    assert _rules(log) == [("record 2", "missing-key")]
    assert log.errors[0].message == "missing 'answer'"
    assert log.errors[0].file == "raw/x.json"


def test_null_value(s3: Any) -> None:
    _, log = read_raw(s3, "raw/x.json", json.dumps([*_qa(1), {"question": None, "answer": "A"}]))
    assert _rules(log) == [("record 2", "null-value")]
    assert log.errors[0].message == "'question' is null"


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (42, "a number"),
        (1.5, "a number"),
        (True, "a boolean"),
        (["x"], "an array"),
        ({"t": "x"}, "an object"),
    ],
)
def test_non_string_value(s3: Any, value: Any, found: str) -> None:
    _, log = read_raw(s3, "raw/x.json", json.dumps([*_qa(1), {"question": "Q", "answer": value}]))
    assert _rules(log) == [("record 2", "not-a-string")]
    assert log.errors[0].message == f"'answer' must be a string, found {found}"


def test_empty_and_whitespace_values(s3: Any) -> None:
    records = [*_qa(1), {"question": "", "answer": "A"}, {"question": "Q", "answer": " \t\n "}]
    raw, log = read_raw(s3, "raw/x.json", json.dumps(records))
    assert _rules(log) == [("record 2", "empty-value"), ("record 3", "empty-value")]
    messages = [i.message for i in log.errors]
    assert messages[0].startswith("empty question")
    assert "whitespace" not in messages[0]
    assert messages[1] == "empty answer (whitespace only)"
    assert len(raw.pairs) == 1


def test_both_values_bad_gives_two_errors_for_one_record(s3: Any) -> None:
    _, log = read_raw(s3, "raw/x.json", json.dumps([*_qa(1), {"question": 1, "answer": None}]))
    assert _rules(log) == [("record 2", "not-a-string"), ("record 2", "null-value")]


def test_all_problems_are_collected(s3: Any) -> None:
    records: list[Any] = [
        *_qa(2),
        {"question": "Q3"},
        *_qa(2),
        {"question": "Q6", "answer": 6},
        "not an object",
        *_qa(1),
    ]
    raw, log = read_raw(s3, "raw/many.json", json.dumps(records))
    assert log.error_count == 3
    assert _rules(log) == [
        ("record 3", "missing-key"),
        ("record 6", "not-a-string"),
        ("record 7", "not-an-object"),
    ]
    assert [p.location for p in raw.pairs] == ["record 1", "record 2", "record 4", "record 5", "record 8"]


def test_jsonl_bad_line_location_is_exact(s3: Any) -> None:
    body = (
        '{"question": "Q1", "answer": "A1"}\n'
        "\n"
        '{"question": "Q3", "answer": "A3"}\n'
        '{"question": "Q4", "answer": }\n'
        '{"question": "Q5", "answer": "A5"}\n'
    )
    raw, log = read_raw(s3, "raw/x.jsonl", body)
    assert _rules(log) == [("line 4", "invalid-json")]
    assert "not valid JSON" in log.errors[0].message
    assert "column 30" in log.errors[0].message
    assert [p.location for p in raw.pairs] == ["line 1", "line 3", "line 5"]


def test_jsonl_collects_every_bad_line(s3: Any) -> None:
    body = (
        '{"question": "Q1", "answer": "A1"}\n'
        "not json\n"
        '["an", "array"]\n'
        '{"question": "Q4", "answer": ""}\n'
        '{"question": "Q5", "answer": "A5"}\n'
    )
    raw, log = read_raw(s3, "raw/x.jsonl", body)
    assert _rules(log) == [("line 2", "invalid-json"), ("line 3", "not-an-object"), ("line 4", "empty-value")]
    assert [p.location for p in raw.pairs] == ["line 1", "line 5"]


def test_long_jsonl_file_line_numbers_across_read_chunks(s3: Any) -> None:
    lines = [json.dumps({"question": f"Q{i} " + "x" * 300, "answer": f"A{i}"}) for i in range(1, 41)]
    lines[36] = '{"question": "broken"'
    raw, log = read_raw(s3, "raw/long.jsonl", "\r\n".join(lines) + "\r\n")
    assert _rules(log) == [("line 37", "invalid-json")]
    assert len(raw.pairs) == 39
    assert raw.pairs[-1].location == "line 40"
    assert raw.pairs[0].prompt == "Q1 " + "x" * 300


# ---------------------------------------------------------------- key detection


@pytest.mark.parametrize(("prompt_key", "completion_key"), KEY_PAIRS)
def test_key_auto_detection(s3: Any, prompt_key: str, completion_key: str) -> None:
    records = [{prompt_key: "P1", completion_key: "C1"}, {prompt_key: "P2", completion_key: "C2", "x": 1}]
    raw, log = read_raw(s3, "raw/k.json", json.dumps(records))
    assert not log.failed
    assert raw.keys == (prompt_key, completion_key)
    assert [(p.prompt, p.completion) for p in raw.pairs] == [("P1", "C1"), ("P2", "C2")]


def test_the_four_key_pairs() -> None:
    assert KEY_PAIRS == (
        ("question", "answer"),
        ("sentence1", "sentence2"),
        ("prompt", "completion"),
        ("instruction", "output"),
    )
    assert detect_keys({"question": 1, "answer": 2, "prompt": 3}) == [("question", "answer")]


def test_ambiguous_keys(s3: Any) -> None:
    records = [{"question": "Q", "answer": "A", "prompt": "P", "completion": "C"}, *_qa(2)]
    raw, log = read_raw(s3, "raw/amb.json", json.dumps(records))
    assert raw.pairs == []
    assert _rules(log) == [("record 1", "ambiguous-keys")]
    message = log.errors[0].message
    assert "question/answer" in message
    assert "prompt/completion" in message
    assert "promptKey and completionKey" in message


def test_unknown_keys_lists_the_record_keys(s3: Any) -> None:
    records = [{"q": "Q", "a": "A"}, {"q": "Q2", "a": "A2"}]
    raw, log = read_raw(s3, "raw/unk.json", json.dumps(records))
    assert raw.pairs == []
    assert raw.keys is None
    assert _rules(log) == [("record 1", "unknown-keys")]
    message = log.errors[0].message
    assert "['a', 'q']" in message
    for prompt_key, completion_key in KEY_PAIRS:
        assert f"{prompt_key}/{completion_key}" in message


def test_explicit_keys_override_detection(s3: Any) -> None:
    records = [
        {"q": "mine", "a": "mine too", "question": "not this", "answer": "nor this"},
        {"q": "Q2", "a": "A2", "prompt": "P", "completion": "C"},
    ]
    raw, log = read_raw(s3, "raw/ex.json", json.dumps(records), keys=("q", "a"))
    assert not log.failed
    assert raw.keys == ("q", "a")
    assert [(p.prompt, p.completion) for p in raw.pairs] == [("mine", "mine too"), ("Q2", "A2")]


def test_explicit_keys_missing_in_records(s3: Any) -> None:
    raw, log = read_raw(s3, "raw/ex.json", json.dumps(_qa(2)), keys=("q", "a"))
    assert raw.pairs == []
    assert _rules(log) == [
        ("record 1", "missing-key"),
        ("record 1", "missing-key"),
        ("record 2", "missing-key"),
        ("record 2", "missing-key"),
    ]
    assert [i.message for i in log.errors[:2]] == ["missing 'q'", "missing 'a'"]


def test_detection_uses_the_first_object_record(s3: Any) -> None:
    records: list[Any] = ["oops", {"prompt": "P", "completion": "C"}]
    raw, log = read_raw(s3, "raw/d.json", json.dumps(records))
    assert _rules(log) == [("record 1", "not-an-object")]
    assert raw.keys == ("prompt", "completion")
    assert raw.pairs == [QAPair("P", "C", "record 2")]


# ---------------------------------------------------------------- IssueLog


def test_issue_log_caps_the_list_but_counts_everything() -> None:
    log = IssueLog()
    for index in range(MAX_LISTED + 50):
        log.error("raw/x.json", f"record {index + 1}", "rule", "bad")
    for index in range(MAX_LISTED + 7):
        log.warning("raw/x.json", f"record {index + 1}", "warn", "meh")
    assert MAX_LISTED == 100
    assert len(log.errors) == 100
    assert log.error_count == 150
    assert len(log.warnings) == 100
    assert log.warning_count == 107
    assert log.errors[-1].location == "record 100"
    report = log.report()
    assert report["valid"] is False
    assert report["errorCount"] == 150
    assert report["warningCount"] == 107
    assert report["listedLimit"] == 100
    assert len(report["errors"]) == 100
    assert report["errors"][0] == {
        "file": "raw/x.json",
        "location": "record 1",
        "rule": "rule",
        "message": "bad",
        "severity": "error",
    }
    assert log.summary() == "raw/x.json record 1: bad (and 149 more problems)"


def test_issue_log_summary_wording() -> None:
    log = IssueLog()
    log.error("raw/x.json", None, "empty-file", "the file is empty")
    assert log.summary() == "raw/x.json: the file is empty"
    log.error("raw/x.json", "line 2", "invalid-json", "not valid JSON")
    assert log.summary() == "raw/x.json: the file is empty (and 1 more problem)"
    log.error("raw/x.json", "line 3", "invalid-json", "not valid JSON")
    assert log.summary() == "raw/x.json: the file is empty (and 2 more problems)"


def test_warnings_alone_do_not_fail() -> None:
    log = IssueLog()
    log.warning("raw/x.json", "record 2", "duplicate-pair", "same")
    assert not log.failed
    assert log.report()["valid"] is True
