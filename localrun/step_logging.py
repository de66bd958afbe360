"""The step functions' logger, locally: records are made at the deployed level, shown at the chosen one.

A Powertools Logger takes its level from POWERTOOLS_LOG_LEVEL once, when `shared.observability` is
first imported, so in a process that imported it before (the unit tests) the environment of a
later LocalPipeline is not read again. And Python's logging refuses a record only when it makes
it (`extra={"name": ...}` raises KeyError in Logger.makeRecord), which it does only when the level
is enabled. So the level is set here, to the deployed one, for every local run; what the user asked
to see is a filter on the output.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bedrock_finetuning import statemachine


@contextmanager
def logged_at_the_deployed_level(shown: str) -> Iterator[None]:
    """While active: the handlers log at `statemachine.LOG_LEVEL`; records below `shown` are dropped."""
    from shared.observability import logger  # first imported here, in the run's environment (its service name)

    shown_level = logging.getLevelName(shown.upper())
    if not isinstance(shown_level, int):
        raise ValueError(f"unknown log level {shown!r}")

    def show(record: logging.LogRecord) -> bool:
        return record.levelno >= shown_level

    previous = logger.log_level
    logger.setLevel(statemachine.LOG_LEVEL)
    logger.addFilter(show)
    try:
        yield
    finally:
        logger.removeFilter(show)
        logger.setLevel(previous)
