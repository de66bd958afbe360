"""The shape of localrun/: every module imports on its own, there is no import cycle (not even
one hidden in a function), no file is long, and faults act only through the registry."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from localrun import sim_faults
from localrun.sim_errors import SimulatedError
from localrun.sim_faults import ActiveFaults

ROOT = Path(__file__).resolve().parents[2]
LOCALRUN = ROOT / "localrun"
MODULES = sorted(path.stem for path in LOCALRUN.glob("*.py") if path.stem != "__init__")
MAX_LINES = 400


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path) -> set[str]:
    """The localrun modules a file imports at run time, at any depth (TYPE_CHECKING blocks excluded)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "localrun":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("localrun."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("localrun."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found & set(MODULES)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def walk(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := walk(target)):
                return found
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (found := walk(module)):
            return found
    return None


def test_localrun_has_no_import_cycle() -> None:
    graph = {module: _imports(LOCALRUN / f"{module}.py") - {module} for module in MODULES}
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph) or [])}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_on_its_own(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import localrun.{module}"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("module", MODULES)
def test_no_file_is_long(module: str) -> None:
    lines = len((LOCALRUN / f"{module}.py").read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"localrun/{module}.py has {lines} lines"


def test_no_module_tests_a_fault_by_name() -> None:
    """Faults act through the registry (trip/outcomes at a point), never `"name" in faults`."""
    names = "|".join(re.escape(name) for name in sim_faults.FAULTS)
    inline = re.compile(rf"""["']({names})["']\s+(not\s+)?in\b""")
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(LOCALRUN.glob("*.py"))
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_fault_acts_at_a_point_some_module_uses() -> None:
    points = {name: value for name, value in vars(sim_faults).items() if name.isupper() and isinstance(value, str)}
    code = "\n".join(p.read_text(encoding="utf-8") for p in LOCALRUN.glob("*.py") if p.name != "sim_faults.py")
    for fault in sim_faults.REGISTRY:
        for point in fault.acts_at:
            constant = next(name for name, value in points.items() if value == point)
            assert f"sim_faults.{constant}" in code, f"{fault.name} acts at {constant}, which no module reaches"


def test_a_fail_fault_counts_per_key_first_n() -> None:
    faults = ActiveFaults(["deployment-throttle"])
    raised = []
    for operation in ["CreateCustomModelDeployment"] * 3 + ["GetCustomModelDeployment"] * 3 + ["ListTagsForResource"]:
        try:
            faults.trip(sim_faults.CALL, key=operation, operation=operation)
            raised.append(False)
        except SimulatedError as error:
            assert error.status == 429 and error.code == "ThrottlingException"
            raised.append(True)
    assert raised == [True, True, False, True, True, False, False]


def test_a_fail_fault_every_nth_and_a_message_with_values() -> None:
    faults = ActiveFaults(["throttle-10pct", "base-error"])
    fired = []
    for _ in range(20):
        try:
            faults.trip(sim_faults.HOSTED_OR_JUDGE_GENERATION)
            fired.append(False)
        except SimulatedError:
            fired.append(True)
    assert [i + 1 for i, hit in enumerate(fired) if hit] == [10, 20]
    with pytest.raises(SimulatedError, match=r"access to the model amazon\.nova-micro-v1:0"):
        faults.trip(sim_faults.BASE_CONVERSE, model="amazon.nova-micro-v1:0")
    faults.discard("base-error")
    faults.trip(sim_faults.BASE_CONVERSE, model="amazon.nova-micro-v1:0")  # switched off: no error


def test_outcomes_name_what_the_module_does() -> None:
    faults = ActiveFaults(["job-failed", "pt-stuck"])
    assert faults.outcomes(sim_faults.JOB_END) == {sim_faults.FAILED}
    assert faults.outcomes(sim_faults.PT_SETTLE) == {sim_faults.STUCK}
    assert faults.outcomes(sim_faults.DEPLOYMENT_SETTLE) == frozenset()
    with pytest.raises(ValueError, match="unknown fault"):
        ActiveFaults(["no-such-fault"])


def test_the_old_error_names_are_the_one_error_type() -> None:
    from localrun.sim_pricing import PricingError
    from localrun.sim_quotas import QuotaError
    from localrun.simulated_bedrock import BedrockError

    assert BedrockError is QuotaError is PricingError is SimulatedError
