"""start, runs, watch, report and stop against the local simulation, which persists between
invocations (each `bft` call below is a separate moto session rebuilt from the state dir)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bft.conftest import SAMPLE, bft


def test_start_then_runs_lists_both_runs_newest_first(two_runs: tuple[Path, list[str]]) -> None:
    state, ids = two_runs
    listed = bft("--json", "runs", state=state).json()
    assert listed["simulated"] is True
    rows = listed["runs"]
    assert [r["runId"] for r in rows] == list(reversed(ids))
    first = rows[1]
    assert first["status"] == "SUCCEEDED"
    assert first["verdict"] == "better"
    assert first["hyperParameters"]["epochCount"] == "2" and rows[0]["hyperParameters"]["epochCount"] == "4"
    assert first["trainingRecords"] == 104
    assert first["judgeScore"]["ci95"][0] > 0
    assert first["keptDeployment"] == f"od-{ids[0]}"
    assert first["customModel"] == f"ft-{ids[0]}-model"


def test_runs_table_is_labelled_simulated(two_runs: tuple[Path, list[str]]) -> None:
    state, ids = two_runs
    result = bft("runs", "--limit", "1", state=state)
    assert result.code == 0
    assert "SIMULATED" in result.stdout
    assert ids[1] in result.stdout and ids[0] not in result.stdout


def test_watch_of_an_ended_run_gives_the_verdict_and_exit_0(two_runs: tuple[Path, list[str]]) -> None:
    state, ids = two_runs
    result = bft("--json", "watch", ids[0], state=state)
    assert result.code == 0
    snap = result.json()
    assert snap["status"] == "SUCCEEDED" and snap["verdictOutcome"] == "better"
    assert snap["verdict"].startswith("SIMULATED")
    assert snap["report"].endswith(f"runs/{ids[0]}/report/index.html")
    assert snap["job"]["status"] == "Completed" and snap["job"]["trainingLoss"] > 0
    assert snap["hosting"] == {"kind": "on-demand", "name": f"od-{ids[0]}", "status": "Active"}
    assert snap["batches"]  # answering progress n of N, read from the execution history
    assert all(text.split(" of ")[0] == text.split(" of ")[1] for text in snap["batches"].values())


def test_watch_unknown_run_exits_4(two_runs: tuple[Path, list[str]]) -> None:
    state, _ = two_runs
    result = bft("watch", "no-such-run", state=state)
    assert result.code == 4
    assert "no-such-run" in result.stderr


def test_failed_run_exits_1_from_start_watch_and_watch(tmp_path: Path) -> None:
    """A run the pipeline fails (an unknown base model for fine-tuning passes the local checks
    only if the registry knows it, so use a run the sweeper path handles: an answer fault is not
    reachable from the CLI; the budget is): maxCostUsd below the quote refuses the run."""
    state = tmp_path / "s"
    result = bft(
        "--json",
        "start",
        *SAMPLE,
        "--set",
        "maxCostUsd=0.0001",
        "--set",
        "prices.trainingPer1kTokensUsd=0",
        "--set",
        "prices.storagePerModelMonthUsd=0",
        "--set",
        "prices.customInputPer1kTokensUsd=0",
        "--set",
        "prices.customOutputPer1kTokensUsd=0",
        "--watch",
        state=state,
    )
    assert result.code == 1, result.stdout + result.stderr
    snap = result.json()
    assert snap["status"] == "FAILED" and snap["error"] == "BudgetExceeded"
    again = bft("watch", snap["runId"], state=state)
    assert again.code == 1
    assert "BudgetExceeded" in again.stdout


def test_bad_data_is_refused_before_anything_is_uploaded(tmp_path: Path) -> None:
    state = tmp_path / "s"
    bad = tmp_path / "faq.json"
    bad.write_text(json.dumps([{"question": "What is Bedrock?", "answer": ""}]), encoding="utf-8")
    result = bft("start", str(bad), state=state)
    assert result.code == 2
    assert f"{bad} record 1: empty answer" in result.stderr
    assert not (state / "executions").exists()
    assert not (state / "bucket" / "raw").exists()


def test_bad_set_is_a_usage_error(tmp_path: Path) -> None:
    result = bft("start", SAMPLE[0], "--set", "noequals", state=tmp_path / "s")
    assert result.code == 2
    assert "expected key=value" in result.stderr


def test_unknown_input_key_gets_the_pipelines_message(tmp_path: Path) -> None:
    result = bft("quote", SAMPLE[0], "--set", "epochs=3", state=tmp_path / "s")
    assert result.code == 2
    assert "InvalidExecutionInput" in result.stderr and "epochs" in result.stderr


def test_report_downloads_the_runs_report(two_runs: tuple[Path, list[str]], tmp_path: Path) -> None:
    state, ids = two_runs
    result = bft("--json", "report", ids[0], "--out", str(tmp_path / "out"), state=state)
    assert result.code == 0
    index = Path(result.json()["index"])
    assert index.is_file() and "SIMULATED" in index.read_text(encoding="utf-8")
    assert json.loads((index.parent / "results.json").read_text(encoding="utf-8"))["runId"] == ids[0]


def test_stop_of_an_ended_run_says_so_and_reports_the_kept_deployment(two_runs: tuple[Path, list[str]]) -> None:
    state, ids = two_runs
    result = bft("--json", "stop", ids[0], state=state)
    assert result.code == 0
    document = result.json()
    assert "already ended (SUCCEEDED)" in document["message"]
    assert [r["name"] for r in document["paidHostingLeft"]] == [f"od-{ids[0]}"]


def test_build_report_keeps_the_run_history_in_the_bucket(two_runs: tuple[Path, list[str]]) -> None:
    """runs/index.json and runs/index.html, written by the real BuildReport during both runs."""
    state, ids = two_runs
    index = json.loads((state / "bucket" / "runs" / "index.json").read_text(encoding="utf-8"))
    assert [r["runId"] for r in index["runs"]] == list(reversed(ids))
    page = (state / "bucket" / "runs" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{run_id}/report/index.html"' in page for run_id in ids) and "SIMULATED" in page


def test_watch_survives_a_dropped_connection(two_runs: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two reads fail as a dropped network would; watch says so, tries again, and ends normally."""
    from botocore.exceptions import EndpointConnectionError

    from cli.local import LocalBackend

    state, ids = two_runs
    original = LocalBackend.describe
    calls = {"n": 0}

    def flaky(self: LocalBackend, arn: str, with_history: bool = True) -> object:
        calls["n"] += 1
        if calls["n"] in (2, 3):  # the first read finds the run; the next two are lost
            raise EndpointConnectionError(endpoint_url="https://states.us-east-1.amazonaws.com")
        return original(self, arn, with_history)

    monkeypatch.setattr(LocalBackend, "describe", flaky)
    monkeypatch.setattr(LocalBackend, "sleep", staticmethod(lambda seconds: None))
    result = bft("watch", ids[0], state=state)
    assert result.code == 0
    assert result.stdout.count("connection problem") == 2
    assert f"Run {ids[0]}: SUCCEEDED (SIMULATED)" in result.stdout
