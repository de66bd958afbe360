"""Fixtures for the infrastructure tests: the app synthesized through the Python API.

Synthesis is slow (the first one in a process takes ~10 s), so each variant of the stack is
built once per test session and shared. No AWS account, credentials or CDK CLI are needed.
"""

from __future__ import annotations

import pytest

from .support import CONFIGURED, Synthesized, synthesize


@pytest.fixture(scope="session")
def default(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with cdk.json's defaults."""
    return synthesize(outdir=tmp_path_factory.mktemp("cdk-default"))


@pytest.fixture(scope="session")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with every context key set (e-mail, prices, timeout, destroy, ...)."""
    return synthesize(CONFIGURED, outdir=tmp_path_factory.mktemp("cdk-configured"))
