"""Renders results.json as Markdown and as one self-contained HTML page (inline SVG, no
external scripts, fonts or images). Every string from data is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

TARGET_LABEL = {"base": "Base model", "fine-tuned": "Fine-tuned model"}


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _md_cell(text: Any) -> str:
    return _fmt(text).replace("|", "\\|").replace("\n", " ")


def headline(results: dict[str, Any]) -> list[tuple[str, str]]:
    summary = results["summary"]
    comparison = summary["comparison"]
    cost = results["cost"]
    return [
        ("Mean score, fine-tuned", f"{_fmt(summary['fine-tuned']['meanScore'])} / 10"),
        ("Mean score, base", f"{_fmt(summary['base']['meanScore'])} / 10"),
        (
            "Fine-tuned wins / ties / losses",
            f"{comparison['wins']} / {comparison['ties']} / {comparison['losses']}",
        ),
        ("Provisioned throughput held", f"{_fmt(results['provisionedThroughput']['heldMinutes'])} min"),
        (
            "Estimated cost",
            f"${_fmt(cost['totalUsd'])}" if cost["totalUsd"] is not None else "prices not configured",
        ),
    ]


def markdown(results: dict[str, Any]) -> str:
    lines = [f"# Fine-tuning run {results['runId']}", ""]
    if results["simulated"]:
        lines += [
            "> **SIMULATED RUN** — produced offline against a simulated Bedrock; no AWS resources were used.",
            "",
        ]
    lines += [
        f"- Base model: `{results['baseModelId']}`",
        f"- Custom model: `{results['customModelArn']}`",
        f"- Judge: `{results['judge']['modelId']}`",
        "",
    ]
    lines += ["| Metric | Value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in headline(results)] + [""]
    if results["problems"]:
        lines += ["## Missing numbers", ""] + [f"- {_md_cell(p)}" for p in results["problems"]] + [""]
    lines += ["## Side by side", "", "| | Base | Fine-tuned |", "|---|---|---|"]
    base, tuned = results["summary"]["base"], results["summary"]["fine-tuned"]
    for label, key in (
        ("Mean score", "meanScore"),
        ("Median score", "medianScore"),
        ("Correct", "correct"),
        ("ROUGE-L F1", "meanRougeL"),
        ("Mean answer chars", "meanAnswerChars"),
        ("Mean output tokens", "meanOutputTokens"),
        ("Latency p50 ms", "latencyP50Ms"),
        ("Latency p95 ms", "latencyP95Ms"),
    ):
        lines.append(f"| {label} | {_fmt(base[key])} | {_fmt(tuned[key])} |")
    training = results["training"]
    lines += [
        "",
        "## Training",
        "",
        f"- Steps: {training['trainingSteps']}, epochs: {training['trainingEpochs']}, "
        f"early stopping: {'yes' if training['earlyStopped'] else 'no'}",
        f"- Training loss: {_fmt(training['trainingLossFirst'], 4)} → {_fmt(training['trainingLossLast'], 4)}",
        f"- Best epoch by validation loss: {_fmt(training['bestEpoch'])} ({_fmt(training['bestValidationLoss'], 4)})",
        f"- Hyperparameters: {', '.join(f'{k}={v}' for k, v in results['hyperParameters'].items())}",
        "",
    ]
    lines += [
        "## Questions",
        "",
        "| # | Question | Reference | Base answer | Base | Fine-tuned answer | Fine-tuned |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["questions"]:
        lines.append(
            f"| {row['index'] + 1} | {_md_cell(row['question'])} | {_md_cell(row['reference'])} | "
            f"{_md_cell(row['base']['answer'])} | {_md_cell(row['base']['score'])} | "
            f"{_md_cell(row['fine-tuned']['answer'])} | {_md_cell(row['fine-tuned']['score'])} |"
        )
    return "\n".join(lines) + "\n"


def _line_chart(series: list[tuple[str, str, list[tuple[float, float]]]], title: str) -> str:
    width, height, pad = 560, 240, 40
    points = [p for _, _, data in series for p in data]
    if not points:
        return f'<p class="muted">{escape(title)}: no metrics were written by the job.</p>'
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs) or 1, min(ys), max(ys)
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1

    def sx(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def sy(y: float) -> float:
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)

    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" class="chart">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="axis"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" class="axis"/>',
        f'<text x="{pad}" y="{pad - 10}" class="label">{escape(title)}</text>',
        f'<text x="4" y="{sy(y1) + 4:.1f}" class="tick">{y1:.3g}</text>',
        f'<text x="4" y="{sy(y0) + 4:.1f}" class="tick">{y0:.3g}</text>',
    ]
    for index, (name, color, data) in enumerate(series):
        if not data:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in data)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        parts.extend(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{color}"/>' for x, y in data)
        parts.append(
            f'<text x="{width - pad - 150}" y="{pad + 14 * index}" fill="{color}" class="label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2430;
padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
.banner{background:#fff4d6;border:1px solid #e0b84a;padding:.6rem 1rem;border-radius:6px;font-weight:600}
.problems{background:#fde8e8;border:1px solid #d66;padding:.6rem 1rem;border-radius:6px}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{border:1px solid #dde;border-radius:8px;padding:.7rem 1rem;min-width:170px}
.card b{display:block;font-size:1.3rem}.muted{color:#667}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #dde;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f5f9}.chart{width:100%;max-width:560px;height:auto}.axis{stroke:#889}.tick,.label{font-size:11px;fill:#445}
.score{font-weight:700;text-align:center}@media print{body{margin:0}.chart{max-width:100%}}
"""


def html(results: dict[str, Any]) -> str:
    e = escape
    training = results["training"]
    steps = [(float(row["step"]), row["loss"]) for row in training["trainingLossByStep"]]
    validation = [(float(row["epoch"]), row["loss"]) for row in training["validationLossByEpoch"]]
    cards = "".join(
        f'<div class="card"><span class="muted">{e(k)}</span><b>{e(v)}</b></div>' for k, v in headline(results)
    )
    body = [f"<h1>Fine-tuning run {e(results['runId'])}</h1>"]
    if results["simulated"]:
        body.append(
            '<p class="banner">SIMULATED RUN — produced offline against a simulated Bedrock; '
            "no AWS resources were used.</p>"
        )
    body.append(
        f'<p class="muted">Base model <code>{e(results["baseModelId"])}</code> · custom model '
        f"<code>{e(str(results['customModelArn']))}</code> · judge <code>{e(results['judge']['modelId'])}</code></p>"
    )
    body.append(f'<div class="cards">{cards}</div>')
    if results["problems"]:
        body.append(
            '<div class="problems"><b>Missing numbers</b><ul>'
            + "".join(f"<li>{e(p)}</li>" for p in results["problems"])
            + "</ul></div>"
        )
    body.append("<h2>Training</h2>")
    body.append(_line_chart([("training loss", "#2b6cb0", steps)], "Training loss per step"))
    body.append(_line_chart([("validation loss", "#c05621", validation)], "Validation loss per epoch"))
    body.append(
        f'<p class="muted">{training["trainingSteps"]} steps · {training["trainingEpochs"]} epochs · '
        f"early stopping: {'yes' if training['earlyStopped'] else 'no'} · "
        f"best epoch: {e(_fmt(training['bestEpoch']))}</p>"
    )
    body.append(
        "<h2>Questions</h2><table><thead><tr><th>#</th><th>Question</th><th>Reference</th>"
        "<th>Base answer</th><th>Score</th><th>Fine-tuned answer</th><th>Score</th></tr></thead><tbody>"
    )
    for row in results["questions"]:
        base, tuned = row["base"], row["fine-tuned"]
        body.append(
            f"<tr><td>{row['index'] + 1}</td><td>{e(row['question'])}</td><td>{e(row['reference'])}</td>"
            f"<td>{e(_fmt(base['answer']))}<br><small class='muted'>{e(_fmt(base['reasoning']))}</small></td>"
            f"<td class='score'>{e(_fmt(base['score']))}</td>"
            f"<td>{e(_fmt(tuned['answer']))}<br><small class='muted'>{e(_fmt(tuned['reasoning']))}</small></td>"
            f"<td class='score'>{e(_fmt(tuned['score']))}</td></tr>"
        )
    body.append("</tbody></table>")
    title = f"Fine-tuning run {results['runId']}" + (" (SIMULATED)" if results["simulated"] else "")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        f"<body>{''.join(body)}</body></html>\n"
    )
