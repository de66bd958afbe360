"""Console-typed execution names that Step Functions accepts but Bedrock's tag pattern does not
(`!`, `(`, `)`, `'`, non-ASCII). The execution ARN contains the name and is a tag value on every
paid resource, so each run must tag with a sanitised value, and the sweeper must still find the
run's throughput after its own clean-up step crashed."""

from __future__ import annotations

import pytest

from localrun.pipeline import LocalPipeline
from localrun.sim_tags import TAG_PATTERN
from tests.e2e.conftest import FAST, upload_sample

NAMES = ["my-run!", "run(1)", "bob's-run", "実行1"]
PT = {"evaluation": {"hosting": "provisioned"}}


@pytest.mark.parametrize("name", NAMES)
def test_a_console_typed_execution_name_runs_and_its_throughput_is_swept(name: str) -> None:
    with LocalPipeline(failing_steps=("DeleteHosting",), fast_retries=True) as pipeline:
        arn = pipeline.start({**upload_sample(pipeline), **FAST, **PT}, name=name)
        assert arn.endswith(f":{name}")  # moto keeps the name as typed
        execution = pipeline.wait(arn, timeout=180)

        bedrock = pipeline.bedrock
        assert len(bedrock.jobs) == 1, execution.cause  # the job was accepted with its tags
        assert execution.error == "ProvisionedThroughputDeletionFailed", execution.cause
        for tags in bedrock.tags.values():
            assert all(TAG_PATTERN.fullmatch(tag["value"]) for tag in tags), tags
        assert len(pipeline.remaining_throughputs()) == 1
        swept = pipeline.sweep(execution)
        assert swept is not None and len(swept["deleted"]) == 1
        assert pipeline.remaining_throughputs() == []
