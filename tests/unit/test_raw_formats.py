"""The formats and encodings people have: CSV (Excel's quirks), chat, Dolly/Alpaca, records
already in a family's own format, UTF-16 and CP932 (refused with the fix, or read when named)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from preprocess import dataset
from preprocess.issues import IssueLog
from preprocess.raw_data import RawFile
from preprocess.records import CONTEXT_TEMPLATE, QAPair
from shared.families import FAMILIES, family_for
from tests.conftest import moto_bucket
from tests.unit.raw_files import read_raw

EXAMPLES = Path(__file__).resolve().parents[2] / "dataset" / "examples"
NOVA = family_for("amazon.nova-micro-v1:0:128k")
CLAUDE = next(f for f in FAMILIES if f.record_format == "anthropic-messages")
LLAMA31 = next(f for f in FAMILIES if f.record_format == "prompt-completion")
JA = [("富士山の高さは\uff1f", "3,776メートルです。"), ("日本の首都は\uff1f", "東京です。\n人口は約1,400万人です。")]


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """S3 on moto with the pipeline bucket, shared by this module's tests (as in test_raw_data.py)."""
    with moto_bucket(BUCKET) as client:
        yield client


def _read(
    s3: Any, key: str, body: bytes | str, keys: tuple[str, str] | None = None, encoding: str | None = None
) -> tuple[RawFile, IssueLog]:
    raw, log = read_raw(s3, key, body, keys, encoding=encoding)
    data = body.encode("utf-8") if isinstance(body, str) else body
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data  # the raw object is never modified
    for issue in [*log.errors, *log.warnings]:
        assert "\n" not in issue.text(), issue.text()  # every refusal is one line
    return raw, log


def _csv(rows: list[tuple[str, ...]], newline: str = "\r\n") -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value

    return "".join(",".join(cell(v).replace("\n", newline) for v in row) + newline for row in rows)


def _pairs(raw: RawFile) -> list[tuple[str, str]]:
    return [(p.prompt, p.completion) for p in raw.pairs]


def _errors(log: IssueLog) -> list[tuple[str | None, str]]:
    return [(issue.location, issue.rule) for issue in log.errors]


# ---------------------------------------------------------------- CSV


def test_excel_csv_utf8_with_bom_crlf_and_multiline_quoted_cells(s3: Any) -> None:
    rows = [("question", "answer", "notes"), (*JA[0], "x"), ('He said "hi", then?', JA[1][1], "y")]
    raw, log = _read(s3, "raw/excel.csv", codecs.BOM_UTF8 + _csv(rows).encode("utf-8"))
    assert not log.failed, log.errors
    assert raw.format == "csv"
    assert raw.encoding == "UTF-8 with BOM"
    assert raw.keys == ("question", "answer")
    assert _pairs(raw) == [JA[0], ('He said "hi", then?', "東京です。\r\n人口は約1,400万人です。")]
    assert [p.location for p in raw.pairs] == ["row 2", "row 3"]


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(s3: Any) -> None:
    rows = [("question", "answer"), ("Q1", "line one\nline two"), ("Q2", ""), ("Q3", "A3")]
    raw, log = _read(s3, "raw/rows.csv", _csv(rows, "\n"))
    # row 3 starts on line 4 because the cell above spans two lines
    assert _errors(log) == [("row 3 (line 4)", "empty-value")]
    assert [p.location for p in raw.pairs] == ["row 2", "row 4 (line 5)"]


def test_csv_columns_are_detected_like_json_keys_and_can_be_named(s3: Any) -> None:
    raw, log = _read(s3, "raw/p.csv", _csv([("prompt", "completion"), ("P", "C")]))
    assert not log.failed and raw.keys == ("prompt", "completion")
    raw, log = _read(s3, "raw/n.csv", _csv([("質問", "回答"), JA[0]]), keys=("質問", "回答"))
    assert not log.failed and _pairs(raw) == [JA[0]]
    raw, log = _read(s3, "raw/u.csv", _csv([("q", "a"), ("Q", "A")]))
    assert _errors(log) == [("row 2", "unknown-keys")]
    assert "first record's columns: ['a', 'q']" in log.errors[0].message


@pytest.mark.parametrize(
    ("body", "rule", "location", "words"),
    [
        ("question;answer\r\nQ;A\r\n", "csv-separator", "row 1", "semicolons"),
        ("question,answer,question\r\nQ,A,B\r\n", "duplicate-column", "row 1", "'question' twice"),
        ("question,answer\r\nQ,A,extra\r\n", "cell-count", "row 2", "3 cells where the header has 2"),
        ('question,answer\r\nQ,"never closed\r\n', "invalid-csv", "row 2", "closing double quote"),
        ("", "empty-file", None, "header row"),
    ],
)
def test_csv_refusals_name_the_row_and_the_fix(s3: Any, body: str, rule: str, location: str | None, words: str) -> None:
    raw, log = _read(s3, "raw/bad.csv", body)
    assert (log.errors[0].location, log.errors[0].rule) == (location, rule)
    assert words in log.errors[0].message
    assert raw.pairs == []


def test_csv_in_a_json_file_is_not_just_invalid_json(s3: Any) -> None:
    _raw, log = _read(s3, "raw/table.json", _csv([("question", "answer"), ("Q", "A")]))
    assert _errors(log) == [(None, "invalid-json")]
    assert "this looks like CSV" in log.errors[0].message
    assert "name the file .csv" in log.errors[0].message


def test_an_excel_workbook_is_refused_with_the_fix(s3: Any) -> None:
    _raw, log = _read(s3, "raw/faq.xlsx", b"PK\x03\x04" + b"\0" * 100)
    assert _errors(log) == [(None, "not-text")]
    assert "CSV UTF-8" in log.errors[0].message


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("codec", ["cp932", "shift_jis"])
def test_cp932_csv_is_refused_with_the_encoding_and_the_fix(s3: Any, codec: str) -> None:
    body = _csv([("question", "answer"), *JA]).encode(codec)
    raw, log = _read(s3, "raw/sjis.csv", body)
    assert _errors(log) == [(None, "not-utf8")]
    message = log.errors[0].message
    assert "not UTF-8 text (first at line 2)" in message
    assert "it looks like CP932" in message
    assert "`iconv -f CP932 -t UTF-8 sjis.csv > sjis.utf8.csv`" in message
    assert '"sourceEncoding": "cp932"' in message
    assert raw.pairs == []


def test_cp932_csv_is_read_when_the_input_names_it(s3: Any) -> None:
    body = _csv([("question", "answer"), *JA]).encode("cp932")
    raw, log = _read(s3, "raw/sjis.csv", body, encoding="cp932")
    assert not log.failed
    assert raw.encoding == "cp932"
    assert _pairs(raw) == [JA[0], (JA[1][0], JA[1][1].replace("\n", "\r\n"))]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_utf8_file_stays_utf8_when_the_run_names_another_encoding(s3: Any, kind: str) -> None:
    # sourceEncoding applies to every file of the run: a UTF-8 companion file must not be garbled
    text = (
        _csv([("question", "answer"), *JA]) if kind == "csv" else json.dumps({"question": JA[0][0], "answer": JA[0][1]})
    )
    raw, log = _read(s3, f"raw/utf8.{kind}", text.encode("utf-8"), encoding="cp932")
    assert not log.failed and raw.encoding == "UTF-8"
    assert raw.pairs[0].prompt == JA[0][0]


def test_a_wrong_source_encoding_is_refused(s3: Any) -> None:
    body = _csv([("question", "answer"), *JA]).encode("utf-16-le")
    _raw, log = _read(s3, "raw/wrong.csv", body, encoding="ascii")
    assert _errors(log) == [(None, "not-utf8")]
    assert "not valid ascii text (sourceEncoding)" in log.errors[0].message


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
@pytest.mark.parametrize("kind", ["csv", "json", "jsonl"])
def test_utf16_with_bom_is_read(s3: Any, bom: bytes, kind: str) -> None:
    codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    records = [{"question": q, "answer": a} for q, a in JA]
    text = {
        "csv": _csv([("question", "answer"), *JA], "\n"),
        "json": json.dumps(records, ensure_ascii=False),
        "jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in records),
    }[kind]
    raw, log = _read(s3, f"raw/u16.{kind}", bom + text.encode(codec))
    assert not log.failed, log.errors
    assert raw.encoding == "UTF-16 with BOM"
    assert _pairs(raw) == JA


def test_utf16_without_bom_is_refused_naming_it(s3: Any) -> None:
    _raw, log = _read(s3, "raw/nobom.csv", _csv([("question", "answer"), *JA]).encode("utf-16-le"))
    assert _errors(log) == [(None, "not-utf8")]
    assert "iconv -f UTF-16LE -t UTF-8" in log.errors[0].message
    assert '"sourceEncoding": "utf-16-le"' in log.errors[0].message


def test_euc_jp_json_lines_are_refused_once_naming_the_line(s3: Any) -> None:
    lines = [json.dumps({"question": q, "answer": a}, ensure_ascii=False) for q, a in JA * 20]
    body = ("\n".join(['{"question": "ascii", "answer": "ok"}', *lines]) + "\n").encode("euc_jp")
    raw, log = _read(s3, "raw/euc.jsonl", body)
    assert _errors(log) == [("line 2", "not-utf8")]  # once, not once per line
    assert "it looks like EUC-JP" in log.errors[0].message
    raw, log = _read(s3, "raw/euc.jsonl", body, encoding="euc_jp")
    assert not log.failed and len(raw.pairs) == 41


def test_utf8_json_lines_are_streamed_and_other_encodings_decoded_whole(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from preprocess import raw_data

    monkeypatch.setattr(raw_data, "MAX_JSON_ARRAY_BYTES", 100)  # what a file decoded whole may hold
    text = "".join(json.dumps({"question": q, "answer": a}, ensure_ascii=False) + "\n" for q, a in JA * 5)
    raw, log = _read(s3, "raw/bom.jsonl", codecs.BOM_UTF8 + text.encode())
    assert not log.failed and _pairs(raw) == JA * 5 and raw.encoding == "UTF-8 with BOM"
    raw, log = _read(s3, "raw/u16.jsonl", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert _errors(log) == [(None, "file-too-large-to-process")]
    assert "up to 100 bytes per JSON Lines file that is not UTF-8 (in UTF-8 it is streamed" in log.errors[0].message


# ---------------------------------------------------------------- chat, Dolly, Alpaca


def _chat(*messages: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in messages], **extra}


def test_openai_chat_records(s3: Any) -> None:
    records = [
        _chat(("system", "丁寧に答える。"), ("user", JA[0][0]), ("assistant", JA[0][1])),
        _chat(("user", "Q1"), ("assistant", "A1"), ("user", "Q2"), ("assistant", "A2")),
    ]
    raw, log = _read(s3, "raw/chat.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    assert not log.failed, log.errors
    assert raw.shape == "chat messages"
    assert raw.pairs == [
        QAPair(JA[0][0], JA[0][1], "line 1", system="丁寧に答える。"),
        QAPair("Q2", "A2", "line 2", history=(("Q1", "A1"),)),
    ]


def test_an_empty_top_level_system_prompt_is_none(s3: Any) -> None:
    records = [
        {"system": "", **_chat(("user", "Q"), ("assistant", "A"))},
        {"system": [], **_chat(("user", "Q2"), ("assistant", "A2"))},
    ]
    raw, log = _read(s3, "raw/nosys.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    assert not log.failed and [p.system for p in raw.pairs] == [None, None]


def test_openai_content_parts_and_the_developer_role(s3: Any) -> None:
    record = {
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": [{"type": "text", "text": "Q"}]},
            {"role": "assistant", "content": "A"},
        ]
    }
    raw, log = _read(s3, "raw/parts.json", json.dumps([record]))
    assert not log.failed and raw.pairs == [QAPair("Q", "A", "record 1", system="Be brief.")]


@pytest.mark.parametrize(
    ("record", "rule", "words"),
    [
        (_chat(("user", "Q"), ("tool", "42"), ("assistant", "A")), "bad-role", "message 2 has role 'tool'"),
        (_chat(("user", "Q"), ("user", "Q again"), ("assistant", "A")), "turn-order", "message 2 is 'user'"),
        (_chat(("assistant", "A"), ("user", "Q")), "turn-order", "message 1 is 'assistant'"),
        (_chat(("user", "Q")), "turn-order", "the last message must be the assistant's"),
        (_chat(("user", "Q"), ("assistant", "A"), ("system", "S")), "misplaced-system", "message 3"),
        (_chat(("user", "Q"), ("assistant", " ")), "empty-value", "message 2's content is empty"),
        (_chat(("user", "Q"), ("assistant", "A"), tools=[]), "unsupported-field", "'tools'"),
        (
            {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A", "weight": 0}]},
            "unsupported-field",
            "message 2 has 'weight'",
        ),
        (
            {"messages": [{"role": "user", "content": [{"image": {}}]}, {"role": "assistant", "content": "A"}]},
            "not-text",
            "'image' block",
        ),
        ({"messages": []}, "bad-messages", "non-empty array"),
    ],
)
def test_chat_refusals_name_the_record_and_the_rule(s3: Any, record: dict[str, Any], rule: str, words: str) -> None:
    raw, log = _read(s3, "raw/badchat.jsonl", json.dumps(record) + "\n")
    assert [(issue.location, issue.rule) for issue in log.errors][:1] == [("line 1", rule)]
    assert words in log.errors[0].message
    assert raw.pairs == []


def test_chat_messages_named_as_prompt_key_get_the_hint(s3: Any) -> None:
    record = _chat(("user", "Q"), ("assistant", "A"))
    raw, log = _read(s3, "raw/keyed.jsonl", json.dumps(record) + "\n", keys=("messages", "answer"))
    assert "these are chat messages: drop promptKey/completionKey" in log.errors[0].message
    raw, log = _read(s3, "raw/auto.jsonl", json.dumps(record) + "\n")
    assert not log.failed and _pairs(raw) == [("Q", "A")]


@pytest.mark.parametrize("keys", [None, ("instruction", "response")])
def test_dolly_context_is_folded_into_the_prompt(s3: Any, keys: tuple[str, str] | None) -> None:
    records = [
        {"instruction": "要約してください。", "context": "東京は日本の首都です。", "response": "東京は首都。"},
        {"instruction": "Capital of Japan?", "context": "", "response": "Tokyo."},
        {"instruction": "No context key", "response": "Fine."},
    ]
    raw, log = _read(s3, "raw/dolly.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), keys)
    assert not log.failed
    assert raw.shape == "Dolly (instruction/response, optional context)"
    assert _pairs(raw) == [
        ("要約してください。\n\nContext:\n東京は日本の首都です。", "東京は首都。"),
        ("Capital of Japan?", "Tokyo."),
        ("No context key", "Fine."),
    ]
    assert CONTEXT_TEMPLATE.format(instruction="I", context="C") == "I\n\nContext:\nC"


def test_alpaca_input_is_folded_too(s3: Any) -> None:
    records = [{"instruction": "Translate.", "input": "こんにちは", "output": "Hello."}]
    raw, log = _read(s3, "raw/alpaca.json", json.dumps(records, ensure_ascii=False))
    assert not log.failed and _pairs(raw) == [("Translate.\n\nContext:\nこんにちは", "Hello.")]
    raw, log = _read(s3, "raw/alpaca.json", json.dumps([{**records[0], "input": 3}]))
    assert _errors(log) == [("record 1", "not-a-string")]


# ---------------------------------------------------------------- a family's own format passes through


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("name", "family"),
    [("nova-conversation.jsonl", NOVA), ("claude-messages.jsonl", CLAUDE), ("llama-prompt-completion.jsonl", LLAMA31)],
)
def test_records_in_the_familys_own_format_pass_through(s3: Any, name: str, family: Any) -> None:
    body = (EXAMPLES / name).read_bytes()
    raw, log = _read(s3, f"raw/{name}", body)
    assert not log.failed, log.errors
    system = "" if family is LLAMA31 else "not used: every record has its own"
    dataset.check_records(raw.pairs, family, system, raw.key, log)
    assert not log.failed, log.errors
    written = [json.loads(line) for line in dataset.to_jsonl(raw.pairs, family, system).splitlines()]
    assert written == _lines(EXAMPLES / name)


def test_conversations_are_kept_where_the_family_takes_them_and_refused_where_not(s3: Any) -> None:
    record = _chat(("system", "S"), ("user", "Q1"), ("assistant", "A1"), ("user", "Q2"), ("assistant", "A2"))
    raw, log = _read(s3, "raw/multi.jsonl", json.dumps(record) + "\n")
    dataset.check_records(raw.pairs, NOVA, "", raw.key, log)
    assert not log.failed
    (nova,) = [json.loads(line) for line in dataset.to_jsonl(raw.pairs, NOVA, "run prompt").splitlines()]
    assert nova["system"] == [{"text": "S"}]
    assert [(m["role"], m["content"][0]["text"]) for m in nova["messages"]] == [
        ("user", "Q1"),
        ("assistant", "A1"),
        ("user", "Q2"),
        ("assistant", "A2"),
    ]
    log = IssueLog()
    dataset.check_records(raw.pairs, LLAMA31, "", raw.key, log)
    assert _errors(log) == [("line 1", "conversation-not-supported")]
    assert "a conversation of 2 exchanges" in log.errors[0].message
    assert "split it into one record per exchange" in log.errors[0].message


def test_reserved_phrases_are_checked_in_every_turn_and_the_records_system_prompt(s3: Any) -> None:
    record = _chat(
        ("system", "Bot: hi"), ("user", "User: Q1"), ("assistant", "A1"), ("user", "Q2"), ("assistant", "A2")
    )
    raw, log = _read(s3, "raw/reserved.jsonl", json.dumps(record) + "\n")
    dataset.check_records(raw.pairs, NOVA, "", raw.key, log)
    assert [issue.rule for issue in log.errors] == ["reserved-phrase", "reserved-phrase"]
    assert "the conversation contains 'User:'" in log.errors[0].message
    assert "the system prompt contains 'Bot:'" in log.errors[1].message


# ---------------------------------------------------------------- every example file in dataset/examples


EXAMPLE_FILES = {
    "qa.json": None,
    "qa.jsonl": None,
    "qa-excel-utf8.csv": None,
    "qa-utf16.csv": None,
    "qa-excel-cp932.csv": "cp932",
    "openai-chat.jsonl": None,
    "dolly.jsonl": None,
    "alpaca.json": None,
    "nova-conversation.jsonl": None,
    "claude-messages.jsonl": None,
    "llama-prompt-completion.jsonl": None,
}


def test_every_example_file_is_listed() -> None:
    assert sorted(path.name for path in EXAMPLES.iterdir()) == sorted(EXAMPLE_FILES)
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    for name in EXAMPLE_FILES:
        assert f"examples/{name}" in readme


@pytest.mark.parametrize(("name", "encoding"), EXAMPLE_FILES.items())
def test_every_example_file_converts(s3: Any, name: str, encoding: str | None) -> None:
    raw, log = _read(s3, f"raw/examples/{name}", (EXAMPLES / name).read_bytes(), encoding=encoding)
    assert not log.failed, log.errors
    assert len(raw.pairs) >= 2
    assert any(not pair.prompt.isascii() for pair in raw.pairs)  # Japanese as well as English
    assert any(pair.prompt.isascii() for pair in raw.pairs)
    conversations = any(pair.history for pair in raw.pairs)
    for family in (NOVA, CLAUDE, LLAMA31):
        family_log = IssueLog()
        dataset.check_records(raw.pairs, family, "Answer briefly.", raw.key, family_log)
        if conversations and family is LLAMA31:
            assert {issue.rule for issue in family_log.errors} == {"conversation-not-supported"}
            continue
        assert not family_log.failed, family_log.errors
        lines = dataset.to_jsonl(raw.pairs, family, "Answer briefly.").splitlines()
        assert len(lines) == len(raw.pairs)
    if encoding:
        _, refused = _read(s3, f"raw/examples/{name}", (EXAMPLES / name).read_bytes())
        assert _errors(refused) == [(None, "not-utf8")]


def test_every_turn_and_the_records_own_system_prompt_are_counted() -> None:
    from preprocess.costing import training_tokens
    from shared.tokens import estimate_tokens

    single = QAPair("Q2", "A2", "line 1")
    conversation = QAPair("Q2", "A2", "line 1", system="日本語で答える。", history=(("Q1 " * 50, "A1 " * 50),))
    extra = estimate_tokens("Q1 " * 50) + estimate_tokens("A1 " * 50)
    assert training_tokens([conversation], "") == training_tokens([single], "") + extra + estimate_tokens(
        "日本語で答える。"
    )
    assert dataset.record_tokens("", conversation) > dataset.record_tokens("", single)


# ---------------------------------------------------------------- prompts only (distillation)


def _prompts(s3: Any, key: str, body: str, optional: bool) -> tuple[RawFile, IssueLog]:
    return read_raw(s3, key, body, answers_optional=optional)


def test_questions_alone_are_prompts_when_answers_are_optional(s3: Any) -> None:
    body = "".join(json.dumps({"question": q}, ensure_ascii=False) + "\n" for q, _ in JA)
    raw, log = _prompts(s3, "raw/prompts.jsonl", body, optional=True)
    assert not log.failed and raw.shape == "question/answer"
    assert [(p.prompt, p.completion) for p in raw.pairs] == [(JA[0][0], ""), (JA[1][0], "")]
    raw, log = _prompts(s3, "raw/prompts.jsonl", body, optional=False)
    assert log.failed and "line 1" in log.summary() and "no known key pair" in log.summary()


def test_an_answer_given_later_decides_the_shape_of_earlier_prompts(s3: Any) -> None:
    """Dolly: the first record has no `response`, the second has one: both read as Dolly (the
    context is folded into the prompt), the answer kept where given."""
    body = json.dumps(
        [
            {"instruction": "Summarize.", "context": "Bedrock hosts models."},
            {"instruction": "Name the Region.", "context": "", "response": "us-east-1"},
        ]
    )
    raw, log = _prompts(s3, "raw/dolly.json", body, optional=True)
    assert not log.failed and raw.shape is not None and raw.shape.startswith("Dolly")
    assert raw.pairs[0].prompt == CONTEXT_TEMPLATE.format(instruction="Summarize.", context="Bedrock hosts models.")
    assert [p.completion for p in raw.pairs] == ["", "us-east-1"]


def test_csv_with_empty_answer_cells_and_chat_without_the_assistant_turn(s3: Any) -> None:
    raw, log = _prompts(
        s3, "raw/p.csv", 'question,answer\n"富士山の高さは?",\n日本の首都は?,東京です。\n', optional=True
    )
    assert not log.failed and [p.completion for p in raw.pairs] == ["", "東京です。"]
    chats = [
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is RFT?"}]},
        {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": ""}]},
        {"messages": [{"role": "user", "content": "A?"}, {"role": "assistant", "content": "B."}]},
    ]
    body = "".join(json.dumps(c) + "\n" for c in chats)
    raw, log = _prompts(s3, "raw/chat.jsonl", body, optional=True)
    assert not log.failed
    assert [(p.prompt, p.completion, p.system) for p in raw.pairs] == [
        ("What is RFT?", "", "Be brief."),
        ("Hi?", "", None),
        ("A?", "B.", None),
    ]
    raw, log = _prompts(s3, "raw/chat.jsonl", body, optional=False)
    assert (
        log.failed and "line 1" in log.summary() and "the last message must be the assistant's answer" in log.summary()
    )


def test_optional_answers_still_refuse_what_is_not_an_answer(s3: Any) -> None:
    """A number or an object where the answer goes is still an error; an empty question too."""
    body = json.dumps([{"question": "Q1?", "answer": 3}, {"question": " ", "answer": ""}])
    _, log = _prompts(s3, "raw/bad.json", body, optional=True)
    text = json.dumps(log.report(), ensure_ascii=False)
    assert "record 1" in text and "must be a string" in text and "record 2" in text and "empty question" in text
