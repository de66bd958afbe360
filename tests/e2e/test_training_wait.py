"""The event-driven training wait on moto's engine: the job's state-change event resumes the
task token; a lost event is caught by the slow safety poll; the history does not grow with
training time. (How fast a completion is noticed is measured in `make bench`, not here.)"""

from __future__ import annotations

from localrun.pipeline import Execution, LocalPipeline
from tests.e2e.conftest import upload_sample

PROVISIONED = {"evaluation": {"hosting": "provisioned"}}
FAST_HOSTING = {"throughputPollIntervalSeconds": 0, "throughputMaxWaitSeconds": 3}


def _run(pipeline: LocalPipeline, poll: int) -> Execution:
    execution_input = {**upload_sample(pipeline), **FAST_HOSTING, **PROVISIONED, "pollIntervalSeconds": poll}
    raw_before = pipeline.raw_snapshot()
    execution = pipeline.wait(pipeline.start(execution_input), timeout=120)
    assert pipeline.remaining_throughputs() == []
    assert pipeline.raw_snapshot() == raw_before
    return execution


def test_the_jobs_event_resumes_the_run_without_a_safety_poll() -> None:
    with LocalPipeline() as pipeline:
        # A 10-minute safety poll: the run can only finish within the test's timeout if the event resumed it.
        execution = _run(pipeline, poll=600)

        assert execution.status == "SUCCEEDED", execution.cause
        assert "NoTrainingEventYet" not in execution.states_entered()
        assert not any(e["type"] == "TaskTimedOut" for e in execution.history)
        assert [o["result"]["outcome"] for o in pipeline.job_event_outcomes] == ["resumed: Completed"]


def test_a_lost_event_is_caught_by_the_safety_poll() -> None:
    with LocalPipeline(faults=["job-event-lost"]) as pipeline:
        execution = _run(pipeline, poll=1)

        assert execution.status == "SUCCEEDED", execution.cause
        assert len(pipeline.bedrock.job_events) == 1 and pipeline.job_event_outcomes == []  # emitted, never delivered
        assert "NoTrainingEventYet" in execution.states_entered()  # the wait timed out at least once
        assert any(e["type"] == "TaskTimedOut" for e in execution.history)


def test_a_failed_jobs_event_ends_the_run_with_bedrocks_words_and_buys_nothing() -> None:
    with LocalPipeline(faults=["job-failed"]) as pipeline:
        execution = _run(pipeline, poll=600)

        assert execution.status == "FAILED"
        assert execution.error == "CustomizationJobFailed"
        assert "training loss diverged" in (execution.cause or "")
        assert pipeline.bedrock.throughputs == {} and pipeline.bedrock.deleted_throughputs == []


def test_history_events_do_not_grow_with_training_time() -> None:
    counts = []
    for training_seconds in (60.0, 6000.0):  # 1 and 100 simulated minutes (0.1 s and 10 s of wall time)
        with LocalPipeline(time_scale=600, training_seconds=training_seconds) as pipeline:
            execution = _run(pipeline, poll=600)
            assert execution.status == "SUCCEEDED", execution.cause
            counts.append(len(execution.history))
    assert counts[0] == counts[1], counts  # the whole run's history: 100x the training time, same length
