"""Renders results.json as Markdown and as one self-contained HTML page, from Jinja2 templates
in `report/templates/`. What the templates show is built from the typed results by report/view.py;
this module only holds the two Jinja environments and runs them.

The HTML environment autoescapes every value; the Markdown environment passes every value
through `md` (one line, no pipes, no raw HTML). The page has no scripts and no external
stylesheets, fonts or images: charts are inline SVG (report/charts.py) and the CSS is inlined.

The page is a list of sections, one template each (`templates/sections/<name>.html.j2`), in
the order of `SECTIONS`. A new section is one template file and one name in that tuple; the
values it needs come from `results` (the typed results.json) or from `view.context`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from report import charts, view
from report.formatting import COLORS, DASH, EN, SIMULATED_TEXT, TARGET_LABEL, TARGETS, TIMES, num, pct, signed, when
from report.results import Results

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
        "QUESTION_DETAILS": view.QUESTION_DETAILS,
        "num": num,
        "pct": pct,
        "signed": signed,
        "when": when,
        "bar": _bar,
        "change_of": view.change_of,
        "verdict_word": view.verdict_word,
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


def _results(results: Results | dict[str, Any]) -> Results:
    """The typed results; a results.json document (read back from S3, say) is validated first."""
    return results if isinstance(results, Results) else Results.model_validate(results)


def markdown(results: Results | dict[str, Any]) -> str:
    typed = _results(results)
    context = view.context(typed)
    rows = view.distribution(typed)
    peak = max([count for _, base, tuned in rows for count in (base, tuned)] + [1])
    context["headline_rows"] = [
        (label, f"{value} {versus}".strip(), detail) for label, value, versus, detail in context["headline"]
    ]
    context["distribution_rows"] = [
        (score, base, _bar(base, peak), tuned, _bar(tuned, peak)) for score, base, tuned in rows
    ]
    context["question_rows"] = [view.question_row(row) for row in context["questions"]]
    context["details"] = view.question_details
    return _markdown_environment().get_template("report.md.j2").render(context)


def html(results: Results | dict[str, Any]) -> str:
    typed = _results(results)
    context = view.context(typed)
    context["sections"] = SECTIONS
    context["css"] = Markup(TEMPLATES.joinpath("style.css").read_text(encoding="utf-8"))
    context["score_chart"] = Markup(charts.score_chart(typed.document()))
    context["training_charts"] = Markup(view.training_charts(typed))
    return _html_environment().get_template("page.html.j2").render(context)
