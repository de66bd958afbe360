"""`--set` / `--input` parsing, and `bft quote` (the pipeline's own checks and quote, offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.errors import CliError
from cli.inputs import build_input
from tests.bft.conftest import DATASET, bft


def test_set_writes_nested_keys_without_json_quoting(tmp_path: Path) -> None:
    base = tmp_path / "in.json"
    base.write_text(json.dumps({"evaluation": {"maxQuestions": 20}, "dryRun": True}), encoding="utf-8")
    document = build_input(
        base,
        [
            "evaluation.hosting=provisioned",
            "hyperParameters.epochCount=10",
            "hyperParameters.learningRate=0.00001",
            "dryRun=false",
            "systemPrompt=日本語で簡潔に答えてください。",
            'prices={"trainingPer1kTokensUsd": 0.008}',
        ],
    )
    assert document == {
        "evaluation": {"maxQuestions": 20, "hosting": "provisioned"},
        "dryRun": False,
        "hyperParameters": {"epochCount": 10, "learningRate": 1e-05},
        "systemPrompt": "日本語で簡潔に答えてください。",
        "prices": {"trainingPer1kTokensUsd": 0.008},
    }


@pytest.mark.parametrize("bad", ["noequals", "=3", "a..b=1"])
def test_set_needs_key_equals_value(bad: str) -> None:
    with pytest.raises(CliError, match="expected key=value"):
        build_input(None, [bad])


def test_set_below_a_non_object_is_refused() -> None:
    with pytest.raises(CliError, match="dryRun is already set"):
        build_input(None, ["dryRun=true", "dryRun.x=1"])


def test_malformed_input_file_names_the_file_and_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"dryRun": tru}', encoding="utf-8")
    result = bft("quote", str(DATASET / "training.json"), "--input", str(bad), state=tmp_path / "s")
    assert result.code == 2
    assert f"--input {bad} is not valid JSON" in result.stderr and "line 1" in result.stderr


def test_quote_uses_the_pipelines_quote_and_uploads_nothing(tmp_path: Path) -> None:
    state = tmp_path / "s"
    result = bft(
        "--json",
        "quote",
        str(DATASET / "training.json"),
        "--eval",
        str(DATASET / "eval.json"),
        "--set",
        "hyperParameters.epochCount=4",
        "--set",
        "prices.trainingPer1kTokensUsd=0.01",
        state=state,
    )
    assert result.code == 0, result.stderr
    document = result.json()
    training = next(p for p in document["quote"]["parts"] if p["name"] == "training")
    assert training["quantities"]["tokens"] % 4 == 0  # tokens x 4 epochs
    assert training["usd"] == pytest.approx(training["quantities"]["tokens"] / 1000 * 0.01, rel=1e-3)
    assert document["counts"]["evaluation"] == 8
    assert not state.exists()  # nothing stored, nothing uploaded


def test_local_quote_reads_the_simulated_price_list_as_a_local_run_does(tmp_path: Path) -> None:
    """The same prices the run would use: a local run reads the simulated Price List, so the quote
    is complete, and equals the quote the run itself writes for the same data and input."""
    state = tmp_path / "s"
    args = (str(DATASET / "training.json"), "--set", "hyperParameters.epochCount=3")
    quoted = bft("--json", "quote", *args, state=state).json()["quote"]
    assert quoted["status"] == "complete"
    assert quoted["priceSources"]["priceListSimulated"] is True and quoted["priceSources"]["fromTable"] == 0
    started = bft("--json", "start", *args, state=state)
    assert started.code == 0, started.stderr
    run_id = started.json()["runId"]
    manifest = json.loads((state / "bucket" / "runs" / run_id / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert [(p["name"], p["usd"]) for p in quoted["parts"]] == [
        (p["name"], p["usd"]) for p in manifest["costQuote"]["parts"]
    ]
    assert quoted["totalUsd"] == manifest["costQuote"]["totalUsd"]


def test_quote_counts_japanese_text_like_the_pipeline(tmp_path: Path) -> None:
    """Japanese questions and answers are accepted and counted as the pipeline counts them
    (shared/tokens.py: several ASCII characters per token, a CJK character at least one): the same
    records in Latin letters of the same length give fewer tokens."""
    records = [
        {
            "question": f"質問{i}:Amazon Bedrock の微調整では何が必要ですか?",
            "answer": f"回答{i}:学習データと検証データが必要です。",
        }
        for i in range(40)
    ]
    data = tmp_path / "ja.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    english = tmp_path / "en.jsonl"
    english.write_text(
        "\n".join(
            # numbered like the Japanese records, so that the questions differ (identical questions
            # would be held out as copies of training questions and leave no evaluation set)
            json.dumps({"question": f"{i:02d}" + "q" * (len(r["question"]) - 2), "answer": "a" * len(r["answer"])})
            for i, r in enumerate(records)
        )
        + "\n",
        encoding="utf-8",
    )
    ja = bft("--json", "quote", str(data), state=tmp_path / "s")
    en = bft("--json", "quote", str(english), state=tmp_path / "s")
    assert ja.code == 0 and en.code == 0, ja.stderr + en.stderr
    tokens = [
        next(p for p in r.json()["quote"]["parts"] if p["name"] == "training")["quantities"]["tokens"] for r in (ja, en)
    ]
    assert tokens[0] > tokens[1] > 0


def test_quote_table_in_the_terminal(tmp_path: Path) -> None:
    result = bft("quote", str(DATASET / "training.json"), state=tmp_path / "s")
    assert result.code == 0
    assert "Data accepted: 83 training, 21 validation, 10 evaluation questions" in result.stdout  # split, sampled
    assert "Cost quote (SIMULATED run" in result.stdout and "Total (" in result.stdout


def test_quote_refuses_bad_data_with_the_pipelines_message(tmp_path: Path) -> None:
    data = tmp_path / "faq.json"
    data.write_text(
        json.dumps([{"question": "富士山は?", "answer": "3776 m"}, {"question": "", "answer": "x"}]), encoding="utf-8"
    )
    result = bft("quote", str(data), state=tmp_path / "s")
    assert result.code == 2
    assert str(data) in result.stderr and "record 2" in result.stderr
