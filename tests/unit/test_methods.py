"""Customization methods: registry rules, PreprocessDataset's RFT and distillation records, the
request StartCustomizationJob sends, and the simulated Bedrock's RFT and distillation jobs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import SimulatedBedrock
from preprocess.logic import prepare_run
from shared.errors import (
    CustomizationJobRejected,
    InvalidDataset,
    InvalidHyperParameters,
    UnsupportedCustomizationMethod,
)
from shared.families import NOVA, NOVA_2_LITE, check_method
from shared.models import Customization, PreprocessStep, RunContext
from shared.settings import settings
from start_job.logic import start_job
from tests.unit.factories import make_run

DATASET = Path(__file__).resolve().parent.parent.parent / "dataset" / "rawdata"
ROLE = "arn:aws:iam::123456789012:role/bedrock-service-role"
GRADER = "arn:aws:lambda:us-east-1:123456789012:function:GradeResponses"
NOVA_2 = "amazon.nova-2-lite-v1:0:256k"
LITE = "amazon.nova-lite-v1:0:300k"


# ---------------------------------------------------------------- registry


def test_reinforcement_is_refused_for_a_family_without_it_naming_the_models_that_have_it() -> None:
    with pytest.raises(UnsupportedCustomizationMethod) as caught:
        check_method("reinforcement", "amazon.nova-micro-v1:0:128k")
    assert "Amazon Nova 2 Lite" in str(caught.value) and NOVA_2 in str(caught.value)


def test_distillation_is_refused_for_nova_2_lite_naming_the_nova_students() -> None:
    with pytest.raises(UnsupportedCustomizationMethod, match=r"amazon\.nova-micro-v1:0:128k"):
        check_method("distillation", NOVA_2)


@pytest.mark.parametrize(
    ("student", "teacher", "ok"),
    [
        (LITE, "us.amazon.nova-premier-v1:0", True),
        (LITE, "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0", True),
        ("amazon.nova-pro-v1:0:300k", "amazon.nova-premier-v1:0", True),
        ("amazon.nova-pro-v1:0:300k", "amazon.nova-pro-v1:0", False),  # Pro does not teach itself
        (LITE, "anthropic.claude-3-haiku-20240307-v1:0", False),
    ],
)
def test_teacher_student_pairs_follow_the_registry(student: str, teacher: str, ok: bool) -> None:
    if ok:
        assert check_method("distillation", student, teacher) is NOVA
    else:
        with pytest.raises(UnsupportedCustomizationMethod, match="teach"):
            check_method("distillation", student, teacher)


def test_rft_hyperparameters_are_typed_and_range_checked_as_botocore_says() -> None:
    spec = NOVA_2_LITE.reinforcement
    assert spec is not None
    values = spec.resolve({"batchSize": 16, "learningRate": 0.0001, "reasoningEffort": "low"})
    assert values["batchSize"] == 16 and isinstance(values["batchSize"], int)
    assert values["learningRate"] == 0.0001 and values["reasoningEffort"] == "low"
    with pytest.raises(InvalidHyperParameters, match="16-512"):
        spec.resolve({"batchSize": 8})
    with pytest.raises(InvalidHyperParameters, match="2-16"):
        spec.resolve({"trainingSamplePerPrompt": 32})
    with pytest.raises(InvalidHyperParameters, match="reasoningEffort"):
        spec.resolve({"reasoningEffort": "extreme"})
    with pytest.raises(InvalidHyperParameters, match="unknown"):
        spec.resolve({"learningRateMultiplier": 1.0})


# ---------------------------------------------------------------- PreprocessDataset


def _upload(s3: Any, records: list[dict[str, str]] | None = None) -> None:
    training = records if records is not None else json.loads((DATASET / "training.json").read_text("utf-8"))
    s3.put_object(Bucket=BUCKET, Key="raw/training.json", Body=json.dumps(training, ensure_ascii=False).encode())
    s3.put_object(Bucket=BUCKET, Key="raw/eval.json", Body=(DATASET / "eval.json").read_bytes())


def _prepare(s3: Any, **payload: Any) -> RunContext:
    step = PreprocessStep(
        input={
            "trainingDataUri": f"s3://{BUCKET}/raw/training.json",
            "evalDataUri": f"s3://{BUCKET}/raw/eval.json",
            **payload,
        },
        executionName="run-m",
        executionArn="arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:run-m",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )
    result = prepare_run(step, settings(), s3)
    assert isinstance(result, RunContext)
    return result


def _lines(s3: Any, uri: str) -> list[dict[str, Any]]:
    key = uri.split(f"{BUCKET}/", 1)[1]
    return [json.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode().splitlines()]


def test_reinforcement_writes_rft_records_and_quotes_the_grader(env: None, s3: Any) -> None:
    _upload(s3)
    run = _prepare(
        s3,
        baseModelId=NOVA_2,
        customization={"method": "reinforcement", "reward": "rouge"},
        hyperParameters={"epochCount": 3, "trainingSamplePerPrompt": 4},
    )
    records = _lines(s3, run.data.trainingUri)
    assert len(records) == run.data.trainingRecords == 104
    first = records[0]
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert first["reference_answer"] and first["pipeline_reward"] == "rouge"
    assert run.data.validationUri is None and run.hyperParameters == {}
    assert run.customization.method == "reinforcement" and run.customization.rftHyperParameters is not None
    assert run.customization.rftHyperParameters["epochCount"] == 3
    assert run.costQuote is not None
    (grader,) = [part for part in run.costQuote.parts if part.name == "grader"]
    assert grader.quantities == {"rewards": 104 * 3 * 4}


def test_judge_reward_quotes_one_judge_call_per_sampled_response(env: None, s3: Any) -> None:
    _upload(s3)
    run = _prepare(s3, baseModelId=NOVA_2, customization={"method": "reinforcement"})
    assert run.costQuote is not None
    (grader,) = [part for part in run.costQuote.parts if part.name == "grader"]
    assert "104 records x 8 per record = 832" in grader.label  # default 2 epochs x 4 samples
    assert grader.quantities["outputTokens"] == 832 * 300


def test_reinforcement_below_its_minimum_is_refused_before_anything_is_paid(env: None, s3: Any) -> None:
    records = json.loads((DATASET / "training.json").read_text("utf-8"))[:60]
    _upload(s3, records)
    with pytest.raises(InvalidDataset, match="needs at least 100"):
        _prepare(s3, baseModelId=NOVA_2, customization={"method": "reinforcement"})


def test_an_unsupported_method_is_refused_before_the_data_is_read(env: None, s3: Any) -> None:
    _upload(s3)
    with pytest.raises(UnsupportedCustomizationMethod, match="Amazon Nova 2 Lite"):
        _prepare(s3, baseModelId="amazon.nova-micro-v1:0:128k", customization={"method": "reinforcement"})
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/").get("Contents", [])
    assert listed == []


def test_distillation_keeps_answers_as_optional_assistant_turns(env: None, s3: Any) -> None:
    records = json.loads((DATASET / "training.json").read_text("utf-8"))
    records.append(
        {"question": "Bedrock の蒸留で教師モデルになれるのはどれですか?", "answer": "Nova Premier と Nova Pro です。"}
    )
    _upload(s3, records)
    run = _prepare(s3, baseModelId=LITE, customization={"method": "distillation"}, evaluation={"maxTokens": 300})
    lines = _lines(s3, run.data.trainingUri)
    assert lines[-1]["messages"][1]["content"][0]["text"] == "Nova Premier と Nova Pro です。"
    assert run.customization.teacherModelId == "us.amazon.nova-pro-v1:0"  # Premier: end of life reported
    assert run.customization.maxResponseLengthForInference == 300
    assert run.data.validationUri is None
    assert run.costQuote is not None and any(part.name == "teacher" for part in run.costQuote.parts)


def _questions_only(records: list[dict[str, str]], keep_answers: int) -> list[dict[str, Any]]:
    """The first `keep_answers` records keep their answer; the rest lose it three ways: the key
    missing, an empty string, null (each is "no answer" for distillation)."""
    out: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if index < keep_answers:
            out.append(dict(record))
        elif index % 3 == 0:
            out.append({"question": record["question"]})
        elif index % 3 == 1:
            out.append({"question": record["question"], "answer": ""})
        else:
            out.append({"question": record["question"], "answer": None})
    return out


def test_distillation_takes_questions_without_answers_as_prompts_only(env: None, s3: Any) -> None:
    records = json.loads((DATASET / "training.json").read_text("utf-8"))
    records.append({"question": "Bedrock の蒸留で教師モデルになれるのはどれですか?"})  # no answer key (CJK)
    records = _questions_only(records, keep_answers=10)
    records.insert(10, {"question": records[0]["question"], "answer": ""})  # asked again, unanswered
    _upload(s3, records)
    run = _prepare(s3, baseModelId=LITE, customization={"method": "distillation"})
    lines = _lines(s3, run.data.trainingUri)
    assert len(lines) == len(records) == run.data.trainingRecords
    prompts_only = [line for line in lines if len(line["messages"]) == 1]
    assert len(prompts_only) == len(records) - 10  # the unanswered ones: a user turn, no assistant turn
    assert run.data.trainingRecords == len(records)
    assert all(line["messages"][0]["role"] == "user" for line in prompts_only)
    assert prompts_only[-1]["messages"][0]["content"][0]["text"] == "Bedrock の蒸留で教師モデルになれるのはどれですか?"
    answered = [line for line in lines if len(line["messages"]) == 2]
    assert len(answered) == 10 and all(line["messages"][1]["content"][0]["text"] for line in answered)
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="runs/run-m/data/manifest.json")["Body"].read())
    # a question asked again without an answer teaches no second answer: no contradiction
    assert manifest["leakage"]["contradictions"] == []


@pytest.mark.parametrize(
    "method, base",
    [("supervised", LITE), ("reinforcement", NOVA_2)],
)
def test_supervised_and_rft_still_refuse_a_question_without_an_answer(
    env: None, s3: Any, method: str, base: str
) -> None:
    records = json.loads((DATASET / "training.json").read_text("utf-8"))
    records[4] = {"question": records[4]["question"], "answer": ""}
    records[7] = {"question": records[7]["question"]}
    _upload(s3, records)
    with pytest.raises(InvalidDataset, match=r"raw/training.json record 5: empty answer \(and 1 more problem\)"):
        _prepare(s3, baseModelId=base, customization={"method": method})
    report = s3.get_object(Bucket=BUCKET, Key="runs/run-m/data/validation-report.json")["Body"].read().decode()
    assert "record 8" in report and "missing 'answer'" in report
    assert not s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/run-m/data/train").get("Contents")


def test_distillation_holds_out_only_answered_questions_for_evaluation(env: None, s3: Any) -> None:
    """Without evalDataUri, the evaluation sample comes from the questions that have answers: the
    judge needs a trusted reference (the teacher's answers are never used as references)."""
    records = _questions_only(json.loads((DATASET / "training.json").read_text("utf-8")), keep_answers=30)
    s3.put_object(Bucket=BUCKET, Key="raw/training.json", Body=json.dumps(records).encode())
    step = PreprocessStep(
        input={
            "trainingDataUri": f"s3://{BUCKET}/raw/training.json",
            "baseModelId": LITE,
            "customization": {"method": "distillation"},
            "evaluation": {"sampleSize": 20, "generalCheck": False},
        },
        executionName="run-m",
        executionArn="arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:run-m",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )
    run = prepare_run(step, settings(), s3)
    assert isinstance(run, RunContext)
    evaluation = json.loads(s3.get_object(Bucket=BUCKET, Key=run.data.evalUri.split(f"{BUCKET}/", 1)[1])["Body"].read())
    items = evaluation if isinstance(evaluation, list) else evaluation["questions"]
    assert NOVA.distillation is not None
    held = min(20, len(records) - NOVA.distillation.min_records)  # the training set keeps its minimum
    assert held > 0 and len(items) == held
    assert all(item["reference"].strip() for item in items)
    assert all(int(item["source"].split()[-1]) <= 30 for item in items)  # from the 30 answered records
    held_out = {item["question"] for item in items}
    lines = _lines(s3, run.data.trainingUri)
    assert not held_out & {line["messages"][0]["content"][0]["text"] for line in lines}


def test_distillation_without_any_reference_answer_is_refused_clearly(env: None, s3: Any) -> None:
    records = _questions_only(json.loads((DATASET / "training.json").read_text("utf-8")), keep_answers=0)
    s3.put_object(Bucket=BUCKET, Key="raw/training.json", Body=json.dumps(records).encode())
    step = PreprocessStep(
        input={
            "trainingDataUri": f"s3://{BUCKET}/raw/training.json",
            "baseModelId": LITE,
            "customization": {"method": "distillation"},
        },
        executionName="run-m",
        executionArn="arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:run-m",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )
    with pytest.raises(InvalidDataset, match="no evaluation questions with a reference answer: none of the"):
        prepare_run(step, settings(), s3)
    assert not s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/run-m/data/train").get("Contents")


def test_distillation_evaluation_file_needs_reference_answers(env: None, s3: Any) -> None:
    _upload(s3)
    questions = json.loads((DATASET / "eval.json").read_text("utf-8"))
    questions[2] = {"question": questions[2]["question"], "answer": "  "}
    s3.put_object(Bucket=BUCKET, Key="raw/eval.json", Body=json.dumps(questions, ensure_ascii=False).encode())
    with pytest.raises(InvalidDataset, match=r"raw/eval.json record 3: no answer: the judge scores"):
        _prepare(s3, baseModelId=LITE, customization={"method": "distillation"})


def test_distillation_refuses_hyperparameters(env: None, s3: Any) -> None:
    _upload(s3)
    with pytest.raises(InvalidHyperParameters, match="not taken by distillation"):
        _prepare(s3, baseModelId=LITE, customization={"method": "distillation"}, hyperParameters={"epochCount": 2})


# ---------------------------------------------------------------- StartCustomizationJob and the simulator


def _rft_run(s3: Any, records: int = 104, **hp: Any) -> RunContext:
    lines = []
    facts = json.loads((DATASET / "training.json").read_text("utf-8"))
    for index in range(records):
        fact = facts[index % len(facts)]
        lines.append(
            json.dumps(
                {
                    "messages": [
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": fact["question"]},
                    ],
                    "reference_answer": fact["answer"],
                    "pipeline_reward": "rouge",
                },
                ensure_ascii=False,
            )
        )
    run = make_run(
        baseModelId=NOVA_2,
        family="nova-2",
        hyperParameters={},
        customization=Customization(
            method="reinforcement",
            reward="rouge",
            rftHyperParameters={
                "epochCount": 3,
                "batchSize": 16,
                "learningRate": 1e-5,
                "trainingSamplePerPrompt": 4,
                **hp,
            },
        ),
    )
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}train.jsonl", Body=("\n".join(lines) + "\n").encode())
    return run


def test_start_job_sends_an_rft_request_bedrock_accepts(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = _rft_run(s3)
    start_job(run, ROLE, bedrock, GRADER)
    (call,) = aws.operations("CreateModelCustomizationJob")
    assert call.params["customizationType"] == "REINFORCEMENT_FINE_TUNING"
    config = call.params["customizationConfig"]["rftConfig"]
    assert config["graderConfig"] == {"lambdaGrader": {"lambdaArn": GRADER}}
    assert config["hyperParameters"]["batchSize"] == 16
    assert "hyperParameters" not in call.params and "validationDataConfig" not in call.params


def test_the_simulator_refuses_an_rft_batch_size_above_botocores_maximum(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    run = _rft_run(s3, batchSize=1024)
    with pytest.raises(CustomizationJobRejected, match="batchSize 1024 is outside the allowed range 16-512"):
        start_job(run, ROLE, bedrock, GRADER)


def test_the_simulator_refuses_rft_for_a_model_without_it(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    run = _rft_run(s3).model_copy(update={"baseModelId": "amazon.nova-micro-v1:0:128k"})
    with pytest.raises(CustomizationJobRejected, match="does not support customization type REINFORCEMENT"):
        start_job(run, ROLE, bedrock, GRADER)


def test_the_simulator_refuses_a_distillation_pair_bedrock_does_not_offer(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    run = make_run(
        baseModelId="amazon.nova-pro-v1:0:300k",
        hyperParameters={},
        customization=Customization(method="distillation", teacherModelId="us.amazon.nova-pro-v1:0"),
    )
    s3.put_object(Bucket=BUCKET, Key=f"{run.data.prefix}train.jsonl", Body=b"{}\n")
    with pytest.raises(CustomizationJobRejected, match="not supported for the teacher model"):
        start_job(run, ROLE, bedrock)


def _graded_job(aws: SimulatedBedrock, s3: Any, bedrock: Any, grader: Any) -> dict[str, Any]:
    aws.grader_invoker = grader
    run = _rft_run(s3)
    job = start_job(run, ROLE, bedrock, GRADER)
    aws.end_training(job.jobArn)
    return aws.jobs[job.jobArn]


def _reward_rows(s3: Any, job: dict[str, Any]) -> list[list[float]]:
    key = f"runs/run-1/output/model-customization-job-{job['jobId']}/training_artifacts/step_wise_training_metrics.csv"
    text = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [[float(v) for v in line.split(",")] for line in text.splitlines()[1:]]


def test_a_grader_that_always_returns_zero_gives_a_flat_curve_and_teaches_nothing(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    seen: list[int] = []

    def zero(arn: str, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert arn == GRADER and samples[0]["messages"][-1]["role"] == "assistant"
        seen.append(len(samples))
        return [{"id": s["id"], "aggregate_reward_score": 0.0} for s in samples]

    job = _graded_job(aws, s3, bedrock, zero)
    assert job["status"] == "Completed"
    rows = _reward_rows(s3, job)
    assert len(rows) == len(seen) == 3 * 7 and sum(seen) == 104 * 3 * 4
    assert {row[2] for row in rows} == {0.0}
    assert aws.custom_models[job["outputModelArn"]]["knowledge"] == []


def test_the_real_grader_raises_the_reward_and_the_model_learns(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    from grader.logic import grade

    def real(arn: str, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return grade(samples, None, "unused")[0]

    job = _graded_job(aws, s3, bedrock, real)
    rows = _reward_rows(s3, job)
    assert rows[-1][2] > rows[0][2] + 0.2  # mean reward rises from the base model's level
    assert len(aws.custom_models[job["outputModelArn"]]["knowledge"]) > 50


def test_a_grader_that_breaks_the_contract_fails_the_job(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    job = _graded_job(aws, s3, bedrock, lambda arn, samples: {"reward": 1})
    assert job["status"] == "Failed" and "invalid response" in job["failureMessage"]


def test_the_simulator_refuses_a_config_that_does_not_match_its_type_and_an_rft_job_without_grader(
    aws: SimulatedBedrock, s3: Any, bedrock: Any
) -> None:
    run = _rft_run(s3)
    base = {
        "jobName": "j",
        "customModelName": "m",
        "roleArn": ROLE,
        "baseModelIdentifier": NOVA_2,
        "trainingDataConfig": {"s3Uri": run.data.trainingUri},
        "outputDataConfig": {"s3Uri": f"s3://{BUCKET}/out/"},
    }
    with pytest.raises(bedrock.exceptions.ValidationException, match="does not match customization type"):
        bedrock.create_model_customization_job(
            **base,
            customizationType="FINE_TUNING",
            customizationConfig={"rftConfig": {"graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}}}},
        )
    with pytest.raises(bedrock.exceptions.ValidationException, match=r"lambdaGrader\.lambdaArn is required"):
        bedrock.create_model_customization_job(
            **base, customizationType="REINFORCEMENT_FINE_TUNING", customizationConfig={"rftConfig": {}}
        )
    with pytest.raises(bedrock.exceptions.ValidationException, match=r"use rftConfig\.hyperParameters"):
        bedrock.create_model_customization_job(
            **base,
            customizationType="REINFORCEMENT_FINE_TUNING",
            hyperParameters={"epochCount": "2"},
            customizationConfig={"rftConfig": {"graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}}}},
        )
    # No validation set for Nova 2 Lite RFT: hence no validation-reward curve (report/rewards.py)
    with pytest.raises(bedrock.exceptions.ValidationException, match="Validation data is not supported"):
        bedrock.create_model_customization_job(
            **base,
            customizationType="REINFORCEMENT_FINE_TUNING",
            validationDataConfig={"validators": [{"s3Uri": run.data.trainingUri}]},
            customizationConfig={"rftConfig": {"graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}}}},
        )


def test_rft_data_below_the_minimum_fails_the_job_naming_the_rule(aws: SimulatedBedrock, s3: Any, bedrock: Any) -> None:
    aws.grader_invoker = lambda arn, samples: [{"id": s["id"], "aggregate_reward_score": 1.0} for s in samples]
    run = _rft_run(s3, records=60)
    job = start_job(run, ROLE, bedrock, GRADER)
    aws.end_training(job.jobArn)
    record = aws.jobs[job.jobArn]
    assert record["status"] == "Failed" and "needs at least 100" in record["failureMessage"]


def test_japanese_rft_records_stay_readable(env: None, s3: Any) -> None:
    records = [{"question": f"Bedrock の質問 {n} は何ですか?", "answer": f"回答 {n} です。"} for n in range(110)]
    _upload(s3, records)
    run = _prepare(s3, baseModelId=NOVA_2, customization={"method": "reinforcement"})
    text = s3.get_object(Bucket=BUCKET, Key=run.data.trainingUri.split(f"{BUCKET}/", 1)[1])["Body"].read().decode()
    assert "Bedrock の質問 0 は何ですか?" in text and "回答 0 です。" in text


def test_the_default_teacher_is_the_first_that_teaches_the_student() -> None:
    from shared.families import teacher_for

    assert teacher_for(NOVA, None, LITE) == "us.amazon.nova-pro-v1:0"
    assert teacher_for(NOVA, None, "amazon.nova-pro-v1:0:300k") == "us.amazon.nova-premier-v1:0"
    assert teacher_for(NOVA, "amazon.nova-premier-v1:0", LITE) == "amazon.nova-premier-v1:0"


def _distilling(teacher: str) -> RunContext:
    return make_run(
        baseModelId=LITE,
        customization=Customization(method="distillation", teacherModelId=teacher, teacherInvocationId=teacher),
    )


def test_preflight_refuses_a_teacher_past_its_end_of_life_before_anything_is_paid(
    aws: SimulatedBedrock, bedrock: Any, runtime: Any
) -> None:
    from datetime import UTC, datetime

    from preflight.teacher import check_teacher

    late = datetime(2027, 1, 1, tzinfo=UTC)
    # The simulator's Legacy model with an end of life (2026-09-10) stands in for Nova Premier's reported one.
    with pytest.raises(UnsupportedCustomizationMethod, match="end of life"):
        check_teacher(_distilling("anthropic.claude-3-haiku-20240307-v1:0"), bedrock, runtime, late)
    assert check_teacher(_distilling("us.amazon.nova-pro-v1:0"), bedrock, runtime, late) == "us.amazon.nova-pro-v1:0"
    assert check_teacher(make_run(), bedrock, runtime, late) is None


def test_preflight_refuses_a_teacher_it_cannot_invoke(aws: SimulatedBedrock, bedrock: Any, runtime: Any) -> None:
    from datetime import UTC, datetime

    from preflight.teacher import check_teacher

    with pytest.raises(UnsupportedCustomizationMethod, match="not reachable"):
        # Llama 3.2 has no in-Region on-demand ID: Bedrock refuses the call (sim_models.PROFILE_ONLY).
        check_teacher(_distilling("meta.llama3-2-1b-instruct-v1:0"), bedrock, runtime, datetime(2026, 1, 1, tzinfo=UTC))


def test_an_rft_run_judged_by_another_model_is_warned_that_the_grader_uses_the_stacks_judge(env: None, s3: Any) -> None:
    _upload(s3)
    run = _prepare(
        s3,
        baseModelId=NOVA_2,
        customization={"method": "reinforcement"},
        evaluation={"judgeModelId": "us.anthropic.claude-3-5-sonnet-20240620-v1:0"},
    )
    assert any("grader scores with the stack's judge us.amazon.nova-pro-v1:0" in w for w in run.data.warnings)


def test_the_method_names_are_stated_once() -> None:
    """The Literal the functions type with lists exactly the names the stack validates its default with."""
    from typing import get_args

    from shared import contract
    from shared.families import METHODS, CustomizationMethod

    assert get_args(CustomizationMethod) == contract.CUSTOMIZATION_METHODS == METHODS


# ---------------------------------------------------------------- the teacher's prices in the quote


def _distillation_quote(s3: Any, pricing: Any | None, teacher: str, **payload: Any) -> Any:
    _upload(s3)
    step = PreprocessStep(
        input={
            "trainingDataUri": f"s3://{BUCKET}/raw/training.json",
            "evalDataUri": f"s3://{BUCKET}/raw/eval.json",
            "baseModelId": LITE,
            "customization": {"method": "distillation", "teacherModelId": teacher},
            **payload,
        },
        executionName="run-m",
        executionArn="arn:aws:states:us-east-1:123456789012:execution:BedrockFineTuningPipeline:run-m",
        executionStartTime="2026-01-01T09:00:00.000Z",
    )
    run = prepare_run(step, settings(), s3, pricing)
    assert isinstance(run, RunContext) and run.costQuote is not None
    (part,) = [part for part in run.costQuote.parts if part.name == "teacher"]
    return run.costQuote, part


def test_the_teacher_is_priced_by_the_quotes_rule_from_the_price_list(aws: SimulatedBedrock, s3: Any) -> None:
    """The run's Price List reading asks for the teacher too (SIMULATED here): Nova Premier, absent
    from the table's usable figures, is priced from it, with its origin and usage type."""
    from shared.aws import client

    quote, part = _distillation_quote(s3, client("pricing"), "us.amazon.nova-premier-v1:0")
    price_in, price_out = part.prices
    assert (price_in.name, price_out.name) == ("teacherInputPer1kTokensUsd", "teacherOutputPer1kTokensUsd")
    assert price_in.origin == price_out.origin == "price list"
    assert "NovaPremier-input-tokens" in (price_in.source or "") and price_in.note == "SIMULATED Price List"
    assert part.usd is not None and part.missing == []
    assert quote.priceSources is not None and quote.priceSources.fromPriceList >= 2
    counted = {p.name for q in quote.parts for p in q.prices if p.origin == "price list"}
    assert len(counted) == quote.priceSources.fromPriceList  # the teacher's prices are counted
    assert any(
        line.startswith("Prices: ") and f"{len(counted)} from the AWS Price List" in line for line in quote.assumptions
    )


def test_a_teacher_price_override_wins_over_the_price_list(aws: SimulatedBedrock, s3: Any) -> None:
    from shared.aws import client

    _, part = _distillation_quote(
        s3,
        client("pricing"),
        "us.amazon.nova-premier-v1:0",
        prices={"teacherInputPer1kTokensUsd": 0.002, "teacherOutputPer1kTokensUsd": 0.0},
    )
    assert [(p.usd, p.origin) for p in part.prices] == [(0.002, "override"), (0.0, "override")]
    assert part.usd == round(part.quantities["inputTokens"] / 1000 * 0.002, 6)


def test_without_the_price_list_the_teacher_falls_back_to_the_table(env: None, s3: Any) -> None:
    """Nova Pro: the table's base on-demand figures (a cross-Region profile is priced as its model);
    Nova Premier: only a third-party figure, shown as a hint and never used, so the part is not priced."""
    _, pro = _distillation_quote(s3, None, "us.amazon.nova-pro-v1:0")
    assert [(p.usd, p.origin) for p in pro.prices] == [(0.0008, "table"), (0.0032, "table")]
    quote, premier = _distillation_quote(s3, None, "us.amazon.nova-premier-v1:0")
    assert premier.usd is None and premier.missing == ["teacherInputPer1kTokensUsd", "teacherOutputPer1kTokensUsd"]
    assert "third-party figure, not used in totals" in premier.prices[0].note
    assert quote.status == "lower bound" and "teacherInputPer1kTokensUsd" in quote.missingPrices


def test_the_hosting_names_are_stated_once() -> None:
    """The Literal the functions type `evaluation.hosting` with lists exactly the names the stack
    validates its `hosting` default with."""
    from typing import get_args

    from shared import contract
    from shared.families import HostingRequest

    assert get_args(HostingRequest) == contract.HOSTING_REQUESTS
