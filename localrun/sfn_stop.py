"""moto 5.2.5's Step Functions engine after StopExecution or the execution's TimeoutSeconds: the
history ends with ExecutionAborted / ExecutionTimedOut, as on AWS (API_StopExecution.html).

The moto bug: the engine thread keeps evaluating the state it is in. Every component's `eval`
is skipped once the execution is no longer running (EvalComponent.eval, "Pruning"), but the
Task code around it still pops the value it expected from the evaluation stack
(state_task_lambda.py: `self.timeout.eval(env); timeout_seconds = env.stack.pop()`). A stop
that lands between TaskStateEntered and that line records a LambdaFunctionScheduled event whose
`timeoutInSeconds` is the state's input dict (GetExecutionHistory then fails for good with
"int() argument must be ... not 'dict'"), the next pop raises IndexError, and
Environment.set_error, which unlike set_stop overrides any state, turns the ABORTED execution
into FAILED ("pop from empty list").

The same window opens inside the execution: when one branch of a Parallel state fails, moto
stops the other branches (BranchWorker.stop -> Environment.set_stop on the branch's frame), and a
Task of theirs can be caught between TaskStateEntered and its timeout just the same. AWS records
nothing more of a branch it stopped.

The patch: once the root execution is stopped or timed out from outside the engine thread,
the engine's late events are not recorded (only the terminal event is), and a late error does
not replace the outcome. Once a frame (a branch, a Map iteration, a Task's own frame) is
stopped, nothing more it computes is recorded and a late error leaves it stopped.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.api import HistoryEventType
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext, EventManager
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped, ProgramTimedOut
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

_ENDED_FROM_OUTSIDE = {
    ProgramStopped: HistoryEventType.ExecutionAborted,
    ProgramTimedOut: HistoryEventType.ExecutionTimedOut,
}
# The root environment of each execution stopped or timed out from outside, by its history.
_ROOTS: weakref.WeakKeyDictionary[EventManager, Environment] = weakref.WeakKeyDictionary()
# The history contexts of frames stopped by their parent: each frame has its own context
# (Environment.as_inner_frame_of), which is what EventManager.add_event is given.
_STOPPED_FRAMES: weakref.WeakSet[EventHistoryContext] = weakref.WeakSet()


def _outside_end(manager: EventManager) -> Any:
    root = _ROOTS.get(manager)
    state = type(root._program_state) if root is not None else None
    return state if state in _ENDED_FROM_OUTSIDE else None


@contextmanager
def stopped_executions_stay_stopped() -> Iterator[None]:
    original_stop = ExecutionWorker.stop
    original_timed_out = Environment.set_timed_out
    original_set_error = Environment.set_error
    original_add_event = EventManager.add_event
    original_set_stop = Environment.set_stop
    original_inner_frame = Environment.as_inner_frame_of.__func__  # type: ignore[attr-defined]

    def stop(worker: ExecutionWorker, stop_date: Any, error: str | None, cause: str | None) -> None:
        if worker.env is not None:
            # Registered before the state changes: an event computed after the change is dropped.
            _ROOTS[worker.env.event_manager] = worker.env
        original_stop(worker, stop_date=stop_date, error=error, cause=cause)

    def set_timed_out(env: Environment) -> None:
        if not env.is_frame():  # Program.eval on the root; frames follow through the root
            _ROOTS[env.event_manager] = env
        original_timed_out(env)

    def set_stop(env: Environment, stop_date: Any, cause: str | None, error: str | None) -> None:
        if env.is_frame():  # registered first, as for the root: the frames below follow through here
            _STOPPED_FRAMES.add(env.event_history_context)
        original_set_stop(env, stop_date, cause, error)

    def as_inner_frame_of(cls: type[Environment], env: Environment, *args: Any, **kwargs: Any) -> Environment:
        frame = original_inner_frame(cls, env, *args, **kwargs)
        if env.event_history_context in _STOPPED_FRAMES:  # opened by a stopped frame's late code
            _STOPPED_FRAMES.add(frame.event_history_context)
        return frame

    def set_error(env: Environment, error: Any) -> None:
        if _ROOTS.get(env.event_manager) is env and _outside_end(env.event_manager) is not None:
            return
        if env.event_history_context in _STOPPED_FRAMES:
            return
        original_set_error(env, error)

    def add_event(manager: EventManager, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        if context in _STOPPED_FRAMES:
            return int(context.last_published_event_id or 0)
        ended = _outside_end(manager)
        if ended is not None and event_type != _ENDED_FROM_OUTSIDE[ended]:
            return int(context.last_published_event_id or 0)
        return int(original_add_event(manager, context, event_type, *args, **kwargs))

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(ExecutionWorker, "stop", stop))
        stack.enter_context(mock.patch.object(Environment, "set_timed_out", set_timed_out))
        stack.enter_context(mock.patch.object(Environment, "set_error", set_error))
        stack.enter_context(mock.patch.object(EventManager, "add_event", add_event))
        stack.enter_context(mock.patch.object(Environment, "set_stop", set_stop))
        stack.enter_context(mock.patch.object(Environment, "as_inner_frame_of", classmethod(as_inner_frame_of)))
        yield
