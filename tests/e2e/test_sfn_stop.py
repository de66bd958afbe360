"""A stop that lands inside a Task state, between TaskStateEntered and the evaluation of its
TimeoutSeconds (the window behind a flaky moto history error; localrun/sfn_stop.py)."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

from localrun.pipeline import LocalPipeline
from tests.e2e.conftest import FAST, upload_sample


def test_a_stop_inside_a_task_state_ends_aborted_with_a_readable_history() -> None:
    with LocalPipeline() as pipeline:
        arn = ""
        original = TimeoutSeconds.is_default_value

        def stop_first(timeout: TimeoutSeconds) -> bool:
            # Called by the engine thread right before the Task's timeout is evaluated.
            if not stopped:
                stopped.append(True)
                pipeline.stop(arn)
            return bool(original(timeout))

        stopped: list[bool] = []
        with mock.patch.object(TimeoutSeconds, "is_default_value", stop_first):
            arn = pipeline.start({**upload_sample(pipeline), **FAST})
            execution = pipeline.wait(arn, timeout=60)
            for _ in range(100):  # the engine thread winds the stopped state down
                if execution.history[-1]["type"].startswith("Execution"):
                    break
                time.sleep(0.1)
                execution = pipeline.describe(arn)
        assert stopped and execution.status == "ABORTED"
        events: list[dict[str, Any]] = execution.history
        scheduled = [e for e in events if e["type"] in {"LambdaFunctionScheduled", "TaskScheduled"}]
        assert all(
            isinstance(details.get("timeoutInSeconds", 0), int)
            for e in scheduled
            for key, details in e.items()
            if key.endswith("EventDetails")
        )
        assert [e["type"] for e in events].count("ExecutionAborted") == 1
        assert not any(e["type"] in {"ExecutionFailed", "LambdaFunctionFailed"} for e in events)
        assert events[-2]["type"] == "TaskStateEntered"  # nothing of the stopped state after the stop
