"""A handler wrapped in Powertools' `log_metrics` adds a metric: an empty set makes its flush warn
"No application metrics to publish" on every invocation (Powertools metrics/provider/base.py), noise
in the function's log. A handler that meters nothing is not wrapped."""

from __future__ import annotations

from tests.conftest import ROOT


def test_only_handlers_that_add_metrics_flush_them() -> None:
    wrapped = []
    for path in sorted((ROOT / "lambdas").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "@metrics.log_metrics" in text:
            wrapped.append(path)
            assert "metrics.add_metric(" in text, f"{path.relative_to(ROOT)}: log_metrics without a metric"
    assert len(wrapped) >= 5  # answer, grader, hosting/delete, judge, preprocess, report
