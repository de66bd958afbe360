"""The report's method sections: RFT reward curves and the distillation three-way comparison."""

from __future__ import annotations

from typing import Any

import pytest

from localrun.pipeline import BUCKET
from report import distillation, rewards
from shared.models import Customization
from shared.quote import BudgetCheck, CostQuote, PriceUsed, QuotePart
from tests.unit.factories import make_run


def _rft_run() -> Any:
    return make_run(customization=Customization(method="reinforcement", reward="rouge"))


def test_reward_section_reads_the_reward_columns_by_name(aws: Any, s3: Any) -> None:
    run = _rft_run()
    csv = (
        "step_number,epoch_number,train_reward_mean,train_reward_min,train_reward_max,grader_failed_share\n"
        "0,1,0.1,0.0,1.0,0.0\n1,1,0.2,0.0,1.0,0.5\n2,2,0.6,0.0,1.0,0.0\n3,2,0.8,0.0,1.0,0.0\n"
    )
    key = "runs/run-1/output/model-customization-job-x/training_artifacts/step_wise_training_metrics.csv"
    s3.put_object(Bucket=BUCKET, Key=key, Body=csv.encode())
    section = rewards.reward_section(s3, run)
    assert [row["reward"] for row in section["rewardByStep"]] == [0.1, 0.2, 0.6, 0.8]
    assert section["rewardByEpoch"] == [{"epoch": 1, "reward": 0.15}, {"epoch": 2, "reward": 0.7}]
    assert section["rewardChange"] == pytest.approx(0.55) and section["graderFailedShare"] == 0.125
    assert section["reward"] == "rouge" and section["files"] == [key]
    results = {"training": {"rewards": section}, "customization": run.customization.model_dump()}
    facts = dict(rewards.reward_facts(results))
    assert facts["Training reward, first → last epoch"] == "0.150 → 0.700"
    # No evaluation reward curve: said, with the reason (no validation set for Nova 2 Lite RFT)
    assert facts["Validation reward"].startswith("none: ") and "rft-evaluate-model.html" in facts["Validation reward"]
    assert "Training reward per step" in rewards.reward_chart(results)


def test_reward_section_without_metrics_is_empty_not_an_error(aws: Any, s3: Any) -> None:
    section = rewards.reward_section(s3, _rft_run())
    assert section["rewardByStep"] == [] and section["rewardChange"] is None
    assert "wrote no reward metrics" in rewards.reward_chart({"training": {"rewards": section}})


def test_price_per_1000_answers_is_mean_tokens_times_prices() -> None:
    records = [{"inputTokens": 100, "outputTokens": 50}, {"inputTokens": 300, "outputTokens": 150}]
    # 200 input tokens x $0.001/1k + 100 output x $0.004/1k = $0.0006 per answer -> $0.60 per 1,000
    assert distillation.per_1000(records, 0.001, 0.004) == pytest.approx(0.6)
    assert distillation.per_1000(records, None, 0.004) is None and distillation.per_1000([], 0.001, 0.004) is None


def _row(index: int, base: int, tuned: int, answer: str) -> dict[str, Any]:
    return {
        "index": index,
        "set": "domain",
        "base": {"score": base, "answer": "わかりません。"},
        "fine-tuned": {"score": tuned, "answer": answer},
    }


def test_three_way_measures_the_gap_closed_and_agreement_in_japanese(aws: Any, s3: Any) -> None:
    run = make_run(
        baseModelId="amazon.nova-lite-v1:0:300k",
        customization=Customization(
            method="distillation",
            teacherModelId="us.amazon.nova-premier-v1:0",
            teacherInvocationId="us.amazon.nova-premier-v1:0",
        ),
    )
    teacher_text = "Claude 3 Haiku のファインチューニングは us-west-2 でのみ実行できます。"
    s3.put_object(
        Bucket=BUCKET,
        Key="runs/run-1/eval/answers/teacher/batch-0000.json",
        Body=(
            '{"target": "teacher", "error": null, "answers": ['
            f'{{"index": 0, "answer": "{teacher_text}", "score": 9, "inputTokens": 40, "outputTokens": 20}},'
            f'{{"index": 1, "answer": "{teacher_text}", "score": 9, "inputTokens": 40, "outputTokens": 20}}]}}'
        ).encode(),
    )
    rows = [_row(0, 2, 8, teacher_text), _row(1, 2, 6, "わかりません。")]
    answers = {"base": {0: {"inputTokens": 30, "outputTokens": 10}, 1: {"inputTokens": 30, "outputTokens": 10}}}
    section = distillation.three_way(s3, run, rows, answers)
    assert section is not None
    assert section["meanScore"] == {"baseStudent": 2.0, "distilledStudent": 7.0, "teacher": 9.0}
    assert section["gapClosed"] == pytest.approx(5 / 7, abs=1e-3)
    agreement = [q["agreementWithTeacher"] for q in section["questions"]]
    assert agreement[0] == 1.0 and agreement[1] < 0.3
    assert section["pricePer1000AnswersUsd"]["baseStudent"] is not None
    # Nova Premier: only third-party figures (never in a total) and no quote here: not priced, said so
    assert section["pricePer1000AnswersUsd"]["teacher"] is None
    assert "not priced: us.amazon.nova-premier-v1:0" in section["priceNote"]
    facts = dict(distillation.facts({"distillation": section}))
    assert facts["Share of the base-to-teacher gap the student closed"] == "71%"


def test_three_way_is_absent_for_other_methods(aws: Any, s3: Any) -> None:
    assert distillation.three_way(s3, make_run(), [], {}) is None
    assert distillation.facts({"distillation": None}) == []


def _teacher_run(teacher: str, quote: CostQuote | None = None, hosting: str = "on-demand") -> Any:
    run = make_run(
        baseModelId="amazon.nova-lite-v1:0:300k",
        customization=Customization(method="distillation", teacherModelId=teacher, teacherInvocationId=teacher),
        costQuote=quote,
    )
    return run.model_copy(update={"evaluation": run.evaluation.model_copy(update={"hosting": hosting})})


def _teacher_answers(s3: Any) -> list[dict[str, Any]]:
    s3.put_object(
        Bucket=BUCKET,
        Key="runs/run-1/eval/answers/teacher/batch-0000.json",
        Body=b'{"target": "teacher", "error": null, "answers": [{"index": 0, "answer": "A", "score": 9, '
        b'"inputTokens": 40, "outputTokens": 20}]}',
    )
    return [_row(0, 2, 8, "A")]


def test_the_teacher_is_priced_at_its_base_on_demand_price_not_a_custom_model_price(aws: Any, s3: Any) -> None:
    """Nova Pro through its cross-Region profile: the table's base on-demand figures ($0.0008 /
    $0.0032 per 1k tokens): 40 x 0.0008 + 20 x 0.0032 = $0.096 per 1,000 answers."""
    rows = _teacher_answers(s3)
    section = distillation.three_way(s3, _teacher_run("us.amazon.nova-pro-v1:0"), rows, {})
    assert section is not None
    assert section["pricePer1000AnswersUsd"]["teacher"] == pytest.approx(0.096)
    assert "us.amazon.nova-pro-v1:0" not in section["priceNote"]  # priced
    facts = dict(distillation.facts({"distillation": section}))
    assert facts["Price per 1,000 answers: base student / distilled student / teacher"].endswith("/ $0.0960")


def _used(name: str, usd: float, origin: str) -> PriceUsed:
    return PriceUsed(name=name, usd=usd, source="s", read="2026-12-01", basis="price-list", origin=origin)  # type: ignore[arg-type]


def test_the_report_uses_the_quotes_prices_price_list_and_overrides_included(aws: Any, s3: Any) -> None:
    """The quote resolved the prices (override, Price List, table): the report uses the same
    figures, so a Nova Premier teacher priced by the Price List and a student's custom-model price
    show up, and a PT-hosted student has no per-answer price."""
    parts = [
        QuotePart(
            name="teacher",
            label="t",
            formula="f",
            quantities={},
            prices=[
                _used("teacherInputPer1kTokensUsd", 0.002, "price list"),
                _used("teacherOutputPer1kTokensUsd", 0.01, "override"),
            ],
            usd=1.0,
        ),
        QuotePart(
            name="hosting",
            label="h",
            formula="f",
            quantities={},
            prices=[
                _used("customInputPer1kTokensUsd", 0.0001, "price list"),
                _used("customOutputPer1kTokensUsd", 0.0004, "price list"),
            ],
            usd=1.0,
        ),
    ]
    quote = CostQuote(
        status="complete",
        totalUsd=2.0,
        region="us-east-1",
        hosting="on-demand",
        parts=parts,
        missingPrices=[],
        assumptions=[],
        budget=BudgetCheck(maxCostUsd=None, source=None, verdict="no budget", message="m"),
    )
    rows = _teacher_answers(s3)
    answers = {"fine-tuned": {0: {"inputTokens": 30, "outputTokens": 10}}}
    section = distillation.three_way(s3, _teacher_run("us.amazon.nova-premier-v1:0", quote), rows, answers)
    assert section is not None
    prices = section["pricePer1000AnswersUsd"]
    assert prices["teacher"] == pytest.approx(40 * 0.002 + 20 * 0.01)
    assert prices["distilledStudent"] == pytest.approx(30 * 0.0001 + 10 * 0.0004)
    assert "override" in section["priceNote"] and "price list" in section["priceNote"]
    pt = distillation.three_way(s3, _teacher_run("us.amazon.nova-premier-v1:0", quote, "provisioned"), rows, answers)
    assert pt is not None and pt["pricePer1000AnswersUsd"]["distilledStudent"] is None
    assert "Provisioned Throughput" in pt["priceNote"]
