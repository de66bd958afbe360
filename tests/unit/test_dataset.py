"""Dataset rules: per-record limits, duplicates, the automatic split, counts and output formats."""

from __future__ import annotations

import json

import pytest

from preprocess import dataset
from preprocess.dataset import DatasetSplit
from preprocess.issues import IssueLog
from preprocess.raw_data import QAPair
from shared import formats
from shared.families import CLAUDE_3_HAIKU, LLAMA_3_1, NOVA

FILE = "raw/training.json"


def _pairs(n: int, prefix: str = "") -> list[QAPair]:
    return [QAPair(f"{prefix}Question {i}?", f"{prefix}Answer {i}.", f"record {i}") for i in range(1, n + 1)]


def _errors(log: IssueLog) -> list[tuple[str, str | None, str]]:
    return [(issue.file, issue.location, issue.rule) for issue in log.errors]


# ---------------------------------------------------------------- check_records


def test_record_at_the_token_limit_passes_and_one_more_token_fails() -> None:
    # Non-ASCII characters count one token each, ASCII six characters per token (optimistic).
    at_limit = QAPair("あ" * 31_999, "abcdef", "record 1")  # 31,999 + 1 = 32,000
    over = QAPair("あ" * 31_999, "abcdefg", "record 2")  # 31,999 + 2 = 32,001
    assert dataset.record_tokens("", at_limit) == 32_000
    assert dataset.record_tokens("", over) == 32_001
    log = IssueLog()
    total = dataset.check_records([at_limit, over], NOVA, "", FILE, log)
    assert total == 64_001
    assert _errors(log) == [(FILE, "record 2", "too-many-tokens")]
    message = log.errors[0].message
    assert "about 32,001 tokens" in message
    assert "32,000 per record" in message
    assert "Amazon Nova" in message


def test_system_prompt_counts_towards_the_token_limit() -> None:
    pair = QAPair("あ" * 31_990, "", "record 1")  # 31,990 tokens without the system prompt
    log = IssueLog()
    dataset.check_records([pair], CLAUDE_3_HAIKU, "x" * 30, FILE, log)  # + 10 at 3 chars/token = 32,000
    assert not log.failed
    log = IssueLog()
    dataset.check_records([pair], CLAUDE_3_HAIKU, "x" * 31, FILE, log)  # + 11 = 32,001
    assert _errors(log) == [(FILE, "record 1", "too-many-tokens")]


def test_claude_records_are_counted_as_aws_s_validator_counts_them() -> None:
    # 96,000 ASCII characters: 16,000 tokens at 6 characters per token, 32,000 at the 3 that
    # AWS's Claude 3 Haiku dataset validator uses; one more character and the validator refuses it.
    at_limit = QAPair("a" * 48_000, "b" * 48_000, "record 1")
    over = QAPair("a" * 48_000, "b" * 48_001, "record 2")
    log = IssueLog()
    dataset.check_records([at_limit, over], CLAUDE_3_HAIKU, "", FILE, log)
    assert _errors(log) == [(FILE, "record 2", "too-many-tokens")]
    assert "3 characters per token" in log.errors[0].message
    assert "about 32,001 tokens" in log.errors[0].message


def test_a_record_in_the_grey_zone_is_a_warning_where_aws_publishes_no_validator_rule() -> None:
    # 120,000 ASCII characters: 20,000 tokens at 6 per token, 40,000 at 3: Nova allows 32,000.
    log = IssueLog()
    dataset.check_records([QAPair("a" * 60_000, "b" * 60_000, "record 1")], NOVA, "", FILE, log)
    assert not log.failed
    (warning,) = log.warnings
    assert (warning.location, warning.rule) == ("record 1", "tokens-uncertain")
    assert "between about 20,000 and 40,000 tokens" in warning.message


def test_check_records_returns_the_token_total() -> None:
    pairs = [QAPair("abcdef", "日本語", "record 1"), QAPair("abcdefg", "x", "record 2")]
    # system "abcdef" = 1 each; record 1: 1 + 1 + 3 = 5; record 2: 1 + 2 + 1 = 4
    assert dataset.check_records(pairs, CLAUDE_3_HAIKU, "abcdef", FILE, IssueLog()) == 9


@pytest.mark.parametrize(
    "phrase", ["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]", "<unk>", "Thought:"]
)
def test_reserved_phrases_for_nova(phrase: str) -> None:
    pairs = [
        QAPair("A clean question?", "A clean answer.", "record 1"),
        QAPair(f"Quote: {phrase} hello", "Fine.", "record 2"),
        QAPair("Fine?", f"The answer has {phrase} in it.", "record 3"),
    ]
    log = IssueLog()
    dataset.check_records(pairs, NOVA, "", FILE, log)
    assert _errors(log) == [(FILE, "record 2", "reserved-phrase"), (FILE, "record 3", "reserved-phrase")]
    assert f"the prompt contains {phrase!r}" in log.errors[0].message
    assert f"the completion contains {phrase!r}" in log.errors[1].message
    assert "Amazon Nova" in log.errors[0].message


@pytest.mark.parametrize("phrase", ["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]"])
def test_no_reserved_phrases_for_haiku(phrase: str) -> None:
    log = IssueLog()
    dataset.check_records([QAPair(f"{phrase} q", f"{phrase} a", "record 1")], CLAUDE_3_HAIKU, phrase, FILE, log)
    assert not log.failed


def test_reserved_phrase_in_the_system_prompt_for_nova() -> None:
    log = IssueLog()
    dataset.check_records(_pairs(2), NOVA, "System: be terse", FILE, log)
    assert _errors(log) == [("systemPrompt", None, "reserved-phrase")]
    assert "'System:'" in log.errors[0].message


@pytest.mark.parametrize("text", ["user: lower case", "BOT: upper", "<UNK> token", "thought: hmm", "[eos]"])
def test_nova_reserved_words_match_in_any_letter_case(text: str) -> None:
    log = IssueLog()
    dataset.check_records([QAPair(text, "fine", "record 1")], NOVA, "", FILE, log)
    assert _errors(log) == [(FILE, "record 1", "reserved-phrase")]
    assert "in any letter case" in log.errors[0].message


@pytest.mark.parametrize("marker", ["\nHuman:", "\nAssistant:"])
def test_claude_turn_markers_are_refused_in_records_and_the_system_prompt(marker: str) -> None:
    log = IssueLog()
    pairs = [QAPair(f"First line{marker} second", "fine", "record 1"), QAPair("Human: ok", "Assistant: ok", "record 2")]
    dataset.check_records(pairs, CLAUDE_3_HAIKU, f"Be terse.{marker} no", FILE, log)
    assert _errors(log) == [(FILE, "record 1", "reserved-phrase"), ("systemPrompt", None, "reserved-phrase")]
    assert repr(marker) in log.errors[0].message and "Claude 3 Haiku" in log.errors[0].message


# ---------------------------------------------------------------- duplicates


def test_duplicates_warn_naming_the_earlier_location() -> None:
    pairs = [
        QAPair("Q1", "A1", "record 1"),
        QAPair("Q2", "A2", "record 2"),
        QAPair("  Q1 ", "A1\n", "record 3"),
        QAPair("Q1", "different answer", "record 4"),
        QAPair("Q1", "A1", "record 5"),
    ]
    log = IssueLog()
    dataset.warn_duplicates(pairs, FILE, log)
    assert not log.failed
    assert log.error_count == 0
    assert [(w.location, w.rule, w.message, w.severity) for w in log.warnings] == [
        ("record 3", "duplicate-pair", "same question and answer as record 1", "warning"),
        ("record 5", "duplicate-pair", "same question and answer as record 1", "warning"),
    ]


# ---------------------------------------------------------------- split_training


def test_split_haiku_70_records() -> None:
    pairs = _pairs(70)
    log = IssueLog()
    split = dataset.split_training(pairs, CLAUDE_3_HAIKU, FILE, log)
    assert not log.failed
    assert split.split_from_training is True
    assert len(split.validation) == 32
    assert len(split.training) == 38
    # A partition of the input, each side in the original order.
    assert sorted(split.training + split.validation, key=pairs.index) == pairs
    assert not set(split.training) & set(split.validation)
    assert split.training == sorted(split.training, key=pairs.index)
    assert split.validation == sorted(split.validation, key=pairs.index)


@pytest.mark.parametrize(
    ("family", "total", "validation"),
    [
        (CLAUDE_3_HAIKU, 64, 32),  # exactly the minimum total
        (CLAUDE_3_HAIKU, 200, 40),  # 20 %
        (CLAUDE_3_HAIKU, 6_000, 1_000),  # capped at the validation maximum
        (NOVA, 16, 8),
        (NOVA, 104, 21),  # round(20.8)
        (NOVA, 40, 8),
    ],
)
def test_split_sizes(family: object, total: int, validation: int) -> None:
    split = dataset.split_training(_pairs(total), family, FILE, IssueLog())  # type: ignore[arg-type]
    assert len(split.validation) == validation
    assert len(split.training) == total - validation


def test_split_is_deterministic() -> None:
    first = dataset.split_training(_pairs(100), CLAUDE_3_HAIKU, FILE, IssueLog())
    second = dataset.split_training(_pairs(100), CLAUDE_3_HAIKU, FILE, IssueLog())
    assert first.validation == second.validation
    assert first.training == second.training
    # Not simply the tail or the head of the file.
    assert first.validation != _pairs(100)[-32:]
    assert first.validation != _pairs(100)[:32]


def test_split_depends_on_content() -> None:
    a = dataset.split_training(_pairs(100), CLAUDE_3_HAIKU, FILE, IssueLog())
    b = dataset.split_training(_pairs(100, prefix="other "), CLAUDE_3_HAIKU, FILE, IssueLog())
    assert [p.location for p in a.validation] != [p.location for p in b.validation]


def test_too_few_records_to_split_names_the_total_needed() -> None:
    log = IssueLog()
    split = dataset.split_training(_pairs(50), CLAUDE_3_HAIKU, FILE, log)
    assert _errors(log) == [(FILE, None, "too-few-records-to-split")]
    message = log.errors[0].message
    assert message.startswith("50 records")
    assert "32 training + 32 validation = 64 records" in message
    assert "validationDataUri" in message
    assert len(split.training) == 50
    assert split.validation == []


def test_too_few_records_to_split_for_nova() -> None:
    log = IssueLog()
    dataset.split_training(_pairs(15), NOVA, FILE, log)
    assert "8 training + 8 validation = 16 records" in log.errors[0].message


# ---------------------------------------------------------------- check_counts


FILES = {"training": "raw/t.json", "validation": "raw/v.json"}


def _counts(train: int, val: int, family: object = CLAUDE_3_HAIKU) -> IssueLog:
    log = IssueLog()
    dataset.check_counts(DatasetSplit(_pairs(train), _pairs(val), False), family, FILES, log)  # type: ignore[arg-type]
    return log


def test_counts_within_limits() -> None:
    assert not _counts(32, 32).failed
    assert not _counts(9_000, 1_000).failed


def test_too_few_training_records() -> None:
    log = _counts(31, 32)
    assert _errors(log) == [("raw/t.json", None, "too-few-records")]
    assert log.errors[0].message == "31 training records; Claude 3 Haiku needs at least 32"


def test_too_many_training_records() -> None:
    log = _counts(10_001, 0)
    assert _errors(log) == [("raw/t.json", None, "too-many-records")]
    assert "10,001 training records" in log.errors[0].message
    assert "at most 10,000" in log.errors[0].message


def test_too_many_validation_records() -> None:
    log = _counts(100, 1_001)
    assert _errors(log) == [("raw/v.json", None, "too-many-records")]
    assert "1,001 validation records" in log.errors[0].message
    assert "at most 1,000" in log.errors[0].message


def test_too_few_validation_records() -> None:
    log = _counts(100, 31)
    assert _errors(log) == [("raw/v.json", None, "too-few-records")]
    assert "31 validation records" in log.errors[0].message


def test_too_many_records_in_total() -> None:
    log = _counts(9_500, 600)
    assert _errors(log) == [("raw/t.json", None, "too-many-records")]
    assert "10,100 training + validation records" in log.errors[0].message
    assert "10,000 in total" in log.errors[0].message


# ---------------------------------------------------------------- held_out_sample


def test_held_out_sample_is_deterministic_and_sized() -> None:
    pool = _pairs(42, prefix="val ")
    first = dataset.held_out_sample(pool, 10)
    second = dataset.held_out_sample(list(pool), 10)
    assert len(first) == 10
    assert first == second
    assert len(set(first)) == 10
    assert all(pair in pool for pair in first)
    assert first == sorted(first, key=pool.index)
    assert first != pool[:10]


def test_held_out_sample_larger_than_pool_gives_the_whole_pool() -> None:
    pool = _pairs(5)
    assert dataset.held_out_sample(pool, 10) == pool


# ---------------------------------------------------------------- to_jsonl and formats


def test_to_jsonl_haiku_format() -> None:
    pairs = [
        QAPair("What is AWS?", "Amazon Web Services.", "record 1"),
        QAPair("日本語?", "はい。", "record 2"),
    ]
    text = dataset.to_jsonl(pairs, CLAUDE_3_HAIKU, "You are terse.")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {
        "system": "You are terse.",
        "messages": [
            {"role": "user", "content": "What is AWS?"},
            {"role": "assistant", "content": "Amazon Web Services."},
        ],
    }
    assert json.loads(lines[1]) == {
        "system": "You are terse.",
        "messages": [{"role": "user", "content": "日本語?"}, {"role": "assistant", "content": "はい。"}],
    }
    assert "日本語?" in lines[1]  # written as UTF-8, not \\u escapes


def test_to_jsonl_nova_format() -> None:
    pairs = [QAPair("Capital of France?", "Paris.", "record 1")]
    text = dataset.to_jsonl(pairs, NOVA, "Be terse.")
    assert text.count("\n") == 1
    assert json.loads(text) == {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "Be terse."}],
        "messages": [
            {"role": "user", "content": [{"text": "Capital of France?"}]},
            {"role": "assistant", "content": [{"text": "Paris."}]},
        ],
    }


def test_to_jsonl_without_system_prompt_omits_system() -> None:
    pair = [QAPair("Q", "A", "record 1")]
    assert json.loads(dataset.to_jsonl(pair, CLAUDE_3_HAIKU, "")) == {
        "messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    }
    assert "system" not in json.loads(dataset.to_jsonl(pair, NOVA, ""))


def test_to_jsonl_llama_3_1_prompt_completion() -> None:
    text = dataset.to_jsonl([QAPair("Capital of France?", "Paris.", "record 1")], LLAMA_3_1, "Be terse.")
    assert json.loads(text) == {"prompt": "Be terse.\n\nCapital of France?", "completion": "Paris."}


def test_prompt_completion_without_system_prompt() -> None:
    assert formats.to_record("prompt-completion", "", "Q", "A") == {"prompt": "Q", "completion": "A"}


@pytest.mark.parametrize("record_format", ["anthropic-messages", "bedrock-conversation", "prompt-completion"])
def test_from_record_round_trips(record_format: str) -> None:
    prompt, completion = "東京は\uff1f <b>x</b>", "Tokyo.\nTwo lines."
    record = formats.to_record(record_format, "", prompt, completion)  # type: ignore[arg-type]
    assert formats.from_record(json.loads(json.dumps(record))) == (prompt, completion)


def test_from_record_with_system_prompt() -> None:
    assert formats.from_record(formats.to_record("anthropic-messages", "S", "P", "C")) == ("P", "C")
    assert formats.from_record(formats.to_record("bedrock-conversation", "S", "P", "C")) == ("P", "C")
    assert formats.from_record(formats.to_record("prompt-completion", "S", "P", "C")) == ("S\n\nP", "C")
