"""docs/results.schema.json, generated from the results.json models (report/results.py).

    PYTHONPATH=lambdas python -m report.schema            # write docs/results.schema.json
    PYTHONPATH=lambdas python -m report.schema --check    # exit 1 when the committed file differs

tests/unit/test_results_schema.py fails when the committed file is not what this writes, so the
schema and the code that writes results.json cannot drift apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema

from report.results import Results

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "results.schema.json"


class _Generator(GenerateJsonSchema):
    """Pydantic's generator without the per-field `title`s (the names say it) and `default`s
    (every field is written), with the 2020-12 `$schema` keyword."""

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        generated = super().generate(schema, mode=mode)
        return {"$schema": DRAFT, **_clean(generated)}


def _clean(node: Any, under_properties: bool = False) -> Any:
    if isinstance(node, dict):
        cleaned = {}
        for key, value in node.items():
            if not under_properties and key in ("title", "default"):
                continue
            cleaned[key] = _clean(value, under_properties=key in ("properties", "$defs"))
        return cleaned
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


def generate() -> dict[str, Any]:
    schema = Results.model_json_schema(by_alias=True, mode="serialization", schema_generator=_Generator)
    return schema


def text() -> str:
    """The file's exact content."""
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from the models")
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    wanted = text()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != wanted:
            print(f"{args.path} differs from the models in report/results.py: run `make schema`", file=sys.stderr)
            return 1
        return 0
    args.path.write_text(wanted, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
