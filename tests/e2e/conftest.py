"""End-to-end fixtures: the real state machine on moto's engine, real handlers in-process."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from localrun.pipeline import Execution, LocalPipeline
from tests.conftest import DATASET

FAST = {"pollIntervalSeconds": 0, "throughputPollIntervalSeconds": 0, "throughputMaxWaitSeconds": 3}
PROVISIONED = {"evaluation": {"hosting": "provisioned"}}
"""For tests about the provisioned-throughput path (the default for Nova is an on-demand deployment)."""

for _name in ("moto", "botocore"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


@dataclass
class Run:
    pipeline: LocalPipeline
    execution: Execution
    raw_before: dict[str, str]

    @property
    def run_id(self) -> str:
        return self.execution.run_id

    def assert_safe(self) -> None:
        """Every end-to-end test ends here: no throughput left, no deployment left except the
        one a successful run keeps on purpose, raw/ untouched."""
        assert self.pipeline.remaining_throughputs() == []
        assert self.pipeline.unexpected_deployments(self.execution) == []
        assert self.pipeline.raw_snapshot() == self.raw_before


def upload_sample(pipeline: LocalPipeline, prefix: str = "raw/sample") -> dict[str, str]:
    return {
        "trainingDataUri": pipeline.upload(f"{prefix}/training.json", (DATASET / "training.json").read_bytes()),
        "validationDataUri": pipeline.upload(f"{prefix}/validation.json", (DATASET / "validation.json").read_bytes()),
        "evalDataUri": pipeline.upload(f"{prefix}/eval.json", (DATASET / "eval.json").read_bytes()),
    }


def hosting_kinds(execution: Execution) -> set[str]:
    """What the console shows of the one hosting chain: the kind in each hosting step's output."""
    kinds = set()
    for event in execution.history:
        details = event.get("stateExitedEventDetails") or {}
        if details.get("name") in {"CreateHosting", "CheckHosting"}:
            kinds.add(json.loads(details["output"])["hosting"]["kind"])
    return kinds


RunPipeline = Callable[..., Run]


@pytest.fixture
def run_pipeline() -> Iterator[RunPipeline]:
    """run_pipeline(faults=[...], overrides={...}, files=None, event_key=None, timeout=..., hosting=...)

    `hosting` ("provisioned" unless given) is merged into the input's `evaluation`; None leaves
    the input as it is (the family's default, an on-demand deployment for Nova)."""
    stack: list[LocalPipeline] = []

    def run(
        faults: tuple[str, ...] | list[str] = (),
        overrides: dict[str, Any] | None = None,
        files: dict[str, bytes] | None = None,
        execution_input: dict[str, Any] | None = None,
        timeout: int | None = None,
        failing_steps: tuple[str, ...] = (),
        wait: float = 120.0,
        hosting: str | None = "provisioned",
    ) -> Run:
        pipeline = LocalPipeline(faults=faults, execution_timeout_seconds=timeout, failing_steps=failing_steps)
        stack.append(pipeline.__enter__())
        if execution_input is None:
            if files is None:
                execution_input = upload_sample(pipeline)
            else:
                uris = {key: pipeline.upload(key, body) for key, body in files.items()}
                execution_input = {"trainingDataUri": next(iter(uris.values()))}
            execution_input = {**execution_input, **FAST, **(overrides or {})}
            if hosting is not None:
                evaluation = {"hosting": hosting, **execution_input.get("evaluation", {})}
                execution_input = {**execution_input, "evaluation": evaluation}
        raw_before = pipeline.raw_snapshot()
        arn = pipeline.start(execution_input)
        return Run(pipeline, pipeline.wait(arn, wait), raw_before)

    yield run
    for pipeline in reversed(stack):
        pipeline.__exit__(None, None, None)
