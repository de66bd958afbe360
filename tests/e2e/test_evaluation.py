"""The evaluation report of real runs (the real workflow on moto's engine, the simulated
Bedrock): results.json matches its documented schema (docs/results.schema.json) in a
complete run, a run without similarity and a run whose judge failed; an embedding failure
is recorded and does not fail the run."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import jsonschema
import pytest

from judge.tools import preference_request, verdict_request
from tests.conftest import ROOT
from tests.e2e.conftest import Run, RunPipeline

SCHEMA = json.loads((ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8"))
DOC = (ROOT / "docs" / "results-schema.md").read_text(encoding="utf-8")


def _validate(results: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(results), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{error.json_path}: {error.message}" for error in errors[:20])


def _report(run: Run) -> tuple[dict[str, Any], str, str]:
    files = run.pipeline.report_files(str(run.run_id))
    return json.loads(files["results.json"]), files["report.md"].decode(), files["index.html"].decode()


def test_the_schema_is_valid_and_every_top_level_field_is_documented() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for field in SCHEMA["required"]:
        assert f"`{field}`" in DOC or f"## `{field}" in DOC or f"`{field}." in DOC, field


def test_a_complete_runs_results_match_the_schema(run_pipeline: RunPipeline) -> None:
    run = run_pipeline()
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    results, _, _ = _report(run)
    _validate(results)
    assert results["complete"] is True and results["warnings"] == []
    assert all(row[t]["similarity"] is not None for row in results["questions"] for t in ("base", "fine-tuned"))
    summary = results["summary"]
    assert summary["fine-tuned"]["meanSimilarity"] > summary["base"]["meanSimilarity"]
    assert summary["comparison"]["winRate"] is not None and summary["comparison"]["outputTokensReductionPct"] > 0
    # The simulated Price List prices every part (the dated table alone has no Nova Micro training price).
    cost = results["cost"]
    assert cost["status"] == "complete" and cost["totalUsd"] > 0 and cost["missingPrices"] == []
    assert cost["estimate"]["status"] == "complete" and cost["estimate"]["priceSources"]["priceListSimulated"]
    assert {p["origin"] for part in cost["estimate"]["parts"] for p in part["prices"]} == {"price list"}
    # every distinct text (references and answers, domain and general questions) is embedded once
    questions = results["questions"]
    texts = {row["reference"] for row in questions} | {
        row[t]["answer"] for row in questions for t in ("base", "fine-tuned")
    }
    assert len(run.pipeline.bedrock.operations("InvokeModel")) == len(texts)
    assert [row["set"] for row in questions].count("general") == results["data"]["generalQuestions"] == 20

    # paired statistics with intervals and p-values, the pairwise judge, the general check, the verdict
    comparison = summary["comparison"]
    for metric in ("judgeScore", "rougeL", "semanticSimilarity", "outputTokens"):
        low, high = comparison[metric]["ci95"]
        assert low <= comparison[metric]["meanDifference"] <= high and 0 <= comparison[metric]["pValue"] <= 1
    assert comparison["judgeScore"]["n"] == 8 and comparison["pairwise"]["positionConsistency"] is not None
    assert summary["general"]["enabled"] is True and summary["general"]["judgeScore"]["n"] == 20
    assert results["verdict"].startswith("SIMULATED — Fine-tuned model is better: judge score +")
    assert results["verdictOutcome"] == "better" and comparison["judgeScore"]["ci95"][0] > 0

    # The schema is strict: an undocumented field or a wrong type is caught.
    drifted = copy.deepcopy(results)
    drifted["summary"]["base"]["newNumber"] = 1
    drifted["questions"][0]["fine-tuned"]["score"] = 11
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert {error.validator for error in validator.iter_errors(drifted)} >= {"additionalProperties", "maximum"}

    (notification,) = run.pipeline.notifications()
    assert "win rate" in notification["message"] and "Semantic similarity to the reference" in notification["message"]
    assert results["verdict"] in notification["message"]
    run.assert_safe()


def test_an_embedding_failure_is_recorded_and_the_run_still_succeeds(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(faults=["embedding-error"])
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    results, markdown, page = _report(run)
    _validate(results)
    assert results["complete"] is True
    sides = [row[t] for row in results["questions"] for t in ("base", "fine-tuned")]
    assert all(side["similarity"] is None for side in sides)
    assert all("AccessDeniedException" in side["similarityMissingReason"] for side in sides)
    assert all(side["score"] is not None for side in sides)  # the judge was unaffected
    (warning,) = results["warnings"]
    # 8 domain + 20 general questions, two answers each
    assert warning.startswith("semantic similarity is missing for 56 of 56 answers") and "AccessDenied" in warning
    assert "## Warnings" in markdown and "Similarity missing: embedding call failed" in page
    # one denied call, not one per text
    assert len(run.pipeline.bedrock.operations("InvokeModel", outcome="AccessDeniedException")) == 1
    (notification,) = run.pipeline.notifications()
    assert "Semantic similarity: not computed" in notification["message"]
    run.assert_safe()


def test_similarity_can_be_turned_off(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(overrides={"evaluation": {"semanticSimilarity": False}})
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    results, markdown, _ = _report(run)
    _validate(results)
    assert results["similarity"] == {
        "enabled": False,
        "modelId": None,
        "dimensions": None,
        "method": results["similarity"]["method"],
        "textsCut": 0,
    }
    assert results["warnings"] == [] and run.pipeline.bedrock.operations("InvokeModel", outcome=None) == []
    assert "| Semantic similarity | off | off |" in markdown
    run.assert_safe()


@pytest.mark.parametrize("fault", ["judge-error", "judge-malformed"])
def test_a_failed_judges_report_matches_the_schema_and_says_what_is_missing(
    run_pipeline: RunPipeline, fault: str
) -> None:
    run = run_pipeline(faults=[fault])
    assert run.execution.status == "FAILED" and run.execution.error == "JudgeFailed"
    results, markdown, page = _report(run)
    _validate(results)
    assert results["complete"] is False and results["summary"]["fine-tuned"]["meanScore"] is None
    (problem,) = results["problems"]
    assert "no scores were recorded" in problem and "wins/ties/losses" in problem
    assert "## Missing numbers" in markdown and "no scores were recorded" in page
    # numbers that do not need the judge are still reported
    assert results["summary"]["fine-tuned"]["meanSimilarity"] is not None
    assert results["training"]["trainingSteps"] > 0
    run.assert_safe()


def test_a_llama_judge_with_a_second_judge_works_end_to_end(run_pipeline: RunPipeline) -> None:
    """Llama rejects a forced tool (and `any`): it is offered the verdict tool with `auto`, passes the
    preflight probe and grades every answer; a Nova second judge is audited against it."""
    llama = "us.meta.llama3-3-70b-instruct-v1:0"
    run = run_pipeline(
        overrides={
            "evaluation": {
                "judgeModelId": llama,
                "secondJudgeModelId": "us.amazon.nova-pro-v1:0",
                "hosting": "provisioned",
            }
        }
    )
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    results, markdown, page = _report(run)
    _validate(results)
    judge_calls = [c for c in run.pipeline.bedrock.operations("Converse") if c.params["modelId"] == llama]
    assert judge_calls and all("toolChoice" not in call.params["toolConfig"] for call in judge_calls)
    assert run.pipeline.bedrock.operations("Converse", outcome="ValidationException") == []
    audit = results["judge"]["audit"]
    assert audit["structuredOutput"] == "auto" and audit["failureRate"] == 0.0
    assert audit["sameFamilyAsTunedModel"] is False and audit["warnings"] == []
    second = audit["secondJudge"]
    assert second["modelId"] == "us.amazon.nova-pro-v1:0" and second["compared"] == 2 * len(results["questions"])
    assert -1 <= second["cohenKappaCorrect"] <= 1 and second["meanAbsoluteScoreDifference"] >= 0
    assert "Cohen&#39;s kappa" in page and "Second judge:" in markdown
    run.assert_safe()


def test_the_general_check_can_be_turned_off(run_pipeline: RunPipeline) -> None:
    run = run_pipeline(overrides={"evaluation": {"generalCheck": False, "hosting": "provisioned"}})
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    results, _, _ = _report(run)
    _validate(results)
    assert {row["set"] for row in results["questions"]} == {"domain"} and results["data"]["generalQuestions"] == 0
    assert results["summary"]["general"] == {
        "enabled": False,
        "questions": 0,
        "judgeScore": None,
        "outcome": "not-checked",
    }
    assert "general ability" not in results["verdict"]
    run.assert_safe()


def _key(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True)


def test_a_judge_that_runs_short_of_time_is_called_again_and_the_run_completes(run_pipeline: RunPipeline) -> None:
    # judge-time-short: JudgeAnswers' Lambda clock drops below the safety margin after its first look,
    # so each pass grades a chunk or two, saves its progress, and IsJudgingComplete calls it again.
    run = run_pipeline(faults=["judge-time-short"], hosting=None)
    assert run.execution.status == "SUCCEEDED", run.execution.cause
    entered = run.execution.states_entered()
    passes = entered.count("JudgeAnswers")
    assert passes >= 2 and entered.count("IsJudgingComplete") == passes
    results, _, _ = _report(run)
    _validate(results)
    assert results["complete"] is True and results["warnings"] == []
    questions = results["questions"]
    assert all(row[t]["score"] is not None for row in questions for t in ("base", "fine-tuned"))
    assert all(row[t]["similarity"] is not None for row in questions for t in ("base", "fine-tuned"))
    # No verdict or comparison was asked for twice across the passes: each request the judge makes
    # for these answers is sent exactly as often as the answers call for (the general check's
    # questions can get the same answer from both models, so the same request twice).
    judge = results["judge"]["modelId"]
    expected: Counter[str] = Counter()
    for row in questions:
        question, reference = row["question"], row["reference"]
        base, tuned = row["base"]["answer"], row["fine-tuned"]["answer"]
        expected.update(_key(verdict_request(judge, question, reference, answer)) for answer in (base, tuned))
        expected.update(
            _key(preference_request(judge, question, reference, *pair)) for pair in ((base, tuned), (tuned, base))
        )
    sent = Counter(_key(call.params) for call in run.pipeline.bedrock.operations("Converse"))
    assert {request: sent[request] for request in expected} == expected
    run.assert_safe()
