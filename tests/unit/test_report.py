"""BuildReport: the numbers of a small run checked by hand, a failed judge, prices not
configured, and every text field escaped in index.html and report.md."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from pydantic import ValidationError

from localrun.simulated_bedrock import SimulatedBedrock
from report import render
from report.logic import RESULTS_VERSION, build_report
from report.results import Results
from shared.models import StepError
from shared.prices import PriceOverrides
from tests.unit.report_run import (
    ANSWERS,
    make_step,
    make_verdict,
    put,
    report_files,
    write_run,
)


def test_the_numbers_of_a_small_run_match_a_hand_calculation(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3)
    report = build_report(make_step(), s3)
    results, _, _ = report_files(s3)
    base, tuned = results["summary"]["base"], results["summary"]["fine-tuned"]
    comparison = results["summary"]["comparison"]

    assert results["resultsVersion"] == RESULTS_VERSION and results["complete"] is True
    # scores: base (2 + 4) / 2 = 3.0, fine-tuned (9 + 4) / 2 = 6.5; medians of two values are the means
    assert (base["meanScore"], tuned["meanScore"]) == (3.0, 6.5)
    assert (base["medianScore"], tuned["medianScore"]) == (3.0, 6.5)
    # question 1: 9 > 2 is a win; question 2: 4 = 4 is a tie -> win rate 1 / 2
    legacy = {key: comparison[key] for key in comparison if not isinstance(comparison[key], dict)}
    assert legacy == {
        "wins": 1,
        "ties": 1,
        "losses": 0,
        "compared": 2,
        "winRate": 0.75,  # (1 win + 1 tie / 2) / 2: a tie is half a win, as in the statistics table
        "meanScoreDelta": 3.5,
        "meanSimilarityDelta": 0.4,  # (0.9 + 0.5) / 2 - (0.2 + 0.4) / 2 = 0.7 - 0.3
        "answerCharsReductionPct": 46.2,  # (14 + 25) / 2 = 19.5 vs (11 + 10) / 2 = 10.5 -> 9 / 19.5
        "outputTokensReductionPct": 80.0,  # (40 + 60) / 2 = 50 vs 10 -> 40 / 50
    }
    # paired judge score: differences [7, 0]; every bootstrap mean is 0, 3.5 or 7 -> CI [0, 7];
    # sign test on 1 win, 0 losses (the tie is dropped) -> p = 1; win rate (1 + 0.5) / 2
    assert comparison["judgeScore"] == {
        "n": 2,
        "meanDifference": 3.5,
        "ci95": [0.0, 7.0],
        "pValue": 1.0,
        "higherIsBetter": True,
        "wins": 1,
        "ties": 1,
        "losses": 0,
        "winRate": 0.75,
        "winRateCi95": comparison["judgeScore"]["winRateCi95"],
    }
    # output tokens: fewer is better, both questions got fewer -> two wins
    assert comparison["outputTokens"]["higherIsBetter"] is False and comparison["outputTokens"]["wins"] == 2
    assert results["verdictOutcome"] == "not-shown" and results["verdict"].startswith("Not shown to be better")
    assert (base["correct"], base["incorrect"], base["correctShare"]) == (0, 2, 0.0)
    assert (tuned["correct"], tuned["incorrect"], tuned["correctShare"]) == (1, 1, 0.5)
    assert (base["meanSimilarity"], tuned["meanSimilarity"]) == (0.3, 0.7)
    assert (base["meanAnswerChars"], tuned["meanAnswerChars"]) == (19.5, 10.5)
    assert (base["meanOutputTokens"], tuned["meanOutputTokens"]) == (50.0, 10.0)
    # nearest rank of two values: p50 is the first, p95 the second
    assert (base["latencyP50Ms"], base["latencyP95Ms"], tuned["latencyP50Ms"], tuned["latencyP95Ms"]) == (
        1000.0,
        1400.0,
        300.0,
        500.0,
    )
    # ROUGE-L: "Two epochs." = reference (1.0); "us-east-1." vs "us-west-2.": LCS "us" of 3 tokens (1/3)
    assert tuned["meanRougeL"] == 0.667
    assert [row["count"] for row in base["scoreDistribution"]] == [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    assert [row["count"] for row in tuned["scoreDistribution"]] == [0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    assert results["questions"][1]["fine-tuned"]["answerChars"] == 10

    # training: epoch means 1.8 and 1.1; validation best at epoch 2; both epochs ran
    training = results["training"]
    assert training["trainingLossByEpoch"] == [{"epoch": 1, "loss": 1.8}, {"epoch": 2, "loss": 1.1}]
    assert (training["bestEpoch"], training["bestValidationLoss"], training["earlyStopped"]) == (2, 1.3, False)

    # cost, measured with the quote's prices (all given): training 40 tokens x 2 epochs = 80 / 1000 x $0.5 = $0.04;
    # storage $2.0; PT 10:00 -> 10:30 = 30 min -> 1 billed hour x 1 MU x $20 = $20;
    # base answers 0 input + (40 + 60) output tokens -> 0.1 x $0.002 = $0.0002;
    # judge 4 verdicts x (500 in, 100 out) -> 2.0 x $0.001 + 0.4 x $0.004 = $0.0036; embeddings 50 -> $0.000005
    assert results["provisionedThroughput"]["heldMinutes"] == 30.0
    cost = results["cost"]
    measured = {part["name"]: part["usd"] for part in cost["measured"]}
    assert measured == {
        "training": 0.04,
        "storage": 2.0,
        "hosting": 20.0,
        "baseAnswers": 0.0002,
        "judge": 0.0036,
        "embeddings": 0.000005,
    }
    assert (cost["status"], cost["totalUsd"], cost["missingPrices"]) == ("complete", 22.043805, [])
    assert cost["estimate"]["status"] == "complete" and cost["estimate"]["hosting"] == "provisioned"

    assert report["complete"] is True and report["estimatedCostUsd"] == 22.043805
    assert report["comparison"]["winRate"] == 0.75 and report["fineTunedMeanSimilarity"] == 0.7
    assert report["outputTokensReductionPct"] == 80.0 and report["warnings"] == []


def test_the_configuration_and_the_judge_settings_are_recorded(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3)
    build_report(make_step(), s3)
    results, _, _ = report_files(s3)
    audit = results["judge"].pop("audit")
    assert results["judge"] == {
        "modelId": "us.amazon.nova-pro-v1:0",
        "inference": {"maxTokens": 1024, "temperature": 0.0, "tool": "record_verdict"},
        "error": None,
    }
    # four verdicts, none failed; a Nova judge grading a Nova model is flagged for self-preference
    assert (audit["verdictsAsked"], audit["failureRate"], audit["parseFailureRate"]) == (4, 0.0, 0.0)
    assert audit["sameFamilyAsTunedModel"] is True and "self-preference" in audit["warnings"][0]
    assert audit["secondJudge"] is None
    assert results["similarity"]["modelId"] == "amazon.titan-embed-text-v2:0"
    assert results["configuration"]["evaluation"]["semanticSimilarity"] is True
    assert results["hyperParameters"]["epochCount"] == "2" and results["inference"]["systemPrompt"] == "Be brief."


def test_the_rendered_report_has_headline_charts_and_one_row_per_question(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3)
    build_report(make_step(), s3)
    _, markdown, page = report_files(s3)
    for chart in ("training-loss", "validation-loss", "score-distribution"):
        assert f'data-chart="{chart}"' in page
    assert page.count("<tr data-question=") == 2
    assert "75%" in page and "$22.04" in page and "30.00 min" in page  # win rate, cost, PT minutes
    assert "80.0% fewer" in page and "46.2% shorter" in page
    assert "| Mean score (1\u201310) | 3.00 | 6.50 | +3.50 |" in markdown
    assert "| Win rate, fine-tuned | 75% | 1 wins · 1 ties · 0 losses of 2 (a tie counts as half a win) |" in markdown
    # one win rate: the headline's figure is the statistics table's judge-score win rate
    assert "| judge score | +3.50 |" in markdown and "| 1 / 1 / 0 | 75% (" in markdown
    assert "| Mean output tokens | 50.0 | 10.0 | 80.0% fewer |" in markdown
    assert "SIMULATED" not in page and "SIMULATED" not in markdown  # make_run() is not simulated


def test_a_failed_judge_still_writes_a_report_saying_which_numbers_are_missing_and_why(
    aws: SimulatedBedrock, s3: Any
) -> None:
    reason = "judge call failed: AccessDeniedException: You don't have access to the model us.amazon.nova-pro-v1:0"
    verdicts = [
        make_verdict(target, i, score=None, correct=None, reasoning=None, missingReason=reason)
        for target in ANSWERS
        for i in range(2)
    ]
    write_run(s3, verdicts)
    cause = "the judge model us.amazon.nova-pro-v1:0 returned no usable verdict: " + reason
    error = StepError(Error="JudgeFailed", Cause=json.dumps({"errorMessage": cause, "errorType": "JudgeFailed"}))
    report = build_report(make_step(error), s3)
    results, markdown, page = report_files(s3)

    assert report["complete"] is False and report["incompleteError"] == "JudgeFailed"
    assert "no scores were recorded" in report["incompleteCause"] and cause in report["incompleteCause"]
    (problem,) = results["problems"]
    for missing in ("correctness scores", "correct/incorrect verdicts", "wins/ties/losses", "AccessDeniedException"):
        assert missing in problem
    assert results["summary"]["base"]["meanScore"] is None and results["summary"]["comparison"]["winRate"] is None
    assert results["judge"]["error"] == f"JudgeFailed: {cause}"
    # what the judge did not need is still there
    assert results["summary"]["fine-tuned"]["meanSimilarity"] == 0.7 and results["training"]["trainingSteps"] == 4
    assert "## Missing numbers" in markdown and "AccessDeniedException" in markdown
    assert 'class="box problems"' in page and "no scores were recorded" in page
    assert "Not scored: judge call failed" in page
    assert "no scores were recorded (see Missing numbers)" in page and "no question has both scores" in page


def test_a_judge_that_wrote_nothing_still_gives_a_report(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3, verdicts=[])
    error = StepError(Error="States.Timeout", Cause="Task timed out after 900.00 seconds")
    report = build_report(make_step(error), s3)
    results, _, _ = report_files(s3)
    assert report["incompleteError"] == "JudgeFailed"
    assert "States.Timeout: Task timed out" in results["problems"][0]
    side = results["questions"][0]["fine-tuned"]
    assert side["score"] is None and side["missingReason"] == "not judged"
    assert side["similarity"] is None and "recorded no similarity" in side["similarityMissingReason"]


def test_some_missing_scores_are_listed_by_question_with_their_reason(aws: SimulatedBedrock, s3: Any) -> None:
    verdicts = [make_verdict(target, i) for target in ANSWERS for i in range(2)]
    verdicts[3] = make_verdict(
        "fine-tuned", 1, score=None, correct=None, reasoning=None, missingReason="malformed verdict after 3 attempts"
    )
    write_run(s3, verdicts)
    report = build_report(make_step(), s3)
    assert report["incompleteError"] == "EvaluationIncomplete"
    assert report["problems"] == [
        "fine-tuned scores are missing for question(s) [2]: malformed verdict after 3 attempts"
    ]


def test_missing_similarity_is_a_warning_not_an_incomplete_evaluation(aws: SimulatedBedrock, s3: Any) -> None:
    reason = "embedding call failed: AccessDeniedException: no access"
    verdicts = [
        make_verdict(target, i, similarity=None, similarityMissingReason=reason) for target in ANSWERS for i in range(2)
    ]
    write_run(s3, verdicts)
    report = build_report(make_step(), s3)
    results, markdown, page = report_files(s3)
    assert report["complete"] is True and report["fineTunedMeanSimilarity"] is None
    assert results["warnings"] == [f"semantic similarity is missing for 4 of 4 answers: {reason}"]
    assert "## Warnings" in markdown and reason in page
    assert "not computed (see Warnings)" in page  # the headline card says why it is empty


def test_prices_not_in_the_table_make_the_cost_a_lower_bound_and_say_so(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3)
    report = build_report(make_step(prices=PriceOverrides()), s3)
    results, markdown, page = report_files(s3)
    cost = results["cost"]
    # Nova Micro's training, storage and PT prices are not in the table; the on-demand token prices are:
    # base 100 output tokens x $0.00014 / 1000 = $0.000014; judge (Nova Pro) 2000 x $0.0008 / 1000 + 400 x
    # $0.0032 / 1000 = $0.00288; embeddings (Titan V2) 50 x $0.00002 / 1000 = $0.000001 -> $0.002895
    assert cost["status"] == "lower bound" and cost["totalUsd"] == 0.002895
    assert cost["missingPrices"] == ["trainingPer1kTokensUsd", "storagePerModelMonthUsd", "ptPerModelUnitHourUsd"]
    assert report["costNotConfigured"] == cost["missingPrices"] and report["estimatedCostUsd"] == 0.002895
    assert "at least $0.002895" in page and "Not priced: trainingPer1kTokensUsd" in markdown
    assert "sungminna/GapS" in markdown  # every figure used names its source
    assert results["provisionedThroughput"]["heldMinutes"] == 30.0  # the time is still measured


def test_fewer_epochs_than_asked_for_is_early_stopping(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3, csvs=False)
    put(s3, "runs/run-1/output/job/step_wise_training_metrics.csv", "step_number,epoch_number,training_loss\n0,1,2\n")
    build_report(make_step(), s3)
    results, _, page = report_files(s3)
    assert results["training"]["earlyStopped"] is True and results["training"]["epochsRequested"] == 2
    assert "The job wrote no validation metrics" in page


# ---------------------------------------------------------------- escaping

PAYLOAD = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>|a\nb&amp;"


def _poison(value: Any, keep: set[str]) -> Any:
    """Every string replaced by the payload plus itself; so is every key not in `keep` (the
    keys of the free-form maps: hyperparameter names, source names)."""
    if isinstance(value, str):
        return PAYLOAD + value
    if isinstance(value, list):
        return [_poison(item, keep) for item in value]
    if isinstance(value, dict):
        return {(key if key in keep else PAYLOAD + key): _poison(item, keep) for key, item in value.items()}
    return value


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def _poisoned_results(s3: Any) -> dict[str, Any]:
    write_run(s3)
    build_report(make_step(), s3)
    results, _, _ = report_files(s3)
    results["warnings"] = ["a warning"]
    results["problems"] = ["a problem"]
    results["simulated"] = True
    results["questions"][0]["base"].update(similarity=None, similarityMissingReason="a reason")

    free_form = (results["hyperParameters"], results["configuration"]["sources"])
    keep: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if not any(value is mapping for mapping in free_form):
                keep.update(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(results)
    keep -= {"training", "validation", "evaluation"} - {"training"}  # "training" is also a section name
    return _admitted(dict(_poison(results, keep)), results, keep)


def _admitted(poisoned: dict[str, Any], original: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The poisoned results with what the typed results refuse put back: the values of enums and
    timestamps, which cannot carry markup into a report, and structural keys that share a name with
    a free-form one (`evaluation`, `validation`). Every string that can reach a report stays poisoned."""
    for _ in range(20):
        try:
            Results.model_validate(poisoned)
            return poisoned
        except ValidationError as error:
            for problem in error.errors():
                where_poisoned: Any = poisoned
                where_original: Any = original
                *path, last = problem["loc"]
                for step in path:
                    where_poisoned, where_original = where_poisoned[step], where_original[step]
                if problem["type"] == "missing":
                    continue  # a structural key the poisoning renamed: put back below
                if problem["type"] == "extra_forbidden":
                    name = str(last).removeprefix(PAYLOAD)
                    where_poisoned[name] = _poison(where_original[name], keep)
                    del where_poisoned[last]
                else:
                    where_poisoned[last] = where_original[last]
    raise AssertionError("the poisoned results never validated")


def test_every_text_field_is_html_escaped(aws: SimulatedBedrock, s3: Any) -> None:
    page = render.html(_poisoned_results(s3))
    parser = _Tags()
    parser.feed(page)
    assert not parser.tags & {"script", "img", "iframe", "object", "embed", "link"}, parser.tags
    assert parser.handlers == []
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;" in page  # MarkupSafe's escapes
    assert page.count("&lt;script&gt;") >= 30  # the payload is shown, escaped, in every text field


def test_every_text_field_is_escaped_in_markdown(aws: SimulatedBedrock, s3: Any) -> None:
    markdown = render.markdown(_poisoned_results(s3))
    assert re.search(r"(?<!\\)<", markdown) is None  # no raw HTML at all
    assert "\\<script>" in markdown
    for block in re.split(r"\n(?!\|)", markdown):
        table = [line for line in block.splitlines() if line.startswith("|")]
        if table:
            widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
            assert len(widths) == 1, table  # a pipe or newline in data never adds or breaks a cell


def test_the_page_is_self_contained(aws: SimulatedBedrock, s3: Any) -> None:
    write_run(s3)
    build_report(make_step(), s3)
    _, _, page = report_files(s3)
    parser = _Tags()
    parser.feed(page)
    assert not parser.tags & {"script", "link", "img", "iframe", "object", "embed", "audio", "video", "source"}
    for reference in ("src=", "href=", "url(", "@import", "http://", "https://"):
        assert reference not in page, reference


@pytest.mark.parametrize("simulated", [True, False])
def test_the_simulated_banner_follows_the_run(aws: SimulatedBedrock, s3: Any, simulated: bool) -> None:
    write_run(s3)
    results = dict(build_report(make_step(), s3))
    full, _, _ = report_files(s3)
    full["simulated"] = simulated
    assert ('class="banner"' in render.html(full)) is simulated
    assert ("SIMULATED RUN" in render.markdown(full)) is simulated
    assert results["simulated"] is False
