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
    # The default run hosts Nova Micro on demand: no throughput is bought, the deployment is kept.
    assert summary["hosting"] == "on-demand"
    assert summary["provisionedThroughputsCreated"] == 0 and summary["provisionedThroughputsRemaining"] == 0
    assert summary["customModelDeploymentsCreated"] == 1 and summary["customModelDeploymentsRemaining"] == 0
    kept = summary["keptDeployment"]
    assert kept["name"] == f"od-{summary['runId']}" and kept["usage"]["outputTokens"] > 0
    assert summary["rawObjectsUnchanged"] is True
    assert f"Verdict: {summary['verdict']}" in printed and summary["verdict"].startswith("SIMULATED")
    report = Path(summary["reportDir"])
    assert (
        kept["arn"] in (report / "report.md").read_text() and "runtime.converse(" in (report / "report.md").read_text()
    )
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


def test_demo_hosting_provisioned_buys_one_throughput_and_deletes_it(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), "--hosting", "provisioned"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["hosting"] == "provisioned" and summary["status"] == "SUCCEEDED"
    assert summary["provisionedThroughputsCreated"] == 1 and summary["provisionedThroughputsRemaining"] == 0
    assert summary["customModelDeploymentsCreated"] == 0 and summary["keptDeployment"] is None


def test_demo_input_from_a_file_selects_the_provisioned_path(tmp_path: Path) -> None:
    overrides = tmp_path / "input.json"
    overrides.write_text(json.dumps({"evaluation": {"hosting": "provisioned"}}))
    assert main(["--out", str(tmp_path), "--input", f"@{overrides}"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["provisionedThroughputsCreated"] == 1 and summary["provisionedThroughputsRemaining"] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{dryRun:true}", "--input is not valid JSON: Expecting property name enclosed in double quotes"),
        ("[1]", "--input must be a JSON object, got list"),
        ("@missing-input.json", "--input file missing-input.json: cannot read the file"),
    ],
)
def test_a_malformed_input_is_one_line_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, expected: str
) -> None:
    assert main(["--out", str(tmp_path), "--input", value]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {expected}") and len(error.strip().splitlines()) == 1
    assert "Traceback" not in error and not (tmp_path / "summary.json").exists()


@pytest.mark.parametrize("fault", ["abort", "timeout"])
def test_abort_and_timeout_leave_nothing_behind(tmp_path: Path, fault: str) -> None:
    assert main(["--out", str(tmp_path), "--fault", fault]) == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == ("TIMED_OUT" if fault == "timeout" else "ABORTED")
    assert summary["customModelDeploymentsCreated"] == 1 and summary["customModelDeploymentsRemaining"] == 0
    assert summary["provisionedThroughputsRemaining"] == 0 and summary["keptDeployment"] is None
    assert summary["sweeper"]["deleted"] == [f"od-{summary['runId']}"]
