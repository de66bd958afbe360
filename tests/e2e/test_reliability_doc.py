"""RELIABILITY.md's matrices and the tests must list the same cases."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.e2e.test_bad_input import CASES
from tests.e2e.test_faults import FAULTS

DOC = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")


def test_every_bad_input_case_is_documented_and_every_documented_case_exists() -> None:
    documented = re.findall(r"`test_bad_input\[([^\]]+)\]`", DOC)
    assert sorted(documented) == sorted(case.id for case in CASES)
    assert len(CASES) >= 25


def test_every_fault_case_is_documented_and_every_documented_case_exists() -> None:
    documented = re.findall(r"`test_fault\[([^\]]+)\]`", DOC)
    assert sorted(documented) == sorted(case.id for case in FAULTS)
    assert len(FAULTS) + 2 >= 15


def test_documented_errors_match_the_tests() -> None:
    for case in CASES:
        row = next(line for line in DOC.splitlines() if f"`test_bad_input[{case.id}]`" in line)
        assert (case.error or "accepted") in row
    for fault in FAULTS:
        row = next(line for line in DOC.splitlines() if f"`test_fault[{fault.id}]`" in line)
        assert fault.status in row and (fault.error or "") in row
