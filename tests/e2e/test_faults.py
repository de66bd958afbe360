"""Injected faults, table-driven, through the real workflow. Each case asserts the run's
final status and error, that no provisioned throughput is left and that raw/ is
unchanged. Where the workflow itself cannot clean up (aborted, timed out, or its own
deletion step broken) the sweeper, started as the stack's EventBridge rule would start
it, must be what deletes the throughput; everywhere else the workflow must have done it
before the sweeper runs. The case ids are the rows of RELIABILITY.md."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from localrun.pipeline import BUCKET, LocalPipeline
from tests.e2e.conftest import upload_sample

FAST = {"pollIntervalSeconds": 0, "throughputPollIntervalSeconds": 0, "throughputMaxWaitSeconds": 3}


@dataclass
class Fault:
    id: str
    faults: tuple[str, ...] = ()
    status: str = "FAILED"
    error: str | None = None
    cause: tuple[str, ...] = ()
    throughput_created: bool = True
    job_created: bool = True
    swept: bool = False
    """True only where the sweeper is the designed clean-up (it must then delete the throughput)."""
    failing_steps: tuple[str, ...] = ()
    overrides: dict[str, Any] = field(default_factory=dict)
    timeout: int | None = None
    hosting: str = "provisioned"
    """The PT path unless a case is about the on-demand deployment (where `throughput_created`
    is False and `deployment_created` says whether one was made)."""
    deployment_created: bool = False


FAULTS = [
    Fault("throttling-on-every-bedrock-api", ("throttle",), status="SUCCEEDED"),
    Fault(
        "job-failed",
        ("job-failed",),
        error="CustomizationJobFailed",
        cause=("training loss diverged",),
        throughput_created=False,
    ),
    Fault(
        "job-stopped",
        ("job-stopped",),
        error="CustomizationJobStopped",
        cause=("was stopped",),
        throughput_created=False,
    ),
    Fault("job-quota-waits-then-runs", ("job-quota",), status="SUCCEEDED"),
    Fault(
        "pt-quota-exceeded",
        ("pt-quota",),
        error="ProvisionedThroughputQuotaExceeded",
        cause=("AWS Support", "1 model unit"),
        throughput_created=False,
    ),
    Fault(
        "pt-quota-zero-caught-by-preflight",
        ("pt-quota-zero",),
        error="ProvisionedThroughputQuotaExceeded",
        cause=("Provisioned Throughputs across custom models' is 0 model unit(s) (AWS default)", "AWS Support"),
        throughput_created=False,
        job_created=False,
        overrides={"evaluation": {"hosting": "provisioned"}},
    ),
    Fault(
        "pt-model-quota-zero-caught-by-preflight",
        ("pt-model-quota-zero",),
        error="ProvisionedThroughputQuotaExceeded",
        cause=("Model units per provisioned model for", "is 0 model unit(s)"),
        throughput_created=False,
        job_created=False,
        overrides={"evaluation": {"hosting": "provisioned"}},
    ),
    Fault(
        "pt-quota-unreadable-fails-closed",
        ("pt-quota-unreadable",),
        error="ProvisionedThroughputQuotaUnverified",
        cause=("AccessDeniedException", "allowUnverifiedQuota"),
        throughput_created=False,
        job_created=False,
        overrides={"evaluation": {"hosting": "provisioned"}},
    ),
    Fault(
        "pt-quota-unreadable-allowed-runs",
        ("pt-quota-unreadable",),
        status="SUCCEEDED",
        overrides={"evaluation": {"hosting": "provisioned"}, "allowUnverifiedQuota": True},
    ),
    Fault(
        "pt-failed",
        ("pt-failed",),
        error="ProvisionedThroughputFailed",
        cause=("Insufficient capacity", "was deleted"),
    ),
    Fault(
        "pt-stuck-in-creating",
        ("pt-stuck",),
        error="ProvisionedThroughputTimeout",
        cause=("still Creating", "was deleted"),
    ),
    Fault("converse-throttled-through-pt", ("converse-throttle",), status="SUCCEEDED"),
    Fault(
        "error-answering-through-pt",
        ("answer-error",),
        error="AnswerGenerationFailed",
        cause=("ModelErrorException", "was deleted"),
    ),
    Fault(
        "base-model-unavailable",
        ("base-error",),
        error="EvaluationIncomplete",
        cause=("base-model answers are missing", "AccessDeniedException"),
    ),
    Fault(
        "judge-unreachable-caught-by-preflight",
        ("judge-unreachable",),
        error="JudgeFailed",
        cause=("is not reachable",),
        throughput_created=False,
        job_created=False,
    ),
    Fault(
        "judge-without-verdicts-refused-by-preflight",
        ("judge-no-verdicts",),
        error="JudgeFailed",
        cause=("did not return a verdict",),
        throughput_created=False,
        job_created=False,
    ),
    Fault(
        "judge-without-tool-use-refused-by-preflight",
        error="JudgeFailed",
        cause=("amazon.titan-text-express-v1", "doesn't support tool use"),
        throughput_created=False,
        job_created=False,
        overrides={"evaluation": {"judgeModelId": "amazon.titan-text-express-v1", "hosting": "provisioned"}},
    ),
    Fault(
        "judge-fails-after-pt-is-gone",
        ("judge-error",),
        error="JudgeFailed",
        cause=("no scores were recorded", "answers are kept"),
    ),
    Fault(
        "judge-malformed-verdicts",
        ("judge-malformed",),
        error="JudgeFailed",
        cause=("malformed verdict after 3 attempts", "answers are kept"),
    ),
    Fault("embedding-model-unavailable", ("embedding-error",), status="SUCCEEDED"),
    Fault(
        "report-write-fails",
        ("report-write-error",),
        error="ReportWriteFailed",
        cause=("the report could not be written", "AccessDenied"),
    ),
    Fault("pt-deletion-throttled", ("delete-throttle",), status="SUCCEEDED"),
    Fault(
        "job-never-finishes-run-times-out",
        ("job-never-finishes",),
        status="TIMED_OUT",
        throughput_created=False,
        # The wait is a task token with a 2 s safety poll: about 3 checks in 6 s, not ~500 zero-second
        # polls racing the history reads (the source of the old flaky serialisation error).
        overrides={"pollIntervalSeconds": 2},
        timeout=6,
    ),
    Fault(
        "job-event-lost-safety-poll-finds-completion",
        ("job-event-lost",),
        status="SUCCEEDED",
        overrides={"pollIntervalSeconds": 1, "evaluation": {"hosting": "provisioned"}},
    ),
    Fault(
        "one-in-ten-converse-calls-throttled-absorbed",
        ("throttle-10pct",),
        status="SUCCEEDED",
        overrides={"evaluation": {"hosting": "provisioned"}},
    ),
    Fault(
        "step-PreprocessDataset-crashes",
        failing_steps=("PreprocessDataset",),
        error="RuntimeError",
        throughput_created=False,
        job_created=False,
    ),
    Fault(
        "step-PreflightChecks-crashes",
        failing_steps=("PreflightChecks",),
        error="RuntimeError",
        throughput_created=False,
        job_created=False,
    ),
    Fault(
        "step-StartCustomizationJob-crashes",
        failing_steps=("StartCustomizationJob",),
        error="RuntimeError",
        throughput_created=False,
        job_created=False,
    ),
    Fault(
        "step-AwaitTrainingEvent-crashes",
        failing_steps=("AwaitTrainingEvent",),
        error="RuntimeError",
        throughput_created=False,
    ),
    Fault(
        "step-AnswerWithBaseModel-crashes",
        failing_steps=("AnswerWithBaseModel",),
        error="EvaluationIncomplete",
    ),
    Fault(
        "step-CreateHosting-crashes",
        failing_steps=("CreateHosting",),
        error="RuntimeError",
        throughput_created=False,
    ),
    Fault(
        "step-CheckHosting-crashes",
        failing_steps=("CheckHosting",),
        error="RuntimeError",
        cause=("was deleted",),
    ),
    Fault(
        "step-AnswerWithFineTunedModel-crashes",
        failing_steps=("AnswerWithFineTunedModel",),
        error="RuntimeError",
        cause=("was deleted",),
    ),
    Fault(
        "step-DeleteHosting-crashes",
        failing_steps=("DeleteHosting",),
        error="ProvisionedThroughputDeletionFailed",
        cause=("delete it now",),
        swept=True,
    ),
    Fault(
        "step-JudgeAnswers-crashes",
        failing_steps=("JudgeAnswers",),
        error="JudgeFailed",
        cause=("RuntimeError",),
    ),
    Fault("step-BuildReport-crashes", failing_steps=("BuildReport",), error="RuntimeError"),
    Fault("step-NotifyRun-crashes", failing_steps=("NotifyRun",), status="SUCCEEDED"),
    # ---- the on-demand deployment (the default hosting for Nova)
    Fault(
        "deployment-kept-after-success",
        hosting="on-demand",
        status="SUCCEEDED",
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "deployment-failed",
        ("deployment-failed",),
        hosting="on-demand",
        error="CustomModelDeploymentFailed",
        cause=("could not be deployed", "on-demand deployment", "was deleted"),
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "deployment-stuck-in-creating",
        ("deployment-stuck",),
        hosting="on-demand",
        error="CustomModelDeploymentTimeout",
        cause=("still Creating", "was deleted"),
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "deployment-throttled",
        ("deployment-throttle",),
        hosting="on-demand",
        status="SUCCEEDED",
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "deployment-deletion-conflict",
        ("deployment-delete-conflict",),
        hosting="on-demand",
        status="SUCCEEDED",
        overrides={"evaluation": {"keepDeployment": False}},
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "converse-throttled-through-deployment",
        ("converse-throttle",),
        hosting="on-demand",
        status="SUCCEEDED",
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "error-answering-through-deployment",
        ("answer-error",),
        hosting="on-demand",
        error="AnswerGenerationFailed",
        cause=("ModelErrorException", "on-demand deployment", "was deleted"),
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "step-CheckHosting-crashes-on-demand",
        failing_steps=("CheckHosting",),
        hosting="on-demand",
        error="RuntimeError",
        cause=("on-demand deployment", "was deleted"),
        throughput_created=False,
        deployment_created=True,
    ),
    Fault(
        "step-DeleteHosting-crashes-on-demand",
        failing_steps=("DeleteHosting",),
        hosting="on-demand",
        overrides={"evaluation": {"keepDeployment": False}},
        error="CustomModelDeploymentDeletionFailed",
        cause=("sweeper",),
        throughput_created=False,
        deployment_created=True,
        swept=True,
    ),
]


@pytest.mark.parametrize("case", FAULTS, ids=[case.id for case in FAULTS])
def test_fault(case: Fault) -> None:
    with LocalPipeline(
        faults=case.faults,
        failing_steps=case.failing_steps,
        fast_retries=True,
        execution_timeout_seconds=case.timeout,
    ) as pipeline:
        execution_input = {**upload_sample(pipeline), **FAST, **case.overrides}
        evaluation = {**execution_input.get("evaluation", {}), "hosting": case.hosting}
        execution_input["evaluation"] = evaluation
        raw_before = pipeline.raw_snapshot()
        execution = pipeline.wait(pipeline.start(execution_input), timeout=180)

        assert execution.status == case.status, (execution.error, execution.cause)
        if case.error:
            assert execution.error == case.error, execution.cause
        for text in case.cause:
            assert text in (execution.cause or ""), f"{text!r} not in {execution.cause!r}"
        bedrock = pipeline.bedrock
        assert (len(bedrock.jobs) == 1) is case.job_created
        created = len(bedrock.throughputs) + len(bedrock.deleted_throughputs)
        assert created == (1 if case.throughput_created else 0)
        deployed = len(bedrock.deployments) + len(bedrock.deleted_deployments)
        assert deployed == (1 if case.deployment_created else 0)
        if not case.swept:
            assert pipeline.remaining_throughputs() == []  # the workflow cleaned up by itself
            assert pipeline.unexpected_deployments(execution) == []
        swept = pipeline.sweep(execution)
        if case.swept:
            assert swept is not None and len(swept["deleted"]) == 1
        assert pipeline.remaining_throughputs() == []
        assert pipeline.unexpected_deployments(execution) == []
        kept = case.deployment_created and case.status == "SUCCEEDED" and not case.overrides
        assert len(pipeline.kept_deployments(execution)) == (1 if kept else 0)
        assert pipeline.raw_snapshot() == raw_before
        if case.id == "step-AwaitTrainingEvent-crashes":
            assert swept is not None and swept["stopped"] == [next(iter(bedrock.jobs.values()))["jobName"]]
        if case.id == "judge-fails-after-pt-is-gone":
            states = execution.states_entered()
            assert states.index("DeleteHosting") < states.index("JudgeAnswers")
            run_id = execution.run_id
            keys = [o["Key"] for o in pipeline.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"runs/{run_id}/")["Contents"]]
            assert any("/eval/answers/fine-tuned/" in key for key in keys)
            assert f"runs/{run_id}/report/results.json" in keys
        if case.id == "pt-deletion-throttled":
            assert len(bedrock.operations("DeleteProvisionedModelThroughput", outcome="ThrottlingException")) == 3
        if case.id == "job-quota-waits-then-runs":
            assert len(bedrock.operations("CreateModelCustomizationJob", outcome="ServiceQuotaExceededException")) == 2
        if case.id == "deployment-stuck-in-creating":
            refused = bedrock.operations("DeleteCustomModelDeployment", outcome="ConflictException")
            assert len(refused) == 2 and len(bedrock.deleted_deployments) == 1  # waited, then deleted
        if case.id == "deployment-throttled":
            assert len(bedrock.operations("CreateCustomModelDeployment", outcome="ThrottlingException")) == 2
        if case.id == "deployment-deletion-conflict":
            assert len(bedrock.operations("DeleteCustomModelDeployment", outcome="ConflictException")) == 2
            assert bedrock.deleted_deployments and "DeleteHosting" in execution.states_entered()
        if case.id == "job-event-lost-safety-poll-finds-completion":
            assert pipeline.job_event_outcomes == [] and "NoTrainingEventYet" in execution.states_entered()
        if case.id == "one-in-ten-converse-calls-throttled-absorbed":
            throttling = json.loads(pipeline.report_files(execution.run_id)["results.json"])["throttling"]
            assert throttling["fine-tuned"]["throttles"] + throttling["judge"]["throttles"] >= 1
            assert throttling["fine-tuned"]["throttles"] == sum(
                1 for t in bedrock.timing.timings if t.throttled and t.kind == "provisioned-model"
            )
        if case.id == "job-never-finishes-run-times-out":
            assert swept is not None and len(swept["stopped"]) == 1
            assert 1 <= execution.states_entered().count("AwaitTrainingEvent") <= 4


@pytest.mark.parametrize("how", ["aborted", "timed-out"])
def test_a_run_that_ends_while_the_throughput_is_in_service_is_swept(how: str) -> None:
    """The workflow's own clean-up cannot run after an abort or a time-out: the sweeper must."""
    with LocalPipeline(
        faults=["slow-answers"], execution_timeout_seconds=12 if how == "timed-out" else None
    ) as pipeline:
        execution_input = {
            **upload_sample(pipeline),
            **FAST,
            "evaluation": {"concurrency": 1, "hosting": "provisioned"},
        }
        raw_before = pipeline.raw_snapshot()
        arn = pipeline.start(execution_input)
        deadline = time.monotonic() + 60
        while "AnswerFineTunedBatch" not in pipeline.describe(arn).states_entered():
            assert time.monotonic() < deadline, "the run never reached the fine-tuned answers"
            time.sleep(0.1)
        assert len(pipeline.remaining_throughputs()) == 1  # InService, billed
        if how == "aborted":
            pipeline.stop(arn)
        execution = pipeline.wait(arn, timeout=60)
        expected = "ABORTED" if how == "aborted" else "TIMED_OUT"
        assert execution.status == expected  # localrun.sfn_stop: moto no longer turns an abort into FAILED
        assert "CleanUpHosting" not in execution.states_entered()
        assert len(pipeline.remaining_throughputs()) == 1  # only the sweeper can delete it now
        swept = pipeline.sweep(execution, status=expected)
        assert swept is not None and len(swept["deleted"]) == 1
        assert pipeline.remaining_throughputs() == []
        assert pipeline.raw_snapshot() == raw_before
