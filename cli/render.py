"""Terminal output (Rich) for the commands; `--json` bypasses all of it."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .progress import Snapshot
from .resources import Resource

SIMULATED = "SIMULATED"
SHORT = {"epochCount": "epochs", "learningRate": "lr", "learningRateMultiplier": "lr x", "batchSize": "batch"}


def usd(value: float | None, status: str | None = None) -> str:
    if value is None:
        return "not priced"
    text = f"${value:,.4f}" if value < 1 else f"${value:,.2f}"
    return f"{text} ({status})" if status and status != "priced" else text


def interval(judge: dict[str, Any] | None) -> str:
    if not judge:
        return "-"
    ci = judge.get("ci95") or [None, None]
    low, high = ci if len(ci) == 2 else (None, None)
    if low is None:
        return f"{judge['meanDifference']:+.2f}"
    return f"{judge['meanDifference']:+.2f} [{low:+.2f}, {high:+.2f}]"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _model(model_id: str | None) -> str:
    """`amazon.nova-micro-v1:0:128k` -> `nova-micro-v1:0:128k` (the provider is in the name)."""
    return (model_id or "-").split(".", 1)[-1] if model_id and "." in model_id.split(":")[0] else (model_id or "-")


def _left(r: dict[str, Any]) -> str:
    left = [x for x in (r["keptDeployment"] and "deployment", r["customModel"] and "model") if x]
    if not left:
        return "nothing"
    cost = usd(r["leftMonthlyUsd"]) + "/mo" if r["leftMonthlyPriced"] else "storage not priced"
    return " + ".join(left) + f" ({cost})"


def runs_table(rows: list[dict[str, Any]], simulated: bool) -> Table:
    table = Table(title="Runs, newest first" + (f" ({SIMULATED})" if simulated else ""))
    table.add_column("Run", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    for column in ("Model", "Settings", "Records", "Status", "Verdict", "Judge diff [95% CI]", "Cost", "Left"):
        table.add_column(column, overflow="fold")
    for r in rows:
        hyper = " ".join(f"{SHORT.get(k, k)}={v}" for k, v in r["hyperParameters"].items()) or "-"
        table.add_row(
            r["runId"],
            (r["started"] or "-")[5:16].replace("T", " "),
            _model(r["baseModelId"]),
            hyper,
            str(r["trainingRecords"] or "-"),
            r["status"],
            r["verdict"] or "-",
            interval(r["judgeScore"]),
            usd(r["costUsd"], r["costStatus"]) if r["costUsd"] is not None or r["costStatus"] else "-",
            _left(r),
        )
    return table


def resources_table(resources: list[Resource], title: str) -> Table:
    """The name says the run (od-<run>, ft-<run>-model), so the run is not repeated."""
    table = Table(title=title)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    for column in ("Created", "Status", "What it costs"):
        table.add_column(column, overflow="fold")
    for r in resources:
        created = r.created.isoformat()[:16].replace("T", " ") if r.created else "-"
        table.add_row(r.kind, r.name, created, r.status, r.cost)
    return table


def snapshot_view(s: Snapshot) -> Group:
    title = f"Run {s.runId}" + (f" ({SIMULATED})" if s.simulated else "")
    table = Table(title=title, show_header=False, min_width=60)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("Status", s.status)
    table.add_row("Step", s.step or "-")
    table.add_row("Elapsed", duration(s.elapsedSeconds))
    if s.job:
        losses = ", ".join(
            f"{name} {value:.4f}"
            for name, value in (
                ("training loss", s.job.get("trainingLoss")),
                ("validation loss", s.job.get("validationLoss")),
            )
            if value is not None
        )
        table.add_row("Training job", f"{s.job.get('status')}" + (f" ({losses})" if losses else ""))
    if s.hosting:
        table.add_row("Hosting", f"{s.hosting.get('kind')} {s.hosting.get('name')}: {s.hosting.get('status')}")
    for name, text in s.batches.items():
        table.add_row(name, f"{text} batches")
    if s.judgePasses:
        table.add_row("Judging", f"pass {s.judgePasses}")
    table.add_row(
        "Cost",
        f"{usd(s.costUsd, s.costStatus) if s.costStatus else 'measured at the report'}"
        f" / quote {usd(s.quoteUsd, s.quoteStatus)}",
    )
    parts: list[Any] = [table]
    if s.error:
        parts.append(Text(f"{s.error}: {s.cause or ''}", style="red"))
    return Group(*parts)


def final_lines(s: Snapshot) -> list[str]:
    lines = [f"Run {s.runId}: {s.status}" + (f" ({SIMULATED})" if s.simulated else "")]
    if s.error:
        lines.append(f"  {s.error}: {s.cause or ''}")
    if s.verdict:
        lines.append(f"  Verdict: {s.verdict}")
    if s.report:
        lines.append(f"  Report: {s.report}")
    return lines
