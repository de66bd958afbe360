"""docs/results.schema.json is generated from the results.json models (report/results.py) and
checked: it cannot drift from the code that writes results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from localrun.simulated_bedrock import SimulatedBedrock
from report import schema
from report.logic import build_report
from report.results import RESULTS_VERSION, Results
from tests.unit.report_run import make_step, report_files, write_run

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "results.schema.json"


def test_the_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema.text(), (
        "docs/results.schema.json differs from lambdas/report/results.py: run `make schema` and commit it"
    )


def test_the_check_mode_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "results.schema.json"
    stale.write_text(schema.text().replace('"resultsVersion"', '"resultVersion"'), encoding="utf-8")
    assert schema.main(["--check", "--path", str(stale)]) == 1
    assert schema.main(["--path", str(stale)]) == 0
    assert schema.main(["--check", "--path", str(stale)]) == 0


def test_the_generated_schema_is_valid_2020_12_and_strict() -> None:
    generated = schema.generate()
    jsonschema.Draft202012Validator.check_schema(generated)
    assert generated["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert generated["properties"]["resultsVersion"] == {"const": RESULTS_VERSION, "type": "integer"}
    assert generated["additionalProperties"] is False
    # the two evaluated models are keyed exactly as documented, not by their Python names
    assert {"base", "fine-tuned"} <= set(generated["$defs"]["Summary"]["properties"])
    assert generated["$defs"]["Summary"]["required"] == ["base", "fine-tuned", "comparison", "general"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("summary", "fine-tuned", "meanScore"), 11),  # judge scores are 1..10
        (("summary", "comparison", "winRate"), 1.5),  # shares are 0..1
        (("questions", 0, "base", "language"), "english"),  # languages by script
        (("startedAt",), "yesterday"),  # ISO 8601 timestamps
        (("hosting", "kind"), "serverless"),
        (("questions", 0, "fine-tuned", "surprise"), 1),  # nothing undocumented
    ],
)
def test_the_schema_and_the_models_refuse_the_same_bad_values(
    aws: SimulatedBedrock, s3: Any, path: tuple[Any, ...], value: object
) -> None:
    write_run(s3)
    build_report(make_step(), s3)
    document, _, _ = report_files(s3)
    jsonschema.Draft202012Validator(schema.generate()).validate(document)  # as written: valid
    Results.model_validate(document)
    where = document
    for step in path[:-1]:
        where = where[step]
    where[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema.generate()).validate(document)
    with pytest.raises(ValidationError):
        Results.model_validate(document)
