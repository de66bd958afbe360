"""At-least-once delivery and simultaneous uploads."""

from __future__ import annotations

import json

from localrun.pipeline import LocalPipeline
from tests.conftest import DATASET


def test_the_same_upload_event_delivered_twice_starts_one_job() -> None:
    with LocalPipeline() as pipeline:
        pipeline.upload("raw/dup/faq.validation.json", (DATASET / "validation.json").read_bytes())
        pipeline.upload("raw/dup/faq.json", (DATASET / "training.json").read_bytes())
        raw_before = pipeline.raw_snapshot()
        event = pipeline.s3_event("raw/dup/faq.json")
        first = pipeline.start(event, name="delivery-1")
        second = pipeline.start(event, name="delivery-2")
        runs = [pipeline.wait(first), pipeline.wait(second)]
        statuses = sorted((run.status, run.states_entered()[-1]) for run in runs)
        assert statuses == [("SUCCEEDED", "NothingToDo"), ("SUCCEEDED", "RunSucceeded")]
        duplicate = next(run for run in runs if run.states_entered()[-1] == "NothingToDo")
        reason = duplicate.output["run"]["reason"]
        assert reason.startswith("duplicate delivery of the upload event for s3://")
        # An upload runs with the defaults: Nova is hosted on demand, and the one deployment is kept.
        assert len(pipeline.bedrock.jobs) == 1 and len(pipeline.bedrock.deployments) == 1
        assert pipeline.bedrock.throughputs == {} and pipeline.bedrock.deleted_throughputs == []
        assert pipeline.remaining_throughputs() == [] and pipeline.raw_snapshot() == raw_before


def test_five_uploads_at_once_give_five_independent_runs() -> None:
    with LocalPipeline() as pipeline:
        keys = [f"raw/team-{n}/faq.json" for n in range(5)]
        for key in keys:
            stem = key[: -len(".json")]
            pipeline.upload(f"{stem}.validation.json", (DATASET / "validation.json").read_bytes())
            pipeline.upload(key, (DATASET / "training.json").read_bytes())
        raw_before = pipeline.raw_snapshot()
        arns = [pipeline.start(pipeline.s3_event(key)) for key in keys]
        runs = [pipeline.wait(arn, timeout=240) for arn in arns]
        assert [run.status for run in runs] == ["SUCCEEDED"] * 5, [run.cause for run in runs]
        run_ids = {run.output["run"]["runId"] for run in runs}
        assert len(run_ids) == 5
        assert len({job["jobName"] for job in pipeline.bedrock.jobs.values()}) == 5
        assert len(pipeline.bedrock.deployments) == 5 and pipeline.bedrock.deleted_throughputs == []
        for run in runs:
            run_id = run.output["run"]["runId"]
            results = json.loads(pipeline.report_files(run_id)["results.json"])
            assert results["runId"] == run_id and results["data"]["prefix"] == f"runs/{run_id}/data/"
            assert results["hosting"]["name"] == f"od-{run_id}" and results["hosting"]["kept"] is True
        assert pipeline.remaining_throughputs() == [] and pipeline.raw_snapshot() == raw_before
