"""`make demo`: the command-line runner on the bundled dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localrun.__main__ import main


def test_demo_succeeds_labels_itself_simulated_and_writes_summary_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("SIMULATED RUN") and "RunSucceeded" in printed and "(SIMULATED)" in printed
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "SUCCEEDED" and summary["error"] is None and summary["cause"] is None
    assert summary["simulated"] is True
    assert summary["customizationJobsCreated"] == 1
    assert summary["provisionedThroughputsCreated"] == 1 and summary["provisionedThroughputsRemaining"] == 0
    assert summary["rawObjectsUnchanged"] is True
    assert f"Verdict: {summary['verdict']}" in printed and summary["verdict"].startswith("SIMULATED")
    report = Path(summary["reportDir"])
    assert {p.name for p in report.iterdir()} >= {"index.html", "report.md", "results.json"}
    results = json.loads((report / "results.json").read_text())
    assert results["simulated"] is True
    assert summary["scores"]["fine-tuned"]["meanScore"] == results["summary"]["fine-tuned"]["meanScore"]
    assert (tmp_path / "data" / "train.jsonl").exists()

    # what a reviewer needs to trust the numbers: intervals and p-values, the position-swapped
    # pairwise judge, the general-ability check, and a verdict decided from the intervals
    comparison = results["summary"]["comparison"]
    with_intervals = [
        metric
        for metric in ("judgeScore", "rougeL", "semanticSimilarity", "outputTokens")
        if comparison[metric]["ci95"] is not None and comparison[metric]["pValue"] is not None
    ]
    assert len(with_intervals) >= 3
    assert 0 <= comparison["pairwise"]["positionConsistency"] <= 1
    general = results["summary"]["general"]
    assert general["enabled"] and general["questions"] == 20 and general["judgeScore"]["ci95"] is not None
    assert results["verdict"].startswith("SIMULATED — ") and results["verdictOutcome"] in ("better", "not-shown")
    assert (comparison["judgeScore"]["ci95"][0] > 0) == (results["verdictOutcome"] == "better")
    assert "Verdict:" in (report / "report.md").read_text() and 'id="verdict"' in (report / "index.html").read_text()


def test_demo_exits_1_when_the_run_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--fault", "job-failed"]) == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "FAILED" and summary["error"] == "CustomizationJobFailed"
    assert summary["provisionedThroughputsCreated"] == 0 and summary["provisionedThroughputsRemaining"] == 0
    assert "CustomizationJobFailed" in capsys.readouterr().out


def test_help_lists_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    from localrun.pipeline import PIPELINE_FAULTS
    from localrun.simulated_bedrock import FAULTS

    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for name in (*FAULTS, *PIPELINE_FAULTS, "step-<Name>"):
        assert name in text
