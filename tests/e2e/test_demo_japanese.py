"""`make demo ARGS='--sample ja'`: the whole pipeline on the bundled Japanese sample (SIMULATED).

The verdict must follow what the simulated fine-tuned model learnt: trained on the sample's
answers it beats the base model on the paraphrased evaluation questions; trained on the same
questions with the answers shuffled, it does not. ROUGE-L is not asserted here (its Japanese
tokenization belongs to lambdas/report/metrics.py); the judge, the similarity and the token
counts are the simulator's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from localrun.__main__ import main
from shared.tokens import estimate_tokens

SAMPLE = Path(__file__).resolve().parents[2] / "dataset" / "rawdata" / "ja"


def _results(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    results = json.loads((Path(summary["reportDir"]) / "results.json").read_text(encoding="utf-8"))
    return summary, results


def _domain(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in results["questions"] if row["set"] == "domain"]


def test_the_japanese_demo_shows_the_improvement_the_training_earned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--sample", "ja", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("SIMULATED RUN") and "(SIMULATED)" in printed
    summary, results = _results(tmp_path)
    assert summary["simulated"] is True and results["simulated"] is True and summary["status"] == "SUCCEEDED"
    assert results["verdict"].startswith("SIMULATED")

    # the Japanese files were the ones used
    training = json.loads((SAMPLE / "training.json").read_text(encoding="utf-8"))
    evaluation = json.loads((SAMPLE / "eval.json").read_text(encoding="utf-8"))
    trained = (tmp_path / "data" / "train.jsonl").read_text(encoding="utf-8")
    assert training[0]["answer"] in trained
    rows = _domain(results)
    assert [row["question"] for row in rows] == [item["question"] for item in evaluation]

    # the fine-tuned model answers the paraphrased questions with what it learnt, in Japanese
    answers = {item["answer"] for item in training}
    assert all(row["fine-tuned"]["answer"] in answers for row in rows)
    assert not any(row["base"]["answer"] in answers for row in rows)
    for row in rows:
        assert row["fine-tuned"]["score"] > row["base"]["score"], row["question"]
        assert row["fine-tuned"]["similarity"] > row["base"]["similarity"], row["question"]
        # token counts from the shared estimator, not one "word" per Japanese sentence
        assert row["fine-tuned"]["outputTokens"] == estimate_tokens(row["fine-tuned"]["answer"]) > 10
        assert row["base"]["outputTokens"] == estimate_tokens(row["base"]["answer"]) > 10

    tuned, base = results["summary"]["fine-tuned"], results["summary"]["base"]
    assert tuned["meanScore"] >= 8 and base["meanScore"] <= 5  # computed from the answers, per question
    assert len({row["fine-tuned"]["score"] for row in rows} | {row["base"]["score"] for row in rows}) > 2
    judge = results["summary"]["comparison"]["judgeScore"]
    assert judge["ci95"][0] > 0 and results["verdictOutcome"] == "better"
    assert f"fine-tuned {tuned['meanScore']}, base {base['meanScore']}" in printed


def test_trained_on_the_wrong_answers_the_japanese_demo_shows_no_improvement(tmp_path: Path) -> None:
    training = json.loads((SAMPLE / "training.json").read_text(encoding="utf-8"))
    answers = [item["answer"] for item in training]
    shuffled = [
        {"question": item["question"], "answer": answers[(index + 37) % len(answers)]}
        for index, item in enumerate(training)
    ]
    wrong = tmp_path / "input" / "shuffled.json"
    wrong.parent.mkdir()
    wrong.write_text(json.dumps(shuffled, ensure_ascii=False), encoding="utf-8")

    out = tmp_path / "out"
    files = ["--validation", str(SAMPLE / "validation.json"), "--eval", str(SAMPLE / "eval.json")]
    assert main(["--sample", "ja", "--training", str(wrong), *files, "--out", str(out)]) == 0
    _, results = _results(out)
    rows = _domain(results)
    learnt = {item["answer"] for item in shuffled}
    assert all(row["fine-tuned"]["answer"] in learnt for row in rows)  # it answers what it learnt ...
    tuned, base = results["summary"]["fine-tuned"], results["summary"]["base"]
    assert tuned["meanScore"] < base["meanScore"]  # ... which is wrong
    assert results["summary"]["comparison"]["judgeScore"]["ci95"][1] < 0
    assert results["verdictOutcome"] != "better"
