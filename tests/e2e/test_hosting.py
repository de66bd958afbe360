"""The on-demand path (a custom model deployment, the default for Nova) and the hosting
choice: the real state machine on moto, real handlers, the simulated Bedrock."""

from __future__ import annotations

import ast
import json
import time

import jsonschema

from localrun.pipeline import LocalPipeline
from tests.conftest import ROOT
from tests.e2e.conftest import FAST, RunPipeline, hosting_kinds, upload_sample

SCHEMA = json.loads((ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8"))


def test_default_run_deploys_on_demand_buys_no_throughput_and_keeps_the_deployment(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(hosting=None)
    execution, pipeline, bedrock = run.execution, run.pipeline, run.pipeline.bedrock
    assert execution.status == "SUCCEEDED", execution.cause
    states = execution.states_entered()
    assert hosting_kinds(execution) == {"on-demand"} and "DeleteHosting" not in states
    deploy = states.index("CreateHosting")
    assert states.index("CheckHosting") > deploy
    assert states.index("KeepCustomModelDeployment") < states.index("JudgeAnswers")
    assert bedrock.throughputs == {} and bedrock.deleted_throughputs == []
    assert bedrock.operations("CreateProvisionedModelThroughput", outcome=None) == []

    (created,) = bedrock.operations("CreateCustomModelDeployment")
    (job,) = bedrock.jobs.values()
    assert created.params["modelDeploymentName"] == f"od-{run.run_id}"
    assert created.params["clientRequestToken"] == f"od-{run.run_id}"
    assert created.params["modelArn"] == job["outputModelArn"]
    assert {"key": "pipeline:run-id", "value": run.run_id} in created.params["tags"]
    assert {"key": "pipeline:execution-arn", "value": execution.arn} in created.params["tags"]

    (arn,) = bedrock.deployments
    assert pipeline.remaining_deployments() == [f"od-{run.run_id}"]
    assert pipeline.kept_deployments(execution) == [f"od-{run.run_id}"]
    # Every fine-tuned answer went through the deployment, and its token usage was recorded.
    tuned_calls = [c for c in bedrock.operations("Converse") if c.params["modelId"] == arn]
    assert len(tuned_calls) == 8 + 20  # the sample's 8 questions and the 20 of the general-ability check
    assert bedrock.deployment_usage[arn]["inputTokens"] > 0 and bedrock.deployment_usage[arn]["outputTokens"] > 0

    report = execution.output["report"]
    assert report["complete"] is True and report["fineTunedMeanScore"] > report["baseMeanScore"]
    assert report["hosting"]["kept"] is True and report["hosting"]["arn"] == arn
    files = pipeline.report_files(run.run_id)
    results = json.loads(files["results.json"])
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    hosting = results["hosting"]
    assert (hosting["kind"], hosting["arn"], hosting["kept"], hosting["deleted"]) == ("on-demand", arn, True, False)
    example = hosting["example"]
    assert len(example.splitlines()) == 3 and arn in example
    ast.parse(example)  # the example is valid Python
    assert results["provisionedThroughput"]["arn"] is None
    # the hosting cost is per token: measured from the deployment's answers, no PT hours
    (hosted,) = [part for part in results["cost"]["measured"] if part["name"] == "hosting"]
    assert "minutes" not in hosted["quantities"] and hosted["quantities"]["outputTokens"] > 0
    assert arn in files["report.md"].decode() and "converse(" in files["report.md"].decode()
    assert arn in files["index.html"].decode()
    (notification,) = pipeline.notifications()
    assert arn in notification["message"] and "runtime.converse(" in notification["message"]
    run.assert_safe()


def test_the_example_in_the_report_calls_the_deployed_model(run_pipeline: RunPipeline) -> None:
    """Run the report's three lines against the simulated Bedrock: they answer like the fine-tuned model."""
    run = run_pipeline(hosting=None)
    results = json.loads(run.pipeline.report_files(run.run_id)["results.json"])
    example = results["hosting"]["example"].replace("Your question", results["questions"][0]["question"])
    printed: list[str] = []
    exec(compile(example, "example", "exec"), {"print": printed.append})
    assert printed == [results["questions"][0]["fine-tuned"]["answer"]]
    run.assert_safe()


def test_keep_deployment_false_deletes_it_after_the_answers(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(hosting=None, overrides={"evaluation": {"keepDeployment": False}})
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    states = run.execution.states_entered()
    assert states.index("KeepOrDeleteHosting") < states.index("DeleteHosting") < states.index("JudgeAnswers")
    assert "KeepCustomModelDeployment" not in states and hosting_kinds(run.execution) == {"on-demand"}
    assert run.pipeline.remaining_deployments() == [] and len(run.pipeline.bedrock.deleted_deployments) == 1
    results = json.loads(run.pipeline.report_files(run.run_id)["results.json"])
    assert results["hosting"]["kept"] is False and results["hosting"]["deleted"] is True
    assert results["hosting"]["example"] is None
    run.assert_safe()


def test_provisioned_when_asked_buys_one_throughput_deletes_it_and_deploys_nothing(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(hosting="provisioned")
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    bedrock = run.pipeline.bedrock
    assert len(bedrock.deleted_throughputs) == 1 and run.pipeline.remaining_throughputs() == []
    assert bedrock.deployments == {} and bedrock.operations("CreateCustomModelDeployment", outcome=None) == []
    assert hosting_kinds(run.execution) == {"provisioned"}
    assert "KeepCustomModelDeployment" not in run.execution.states_entered()
    results = json.loads(run.pipeline.report_files(run.run_id)["results.json"])
    assert results["hosting"]["kind"] == "provisioned" and results["hosting"]["deleted"] is True
    assert results["hosting"]["kept"] is False
    run.assert_safe()


def test_explicit_on_demand_for_a_family_without_it_is_refused_before_anything_is_paid(
    run_pipeline: RunPipeline,
) -> None:
    run = run_pipeline(
        hosting="on-demand",
        overrides={"baseModelId": "meta.llama3-3-70b-instruct-v1:0:128k", "hyperParameters": "auto"},
    )
    assert run.execution.status == "FAILED"
    assert run.execution.error == "UnsupportedHosting", run.execution.cause
    assert run.pipeline.bedrock.jobs == {} and run.pipeline.bedrock.deployments == {}
    run.assert_safe()


def _wait_for(pipeline: LocalPipeline, arn: str, state: str) -> None:
    deadline = time.monotonic() + 60
    while state not in pipeline.describe(arn).states_entered():
        assert time.monotonic() < deadline, f"the run never reached {state}"
        time.sleep(0.1)


def test_a_run_aborted_while_the_deployment_is_active_is_swept() -> None:
    with LocalPipeline(faults=["slow-answers"]) as pipeline:
        execution_input = {**upload_sample(pipeline), **FAST, "evaluation": {"concurrency": 1}}
        arn = pipeline.start(execution_input)
        _wait_for(pipeline, arn, "AnswerFineTunedBatch")
        assert len(pipeline.remaining_deployments()) == 1
        pipeline.stop(arn)
        execution = pipeline.wait(arn, timeout=60)
        assert "CleanUpHosting" not in execution.states_entered()
        assert len(pipeline.remaining_deployments()) == 1  # only the sweeper can delete it now
        swept = pipeline.sweep(execution, status="ABORTED")
        assert swept is not None and swept["deleted"] == [f"od-{execution.run_id}"]
        assert pipeline.remaining_deployments() == [] and pipeline.remaining_throughputs() == []


def test_a_run_aborted_while_the_deployment_is_creating_is_swept_on_a_retry() -> None:
    """Bedrock refuses to delete a deployment that is Creating: the sweeper raises, Lambda's
    asynchronous retries run it again, and once the creation has ended it is deleted."""
    with LocalPipeline(faults=["deployment-stuck"]) as pipeline:
        execution_input = {**upload_sample(pipeline), **FAST, "throughputMaxWaitSeconds": 600}
        arn = pipeline.start(execution_input)
        _wait_for(pipeline, arn, "CheckHosting")
        pipeline.stop(arn)
        execution = pipeline.wait(arn, timeout=60)
        assert len(pipeline.remaining_deployments()) == 1
        attempts, swept = 0, None
        while swept is None:  # EventBridge -> Lambda (asynchronous): 1 attempt + 2 retries
            attempts += 1
            try:
                swept = pipeline.sweep(execution, status="ABORTED")
            except RuntimeError as error:
                assert "CustomModelDeploymentStillExists" in str(error) and attempts < 3
        assert swept["deleted"] == [f"od-{execution.run_id}"] and attempts == 3
        assert pipeline.remaining_deployments() == []
