"""A stop that lands inside a Task state, between TaskStateEntered and the evaluation of its
TimeoutSeconds (the window behind a flaky moto history error; localrun/sfn_stop.py)."""

from __future__ import annotations

import threading
import time
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda
from moto.stepfunctions.parser.asl.eval.environment import Environment

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


def test_a_parallel_branch_stopped_inside_a_task_state_leaves_a_readable_history() -> None:
    """The same window, reached by moto's own stop: a failing Parallel branch (AwaitTrainingEvent
    crashes) stops the branch whose base-answer Task is between TaskStateEntered and its timeout
    (the CI failure of test_fault[step-AwaitTrainingEvent-crashes])."""
    in_window = threading.Event()
    stopped_inside: list[bool] = []
    current = threading.local()
    original_execution = StateTaskLambda._eval_execution
    original_default = TimeoutSeconds.is_default_value
    original_invoke = LocalPipeline._invoke

    def remember_env(task: StateTaskLambda, env: Environment) -> None:
        current.env = env
        original_execution(task, env)

    def hold_until_stopped(timeout: TimeoutSeconds) -> bool:
        env: Environment | None = getattr(current, "env", None)
        state = env.states.context_object.context_object_data.get("State") if env else None
        name = state["Name"] if state else ""
        if env is not None and name == "AnswerBaseBatch" and not in_window.is_set():
            in_window.set()  # the crashing branch may fail now
            deadline = time.monotonic() + 30
            while env.is_running() and time.monotonic() < deadline:
                time.sleep(0.01)
            stopped_inside.append(not env.is_running())
        return bool(original_default(timeout))

    def crash_after_the_window(pipeline: LocalPipeline, function: Any, event: Any = None) -> Any:
        if function.function_name == "AwaitTrainingEvent":
            in_window.wait(timeout=30)
        return original_invoke(pipeline, function, event)

    with (
        mock.patch.object(StateTaskLambda, "_eval_execution", remember_env),
        mock.patch.object(TimeoutSeconds, "is_default_value", hold_until_stopped),
        mock.patch.object(LocalPipeline, "_invoke", crash_after_the_window),
        LocalPipeline(failing_steps=("AwaitTrainingEvent",), fast_retries=True) as pipeline,
    ):
        execution = pipeline.wait(pipeline.start({**upload_sample(pipeline), **FAST}), timeout=60)
    assert stopped_inside == [True]
    assert execution.status == "FAILED" and execution.error == "RuntimeError", execution.cause
    scheduled = [e for e in execution.history if e["type"] == "LambdaFunctionScheduled"]
    assert all(isinstance(e["lambdaFunctionScheduledEventDetails"].get("timeoutInSeconds", 0), int) for e in scheduled)
    entered = [e["stateEnteredEventDetails"]["name"] for e in execution.history if e["type"] == "TaskStateEntered"]
    assert "AnswerBaseBatch" in entered  # the stopped branch's Task was entered; nothing of it after the stop
