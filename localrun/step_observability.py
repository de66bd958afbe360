"""The step functions' Powertools singletons, locally, set as the stack deploys them.

`shared.observability`'s Logger and Metrics read their settings from the environment once, when the
module is first imported. In a process that imported it before a LocalPipeline set the environment
(a test collected earlier, the unit tests), they would keep what they read then: a Metrics with
no namespace fails the 100th metric of a worker ("Must contain a metric namespace"), and a Logger
at another level hides records Python's logging would refuse. It refuses a record only when it
makes it (`extra={"name": ...}` raises KeyError in Logger.makeRecord), which it does only when the
level is enabled. So, for every local run and test, the handlers log at the deployed level and
meter under the deployed namespace; what the user asked to see is a filter on the log output.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from bedrock_finetuning import statemachine


@contextmanager
def deployed_observability(shown: str) -> Iterator[None]:
    """While active: the handlers log at `statemachine.LOG_LEVEL` and meter under the deployed
    namespace; log records below `shown` are dropped from the output."""
    from shared.observability import logger, metrics  # first imported here, in the run's environment

    shown_level = logging.getLevelName(shown.upper())
    if not isinstance(shown_level, int):
        raise ValueError(f"unknown log level {shown!r}")

    def show(record: logging.LogRecord) -> bool:
        return record.levelno >= shown_level

    previous_level, previous_namespace = logger.log_level, metrics.namespace
    logger.setLevel(statemachine.LOG_LEVEL)
    logger.addFilter(show)
    metrics.namespace = statemachine.POWERTOOLS_SETTINGS["POWERTOOLS_METRICS_NAMESPACE"]
    # Locally the invocations run in threads of one process and share the one metric set, which
    # each empties when it ends (local_aws._end_of_invocation): "empty" at another's flush says
    # nothing about that handler. On Lambda each has its own, and every handler wrapped in
    # log_metrics adds a metric (tests/unit/test_handler_metrics.py).
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
            yield
    finally:
        metrics.namespace = previous_namespace
        logger.removeFilter(show)
        logger.setLevel(previous_level)
