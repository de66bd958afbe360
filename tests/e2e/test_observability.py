"""The handlers log and meter as deployed in every local run, whatever the process imported before:
Powertools reads its settings once, at the first import of shared.observability
(localrun/step_observability.py). Two failures of a single test session came from this: a Metrics
created without a namespace ("Must contain a metric namespace" at a worker's 100th metric) and a
Logger at CRITICAL that hid a record Python's logging refuses at INFO, the deployed level."""

from __future__ import annotations

import logging

import pytest

from bedrock_finetuning import statemachine
from localrun.pipeline import LocalPipeline
from shared.observability import logger, metrics
from tests.e2e.conftest import FAST, upload_sample


def test_a_run_after_an_early_import_logs_and_meters_as_deployed() -> None:
    # What an import before any environment leaves: no namespace, another level.
    metrics.namespace = None
    logger.setLevel("CRITICAL")
    try:
        with LocalPipeline() as pipeline:
            assert metrics.namespace == statemachine.POWERTOOLS_SETTINGS["POWERTOOLS_METRICS_NAMESPACE"]
            assert logger.log_level == logging.getLevelName(statemachine.LOG_LEVEL)
            execution = pipeline.wait(pipeline.start({**upload_sample(pipeline), **FAST}))
            assert execution.status == "SUCCEEDED", execution.cause
            for _ in range(150):  # beyond Powertools' 100-metric flush, which needs the namespace
                metrics.add_metric(name="Probe", unit="Count", value=1)
        # Left as it was found: the test session's other tests keep their own settings.
        assert metrics.namespace is None and logger.log_level == logging.CRITICAL
    finally:
        metrics.namespace = statemachine.POWERTOOLS_SETTINGS["POWERTOOLS_METRICS_NAMESPACE"]
        metrics.clear_metrics()


def test_the_output_shows_only_what_was_asked() -> None:
    shown: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            shown.append(record.getMessage())

    collect = Collect()
    logger.addHandler(collect)  # after the logger's filters, beside its own output handler
    try:
        with LocalPipeline(log_level="ERROR"):
            logger.info("an info record is made (and checked) but not shown")
            logger.error("an error record is shown")
    finally:
        logging.getLogger(logger.name).removeHandler(collect)
    assert shown == ["an error record is shown"]


def test_metrics_do_not_pile_up_across_invocations(capfd: pytest.CaptureFixture[str]) -> None:
    """Disabled metrics are neither printed nor cleared by Powertools' flush; each local invocation
    ends with an empty set, as on Lambda. Without it, the values of three runs in one process piled
    up until Powertools printed them (at a metric's 100th value) into `bft --json` output."""
    with LocalPipeline() as pipeline:
        for _ in range(3):
            execution = pipeline.wait(pipeline.start({**upload_sample(pipeline), **FAST}))
            assert execution.status == "SUCCEEDED", execution.cause
            assert metrics.metric_set == {}
    assert '"_aws"' not in capfd.readouterr().out  # no EMF document printed
