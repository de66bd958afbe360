"""The report on Japanese data: ROUGE-L by character, answers in the question's language, the
page's `lang` and font stack, and evaluation questions that leaked from training."""

from __future__ import annotations

from typing import Any

import pytest

from localrun.simulated_bedrock import SimulatedBedrock
from preprocess.leakage import METHOD, NEAR_THRESHOLD
from report.logic import build_report
from shared.text import TOKENIZATION
from tests.unit.report_run import make_step, put, report_files

QUESTIONS = [
    {"index": 0, "question": "日本の首都はどこですか?", "reference": "東京です。"},
    {"index": 1, "question": "デフォルトのエポック数は?", "reference": "2エポックです。"},
]
ANSWERS = {
    "base": ["The capital of Japan is Tokyo.", "2エポックです。"],
    "fine-tuned": ["東京です。", "5エポックです。"],
}
LEAK = {
    "location": "record 2",
    "question": QUESTIONS[1]["question"],
    "trainingLocation": "record 9",
    "trainingQuestion": "デフォルトのエポック数は",
    "kind": "exact",
    "similarity": 1.0,
}


def _write(s3: Any) -> None:
    questions = [QUESTIONS[0], {**QUESTIONS[1], "leakedFrom": LEAK}]
    put(s3, "runs/run-1/data/eval.json", questions)
    put(
        s3,
        "runs/run-1/data/manifest.json",
        {
            "leakage": {
                # the shape PreprocessDataset writes (preprocess/logic.py); BuildReport validates it
                "method": METHOD,
                "threshold": float(NEAR_THRESHOLD),
                "allowLeakage": True,
                "checked": 2,
                "removed": [],
                "kept": [LEAK],
                "validation": [],
                "contradictions": [],
            }
        },
    )
    for target, texts in ANSWERS.items():
        answers = [
            {**QUESTIONS[i], "answer": text, "outputTokens": 10, "latencyMs": 100} for i, text in enumerate(texts)
        ]
        put(s3, f"runs/run-1/eval/answers/{target}/batch-0000.json", {"target": target, "answers": answers})
    verdicts = [
        {"index": i, "target": target, "score": score, "correct": score > 5, "reasoning": "r", "similarity": 0.5}
        for target, scores in (("base", (5, 9)), ("fine-tuned", (9, 2)))
        for i, score in enumerate(scores)
    ]
    put(s3, "runs/run-1/eval/judgements.json", {"verdicts": verdicts, "similarity": {"dimensions": 1024}})


def test_a_japanese_run_is_measured_by_character_and_by_language(aws: SimulatedBedrock, s3: Any) -> None:
    _write(s3)
    build_report(make_step(), s3)
    results, markdown, page = report_files(s3)
    rows = {row["index"]: row for row in results["questions"]}
    # 東京です (4 tokens) against itself: 1.0; 5エポックです vs 2エポックです: LCS 6 of 7 -> 6/7
    assert rows[0]["fine-tuned"]["rougeL"] == 1.0
    assert rows[1]["fine-tuned"]["rougeL"] == pytest.approx(round(6 / 7, 4))
    assert rows[0]["base"]["rougeL"] == 0.0  # an English answer shares no token with 東京です
    # the base model answered one Japanese question in English
    assert results["summary"]["base"]["sameLanguage"] == {"matched": 1, "compared": 2, "share": 0.5}
    assert results["summary"]["fine-tuned"]["sameLanguage"] == {"matched": 2, "compared": 2, "share": 1.0}
    assert "| Answers in the question's language | 1 of 2 (50%) | 2 of 2 (100%) | +50 points |" in markdown
    assert results["text"]["tokenization"] == TOKENIZATION and TOKENIZATION in markdown
    assert results["text"]["dataLanguage"] == "ja"
    assert page.startswith('<!doctype html><html lang="ja">')
    assert '"Noto Sans CJK JP"' in page and "Hiragino" in page and "Meiryo" in page


def test_kept_leaked_questions_are_flagged(aws: SimulatedBedrock, s3: Any) -> None:
    _write(s3)
    build_report(make_step(), s3)
    results, markdown, page = report_files(s3)
    assert results["leakage"]["kept"] == [LEAK]
    assert any(w.startswith("LEAKED: 1 evaluation question(s)") and "record 9" in w for w in results["warnings"])
    assert "**Leaked:** repeats training record 9 (exact, similarity 1.00)." in markdown
    assert 'class="tag leaked"' in page
    assert {row["index"]: bool(row["leakedFrom"]) for row in results["questions"]} == {0: False, 1: True}


def test_a_difference_of_means_over_unpaired_answers_is_labelled() -> None:
    from report.view import unpaired_note

    # one fine-tuned answer has no score: the change of the means and the paired mean differ
    assert "over the 1 question(s) with both" in unpaired_note(paired=1, base_count=2, tuned_count=1)
    # every question has both similarities: the two figures are the same, nothing to say
    assert unpaired_note(paired=2, base_count=2, tuned_count=2) == ""
