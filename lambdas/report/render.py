"""Renders results.json as Markdown and as one self-contained HTML page.

The page has no external scripts, stylesheets, fonts or images: charts are inline SVG and
the CSS is in the page. Every string that comes from data (questions, answers, reasoning,
model IDs, error messages, ...) goes through `html.escape` (HTML) or `_md` (Markdown).
The rows both formats show are built once, by the functions without a leading underscore.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from shared.numbers import fixed

TARGETS = ("base", "fine-tuned")
TARGET_LABEL = {"base": "Base model", "fine-tuned": "Fine-tuned model"}
COLORS = {"base": "#94a3b8", "fine-tuned": "#2563eb", "training": "#2563eb", "validation": "#ea580c"}
DASH = "\u2013"
"""En dash: a number that is missing."""
MINUS, TIMES, EN = "\u2212", "\u00d7", "\u2013"
SIMULATED_TEXT = "SIMULATED RUN — produced offline against a simulated Bedrock; no AWS resources were used."

# ---------------------------------------------------------------- formatting


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return DASH
    if isinstance(value, float):
        return fixed(value, digits)
    return str(value)


def _pct(share: float | None) -> str:
    return DASH if share is None else f"{fixed(share * 100, 0)}%"


def _signed(value: float | None, digits: int = 2) -> str:
    if value is None:
        return DASH
    text = fixed(value, digits)
    return text.replace("-", MINUS) if text.startswith("-") else f"+{text}"


def _change(pct: float | None, fewer: str, more: str) -> str:
    """A reduction in % as words: 57.6 -> '57.6% shorter', -10 -> '10.0% longer'."""
    if pct is None:
        return DASH
    return f"{fixed(abs(pct), 1)}% {fewer if pct >= 0 else more}"


def _money(value: float | None) -> str:
    if value is None:
        return DASH
    whole, _, cents = fixed(value, 2).partition(".")
    return f"${int(whole):,}.{cents}"


# ---------------------------------------------------------------- shared content


def headline(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(label, value, comparison, detail) for the cards at the top."""
    summary, cost = results["summary"], results["cost"]
    base, tuned, comparison = summary["base"], summary["fine-tuned"], summary["comparison"]
    throughput = results["provisionedThroughput"]
    if results["similarity"]["enabled"] and tuned["meanSimilarity"] is None and base["meanSimilarity"] is None:
        similarity = (DASH, "", "not computed (see Warnings)")
    elif results["similarity"]["enabled"]:
        similarity = (
            _num(tuned["meanSimilarity"]),
            f"vs {_num(base['meanSimilarity'])} base",
            "cosine to the reference",
        )
    else:
        similarity = ("off", "", "evaluation.semanticSimilarity is false")
    if cost["totalUsd"] is not None:
        money = (
            _money(cost["totalUsd"]),
            "",
            f"training {_money(cost['trainingUsd'])} · PT {_money(cost['throughputUsd'])}",
        )
    else:
        money = ("not estimated", "", "price not configured: " + ", ".join(cost["notConfigured"]))
    if tuned["meanScore"] is None and base["meanScore"] is None:
        score = (DASH, "", "no scores were recorded (see Missing numbers)")
    else:
        score = (
            _num(tuned["meanScore"]),
            f"vs {_num(base['meanScore'])} base",
            f"judge score 1{EN}10 · {_signed(comparison['meanScoreDelta'])}",
        )
    if comparison["compared"]:
        wins = (
            f"{comparison['wins']} wins · {comparison['ties']} ties · {comparison['losses']} losses "
            f"of {comparison['compared']}"
        )
    else:
        wins = "no question has both scores"
    return [
        ("Mean score, fine-tuned", *score),
        ("Win rate, fine-tuned", _pct(comparison["winRate"]), "", wins),
        ("Similarity, fine-tuned", *similarity),
        ("Estimated cost", *money),
        (
            "PT held",
            f"{_num(throughput['heldMinutes'])} min",
            "",
            f"{throughput['modelUnits']} model unit(s) · " + ("deleted" if throughput["deleted"] else "NOT deleted"),
        ),
    ]


def when(timestamp: str | None) -> str:
    """An ISO timestamp as `2026-01-01 09:00:05 UTC` (as given when it does not parse)."""
    if not timestamp:
        return DASH
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def comparison_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, base, fine-tuned, change) for the side-by-side table."""
    summary = results["summary"]
    base, tuned, comparison = summary["base"], summary["fine-tuned"], summary["comparison"]

    def correct(side: dict[str, Any]) -> str:
        judged = side["correct"] + side["incorrect"]
        return f"{side['correct']} of {judged} ({_pct(side['correctShare'])})" if judged else DASH

    similarity_enabled = results["similarity"]["enabled"]
    rows = [
        (
            f"Mean score (1{EN}10)",
            _num(base["meanScore"]),
            _num(tuned["meanScore"]),
            _signed(comparison["meanScoreDelta"]),
        ),
        (
            "Median score",
            _num(base["medianScore"]),
            _num(tuned["medianScore"]),
            _signed(
                None
                if base["medianScore"] is None or tuned["medianScore"] is None
                else tuned["medianScore"] - base["medianScore"]
            ),
        ),
        (
            "Judged correct",
            correct(base),
            correct(tuned),
            _signed(float(tuned["correct"] - base["correct"]), 0) if base["judged"] and tuned["judged"] else DASH,
        ),
        (
            "ROUGE-L F1",
            _num(base["meanRougeL"], 3),
            _num(tuned["meanRougeL"], 3),
            _signed(
                None
                if base["meanRougeL"] is None or tuned["meanRougeL"] is None
                else tuned["meanRougeL"] - base["meanRougeL"],
                3,
            ),
        ),
        (
            "Semantic similarity",
            _num(base["meanSimilarity"], 3) if similarity_enabled else "off",
            _num(tuned["meanSimilarity"], 3) if similarity_enabled else "off",
            _signed(comparison["meanSimilarityDelta"], 3) if similarity_enabled else DASH,
        ),
        (
            "Mean answer length (chars)",
            _num(base["meanAnswerChars"], 1),
            _num(tuned["meanAnswerChars"], 1),
            _change(comparison["answerCharsReductionPct"], "shorter", "longer"),
        ),
        (
            "Mean output tokens",
            _num(base["meanOutputTokens"], 1),
            _num(tuned["meanOutputTokens"], 1),
            _change(comparison["outputTokensReductionPct"], "fewer", "more"),
        ),
        ("Latency p50 (ms)", _num(base["latencyP50Ms"], 0), _num(tuned["latencyP50Ms"], 0), ""),
        ("Latency p95 (ms)", _num(base["latencyP95Ms"], 0), _num(tuned["latencyP95Ms"], 0), ""),
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
    text = f"{totals['throttles']} ({_num(totals['throttleSeconds'], 1)} s)"
    return f"judge: {text}" if key == "judge" else text


def training_facts(results: dict[str, Any]) -> list[tuple[str, str]]:
    training = results["training"]
    epochs = f"{training['trainingEpochs']}"
    if training.get("epochsRequested"):
        epochs += f" of {training['epochsRequested']} requested"
    best = (
        f"epoch {training['bestEpoch']} (validation loss {_num(training['bestValidationLoss'], 4)})"
        if training["bestEpoch"] is not None
        else "no validation metrics"
    )
    return [
        ("Steps", str(training["trainingSteps"])),
        ("Epochs", epochs),
        ("Early stopping", "yes" if training["earlyStopped"] else "no"),
        (
            "Training loss, first → last step",
            f"{_num(training['trainingLossFirst'], 4)} → {_num(training['trainingLossLast'], 4)}",
        ),
        ("Best epoch", best),
        ("Hyperparameters", ", ".join(f"{k}={v}" for k, v in results["hyperParameters"].items()) or DASH),
    ]


def epoch_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(epoch, mean training loss, validation loss)."""
    training = results["training"]
    by_epoch: dict[int, list[str]] = {}
    for row in training["trainingLossByEpoch"]:
        by_epoch.setdefault(int(row["epoch"]), [DASH, DASH])[0] = _num(row["loss"], 4)
    for row in training["validationLossByEpoch"]:
        by_epoch.setdefault(int(row["epoch"]), [DASH, DASH])[1] = _num(row["loss"], 4)
    best = training["bestEpoch"]
    return [
        (f"{epoch}{' (best)' if epoch == best else ''}", losses[0], losses[1])
        for epoch, losses in sorted(by_epoch.items())
    ]


def cost_rows(results: dict[str, Any]) -> list[tuple[str, str]]:
    cost, throughput = results["cost"], results["provisionedThroughput"]
    prices = cost["prices"]
    training_price = prices["trainingPer1kTokensUsd"]
    hourly_price = prices["throughputPerModelUnitHourUsd"]
    return [
        (
            "Training",
            f"{cost['trainingTokensEstimated']:,} tokens ({cost['epochs']} epoch(s)) / 1000 {TIMES} "
            + (
                f"${training_price} = {_money(cost['trainingUsd'])}" if training_price is not None else "not configured"
            ),
        ),
        (
            "Provisioned throughput",
            f"{_num(throughput['heldMinutes'])} min / 60 {TIMES} {throughput['modelUnits']} MU {TIMES} "
            + (f"${hourly_price}/h = {_money(cost['throughputUsd'])}" if hourly_price is not None else "not configured")
            + (
                f" (billed per started hour: {_money(cost['throughputUsdIfBilledPerStartedHour'])})"
                if cost["throughputUsdIfBilledPerStartedHour"] is not None
                else ""
            ),
        ),
        ("Total", _money(cost["totalUsd"]) if cost["totalUsd"] is not None else "not estimated"),
        (
            "PT time measured",
            f"{when(throughput['requestedAt'])} (create request) → {when(throughput['deletedAt'])} "
            "(deletion confirmed)",
        ),
        (
            "Not configured",
            (
                ", ".join(cost["notConfigured"])
                + ": set the price in the stack configuration (cdk.json context ptHourlyPriceUsd / "
                "trainingPricePer1kTokensUsd); until then that part and the total are not estimated"
            )
            if cost["notConfigured"]
            else "all prices configured",
        ),
        ("Note", cost["note"]),
    ]


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
            f"topP {_num(inference['topP'])}",
        ),
        ("System prompt", inference["systemPrompt"] or DASH),
        (
            "Judge",
            f"{judge['modelId']}"
            + (
                f" (maxTokens {judge_inference.get('maxTokens')}, temperature {judge_inference.get('temperature')}, "
                f"forced tool {judge_inference.get('tool')})"
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
            f"{data['evalQuestions']} evaluation question(s); ~{data['estimatedTrainingTokens']:,} training tokens",
        ),
        ("Sources", ", ".join(f"{k}: {v}" for k, v in config["sources"].items() if v) or DASH),
        ("Trigger", f"{config['trigger']} · family {config['family']} · started {when(results['startedAt'])}"),
    ]


def _verdict_word(correct: bool | None) -> str:
    return "correct" if correct is True else "incorrect" if correct is False else "not judged"


def _similarity_text(side: dict[str, Any]) -> str:
    if side["similarity"] is not None:
        return _num(side["similarity"], 3)
    return f"{DASH} ({side['similarityMissingReason']})"


QUESTION_DETAILS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("Answer", lambda side: side["answer"] if side["answer"] is not None else "(no answer)"),
    ("Score", lambda side: _num(side["score"])),
    ("Verdict", lambda side: _verdict_word(side["correct"])),
    ("Judge reasoning", lambda side: side["reasoning"] or f"not scored: {side['missingReason']}"),
    ("Similarity", _similarity_text),
    ("ROUGE-L F1", lambda side: _num(side["rougeL"], 3)),
    ("Output tokens / latency", lambda side: f"{_num(side['outputTokens'])} / {_num(side['latencyMs'])} ms"),
)
"""The rows of a question's detail table in report.md: (label, text of one model's side)."""


# ---------------------------------------------------------------- Markdown


def _md(text: Any) -> str:
    """Text safe inside a Markdown table cell or list item: one line, no pipes, no raw HTML."""
    value = _num(text) if not isinstance(text, str) else text
    return (
        value.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "\\<")
        .replace("\r", " ")
        .replace("\n", " ")
        .strip()
    )


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _bar(count: int, peak: int, width: int = 12) -> str:
    return "█" * (round(count / peak * width) if peak else 0) or ("▏" if count else "")


def markdown(results: dict[str, Any]) -> str:
    lines = [f"# Fine-tuning run {_md(results['runId'])}", ""]
    if results["simulated"]:
        lines += [f"> **{SIMULATED_TEXT}**", ""]
    lines += [
        f"Base model {_md(results['baseModelId'])} → custom model {_md(results['customModelArn'] or DASH)}; "
        f"judge {_md(results['judge']['modelId'])}.",
        "",
    ]
    lines += _md_table(
        ["Headline", "Value", "Detail"],
        [(label, f"{value} {versus}".strip(), detail) for label, value, versus, detail in headline(results)],
    )
    if results["problems"]:
        lines += ["## Missing numbers", ""] + [f"- {_md(p)}" for p in results["problems"]] + [""]
    if results.get("warnings"):
        lines += ["## Warnings", ""] + [f"- {_md(w)}" for w in results["warnings"]] + [""]

    lines += ["## Base vs fine-tuned", ""]
    lines += _md_table(["Metric", "Base", "Fine-tuned", "Change"], comparison_rows(results))
    base = results["summary"]["base"]["scoreDistribution"]
    tuned = results["summary"]["fine-tuned"]["scoreDistribution"]
    peak = max([row["count"] for row in base + tuned] + [1])
    lines += ["### Score distribution", ""]
    lines += _md_table(
        ["Score", "Base", "", "Fine-tuned", ""],
        [
            (b["score"], b["count"], _bar(b["count"], peak), t["count"], _bar(t["count"], peak))
            for b, t in zip(base, tuned, strict=True)
        ],
    )

    lines += ["## Training", ""] + [f"- {label}: {_md(value)}" for label, value in training_facts(results)] + [""]
    if epoch_rows(results):
        lines += _md_table(["Epoch", "Training loss (mean)", "Validation loss"], epoch_rows(results))

    lines += ["## Questions", ""]
    lines += _md_table(
        ["#", "Question", "Base", "Fine-tuned", "Similarity base / fine-tuned"],
        [
            (
                row["index"] + 1,
                row["question"],
                f"{_num(row['base']['score'])} ({_verdict_word(row['base']['correct'])})",
                f"{_num(row['fine-tuned']['score'])} ({_verdict_word(row['fine-tuned']['correct'])})",
                f"{_num(row['base']['similarity'], 3)} / {_num(row['fine-tuned']['similarity'], 3)}",
            )
            for row in results["questions"]
        ],
    )
    for row in results["questions"]:
        lines += [f"### {row['index'] + 1}. {_md(row['question'])}", "", f"Reference: {_md(row['reference'])}", ""]
        details = [(label, *(cell(row[t]) for t in TARGETS)) for label, cell in QUESTION_DETAILS]
        lines += _md_table(["", "Base", "Fine-tuned"], details)

    lines += ["## Cost estimate", ""] + [f"- {label}: {_md(value)}" for label, value in cost_rows(results)] + [""]
    lines += ["## Configuration", ""]
    lines += _md_table(["Setting", "Value"], configuration_rows(results))
    lines += [
        f"*results.json resultsVersion {results['resultsVersion']}, generated {_md(when(results['generatedAt']))}*"
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- SVG charts


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (the 1-2-5 rule)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_label(value: float) -> str:
    return f"{value:.4g}"


def _empty_figure(title: str, text: str) -> str:
    caption = f"<figcaption>{escape(title)}</figcaption>"
    return f'<figure class="chart-box">{caption}<p class="muted">{escape(text)}</p></figure>'


Series = tuple[str, str, list[tuple[float, float]], bool]
"""(name, colour, points, dashed)"""


def _line_chart(
    chart_id: str,
    title: str,
    series: list[Series],
    x_label: str,
    y_label: str,
    empty: str,
    integer_x: bool = False,
    markers: Sequence[tuple[float, str]] = (),
    highlight: tuple[float, float, str] | None = None,
) -> str:
    """A line chart as inline SVG. `markers`: vertical dashed lines (x, label);
    `highlight`: one point ringed and labelled (x, y, label)."""
    points = [p for _, _, data, _ in series for p in data]
    if not points:
        return _empty_figure(title, empty)
    width, height = 520, 280
    left, right, top, bottom = 58, 16, 34, 44
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    pad = (max(ys) - min(ys)) * 0.08  # keep points (and the best-epoch label) off the axes
    y_ticks = _nice_ticks(min(ys) - pad, max(ys) + pad)
    y0, y1 = y_ticks[0], y_ticks[-1]
    x0, x1 = min(xs), max(xs)
    if x1 <= x0:
        x0, x1 = x0 - 1, x1 + 1
    if integer_x:
        step = max(1, math.ceil((x1 - x0) / 10))
        x_ticks = [float(v) for v in range(math.ceil(x0), math.floor(x1) + 1, step)]
    else:
        x_ticks = [t for t in _nice_ticks(x0, x1, 6) if x0 <= t <= x1]

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y: float) -> float:
        return height - bottom - (y - y0) / ((y1 - y0) or 1) * (height - top - bottom)

    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for tick in y_ticks:
        y = sy(tick)
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick_label(tick)}</text>')
    for tick in x_ticks:
        x = sx(tick)
        parts.append(
            f'<line class="axis" x1="{x:.1f}" y1="{height - bottom}" x2="{x:.1f}" y2="{height - bottom + 4}"/>'
        )
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{_tick_label(tick)}</text>'
        )
    parts.append(f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}"/>')
    parts.append(
        f'<text class="axis-label" x="{(left + width - right) / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text class="axis-label" transform="translate(14 {(top + height - bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    for x, label in markers:
        px = sx(x)
        parts.append(f'<line class="marker" x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{height - bottom}"/>')
        parts.append(f'<text class="tick" x="{px + 3:.1f}" y="{top + 10}">{escape(label)}</text>')
    for name, color, data, dashed in series:
        if not data:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in data)
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        parts.append(
            f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2"{dash} points="{path}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        if len(data) <= 40:
            parts.extend(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"><title>{escape(name)}: '
                f"{_tick_label(y)} at {_tick_label(x)}</title></circle>"
                for x, y in data
            )
    if highlight is not None:
        hx, hy, label = highlight
        parts.append(f'<circle class="best" cx="{sx(hx):.1f}" cy="{sy(hy):.1f}" r="7"/>')
        # Beside the point, level with it: the best point is a minimum, so the curve rises on both
        # sides and the label stays clear of it.
        anchor = "end" if sx(hx) > width * 0.6 else "start"
        dx, dy = (-12 if anchor == "end" else 12), 4
        parts.append(
            f'<text class="tick strong" x="{sx(hx) + dx:.1f}" y="{sy(hy) + dy:.1f}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    legend_x = left + 8
    for name, color, data, dashed in series:
        if not data:
            continue
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        parts.append(
            f'<line x1="{legend_x}" y1="{top - 14}" x2="{legend_x + 18}" y2="{top - 14}" stroke="{color}" '
            f'stroke-width="2.5"{dash}/>'
        )
        parts.append(f'<text class="legend" x="{legend_x + 23}" y="{top - 10}">{escape(name)}</text>')
        legend_x += 30 + 7 * len(name)
    parts.append("</svg>")
    return f'<figure class="chart-box"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>'


def _score_chart(results: dict[str, Any]) -> str:
    """Grouped bars: how many answers got each score 1..10, base vs fine-tuned."""
    distributions = {t: results["summary"][t]["scoreDistribution"] for t in TARGETS}
    title = f"Score distribution (judge, 1{EN}10)"
    if not any(row["count"] for t in TARGETS for row in distributions[t]):
        return _empty_figure(title, "No scores were recorded.")
    width, height = 520, 280
    left, right, top, bottom = 44, 12, 34, 44
    peak = max(row["count"] for t in TARGETS for row in distributions[t])
    step = max(1, math.ceil(peak / 5))
    y_max = step * math.ceil(peak / step)
    group = (width - left - right) / 10
    bar = group * 0.36

    def sy(count: float) -> float:
        return height - bottom - count / y_max * (height - top - bottom)

    parts = [
        f'<svg class="chart" data-chart="score-distribution" role="img" viewBox="0 0 {width} {height}" '
        'aria-labelledby="score-distribution-title">',
        f'<title id="score-distribution-title">{escape(title)}: base vs fine-tuned</title>',
    ]
    for tick in range(0, y_max + 1, step):
        y = sy(tick)
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for index in range(10):
        gx = left + index * group
        for offset, target in enumerate(TARGETS):
            count = distributions[target][index]["count"]
            x = gx + group * 0.12 + offset * bar
            y = sy(count)
            parts.append(
                f'<rect class="bar" data-target="{target}" x="{x:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" '
                f'height="{height - bottom - y:.1f}" fill="{COLORS[target]}"><title>{escape(TARGET_LABEL[target])}: '
                f"{count} answer(s) scored {index + 1}</title></rect>"
            )
            if count:
                parts.append(
                    f'<text class="tick" x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{count}</text>'
                )
        parts.append(
            f'<text class="tick" x="{gx + group / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{index + 1}</text>'
        )
    parts.append(f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}"/>')
    parts.append(
        f'<text class="axis-label" x="{(left + width - right) / 2:.1f}" y="{height - 6}" text-anchor="middle">'
        "score (1 = wrong, 10 = fully correct)</text>"
    )
    parts.append(
        f'<text class="axis-label" transform="translate(12 {(top + height - bottom) / 2:.1f}) rotate(-90)" '
        'text-anchor="middle">answers</text>'
    )
    legend_x = left + 8
    for target in TARGETS:
        parts.append(f'<rect x="{legend_x}" y="{top - 22}" width="12" height="12" fill="{COLORS[target]}"/>')
        parts.append(f'<text class="legend" x="{legend_x + 17}" y="{top - 12}">{escape(TARGET_LABEL[target])}</text>')
        legend_x += 140
    parts.append("</svg>")
    return f'<figure class="chart-box"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>'


def _training_charts(results: dict[str, Any]) -> str:
    training = results["training"]
    steps = [(float(row["step"]), float(row["loss"])) for row in training["trainingLossByStep"]]
    epoch_starts: list[tuple[float, str]] = []
    previous = None
    for row in training["trainingLossByStep"]:
        if previous is not None and row["epoch"] != previous:
            epoch_starts.append((float(row["step"]), f"epoch {row['epoch']}"))
        previous = row["epoch"]
    step_chart = _line_chart(
        "training-loss",
        "Training loss per step",
        [("training loss", COLORS["training"], steps, False)],
        "step",
        "loss",
        "The job wrote no training metrics (step_wise_training_metrics.csv).",
        markers=epoch_starts,
    )
    validation = [(float(row["epoch"]), float(row["loss"])) for row in training["validationLossByEpoch"]]
    epoch_means = [(float(row["epoch"]), float(row["loss"])) for row in training["trainingLossByEpoch"]]
    best = training["bestEpoch"]
    highlight = (
        (float(best), float(training["bestValidationLoss"]), f"best: epoch {best}")
        if best is not None and training["bestValidationLoss"] is not None
        else None
    )
    epoch_chart = _line_chart(
        "validation-loss",
        "Validation loss per epoch",
        [
            ("validation loss", COLORS["validation"], validation, False),
            ("training loss (epoch mean)", COLORS["training"], epoch_means if validation else [], True),
        ],
        "epoch",
        "loss",
        "The job wrote no validation metrics (Bedrock writes them only for some models, and only with a "
        "validation set).",
        integer_x=True,
        highlight=highlight,
    )
    return f'<div class="charts">{step_chart}{epoch_chart}</div>'


# ---------------------------------------------------------------- HTML

_CSS = """
:root{--ink:#1e293b;--muted:#64748b;--line:#e2e8f0;--soft:#f8fafc;--base:#94a3b8;--tuned:#2563eb}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
margin:0;background:#fff}
main{max-width:1200px;margin:0 auto;padding:28px 28px 48px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:36px 0 12px;padding-bottom:6px;
border-bottom:2px solid var(--line)}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;
border-radius:4px;word-break:break-all}
.muted{color:var(--muted)}.sub{margin:0 0 16px;color:var(--muted)}
.banner{background:#fef3c7;border:1px solid #f59e0b;color:#78350f;padding:10px 14px;border-radius:8px;
font-weight:650;margin:14px 0}
.box{border-radius:8px;padding:10px 16px;margin:14px 0}.box ul{margin:6px 0 0;padding-left:20px}
.problems{background:#fef2f2;border:1px solid #f87171}.warnings{background:#fffbeb;border:1px solid #fbbf24}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:18px 0 8px}
.card{border:1px solid var(--line);border-radius:10px;padding:12px 14px;background:var(--soft)}
.card .label{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.card .value{display:block;font-size:1.65rem;font-weight:750;margin:2px 0;font-variant-numeric:tabular-nums;
white-space:nowrap}
.card .value small{font-size:.9rem;font-weight:500;color:var(--muted);margin-left:.4em}
.card .detail{font-size:.82rem;color:var(--muted)}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px;align-items:start}
.charts{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px}
.chart-box{margin:0;border:1px solid var(--line);border-radius:10px;padding:10px 12px}
figcaption{font-weight:650;font-size:.92rem;margin-bottom:4px}
.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:#eef2f7}.chart .axis{stroke:#94a3b8}.chart .marker{stroke:#cbd5e1;stroke-dasharray:3 3}
.chart .tick{font-size:11px;fill:#475569}.chart .axis-label{font-size:11.5px;fill:#334155}
.chart .legend{font-size:11.5px;fill:#1e293b}.chart .strong{font-weight:700}
.chart .best{fill:none;stroke:#16a34a;stroke-width:2.5}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:7px 9px;vertical-align:top;text-align:left}
thead th{background:var(--soft);font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:#475569;
border-bottom:2px solid var(--line)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th{width:210px;font-weight:600;color:#475569}
.facts{margin:12px 0 0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:6px 18px;font-size:.9rem}
.facts b{font-weight:600;color:#475569}
.questions{table-layout:fixed}.questions td.idx{color:var(--muted);font-weight:700}
.questions .ref{margin-top:6px;padding:6px 8px;background:#f0fdf4;border-left:3px solid #22c55e;border-radius:4px}
.side{border-left:3px solid transparent;padding-left:10px}
.side.win{border-left-color:#22c55e}.side.loss{border-left-color:#f87171}
.verdict{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-bottom:6px}
.score{display:inline-block;min-width:3.4em;text-align:center;font-weight:700;border-radius:999px;padding:1px 8px;
font-variant-numeric:tabular-nums}
.s-high{background:#dcfce7;color:#166534}.s-mid{background:#fef3c7;color:#92400e}.s-low{background:#fee2e2;color:#991b1b}
.s-none{background:#f1f5f9;color:#475569}
.tag{font-size:.75rem;border-radius:4px;padding:1px 6px;border:1px solid var(--line);color:#475569}
.tag.ok{border-color:#86efac;color:#166534}.tag.bad{border-color:#fca5a5;color:#991b1b}
.answer{margin:0 0 6px;white-space:pre-wrap;overflow-wrap:anywhere}
.reasoning{margin:0 0 4px;font-size:.84rem;color:#475569;font-style:italic;overflow-wrap:anywhere}
.metrics{font-size:.78rem;color:var(--muted)}
.legend-inline{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
footer{margin-top:36px;font-size:.8rem;color:var(--muted)}
@media (max-width:900px){.grid2,.charts{grid-template-columns:1fr}main{padding:16px}}
@media print{
@page{size:A4;margin:14mm}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-size:10.5pt}main{max-width:none;padding:0}
.grid2,.charts{grid-template-columns:1fr}.chart-box{width:78%;margin:0 auto}
h2{break-after:avoid}.card,.chart-box,tr,.box{break-inside:avoid}
thead{display:table-header-group}
}
"""


def _score_badge(score: int | None) -> str:
    if score is None:
        return f'<span class="score s-none">{DASH}</span>'
    level = "s-high" if score >= 7 else "s-mid" if score >= 5 else "s-low"
    return f'<span class="score {level}">{score}/10</span>'


def _side_cell(side: dict[str, Any], outcome: str, similarity_enabled: bool) -> str:
    e = escape
    correct = side["correct"]
    tag = (
        '<span class="tag ok">correct</span>'
        if correct is True
        else '<span class="tag bad">incorrect</span>'
        if correct is False
        else '<span class="tag">not judged</span>'
    )
    if not similarity_enabled:
        similarity = ""
    elif side["similarity"] is not None:
        similarity = (
            f'<span class="tag" title="cosine to the reference">similarity {_num(side["similarity"], 2)}</span>'
        )
    else:
        similarity = f'<span class="tag" title="{e(str(side["similarityMissingReason"]))}">similarity {DASH}</span>'
    answer = (
        f'<p class="answer">{e(side["answer"])}</p>'
        if side["answer"] is not None
        else '<p class="answer muted">(no answer)</p>'
    )
    if side["reasoning"]:
        reasoning = f'<p class="reasoning">Judge: {e(side["reasoning"])}</p>'
    elif side["missingReason"]:
        reasoning = f'<p class="reasoning">Not scored: {e(side["missingReason"])}</p>'
    else:
        reasoning = ""
    if similarity_enabled and side["similarity"] is None and side["answer"] is not None:
        reasoning += f'<p class="reasoning">Similarity missing: {e(str(side["similarityMissingReason"]))}</p>'
    facts = (
        f'<div class="metrics">ROUGE-L {e(_num(side["rougeL"], 2))} · {e(_num(side["answerChars"]))} chars · '
        f"{e(_num(side['outputTokens']))} tokens · {e(_num(side['latencyMs']))} ms</div>"
    )
    return (
        f'<td><div class="side {outcome}"><div class="verdict">{_score_badge(side["score"])}{tag}{similarity}</div>'
        f"{answer}{reasoning}{facts}</div></td>"
    )


def _outcomes(row: dict[str, Any]) -> tuple[str, str]:
    base, tuned = row["base"]["score"], row["fine-tuned"]["score"]
    if base is None or tuned is None or base == tuned:
        return "", ""
    return ("loss", "win") if tuned > base else ("win", "loss")


def _kv_table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def html(results: dict[str, Any]) -> str:
    e = escape
    similarity_enabled = bool(results["similarity"]["enabled"])
    body = [f"<h1>Fine-tuning run {e(results['runId'])}</h1>"]
    body.append(
        f'<p class="sub">Base model <code>{e(results["baseModelId"])}</code> → custom model '
        f"<code>{e(str(results['customModelArn'] or DASH))}</code> · judge "
        f"<code>{e(results['judge']['modelId'])}</code> · started {e(when(results['startedAt']))}</p>"
    )
    if results["simulated"]:
        body.append(f'<p class="banner" role="status">{e(SIMULATED_TEXT)}</p>')
    if results["problems"]:
        body.append(
            '<div class="box problems" role="alert"><b>Missing numbers</b><ul>'
            + "".join(f"<li>{e(p)}</li>" for p in results["problems"])
            + "</ul></div>"
        )
    if results.get("warnings"):
        body.append(
            '<div class="box warnings"><b>Warnings</b><ul>'
            + "".join(f"<li>{e(w)}</li>" for w in results["warnings"])
            + "</ul></div>"
        )
    body.append(
        '<section class="cards" aria-label="Headline">'
        + "".join(
            f'<div class="card"><span class="label">{e(label)}</span><span class="value">{e(value)}'
            f'<small>{e(versus)}</small></span><span class="detail">{e(detail)}</span></div>'
            for label, value, versus, detail in headline(results)
        )
        + "</section>"
    )

    comparison = "".join(
        f"<tr><th>{e(metric)}</th><td class='num'>{e(b)}</td><td class='num'>{e(t)}</td>"
        f"<td class='num'>{e(change)}</td></tr>"
        for metric, b, t, change in comparison_rows(results)
    )
    body.append("<h2>Base vs fine-tuned</h2>")
    body.append(
        '<div class="grid2"><table class="comparison"><thead><tr><th>Metric</th>'
        f'<th class="num"><span class="legend-inline" style="background:{COLORS["base"]}"></span>Base</th>'
        f'<th class="num"><span class="legend-inline" style="background:{COLORS["fine-tuned"]}"></span>Fine-tuned</th>'
        f'<th class="num">Change</th></tr></thead><tbody>{comparison}</tbody></table>'
        f"{_score_chart(results)}</div>"
    )

    body.append("<h2>Training</h2>")
    body.append(_training_charts(results))
    body.append(
        '<ul class="facts">'
        + "".join(f"<li><b>{e(label)}:</b> {e(value)}</li>" for label, value in training_facts(results))
        + "</ul>"
    )

    body.append(f"<h2>Questions ({len(results['questions'])})</h2>")
    rows = []
    for row in results["questions"]:
        base_outcome, tuned_outcome = _outcomes(row)
        rows.append(
            f'<tr data-question="{row["index"] + 1}"><td class="idx">{row["index"] + 1}</td>'
            f'<td class="q"><div>{e(row["question"])}</div><div class="ref"><span class="muted">Reference:</span> '
            f"{e(row['reference'])}</div></td>"
            f"{_side_cell(row['base'], base_outcome, similarity_enabled)}"
            f"{_side_cell(row['fine-tuned'], tuned_outcome, similarity_enabled)}</tr>"
        )
    body.append(
        '<table class="questions"><colgroup><col style="width:3em"><col style="width:26%"><col><col></colgroup>'
        "<thead><tr><th>#</th><th>Question and reference</th><th>Base model</th>"
        f"<th>Fine-tuned model</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )

    body.append("<h2>Cost estimate</h2>")
    body.append(_kv_table(cost_rows(results)))
    body.append("<h2>Configuration</h2>")
    body.append(_kv_table(configuration_rows(results)))
    body.append(
        f"<footer>results.json resultsVersion {e(str(results['resultsVersion']))} · generated "
        f"{e(when(results['generatedAt']))} · every number on this page is also in results.json</footer>"
    )
    title = f"Fine-tuning run {results['runId']}" + (" (SIMULATED)" if results["simulated"] else "")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light">'
        f"<style>{_CSS}</style></head><body><main>{''.join(body)}</main></body></html>\n"
    )
