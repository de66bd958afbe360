"""`bft watch` in a real terminal: tmux runs the command on a pseudo-terminal, so Rich draws its
live view as a user sees it; the test reads the screen (tmux capture-pane) while the run goes
and after it ends. `make test` installs tmux when it is missing (Makefile target `tmux`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.bft.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tmux)")


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session, "-S", "-200")


def _run_in_tmux(command: str, done: str, timeout: float = 120) -> tuple[list[str], str]:
    """Run `command` in a new 200x60 tmux session; return the screens seen while it ran and the last."""
    session = f"bft-{uuid.uuid4().hex[:8]}"
    _tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "60", f"{command}; echo {done}=$?; sleep 30")
    screens: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = _screen(session)
            screens.append(screen)
            if f"{done}=" in screen:
                return screens, screen
            time.sleep(0.25)
        raise AssertionError(f"not finished after {timeout} s; screen:\n{screens[-1] if screens else ''}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)


def test_start_watch_draws_live_progress_and_ends_with_the_verdict(tmp_path: Path) -> None:
    bft = f"cd {ROOT} && {sys.executable} -m cli --local --state-dir {tmp_path / 'state'}"
    screens, last = _run_in_tmux(f"{bft} start {' '.join(SAMPLE)} --watch", "EXIT")
    live = [s for s in screens if "RUNNING" in s and "Step" in s]
    assert live, "the live view never showed a running step"
    assert any("Training job" in s for s in live) or any("Hosting" in s for s in live)
    assert "SUCCEEDED (SIMULATED)" in last
    assert "Verdict: SIMULATED" in last and "Report: s3://" in last
    assert "EXIT=0" in last

    run_id = next(line.split("Started run ")[1].split()[0] for line in last.splitlines() if "Started run " in line)
    # A closed terminal loses nothing: watching again shows where the run is (here: ended).
    _, again = _run_in_tmux(f"{bft} watch {run_id}", "AGAIN")
    assert f"Run {run_id}: SUCCEEDED (SIMULATED)" in again
    assert "Training job" in again and "Completed" in again and "training loss" in again
    assert "AGAIN=0" in again
