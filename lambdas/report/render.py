"""Renders results.json as Markdown and as one self-contained HTML page, from Jinja2 templates
in `report/templates/`.

The HTML environment autoescapes every value; the Markdown environment passes every value
through `md` (one line, no pipes, no raw HTML). The page has no scripts and no external
stylesheets, fonts or images: charts are inline SVG (report/charts.py) and the CSS is inlined.

The page is a list of sections, one template each (`templates/sections/<name>.html.j2`), in
the order of `SECTIONS`. A new section is one template file and one name in that tuple; the
values it needs come from `results` (the whole results.json) or from `_context`.
The rows both formats show are built once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from report import charts, distillation, rewards
from report.comparison import METRICS
from report.formatting import (
    COLORS,
    DASH,
    EN,
    SIMULATED_TEXT,
    TARGET_LABEL,
    TARGETS,
    TIMES,
    change,
    interval,
    money,
    num,
    p_value,
    pct,
    signed,
    when,
)

TEMPLATES = Path(__file__).with_name("templates")
SECTIONS = (
    "header",
    "verdict",
    "alerts",
    "headline",
    "comparison",
    "distillation",
    "hosting",
    "statistics",
    "training",
    "questions",
    "cost",
    "configuration",
    "footer",
)
"""The page, top to bottom: `templates/sections/<name>.html.j2` each."""

# ---------------------------------------------------------------- shared content


def headline(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(label, value, comparison, detail) for the cards at the top."""
    summary, cost = results["summary"], results["cost"]
    base, tuned, comparison = summary["base"], summary["fine-tuned"], summary["comparison"]
    hosted = _hosting_card(results)
    if results["similarity"]["enabled"] and tuned["meanSimilarity"] is None and base["meanSimilarity"] is None:
        similarity = (DASH, "", "not computed (see Warnings)")
    elif results["similarity"]["enabled"]:
        similarity = (
            num(tuned["meanSimilarity"]),
            f"vs {num(base['meanSimilarity'])} base",
            "cosine to the reference",
        )
    else:
        similarity = ("off", "", "evaluation.semanticSimilarity is false")
    spent = cost_headline(cost)
    if tuned["meanScore"] is None and base["meanScore"] is None:
        score = (DASH, "", "no scores were recorded (see Missing numbers)")
    else:
        score = (
            num(tuned["meanScore"]),
            f"vs {num(base['meanScore'])} base",
            f"judge score 1{EN}10 · {signed(comparison['meanScoreDelta'])}{unpaired_note(summary, 'judgeScore')}",
        )
    if comparison["compared"]:
        wins = (
            f"{comparison['wins']} wins · {comparison['ties']} ties · {comparison['losses']} losses "
            f"of {comparison['compared']} (a tie counts as half a win)"
        )
    else:
        wins = "no question has both scores"
    return [
        ("Mean score, fine-tuned", *score),
        ("Win rate, fine-tuned", pct(comparison["winRate"]), "", wins),
        ("Similarity, fine-tuned", *similarity),
        ("Cost", *spent),
        hosted,
    ]


def unpaired_note(summary: dict[str, Any], metric: str) -> str:
    """The change of two means (each over its own model's answers) equals the statistics table's
    paired mean difference only when every question has both numbers; say so when it has not."""
    count = {"judgeScore": "judged", "semanticSimilarity": "withSimilarity"}[metric]
    paired = (summary["comparison"].get(metric) or {}).get("n")
    if paired is None or (summary["base"][count] == paired and summary["fine-tuned"][count] == paired):
        return ""
    return f" (difference of the two means; over the {paired} question(s) with both: see Is the difference real?)"


def _hosting_card(results: dict[str, Any]) -> tuple[str, str, str, str]:
    hosting, throughput = results.get("hosting") or {}, results["provisionedThroughput"]
    if hosting.get("kind") == "on-demand":
        state = "kept, ready to use" if hosting.get("kept") else ("deleted" if hosting.get("deleted") else DASH)
        return ("Hosting", "on demand", "", f"custom model deployment {hosting.get('name') or DASH} · {state}")
    return (
        "PT held",
        f"{num(throughput['heldMinutes'])} min",
        "",
        f"{throughput['modelUnits']} model unit(s) · " + ("deleted" if throughput["deleted"] else "NOT deleted"),
    )


def hosting_use(results: dict[str, Any]) -> tuple[str, str | None]:
    """(sentence, Python example or None) for "Use the fine-tuned model"."""
    hosting = results.get("hosting") or {}
    if hosting.get("kept"):
        return (
            f"The custom model stays deployed on demand as {hosting['arn']} (billed per token, nothing while "
            "idle). Call it with the Converse API:",
            hosting.get("example"),
        )
    if hosting.get("kind") == "on-demand":
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


def comparison_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, base, fine-tuned, change) for the side-by-side table."""
    summary = results["summary"]
    base, tuned, comparison = summary["base"], summary["fine-tuned"], summary["comparison"]

    def correct(side: dict[str, Any]) -> str:
        judged = side["correct"] + side["incorrect"]
        return f"{side['correct']} of {judged} ({pct(side['correctShare'])})" if judged else DASH

    similarity_enabled = results["similarity"]["enabled"]
    rows = [
        (
            f"Mean score (1{EN}10)",
            num(base["meanScore"]),
            num(tuned["meanScore"]),
            signed(comparison["meanScoreDelta"]) + unpaired_note(summary, "judgeScore"),
        ),
        (
            "Median score",
            num(base["medianScore"]),
            num(tuned["medianScore"]),
            signed(
                None
                if base["medianScore"] is None or tuned["medianScore"] is None
                else tuned["medianScore"] - base["medianScore"]
            ),
        ),
        (
            "Judged correct",
            correct(base),
            correct(tuned),
            signed(float(tuned["correct"] - base["correct"]), 0) if base["judged"] and tuned["judged"] else DASH,
        ),
        (
            "ROUGE-L F1",
            num(base["meanRougeL"], 3),
            num(tuned["meanRougeL"], 3),
            signed(
                None
                if base["meanRougeL"] is None or tuned["meanRougeL"] is None
                else tuned["meanRougeL"] - base["meanRougeL"],
                3,
            ),
        ),
        (
            "Semantic similarity",
            num(base["meanSimilarity"], 3) if similarity_enabled else "off",
            num(tuned["meanSimilarity"], 3) if similarity_enabled else "off",
            signed(comparison["meanSimilarityDelta"], 3) + unpaired_note(summary, "semanticSimilarity")
            if similarity_enabled
            else DASH,
        ),
        (
            "Answers in the question's language",
            _same_language(base),
            _same_language(tuned),
            _share_change(base, tuned),
        ),
        (
            "Mean answer length (chars)",
            num(base["meanAnswerChars"], 1),
            num(tuned["meanAnswerChars"], 1),
            change(comparison["answerCharsReductionPct"], "shorter", "longer"),
        ),
        (
            "Mean output tokens",
            num(base["meanOutputTokens"], 1),
            num(tuned["meanOutputTokens"], 1),
            change(comparison["outputTokensReductionPct"], "fewer", "more"),
        ),
        ("Latency p50 (ms)", num(base["latencyP50Ms"], 0), num(tuned["latencyP50Ms"], 0), ""),
        ("Latency p95 (ms)", num(base["latencyP95Ms"], 0), num(tuned["latencyP95Ms"], 0), ""),
        (
            "Throttled calls (time lost)",
            _throttled(results, "base"),
            _throttled(results, "fine-tuned"),
            _throttled(results, "judge"),
        ),
    ]
    return rows


def _throttled(results: dict[str, Any], key: str) -> str:
    totals = results.get("throttling", {}).get(key)
    if not totals:
        return DASH
    text = f"{totals['throttles']} ({num(totals['throttleSeconds'], 1)} s)"
    return f"judge: {text}" if key == "judge" else text


def training_facts(results: dict[str, Any]) -> list[tuple[str, str]]:
    training = results["training"]
    epochs = f"{training['trainingEpochs']}"
    if training.get("epochsRequested"):
        epochs += f" of {training['epochsRequested']} requested"
    best = (
        f"epoch {training['bestEpoch']} (validation loss {num(training['bestValidationLoss'], 4)})"
        if training["bestEpoch"] is not None
        else "no validation metrics"
    )
    return [
        ("Steps", str(training["trainingSteps"])),
        ("Epochs", epochs),
        ("Early stopping", "yes" if training["earlyStopped"] else "no"),
        (
            "Training loss, first → last step",
            f"{num(training['trainingLossFirst'], 4)} → {num(training['trainingLossLast'], 4)}",
        ),
        ("Best epoch", best),
        ("Hyperparameters", ", ".join(f"{k}={v}" for k, v in results["hyperParameters"].items()) or DASH),
    ]


def epoch_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(epoch, mean training loss, validation loss)."""
    training = results["training"]
    by_epoch: dict[int, list[str]] = {}
    for row in training["trainingLossByEpoch"]:
        by_epoch.setdefault(int(row["epoch"]), [DASH, DASH])[0] = num(row["loss"], 4)
    for row in training["validationLossByEpoch"]:
        by_epoch.setdefault(int(row["epoch"]), [DASH, DASH])[1] = num(row["loss"], 4)
    best = training["bestEpoch"]
    return [
        (f"{epoch}{' (best)' if epoch == best else ''}", losses[0], losses[1])
        for epoch, losses in sorted(by_epoch.items())
    ]


def _usd(value: float | None) -> str:
    """Money in the cost section: cents from a cent up, six decimals below (token costs are small)."""
    if value is None:
        return "not priced"
    return money(value) if value >= 0.01 or value == 0 else f"${value:.6f}"


def cost_headline(cost: dict[str, Any]) -> tuple[str, str, str]:
    """(value, comparison, detail) of the headline card: the measured cost, next to the quote."""
    estimate = cost.get("estimate") or {}
    quoted = f"quoted {_usd(estimate.get('totalUsd'))} ({estimate.get('status')})" if estimate else "no quote"
    if cost["totalUsd"] is None:
        return ("not priced", "", "missing prices: " + ", ".join(cost["missingPrices"]))
    prefix = "" if cost["status"] == "complete" else "at least "
    # the quote goes to the detail line: beside the value it does not fit a card
    return (prefix + _usd(cost["totalUsd"]), "", f"measured usage x the quote's prices; {quoted}")


def cost_rows(results: dict[str, Any]) -> list[tuple[str, str]]:
    """The cost section, self-contained: each part as quoted before the run and as measured after it."""
    cost = results["cost"]
    estimate = cost.get("estimate") or {}
    quoted = {part["name"]: part for part in estimate.get("parts", [])}
    rows: list[tuple[str, str]] = []
    for part in cost["measured"]:
        before = quoted.get(part["name"])
        text = f"measured {_usd(part['usd'])} ({part['formula']})"
        if before is not None:
            text += f"; quoted {_usd(before['usd'])}"
        rows.append((part["label"], text))
    status = cost["status"] if cost["totalUsd"] is not None else "not priced"
    rows.append(("Total, measured", f"{_usd(cost['totalUsd'])} ({status})"))
    if estimate:
        rows.append(
            (
                "Total, quoted before the run",
                f"{_usd(estimate['totalUsd'])} ({estimate['status']}); budget: {estimate['budget']['message']}",
            )
        )
    if cost["missingPrices"]:
        rows.append(
            (
                "Not priced",
                ", ".join(cost["missingPrices"])
                + ": no figure in the dated price table (or only a third-party one); give it in the execution "
                "input's `prices` or the stack's `priceOverrides`. Until then the totals are lower bounds.",
            )
        )
    by_source: dict[str, list[str]] = {}
    for part in estimate.get("parts", []):
        for price in part["prices"]:
            if price["usd"] is not None and price["source"]:
                where = price["source"] if price["source"] == "override" else f"{price['source']}, read {price['read']}"
                names = by_source.setdefault(where, [])
                if price["name"] not in names:
                    names.append(price["name"])
    for where, names in by_source.items():
        rows.append(("Price source", f"{', '.join(names)}: {where}"))
    rows.extend(("Assumption", text) for text in estimate.get("assumptions", []))
    rows.append(("Note", cost["note"]))
    return rows


def configuration_rows(results: dict[str, Any]) -> list[tuple[str, str]]:
    inference, judge, similarity = results["inference"], results["judge"], results["similarity"]
    config, data = results["configuration"], results["data"]
    judge_inference = judge.get("inference") or {}
    return [
        ("Base model", f"{results['baseModelId']} (answers from {results['baseModelInferenceId']})"),
        ("Custom model", str(results["customModelArn"] or DASH)),
        ("Customization job", str(results["customizationJobArn"] or DASH)),
        (
            "Answer inference",
            f"maxTokens {inference['maxTokens']}, temperature {inference['temperature']}, "
            f"topP {num(inference['topP'])}",
        ),
        ("System prompt", inference["systemPrompt"] or DASH),
        (
            "Judge",
            f"{judge['modelId']}"
            + (
                f" (maxTokens {judge_inference.get('maxTokens')}, temperature {judge_inference.get('temperature')}, "
                f"tool {judge_inference.get('tool')}, tool choice {judge_inference.get('structuredOutput', 'tool')})"
                if judge_inference
                else ""
            ),
        ),
        (
            "Semantic similarity",
            f"{similarity['modelId']}, {similarity['dimensions'] or DASH} dimensions, cosine"
            if similarity["enabled"]
            else "off",
        ),
        (
            "Data",
            f"{data['trainingRecords']} training, {data['validationRecords']} validation, "
            f"{data['evalQuestions']} evaluation question(s) + {data.get('generalQuestions', 0)} general; "
            f"~{data['estimatedTrainingTokens']:,} training tokens",
        ),
        ("Sources", ", ".join(f"{k}: {v}" for k, v in config["sources"].items() if v) or DASH),
        ("Trigger", f"{config['trigger']} · family {config['family']} · started {when(results['startedAt'])}"),
    ]


def _verdict_word(correct: bool | None) -> str:
    return "correct" if correct is True else "incorrect" if correct is False else "not judged"


def _similarity_text(side: dict[str, Any]) -> str:
    if side["similarity"] is not None:
        return num(side["similarity"], 3)
    return f"{DASH} ({side['similarityMissingReason']})"


QUESTION_DETAILS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("Answer", lambda side: side["answer"] if side["answer"] is not None else "(no answer)"),
    ("Score", lambda side: num(side["score"])),
    ("Verdict", lambda side: _verdict_word(side["correct"])),
    ("Judge reasoning", lambda side: side["reasoning"] or f"not scored: {side['missingReason']}"),
    ("Similarity", _similarity_text),
    ("ROUGE-L F1", lambda side: num(side["rougeL"], 3)),
    ("Output tokens / latency", lambda side: f"{num(side['outputTokens'])} / {num(side['latencyMs'])} ms"),
)
"""The rows of a question's detail table in report.md: (label, text of one model's side)."""


def _same_language(side: dict[str, Any]) -> str:
    found = side.get("sameLanguage") or {}
    if not found.get("compared"):
        return DASH
    return f"{found['matched']} of {found['compared']} ({pct(found['share'])})"


def _share_change(base: dict[str, Any], tuned: dict[str, Any]) -> str:
    before, after = (base.get("sameLanguage") or {}).get("share"), (tuned.get("sameLanguage") or {}).get("share")
    if before is None or after is None:
        return DASH
    return f"{signed((after - before) * 100, 0)} points"


def statistics_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(metric, mean difference, 95 % CI, p, wins/ties/losses, win rate with its interval)."""
    comparison = results["summary"]["comparison"]
    rows = []
    for key, _, _, label in METRICS:
        metric = comparison[key]
        digits = 3 if key in ("rougeL", "semanticSimilarity") else 2
        rows.append(
            (
                label + ("" if metric["higherIsBetter"] else " (fewer is better)"),
                signed(metric["meanDifference"], digits),
                interval(metric["ci95"], digits),
                p_value(metric["pValue"]),
                f"{metric['wins']} / {metric['ties']} / {metric['losses']}" if metric["n"] else DASH,
                f"{pct(metric['winRate'])} ({interval(metric['winRateCi95'], share=True)})" if metric["n"] else DASH,
            )
        )
    pairwise = comparison["pairwise"]
    rows.append(
        (
            "pairwise judge (A/B and B/A)",
            "",
            "",
            p_value(pairwise["pValue"]),
            f"{pairwise['wins']} / {pairwise['ties']} / {pairwise['losses']}" if pairwise["decided"] else DASH,
            f"{pct(pairwise['winRate'])} ({interval(pairwise['winRateCi95'], share=True)})"
            if pairwise["decided"]
            else DASH,
        )
    )
    return rows


def evaluation_facts(results: dict[str, Any]) -> list[tuple[str, str]]:
    """The pairwise judge, the general-ability check and the judge audit, in words."""
    summary = results["summary"]
    pairwise, general = summary["comparison"]["pairwise"], summary["general"]
    audit = results["judge"].get("audit") or {}
    text = results.get("text") or {}
    facts = [
        (
            "Position consistency",
            f"{pct(pairwise['positionConsistency'])} of {pairwise['decided']} pair(s) got the same verdict in both "
            "orders; the others count as ties",
        )
    ]
    if general["enabled"] and general["judgeScore"] and general["judgeScore"]["n"]:
        metric = general["judgeScore"]
        words = {"dropped": "dropped", "improved": "improved", "no-change-shown": "no drop shown"}
        facts.append(
            (
                "General ability",
                f"{words.get(general['outcome'], general['outcome'])}: judge score {signed(metric['meanDifference'])} "
                f"(95 % CI {interval(metric['ci95'])}, p {p_value(metric['pValue'])}) over {metric['n']} "
                "general question(s)",
            )
        )
    elif general["enabled"]:
        facts.append(("General ability", "not measured: no general question was scored for both models"))
    else:
        facts.append(("General ability", "not checked (evaluation.generalCheck is false)"))
    if audit:
        facts.append(
            (
                "Judge audit",
                f"{audit['verdictsAsked']} verdicts asked; failed {pct(audit['failureRate'])}, malformed after "
                f"retries {pct(audit['parseFailureRate'])}; tool choice {audit['structuredOutput']}",
            )
        )
        second = audit.get("secondJudge")
        if second:
            facts.append(
                (
                    "Second judge",
                    f"{second['modelId']}: Cohen's kappa {num(second['cohenKappaCorrect'])} on correct/incorrect, "
                    f"mean absolute score difference {num(second['meanAbsoluteScoreDifference'])} "
                    f"over {second['compared']} answer(s)",
                )
            )
        facts += [("Judge warning", warning) for warning in audit["warnings"]]
    if text:
        facts.append(("ROUGE-L tokenization", text["tokenization"]))
        facts.append(("Language of an answer", text["languageRule"]))
    return facts


def change_of(row: dict[str, Any]) -> str:
    difference = row.get("scoreDifference")
    if difference is None:
        return "unscored"
    return "worse" if difference < 0 else "better" if difference > 0 else "same"


def questions_worse_first(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Questions sorted by score difference, the ones that got worse first; unscored last."""
    return sorted(
        results["questions"],
        key=lambda row: (row.get("scoreDifference") is None, row.get("scoreDifference") or 0, row["index"]),
    )


# ---------------------------------------------------------------- templates


def md(value: Any) -> str:
    """Text safe inside a Markdown table cell or list item: one line, no pipes, no raw HTML."""
    text = num(value) if not isinstance(value, str) else value
    return (
        text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<").replace("\r", " ").replace("\n", " ").strip()
    )


class _Block(str):
    """Markdown the templates insert as it is (already escaped cell by cell)."""


def _finalize_markdown(value: Any) -> str:
    return value if isinstance(value, _Block) else md(value)


def md_table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> _Block:
    lines = ["| " + " | ".join(md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return _Block("\n".join(lines) + "\n")


def _code(text: str) -> _Block:
    """Lines for a fenced code block, as they are (the pipeline writes them, never a user)."""
    return _Block(text.replace("```", "` ` `"))


def _bar(count: int, peak: int, width: int = 12) -> str:
    return "█" * (round(count / peak * width) if peak else 0) or ("▏" if count else "")


def _globals() -> dict[str, Any]:
    return {
        "DASH": DASH,
        "EN": EN,
        "TIMES": TIMES,
        "COLORS": COLORS,
        "TARGETS": TARGETS,
        "TARGET_LABEL": TARGET_LABEL,
        "SIMULATED_TEXT": SIMULATED_TEXT,
        "QUESTION_DETAILS": QUESTION_DETAILS,
        "num": num,
        "pct": pct,
        "signed": signed,
        "when": when,
        "bar": _bar,
        "change_of": change_of,
        "verdict_word": _verdict_word,
    }


@cache
def _html_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    environment.globals.update(_globals())
    return environment


@cache
def _markdown_environment() -> Environment:
    # Not HTML: every value goes through `md` instead of HTML escaping (finalize runs on each {{ }}).
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=StrictUndefined,
        finalize=_finalize_markdown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals.update(_globals(), table=md_table, code=_code)
    return environment


def _context(results: dict[str, Any]) -> dict[str, Any]:
    return {
        "results": results,
        "headline": headline(results),
        "comparison_rows": comparison_rows(results),
        "statistics_rows": statistics_rows(results),
        "evaluation_facts": evaluation_facts(results),
        # Reinforcement fine-tuning shows its reward curve where supervised runs show loss (report/rewards.py).
        "training_facts": rewards.reward_facts(results)
        if results["training"].get("rewards")
        else training_facts(results),
        "epoch_rows": [] if results["training"].get("rewards") else epoch_rows(results),
        "cost_rows": cost_rows(results),
        "distillation_facts": distillation.facts(results),
        "hosting_use": hosting_use(results),
        "configuration_rows": configuration_rows(results),
        "questions": questions_worse_first(results),
        "similarity_enabled": bool(results["similarity"]["enabled"]),
    }


def markdown(results: dict[str, Any]) -> str:
    context = _context(results)
    base = results["summary"]["base"]["scoreDistribution"]
    tuned = results["summary"]["fine-tuned"]["scoreDistribution"]
    peak = max([row["count"] for row in base + tuned] + [1])
    context["headline_rows"] = [
        (label, f"{value} {versus}".strip(), detail) for label, value, versus, detail in context["headline"]
    ]
    context["distribution_rows"] = [
        (b["score"], b["count"], _bar(b["count"], peak), t["count"], _bar(t["count"], peak))
        for b, t in zip(base, tuned, strict=True)
    ]
    context["question_rows"] = [
        (
            row["index"] + 1,
            row["set"],
            row["question"],
            signed(row["scoreDifference"], 0),
            f"{num(row['base']['score'])} ({_verdict_word(row['base']['correct'])})",
            f"{num(row['fine-tuned']['score'])} ({_verdict_word(row['fine-tuned']['correct'])})",
            f"{num(row['base']['similarity'], 3)} / {num(row['fine-tuned']['similarity'], 3)}",
        )
        for row in context["questions"]
    ]
    context["details"] = lambda row: [
        (label, *(cell(row[target]) for target in TARGETS)) for label, cell in QUESTION_DETAILS
    ]
    return _markdown_environment().get_template("report.md.j2").render(context)


def html(results: dict[str, Any]) -> str:
    context = _context(results)
    context["sections"] = SECTIONS
    context["css"] = Markup(TEMPLATES.joinpath("style.css").read_text(encoding="utf-8"))
    # the data's language (ja/zh/ko) lets the browser pick the right CJK glyphs; otherwise English
    context["html_lang"] = (results.get("text") or {}).get("htmlLang") or "en"
    context["score_chart"] = Markup(charts.score_chart(results))
    context["training_charts"] = Markup(
        rewards.reward_chart(results) if results["training"].get("rewards") else charts.training_charts(results)
    )
    return _html_environment().get_template("page.html.j2").render(context)
