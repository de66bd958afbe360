"""Inline SVG charts for the report page (no scripts, no external resources). Every label
that comes from data goes through `html.escape`; the page template inserts these as markup."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from report.formatting import COLORS, EN, TARGET_LABEL, TARGETS


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


def score_chart(results: dict[str, Any]) -> str:
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


def training_charts(results: dict[str, Any]) -> str:
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
