"""Every example in the README works when pasted: execution inputs validate, demo commands parse."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest

from localrun.__main__ import RUN_FAULTS, _parser
from localrun.pipeline import BUCKET, PIPELINE_FAULTS
from localrun.simulated_bedrock import FAULTS
from shared.models import ExecutionInput
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
JSON_BLOCKS = re.findall(r"```json\n(.*?)```", README, re.DOTALL)
INLINE_OBJECTS = re.findall(r"`(\{.*?\})`", README)
DEMO_ARGS = [args for args in re.findall(r"make demo ARGS='([^']*)'", README) if args != "…"]  # "…": prose


def _with_bucket(text: str) -> str:
    return text.replace("<BucketName>", BUCKET)


def test_the_readme_has_examples_to_check() -> None:
    assert JSON_BLOCKS and len(INLINE_OBJECTS) >= 3 and len(DEMO_ARGS) >= 5


@pytest.mark.parametrize("block", JSON_BLOCKS)
def test_every_json_block_is_a_valid_execution_input(block: str) -> None:
    ExecutionInput.model_validate(json.loads(_with_bucket(block)))


@pytest.mark.parametrize("text", INLINE_OBJECTS)
def test_every_inline_json_object_parses(text: str) -> None:
    value: Any = json.loads(text)
    assert isinstance(value, dict)
    if set(value) <= set(ExecutionInput.model_fields) - {"trainingDataUri"}:
        # an execution-input fragment (for --input @file.json): valid once the training file is added
        ExecutionInput.model_validate({"trainingDataUri": f"s3://{BUCKET}/raw/x.json", **value})


@pytest.mark.parametrize("args", DEMO_ARGS)
def test_every_demo_command_parses_and_names_known_faults(args: str) -> None:
    words = shlex.split(args)
    if words == ["--help"]:
        return
    parsed = _parser().parse_args(words)
    for fault in parsed.fault:
        assert fault in FAULTS or fault in PIPELINE_FAULTS or fault in RUN_FAULTS or fault.startswith("step-")
