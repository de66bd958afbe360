"""Reinforcement fine-tuning and distillation through the real workflow: the RFT job invokes the
grader Lambda in-process and its reward curve reaches the report; distillation compares base
student, distilled student and teacher; the method faults; hosting is gone on every failure path."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from localrun.pipeline import BUCKET, LocalPipeline
from tests.conftest import DATASET, ROOT
from tests.e2e.conftest import FAST, Run

NOVA_2 = "amazon.nova-2-lite-v1:0:256k"
RFT = {
    "baseModelId": NOVA_2,
    "customization": {"method": "reinforcement"},
    "hyperParameters": {"epochCount": 3, "batchSize": 16, "trainingSamplePerPrompt": 4},
}
DISTILLATION = {"baseModelId": "amazon.nova-lite-v1:0:300k", "customization": {"method": "distillation"}}


@pytest.fixture
def start() -> Iterator[Callable[..., Run]]:
    """start(overrides, faults=(), grader=None): a run on the bundled data (no validation set: RFT and
    distillation take none); the pipeline stays up until the test ends."""
    pipelines: list[LocalPipeline] = []

    def begin(
        overrides: dict[str, Any], faults: tuple[str, ...] = (), grader: Any = None, training: bytes | None = None
    ) -> Run:
        pipeline = LocalPipeline(faults=faults).__enter__()
        pipelines.append(pipeline)
        if grader is not None:
            pipeline.bedrock.grader_invoker = grader
        body = training if training is not None else (DATASET / "training.json").read_bytes()
        execution_input = {
            "trainingDataUri": pipeline.upload("raw/m/training.json", body),
            "evalDataUri": pipeline.upload("raw/m/eval.json", (DATASET / "eval.json").read_bytes()),
            **FAST,
            **overrides,
        }
        raw_before = pipeline.raw_snapshot()
        run = Run(pipeline, pipeline.wait(pipeline.start(execution_input), 180), raw_before)
        run.assert_safe()
        return run

    yield begin
    for pipeline in reversed(pipelines):
        pipeline.__exit__(None, None, None)


SCHEMA = json.loads((ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8"))


def _results(run: Run) -> dict[str, Any]:
    """results.json, checked against the documented schema (docs/results.schema.json)."""
    files = run.pipeline.report_files(run.run_id)
    results = dict(json.loads(files["results.json"]))
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    return results


def test_rft_runs_end_to_end_and_its_reward_curve_comes_from_the_grader(start: Callable[..., Run]) -> None:
    run = start(RFT)
    assert run.execution.status == "SUCCEEDED"
    results = _results(run)
    rewards = results["training"]["rewards"]
    assert len(rewards["rewardByStep"]) == 3 * 7  # 104 records / batch 16 = 7 steps, 3 epochs
    assert rewards["rewardChange"] > 0.2 and rewards["graderFailedShare"] == 0.0
    (job,) = run.pipeline.bedrock.jobs.values()
    assert job["customizationType"] == "REINFORCEMENT_FINE_TUNING"
    assert job["customizationConfig"]["rftConfig"]["graderConfig"]["lambdaGrader"]["lambdaArn"].endswith(
        ":function:GradeResponses"
    )
    # The grader's judge calls happened (the same verdict tool as the evaluation's judge).
    assert len(run.pipeline.bedrock.operations("Converse")) > 104 * 3 * 4
    assert results["summary"]["fine-tuned"]["meanScore"] > results["summary"]["base"]["meanScore"]
    assert "Training reward per step" in run.pipeline.report_files(run.run_id)["index.html"].decode()


def test_a_grader_that_always_returns_zero_gives_a_flat_curve_and_no_improvement(start: Callable[..., Run]) -> None:
    def zero(arn: str, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": sample["id"], "aggregate_reward_score": 0.0} for sample in samples]

    run = start(RFT, grader=zero)
    assert run.execution.status == "SUCCEEDED"
    results = _results(run)
    assert {row["reward"] for row in results["training"]["rewards"]["rewardByStep"]} == {0.0}
    assert results["training"]["rewards"]["rewardChange"] == 0.0
    assert results["summary"]["fine-tuned"]["meanScore"] <= results["summary"]["base"]["meanScore"]
    assert "better" not in results["verdict"].split(":")[0]


def test_grader_timeout_gives_neutral_rewards_and_a_flat_curve(start: Callable[..., Run]) -> None:
    run = start(RFT, faults=("grader-timeout",))
    assert run.execution.status == "SUCCEEDED"
    rewards = _results(run)["training"]["rewards"]
    assert rewards["graderFailedShare"] == 1.0
    assert {row["reward"] for row in rewards["rewardByStep"]} == {0.5}


def test_grader_errors_are_counted_and_bounded(start: Callable[..., Run]) -> None:
    run = start(RFT, faults=("grader-error",))
    assert run.execution.status == "SUCCEEDED"
    rewards = _results(run)["training"]["rewards"]
    assert 0.2 < rewards["graderFailedShare"] < 0.5  # every third judge call fails
    assert rewards["rewardChange"] > 0


def test_distillation_compares_base_student_distilled_student_and_teacher(start: Callable[..., Run]) -> None:
    run = start(DISTILLATION)
    assert run.execution.status == "SUCCEEDED"
    section = _results(run)["distillation"]
    means = section["meanScore"]
    assert means["teacher"] > means["distilledStudent"] > means["baseStudent"]
    assert 0 < section["gapClosed"] < 1 and section["teacherAnswers"] == 8
    assert section["pricePer1000AnswersUsd"]["baseStudent"] is not None
    (job,) = run.pipeline.bedrock.jobs.values()
    teacher = job["customizationConfig"]["distillationConfig"]["teacherModelConfig"]
    assert teacher == {"teacherModelIdentifier": "us.amazon.nova-pro-v1:0", "maxResponseLengthForInference": 512}
    assert "base student, distilled student and teacher" in run.pipeline.report_files(run.run_id)["report.md"].decode()


def _few_answers(kept: int) -> bytes:
    """The bundled questions with only the first `kept` answers: "many questions, few trusted answers"."""
    records = json.loads((DATASET / "training.json").read_text("utf-8"))
    return json.dumps(
        [record if index < kept else {"question": record["question"]} for index, record in enumerate(records)],
        ensure_ascii=False,
    ).encode("utf-8")


def test_distillation_from_questions_with_few_answers_runs_and_prices_the_teacher(start: Callable[..., Run]) -> None:
    run = start(DISTILLATION, training=_few_answers(10))
    assert run.execution.status == "SUCCEEDED"
    (job,) = run.pipeline.bedrock.jobs.values()
    lines = run.pipeline.bedrock.read_text(job["trainingDataConfig"]["s3Uri"]).splitlines()
    prompts_only = [json.loads(line) for line in lines if len(json.loads(line)["messages"]) == 1]
    assert len(prompts_only) == len(lines) - 10 and job["_teacherAnswers"] == len(lines)
    results = _results(run)
    section = results["distillation"]
    assert section["meanScore"]["distilledStudent"] > section["meanScore"]["baseStudent"]
    prices = section["pricePer1000AnswersUsd"]
    # The teacher (Nova Pro, invoked through its profile) at its base on-demand price; nothing unpriced.
    assert prices["teacher"] is not None and prices["baseStudent"] is not None
    assert "not priced" not in section["priceNote"]
    (teacher_part,) = [p for p in results["cost"]["estimate"]["parts"] if p["name"] == "teacher"]
    assert {price["origin"] for price in teacher_part["prices"]} <= {"price list", "table"}
    assert "$" in run.pipeline.report_files(run.run_id)["report.md"].decode().split("Price per 1,000 answers")[1][:80]


def test_distillation_with_no_reference_answer_is_refused_before_anything_is_paid(start: Callable[..., Run]) -> None:
    """Without evalDataUri and with no answered question, there is nothing to judge against: the run
    is refused (the teacher's answers are not used as references: the teacher is one of the scored)."""
    run = start({**DISTILLATION, "evalDataUri": None}, training=_few_answers(0))
    assert run.execution.status == "FAILED" and run.execution.error == "InvalidDataset"
    assert "no evaluation questions with a reference answer" in (run.execution.cause or "")
    assert run.pipeline.bedrock.jobs == {}


def test_teacher_unavailable_fails_the_job_and_nothing_is_hosted(start: Callable[..., Run]) -> None:
    run = start(DISTILLATION, faults=("teacher-unavailable",))
    assert run.execution.status == "FAILED" and run.execution.error == "CustomizationJobFailed"
    assert "teacher model" in (run.execution.cause or "")
    assert run.pipeline.bedrock.deployments == {} and run.pipeline.bedrock.throughputs == {}


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"baseModelId": "amazon.nova-micro-v1:0:128k", "customization": {"method": "reinforcement"}}, NOVA_2),
        (
            {
                "baseModelId": "amazon.nova-pro-v1:0:300k",
                "customization": {"method": "distillation", "teacherModelId": "us.amazon.nova-pro-v1:0"},
            },
            "amazon.nova-premier-v1:0",
        ),
    ],
)
def test_an_unsupported_method_is_refused_before_anything_is_paid(
    start: Callable[..., Run], overrides: dict[str, Any], named: str
) -> None:
    run = start(overrides)
    assert run.execution.status == "FAILED" and run.execution.error == "UnsupportedCustomizationMethod"
    assert named in (run.execution.cause or "")
    assert run.pipeline.bedrock.jobs == {}


def test_reliability_doc_lists_the_method_faults() -> None:
    doc = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")
    for fault in ("grader-error", "grader-timeout", "teacher-unavailable"):
        assert re.search(rf"`{fault}`", doc), fault
    assert BUCKET


@pytest.mark.parametrize(
    ("method", "printed"),
    [("reinforcement", "training reward by epoch"), ("distillation", "gap closed")],
)
def test_make_demo_runs_each_method_end_to_end(
    method: str, printed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from localrun.__main__ import main

    assert main(["--out", str(tmp_path), "--method", method]) == 0
    out = capsys.readouterr().out
    assert out.startswith("SIMULATED RUN") and printed in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["method"] == method and summary["status"] == "SUCCEEDED"
    assert summary["provisionedThroughputsRemaining"] == 0 and summary["customModelDeploymentsRemaining"] == 0
