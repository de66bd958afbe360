"""The real state machine definition, executed by moto's Step Functions engine, with the
real Lambda handlers in-process and the simulated Bedrock. Every test ends with
`assert_safe()`: no provisioned throughput left, raw/ unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import RunPipeline, hosting_kinds

PT_WINDOW = ("AnswerWithFineTunedModel", "AnswerFineTunedBatch")


def test_happy_path_trains_evaluates_reports_and_deletes_the_throughput(run_pipeline: RunPipeline) -> None:
    run = run_pipeline()
    execution, pipeline, bedrock = run.execution, run.pipeline, run.pipeline.bedrock

    assert execution.status == "SUCCEEDED", execution.cause
    states = execution.states_entered()
    # The throughput is created, used only for fine-tuned answers, then deleted before judging.
    create, delete = states.index("CreateHosting"), states.index("DeleteHosting")
    assert [s for s in states[create + 1 : delete] if s not in PT_WINDOW] == [
        "WaitForHosting",
        "CheckHosting",
        "IsHostingReady",
        "KeepOrDeleteHosting",
    ]
    # The console shows which kind of hosting the run used: the hosting steps' output says it.
    assert hosting_kinds(execution) == {"provisioned"}
    assert states.index("JudgeAnswers") > delete and states.index("BuildReport") > delete
    assert states.index("AnswerBaseBatch") < create  # base answers while training, no PT needed

    assert len(bedrock.jobs) == 1 and len(bedrock.deleted_throughputs) == 1
    (job,) = bedrock.jobs.values()
    # Plain decimals as in AWS's examples; Nova Micro's warmup default is dataset size / 640 (104 records: 0).
    assert job["hyperParameters"] == {
        "epochCount": "2",
        "learningRate": "0.00001",
        "learningRateWarmupSteps": "0",
    }
    created = bedrock.operations("CreateProvisionedModelThroughput")[0].params
    assert created["modelUnits"] == 1 and "commitmentDuration" not in created
    assert {"key": "pipeline:run-id", "value": run.run_id} in created["tags"]

    report = execution.output["report"]
    assert report["complete"] is True
    assert report["fineTunedMeanScore"] > report["baseMeanScore"]
    assert report["questions"] == 8
    files = pipeline.report_files(run.run_id)
    assert {"results.json", "report.md", "index.html"} <= files.keys()
    results = json.loads(files["results.json"])
    assert results["simulated"] is True
    assert results["customModelArn"] == job["outputModelArn"]
    assert all(
        row["fine-tuned"]["score"] is not None and row["base"]["score"] is not None for row in results["questions"]
    )
    assert results["provisionedThroughput"]["heldMinutes"] is not None
    assert results["training"]["trainingSteps"] > 0 and results["training"]["validationLossByEpoch"]
    assert "SIMULATED" in files["report.md"].decode() and "SIMULATED" in files["index.html"].decode()
    (notification,) = pipeline.notifications()
    assert notification["subject"].startswith("[SIMULATED]")
    assert f"s3://finetuning-pipeline-data-local/runs/{run.run_id}/report/" in notification["message"]
    run.assert_safe()


def test_failed_job_ends_the_run_with_bedrocks_message_and_buys_nothing(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(faults=["job-failed"])
    assert run.execution.status == "FAILED"
    assert run.execution.error == "CustomizationJobFailed"
    assert run.execution.cause.startswith("Internal Error: the training job could not complete")
    assert run.pipeline.bedrock.operations("CreateProvisionedModelThroughput", outcome=None) == []
    assert "[SIMULATED]" in run.pipeline.notifications()[0]["subject"]
    run.assert_safe()


def test_error_answering_through_the_throughput_deletes_it_and_fails_with_that_cause(
    run_pipeline: RunPipeline,
) -> None:
    run = run_pipeline(faults=["answer-error"])
    execution = run.execution
    assert execution.status == "FAILED"
    assert execution.error == "AnswerGenerationFailed"
    assert "ModelErrorException" in execution.cause and "was deleted" in execution.cause
    states = execution.states_entered()
    assert states.index("CleanUpHosting") < states.index("RunFailed")
    assert len(run.pipeline.bedrock.deleted_throughputs) == 1
    run.assert_safe()


def test_invalid_dataset_names_file_record_and_rule_and_starts_no_job(run_pipeline: RunPipeline) -> None:
    records = [{"question": f"Question number {i}?", "answer": f"Answer {i}."} for i in range(40)]
    records[16]["answer"] = ""
    run = run_pipeline(files={"raw/bad.json": json.dumps(records).encode()})
    execution = run.execution
    assert execution.status == "FAILED"
    assert execution.error == "InvalidDataset"
    assert execution.cause.startswith("raw/bad.json record 17: empty answer")
    assert run.pipeline.bedrock.operations("CreateModelCustomizationJob", outcome=None) == []
    report = json.loads(
        run.pipeline.s3.get_object(
            Bucket="finetuning-pipeline-data-local", Key=f"runs/{run.run_id}/data/validation-report.json"
        )["Body"].read()
    )
    assert report["errorCount"] == 1 and report["errors"][0]["location"] == "record 17"
    run.assert_safe()


def test_failed_throughput_is_deleted_before_the_run_fails(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(faults=["pt-failed"])
    assert run.execution.error == "ProvisionedThroughputFailed"
    assert "Insufficient capacity" in run.execution.cause
    assert len(run.pipeline.bedrock.deleted_throughputs) == 1
    run.assert_safe()


def test_dry_run_validates_and_converts_but_pays_for_nothing(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(overrides={"dryRun": True, "evaluation": {"hosting": "provisioned"}})
    assert run.execution.status == "SUCCEEDED"
    assert run.execution.states_entered()[-1] == "DryRunComplete"
    # Only the free preflight checks ran: nothing was bought. Provisioned hosting reads the PT
    # quotas (applied values; the per-model one by name) and the units already held; the quote
    # reads the Price List.
    assert {call.operation for call in run.pipeline.bedrock.calls} == {
        "GetProducts",
        "GetFoundationModel",
        "Converse",
        "GetServiceQuota",
        "ListProvisionedModelThroughputs",
        "ListServiceQuotas",
    }
    assert run.execution.states_entered()[-3:] == ["PreflightChecks", "IsDryRun", "DryRunComplete"]
    data = run.pipeline.data_files(run.run_id)
    assert {"train.jsonl", "validation.jsonl", "eval.json", "manifest.json", "prices.json"} <= data.keys()
    run.assert_safe()


def test_throttling_on_every_bedrock_api_is_retried_and_the_run_succeeds(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(faults=["throttle"])
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    throttled = {c.operation for c in run.pipeline.bedrock.calls if c.outcome == "ThrottlingException"}
    assert {
        "CreateModelCustomizationJob",
        "CreateProvisionedModelThroughput",
        "DeleteProvisionedModelThroughput",
        "Converse",
    } <= throttled
    run.assert_safe()


def test_an_upload_event_starts_a_run_that_uses_its_companion_validation_file() -> None:
    from localrun.pipeline import BUCKET, LocalPipeline
    from tests.conftest import DATASET

    with LocalPipeline() as pipeline:
        pipeline.upload("raw/uploads/faq.validation.json", (DATASET / "validation.json").read_bytes())
        pipeline.upload("raw/uploads/faq.json", (DATASET / "training.json").read_bytes())
        raw_before = pipeline.raw_snapshot()
        execution = pipeline.wait(pipeline.start(pipeline.s3_event("raw/uploads/faq.json")))
        assert execution.status == "SUCCEEDED", execution.cause
        run = execution.output["run"]
        assert run["trigger"] == "s3"
        assert run["sources"] == {
            "training": f"s3://{BUCKET}/raw/uploads/faq.json",
            "validation": f"s3://{BUCKET}/raw/uploads/faq.validation.json",
            "evaluation": None,
        }
        assert run["data"]["validationRecords"] == len(json.loads((DATASET / "validation.json").read_text()))
        assert run["data"]["evalQuestions"] == 10  # held-out sample of the validation set
        assert pipeline.remaining_throughputs() == [] and pipeline.raw_snapshot() == raw_before


def _excel_csv(path: Path, encoding: str) -> bytes:
    """The QA file as Japanese Excel's plain "CSV" writes it: CRLF, in the given encoding."""
    rows = [("question", "answer")] + [(r["question"], r["answer"]) for r in json.loads(path.read_text("utf-8"))]
    return "".join(f"{q},{a}\r\n" for q, a in rows).encode(encoding)


def test_an_upload_names_its_encoding_in_its_metadata() -> None:
    """`aws s3 cp faq.csv s3://BUCKET/raw/ --metadata source-encoding=cp932`: the run started by the
    upload reads the Japanese CP932 files (training and companion) as the execution input's
    sourceEncoding would, and the raw objects stay as uploaded."""
    from localrun.pipeline import LocalPipeline
    from tests.conftest import DATASET

    japanese = DATASET / "ja"
    with LocalPipeline() as pipeline:
        pipeline.upload("raw/sjis/faq.eval.csv", _excel_csv(japanese / "eval.json", "cp932"))
        pipeline.upload(
            "raw/sjis/faq.csv", _excel_csv(japanese / "training.json", "cp932"), {"source-encoding": "cp932"}
        )
        raw_before = pipeline.raw_snapshot()
        execution = pipeline.wait(pipeline.start(pipeline.s3_event("raw/sjis/faq.csv")))
        assert execution.status == "SUCCEEDED", execution.cause
        run = execution.output["run"]
        assert run["trigger"] == "s3" and run["data"]["evalQuestions"] == len(
            json.loads((japanese / "eval.json").read_text("utf-8"))
        )
        training = pipeline.data_files(run["runId"])["train.jsonl"].decode("utf-8")
        first = json.loads((japanese / "training.json").read_text("utf-8"))[0]
        assert first["question"] in training  # decoded from CP932, written as UTF-8
        assert pipeline.raw_snapshot() == raw_before and pipeline.remaining_throughputs() == []


def test_an_upload_with_an_unknown_encoding_in_its_metadata_is_refused_before_anything_is_paid() -> None:
    from localrun.pipeline import LocalPipeline
    from tests.conftest import DATASET

    with LocalPipeline() as pipeline:
        body = _excel_csv(DATASET / "ja" / "training.json", "cp932")
        pipeline.upload("raw/sjis/faq.csv", body, {"source-encoding": "klingon"})
        execution = pipeline.wait(pipeline.start(pipeline.s3_event("raw/sjis/faq.csv")))
        assert execution.status == "FAILED" and execution.error == "InvalidExecutionInput"
        assert "raw/sjis/faq.csv: S3 metadata source-encoding: unknown encoding 'klingon'" in (execution.cause or "")
        assert pipeline.bedrock.calls == []


def test_an_upload_of_a_companion_file_does_not_start_a_run() -> None:
    from localrun.pipeline import LocalPipeline
    from tests.conftest import DATASET

    with LocalPipeline() as pipeline:
        pipeline.upload("raw/uploads/faq.eval.json", (DATASET / "eval.json").read_bytes())
        raw_before = pipeline.raw_snapshot()
        execution = pipeline.wait(pipeline.start(pipeline.s3_event("raw/uploads/faq.eval.json")))
        assert execution.status == "SUCCEEDED"
        assert execution.states_entered()[-1] == "NothingToDo"
        assert "companion file" in execution.output["run"]["reason"]
        assert pipeline.bedrock.calls == []
        assert pipeline.remaining_throughputs() == [] and pipeline.raw_snapshot() == raw_before
