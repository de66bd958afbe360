"""What the report shows, from the typed results (report/results.py): the rows and sentences both
formats (HTML and Markdown) print, built once here by reading attributes. report/render.py only
runs the templates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from report import charts, distillation, rewards
from report.comparison import METRICS
from report.formatting import (
    DASH,
    EN,
    change,
    interval,
    money,
    num,
    p_value,
    pct,
    signed,
    when,
)
from report.results import Cost, ModelSummary, Question, Results, Side, Summary
from shared.quote import PriceUsed

Row4 = tuple[str, str, str, str]


def unpaired_note(paired: int | None, base_count: int, tuned_count: int) -> str:
    """The change of two means (each over its own model's answers) equals the statistics table's
    paired mean difference only when every question has both numbers; say so when it has not."""
    if paired is None or (base_count == paired and tuned_count == paired):
        return ""
    return f" (difference of the two means; over the {paired} question(s) with both: see Is the difference real?)"


def _score_note(summary: Summary) -> str:
    return unpaired_note(summary.comparison.judgeScore.n, summary.base.judged, summary.tuned.judged)


def _similarity_note(summary: Summary) -> str:
    paired = summary.comparison.semanticSimilarity.n
    return unpaired_note(paired, summary.base.withSimilarity, summary.tuned.withSimilarity)


# ---------------------------------------------------------------- headline


def headline(results: Results) -> list[Row4]:
    """(label, value, comparison, detail) for the cards at the top."""
    summary = results.summary
    base, tuned, comparison = summary.base, summary.tuned, summary.comparison
    if results.similarity.enabled and tuned.meanSimilarity is None and base.meanSimilarity is None:
        similarity = (DASH, "", "not computed (see Warnings)")
    elif results.similarity.enabled:
        similarity = (num(tuned.meanSimilarity), f"vs {num(base.meanSimilarity)} base", "cosine to the reference")
    else:
        similarity = ("off", "", "evaluation.semanticSimilarity is false")
    if tuned.meanScore is None and base.meanScore is None:
        score = (DASH, "", "no scores were recorded (see Missing numbers)")
    else:
        score = (
            num(tuned.meanScore),
            f"vs {num(base.meanScore)} base",
            f"judge score 1{EN}10 · {signed(comparison.meanScoreDelta)}{_score_note(summary)}",
        )
    if comparison.compared:
        wins = (
            f"{comparison.wins} wins · {comparison.ties} ties · {comparison.losses} losses "
            f"of {comparison.compared} (a tie counts as half a win)"
        )
    else:
        wins = "no question has both scores"
    return [
        ("Mean score, fine-tuned", *score),
        ("Win rate, fine-tuned", pct(comparison.winRate), "", wins),
        ("Similarity, fine-tuned", *similarity),
        ("Cost", *cost_headline(results.cost)),
        _hosting_card(results),
    ]


def _hosting_card(results: Results) -> Row4:
    hosting, throughput = results.hosting, results.provisionedThroughput
    if hosting.kind == "on-demand":
        state = "kept, ready to use" if hosting.kept else ("deleted" if hosting.deleted else DASH)
        return ("Hosting", "on demand", "", f"custom model deployment {hosting.name or DASH} · {state}")
    return (
        "PT held",
        f"{num(throughput.heldMinutes)} min",
        "",
        f"{throughput.modelUnits} model unit(s) · " + ("deleted" if throughput.deleted else "NOT deleted"),
    )


def hosting_use(results: Results) -> tuple[str, str | None]:
    """(sentence, Python example or None) for "Use the fine-tuned model"."""
    hosting = results.hosting
    if hosting.kept:
        return (
            f"The custom model stays deployed on demand as {hosting.arn} (billed per token, nothing while "
            "idle). Call it with the Converse API:",
            hosting.example,
        )
    if hosting.kind == "on-demand":
        return (
            "The on-demand deployment was deleted (evaluation.keepDeployment is false); "
            "deploy the custom model again to use it.",
            None,
        )
    return (
        "The provisioned throughput was deleted after answering, as it is billed by the hour; buy one again "
        "(or deploy on demand where the model family allows it) to use the custom model.",
        None,
    )


# ---------------------------------------------------------------- base vs fine-tuned


def _minus(tuned: float | None, base: float | None) -> float | None:
    return None if tuned is None or base is None else tuned - base


def _correct(side: ModelSummary) -> str:
    judged = side.correct + side.incorrect
    return f"{side.correct} of {judged} ({pct(side.correctShare)})" if judged else DASH


def _same_language(side: ModelSummary) -> str:
    found = side.sameLanguage
    if not found.compared:
        return DASH
    return f"{found.matched} of {found.compared} ({pct(found.share)})"


def _share_change(base: ModelSummary, tuned: ModelSummary) -> str:
    before, after = base.sameLanguage.share, tuned.sameLanguage.share
    if before is None or after is None:
        return DASH
    return f"{signed((after - before) * 100, 0)} points"


def _throttled(results: Results, key: str) -> str:
    throttling = results.throttling
    totals = {"base": throttling.base, "fine-tuned": throttling.tuned, "judge": throttling.judge}[key]
    text = f"{totals.throttles} ({num(totals.throttleSeconds, 1)} s)"
    return f"judge: {text}" if key == "judge" else text


def comparison_rows(results: Results) -> list[Row4]:
    """(metric, base, fine-tuned, change) for the side-by-side table."""
    summary = results.summary
    base, tuned, comparison = summary.base, summary.tuned, summary.comparison
    similarity_on = results.similarity.enabled
    return [
        (
            f"Mean score (1{EN}10)",
            num(base.meanScore),
            num(tuned.meanScore),
            signed(comparison.meanScoreDelta) + _score_note(summary),
        ),
        (
            "Median score",
            num(base.medianScore),
            num(tuned.medianScore),
            signed(_minus(tuned.medianScore, base.medianScore)),
        ),
        (
            "Judged correct",
            _correct(base),
            _correct(tuned),
            signed(float(tuned.correct - base.correct), 0) if base.judged and tuned.judged else DASH,
        ),
        (
            "ROUGE-L F1",
            num(base.meanRougeL, 3),
            num(tuned.meanRougeL, 3),
            signed(_minus(tuned.meanRougeL, base.meanRougeL), 3),
        ),
        (
            "Semantic similarity",
            num(base.meanSimilarity, 3) if similarity_on else "off",
            num(tuned.meanSimilarity, 3) if similarity_on else "off",
            signed(comparison.meanSimilarityDelta, 3) + _similarity_note(summary) if similarity_on else DASH,
        ),
        ("Answers in the question's language", _same_language(base), _same_language(tuned), _share_change(base, tuned)),
        (
            "Mean answer length (chars)",
            num(base.meanAnswerChars, 1),
            num(tuned.meanAnswerChars, 1),
            change(comparison.answerCharsReductionPct, "shorter", "longer"),
        ),
        (
            "Mean output tokens",
            num(base.meanOutputTokens, 1),
            num(tuned.meanOutputTokens, 1),
            change(comparison.outputTokensReductionPct, "fewer", "more"),
        ),
        ("Latency p50 (ms)", num(base.latencyP50Ms, 0), num(tuned.latencyP50Ms, 0), ""),
        ("Latency p95 (ms)", num(base.latencyP95Ms, 0), num(tuned.latencyP95Ms, 0), ""),
        (
            "Throttled calls (time lost)",
            _throttled(results, "base"),
            _throttled(results, "fine-tuned"),
            _throttled(results, "judge"),
        ),
    ]


def statistics_rows(results: Results) -> list[tuple[str, str, str, str, str, str]]:
    """(metric, mean difference, 95 % CI, p, wins/ties/losses, win rate with its interval)."""
    comparison = results.summary.comparison
    rows = []
    for key, _, _, label in METRICS:
        metric = getattr(comparison, key)
        digits = 3 if key in ("rougeL", "semanticSimilarity") else 2
        rows.append(
            (
                label + ("" if metric.higherIsBetter else " (fewer is better)"),
                signed(metric.meanDifference, digits),
                interval(metric.ci95, digits),
                p_value(metric.pValue),
                f"{metric.wins} / {metric.ties} / {metric.losses}" if metric.n else DASH,
                f"{pct(metric.winRate)} ({interval(metric.winRateCi95, share=True)})" if metric.n else DASH,
            )
        )
    pairwise = comparison.pairwise
    rows.append(
        (
            "pairwise judge (A/B and B/A)",
            "",
            "",
            p_value(pairwise.pValue),
            f"{pairwise.wins} / {pairwise.ties} / {pairwise.losses}" if pairwise.decided else DASH,
            f"{pct(pairwise.winRate)} ({interval(pairwise.winRateCi95, share=True)})" if pairwise.decided else DASH,
        )
    )
    return rows


def evaluation_facts(results: Results) -> list[tuple[str, str]]:
    """The pairwise judge, the general-ability check and the judge audit, in words."""
    pairwise, general = results.summary.comparison.pairwise, results.summary.general
    audit = results.judge.audit
    facts = [
        (
            "Position consistency",
            f"{pct(pairwise.positionConsistency)} of {pairwise.decided} pair(s) got the same verdict in both "
            "orders; the others count as ties",
        )
    ]
    if general.enabled and general.judgeScore and general.judgeScore.n:
        metric = general.judgeScore
        words = {"dropped": "dropped", "improved": "improved", "no-change-shown": "no drop shown"}
        facts.append(
            (
                "General ability",
                f"{words.get(general.outcome, general.outcome)}: judge score {signed(metric.meanDifference)} "
                f"(95 % CI {interval(metric.ci95)}, p {p_value(metric.pValue)}) over {metric.n} "
                "general question(s)",
            )
        )
    elif general.enabled:
        facts.append(("General ability", "not measured: no general question was scored for both models"))
    else:
        facts.append(("General ability", "not checked (evaluation.generalCheck is false)"))
    facts.append(
        (
            "Judge audit",
            f"{audit.verdictsAsked} verdicts asked; failed {pct(audit.failureRate)}, malformed after "
            f"retries {pct(audit.parseFailureRate)}; tool choice {audit.structuredOutput}",
        )
    )
    second = audit.secondJudge
    if second:
        facts.append(
            (
                "Second judge",
                f"{second.modelId}: Cohen's kappa {num(second.cohenKappaCorrect)} on correct/incorrect, "
                f"mean absolute score difference {num(second.meanAbsoluteScoreDifference)} "
                f"over {second.compared} answer(s)",
            )
        )
    facts += [("Judge warning", warning) for warning in audit.warnings]
    facts.append(("ROUGE-L tokenization", results.text.tokenization))
    facts.append(("Language of an answer", results.text.languageRule))
    return facts


def distribution(results: Results) -> list[tuple[int, int, int]]:
    """(score, base count, fine-tuned count) for 1..10."""
    base, tuned = results.summary.base.scoreDistribution, results.summary.tuned.scoreDistribution
    return [(b.score, b.count, t.count) for b, t in zip(base, tuned, strict=True)]


# ---------------------------------------------------------------- training


def training_facts(results: Results) -> list[tuple[str, str]]:
    training = results.training
    if training.rewards is not None:
        # Reinforcement fine-tuning shows its reward curve where supervised runs show loss (report/rewards.py).
        return rewards.reward_facts(results.document())
    epochs = f"{training.trainingEpochs}"
    if training.epochsRequested:
        epochs += f" of {training.epochsRequested} requested"
    best = (
        f"epoch {training.bestEpoch} (validation loss {num(training.bestValidationLoss, 4)})"
        if training.bestEpoch is not None
        else "no validation metrics"
    )
    return [
        ("Steps", str(training.trainingSteps)),
        ("Epochs", epochs),
        ("Early stopping", "yes" if training.earlyStopped else "no"),
        (
            "Training loss, first → last step",
            f"{num(training.trainingLossFirst, 4)} → {num(training.trainingLossLast, 4)}",
        ),
        ("Best epoch", best),
        ("Hyperparameters", ", ".join(f"{k}={v}" for k, v in results.hyperParameters.items()) or DASH),
    ]


def epoch_rows(results: Results) -> list[tuple[str, str, str]]:
    """(epoch, mean training loss, validation loss); none for a reward curve."""
    training = results.training
    if training.rewards is not None:
        return []
    by_epoch: dict[int, list[str]] = {}
    for row in training.trainingLossByEpoch:
        by_epoch.setdefault(row.epoch, [DASH, DASH])[0] = num(row.loss, 4)
    for row in training.validationLossByEpoch:
        by_epoch.setdefault(row.epoch, [DASH, DASH])[1] = num(row.loss, 4)
    best = training.bestEpoch
    return [
        (f"{epoch}{' (best)' if epoch == best else ''}", losses[0], losses[1])
        for epoch, losses in sorted(by_epoch.items())
    ]


def training_charts(results: Results) -> str:
    document = results.document()
    return rewards.reward_chart(document) if results.training.rewards else charts.training_charts(document)


# ---------------------------------------------------------------- cost


def _usd(value: float | None) -> str:
    """Money in the cost section: cents from a cent up, six decimals below (token costs are small)."""
    if value is None:
        return "not priced"
    return money(value) if value >= 0.01 or value == 0 else f"${value:.6f}"


def cost_headline(cost: Cost) -> tuple[str, str, str]:
    """(value, comparison, detail) of the headline card: the measured cost, next to the quote."""
    estimate = cost.estimate
    quoted = f"quoted {_usd(estimate.totalUsd)} ({estimate.status})" if estimate else "no quote"
    if cost.totalUsd is None:
        return ("not priced", "", "missing prices: " + ", ".join(cost.missingPrices))
    prefix = "" if cost.status == "complete" else "at least "
    # the quote goes to the detail line: beside the value it does not fit a card
    return (prefix + _usd(cost.totalUsd), "", f"measured usage x the quote's prices; {quoted}")


ORIGIN_WORDS = {
    "price list": "AWS Price List",
    "table": "dated price table",
    "override": "override",
}
"""How each `origin` of a quoted price (shared/quote.py) is named in the report."""


def price_origin(price: PriceUsed, simulated: bool) -> str:
    """Where one quoted price came from, in words: the AWS Price List (its publication date), the
    dated table (its source and read date) or an override; SIMULATED when the figure came from the
    simulated Price List or the run itself is simulated."""
    origin = price.origin
    if origin is None:
        # quotes made before `origin` existed: the basis says as much
        origin = "override" if price.source == "override" else "table"
    words = ORIGIN_WORDS[origin]
    if origin == "price list":
        words += f", published {price.read}" if price.read else ""
    elif origin == "table":
        words += f", read {price.read}" if price.read else ""
        words += f": {price.source}" if price.source else ""
    elif price.source and price.source != "override":
        words += f" ({price.source})"
    return f"SIMULATED {words}" if simulated else words


def price_origin_rows(results: Results) -> list[tuple[str, str, str]]:
    """(price name, unit price, where it came from) for every distinct price of the quote."""
    estimate = results.cost.estimate
    if estimate is None:
        return []
    sources = estimate.priceSources
    simulated = results.simulated or bool(sources and sources.priceListSimulated)
    rows: dict[str, tuple[str, str, str]] = {}
    for part in estimate.parts:
        for price in part.prices:
            if price.name in rows:
                continue
            if price.usd is None:
                rows[price.name] = (price.name, DASH, "not priced" + (f": {price.note}" if price.note else ""))
            else:
                rows[price.name] = (price.name, _unit_usd(price.usd), price_origin(price, simulated))
    return list(rows.values())


def price_caption(results: Results) -> str | None:
    """Under the price table: where the run's copy of the Price List prices is, or why the Price
    List gave nothing (the counts per origin are the quote's own "Prices:" assumption)."""
    estimate = results.cost.estimate
    sources = estimate.priceSources if estimate else None
    if sources is None:
        return None
    if sources.priceListError:
        return f"The AWS Price List was not used ({sources.priceListError}): the dated table and overrides apply."
    where = f"; the run's copy of them: {sources.cacheUri}" if sources.cacheUri else ""
    list_name = "SIMULATED Price List" if sources.priceListSimulated else "AWS Price List"
    return f"{sources.fromPriceList} price(s) read from the {list_name}{where}."


def _unit_usd(value: float) -> str:
    """A unit price as written in the price table: no exponent, no trailing zeros ($0.000035)."""
    return "$" + (f"{value:.8f}".rstrip("0").rstrip(".") or "0")


def cost_rows(results: Results) -> list[tuple[str, str]]:
    """The cost section, self-contained: each part as quoted before the run and as measured after it."""
    cost = results.cost
    estimate = cost.estimate
    quoted = {part.name: part for part in estimate.parts} if estimate else {}
    rows: list[tuple[str, str]] = []
    for part in cost.measured:
        before = quoted.get(part.name)
        text = f"measured {_usd(part.usd)} ({part.formula})"
        if before is not None:
            text += f"; quoted {_usd(before.usd)}"
        rows.append((part.label, text))
    status = cost.status if cost.totalUsd is not None else "not priced"
    rows.append(("Total, measured", f"{_usd(cost.totalUsd)} ({status})"))
    if estimate:
        rows.append(
            (
                "Total, quoted before the run",
                f"{_usd(estimate.totalUsd)} ({estimate.status}); budget: {estimate.budget.message}",
            )
        )
    if cost.missingPrices:
        rows.append(
            (
                "Not priced",
                ", ".join(cost.missingPrices)
                + ": no figure in the dated price table (or only a third-party one); give it in the execution "
                "input's `prices` or the stack's `priceOverrides`. Until then the totals are lower bounds.",
            )
        )
    rows.extend(("Assumption", text) for text in (estimate.assumptions if estimate else []))
    rows.append(("Note", cost.note))
    return rows


# ---------------------------------------------------------------- configuration


def configuration_rows(results: Results) -> list[tuple[str, str]]:
    inference, judge, similarity = results.inference, results.judge, results.similarity
    config, data = results.configuration, results.data
    judge_inference = judge.inference
    return [
        ("Base model", f"{results.baseModelId} (answers from {results.baseModelInferenceId})"),
        ("Custom model", str(results.customModelArn or DASH)),
        ("Customization job", str(results.customizationJobArn or DASH)),
        (
            "Answer inference",
            f"maxTokens {inference.maxTokens}, temperature {inference.temperature}, topP {num(inference.topP)}",
        ),
        ("System prompt", inference.systemPrompt or DASH),
        (
            "Judge",
            judge.modelId
            + (
                f" (maxTokens {judge_inference.maxTokens}, temperature {judge_inference.temperature}, "
                f"tool {judge_inference.tool}, tool choice {judge_inference.structuredOutput or 'tool'})"
                if judge_inference
                else ""
            ),
        ),
        (
            "Semantic similarity",
            f"{similarity.modelId}, {similarity.dimensions or DASH} dimensions, cosine"
            if similarity.enabled
            else "off",
        ),
        (
            "Data",
            f"{data.trainingRecords} training, {data.validationRecords} validation, "
            f"{data.evalQuestions} evaluation question(s) + {data.generalQuestions} general; "
            f"~{data.estimatedTrainingTokens:,} training tokens",
        ),
        ("Sources", ", ".join(f"{k}: {v}" for k, v in config.sources.items() if v) or DASH),
        ("Trigger", f"{config.trigger} · family {config.family} · started {when(results.startedAt)}"),
    ]


# ---------------------------------------------------------------- questions


def verdict_word(correct: bool | None) -> str:
    return "correct" if correct is True else "incorrect" if correct is False else "not judged"


def _similarity_text(side: Side) -> str:
    if side.similarity is not None:
        return num(side.similarity, 3)
    return f"{DASH} ({side.similarityMissingReason})"


QUESTION_DETAILS: tuple[tuple[str, Callable[[Side], str]], ...] = (
    ("Answer", lambda side: side.answer if side.answer is not None else "(no answer)"),
    ("Score", lambda side: num(side.score)),
    ("Verdict", lambda side: verdict_word(side.correct)),
    ("Judge reasoning", lambda side: side.reasoning or f"not scored: {side.missingReason}"),
    ("Similarity", _similarity_text),
    ("ROUGE-L F1", lambda side: num(side.rougeL, 3)),
    ("Output tokens / latency", lambda side: f"{num(side.outputTokens)} / {num(side.latencyMs)} ms"),
)
"""The rows of a question's detail table in report.md: (label, text of one model's side)."""


def question_details(row: Question) -> list[tuple[str, str, str]]:
    return [(label, cell(row.base), cell(row.tuned)) for label, cell in QUESTION_DETAILS]


def change_of(row: Question) -> str:
    difference = row.scoreDifference
    if difference is None:
        return "unscored"
    return "worse" if difference < 0 else "better" if difference > 0 else "same"


def questions_worse_first(results: Results) -> list[Question]:
    """Questions sorted by score difference, the ones that got worse first; unscored last."""
    return sorted(
        results.questions,
        key=lambda row: (row.scoreDifference is None, row.scoreDifference or 0, row.index),
    )


def question_row(row: Question) -> tuple[Any, ...]:
    """One line of report.md's question table."""
    return (
        row.index + 1,
        row.set,
        row.question,
        signed(row.scoreDifference, 0),
        f"{num(row.base.score)} ({verdict_word(row.base.correct)})",
        f"{num(row.tuned.score)} ({verdict_word(row.tuned.correct)})",
        f"{num(row.base.similarity, 3)} / {num(row.tuned.similarity, 3)}",
    )


# ---------------------------------------------------------------- the whole page


def context(results: Results) -> dict[str, Any]:
    """Everything the templates print, by name (both formats)."""
    return {
        "results": results,
        "headline": headline(results),
        "comparison_rows": comparison_rows(results),
        "statistics_rows": statistics_rows(results),
        "evaluation_facts": evaluation_facts(results),
        "training_facts": training_facts(results),
        "epoch_rows": epoch_rows(results),
        "cost_rows": cost_rows(results),
        "price_rows": price_origin_rows(results),
        "price_caption": price_caption(results),
        "distillation_facts": distillation.facts({"distillation": results.document()["distillation"]})
        if results.distillation
        else [],
        "hosting_use": hosting_use(results),
        "configuration_rows": configuration_rows(results),
        "questions": questions_worse_first(results),
        "similarity_enabled": results.similarity.enabled,
        "html_lang": results.text.htmlLang or "en",
    }
