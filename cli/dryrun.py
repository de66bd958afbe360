"""The pipeline's own PreprocessDataset code, run here on local files, in dry-run mode: the same
validation (same messages) and the same cost quote as the Lambda, without uploading anything.

The files go to a scratch bucket in moto (the Lambda reads S3; moto gives it S3 without an
account); nothing reaches AWS. The prices are the stack's when it is reachable (read from the
PreprocessDataset function's environment), else the price table's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws

from preprocess.logic import prepare_run
from shared.errors import PipelineError
from shared.models import PreprocessStep, RunContext
from shared.prices import PriceOverrides
from shared.settings import _ENV, Settings

from .errors import CliError, Exit
from .price_replay import read_ahead

SCRATCH_BUCKET = "bft-dry-run-scratch"
PREPROCESS_FUNCTION = "PreprocessDataset"


@dataclass
class DryRun:
    manifest: dict[str, Any]
    run: dict[str, Any]

    @property
    def quote(self) -> dict[str, Any]:
        return dict(self.manifest.get("costQuote") or {})

    @property
    def warnings(self) -> list[str]:
        return list(self.manifest.get("warnings") or [])


def stack_environment(sfn: Any, lam: Any, state_machine_arn: str) -> dict[str, str]:
    """The PreprocessDataset function's environment (price overrides, budget, defaults): the
    state machine's PreprocessDataset state names the function (statemachine/pipeline.asl.yaml:
    its `Resource` is the function ARN; the `arn:aws:states:::lambda:invoke` form is read too)."""
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=state_machine_arn)["definition"])
    state = definition.get("States", {}).get(PREPROCESS_FUNCTION, {})
    function = state.get("Resource", "")
    if ":function:" not in function:  # the lambda:invoke integration form
        function = state.get("Parameters", {}).get("FunctionName", "")
    if not function:
        return {}
    config = lam.get_function_configuration(FunctionName=function)
    return dict(config.get("Environment", {}).get("Variables", {}))


def _settings(environment: dict[str, str], region: str) -> Settings:
    """Settings as the Lambda builds them from its environment (shared.settings._ENV), with the
    scratch bucket and the target Region."""
    values: dict[str, Any] = {
        field: environment[name]
        for field, name in _ENV.items()
        if environment.get(name) and field not in ("bucket", "region")
    }
    if "price_overrides" in values:
        values["price_overrides"] = PriceOverrides.model_validate_json(str(values["price_overrides"]))
    return Settings.model_validate({**values, "bucket": SCRATCH_BUCKET, "region": region})


@contextmanager
def _scratch(s3: Any | None) -> Iterator[Any]:
    if s3 is not None:  # already inside moto (bft --local)
        yield s3
        return
    with mock.patch.dict(os.environ, {"AWS_ACCESS_KEY_ID": "dry-run", "AWS_SECRET_ACCESS_KEY": "dry-run"}), mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


def check(
    files: dict[str, Path | None],
    execution_input: dict[str, Any],
    region: str,
    environment: dict[str, str] | None = None,
    s3: Any | None = None,
    pricing: Any | None = None,
) -> DryRun:
    """Raise CliError(BAD_INPUT) with the pipeline's message when the data or input is refused.
    `pricing`: the Price List client the run would read (its prices then quote as the run's would)."""
    settings = _settings(environment or {}, region)
    if s3 is None and pricing is not None:  # moto would intercept the real Price List: read it first
        pricing = read_ahead(pricing, region)
    with _scratch(s3) as client:
        client.create_bucket(Bucket=SCRATCH_BUCKET)
        try:
            uris: dict[str, str] = {}
            for field, path in files.items():
                if path is None:
                    continue
                try:
                    body = path.read_bytes()
                except OSError as error:
                    raise CliError(f"{path}: cannot read the file ({error.strerror})", Exit.BAD_INPUT) from None
                key = f"raw/{path.name}"
                client.put_object(Bucket=SCRATCH_BUCKET, Key=key, Body=body)
                uris[field] = f"s3://{SCRATCH_BUCKET}/{key}"
            step = PreprocessStep(
                input={**execution_input, **uris, "dryRun": True},
                executionName="bft-dry-run",
                executionStartTime=datetime.now(UTC).isoformat(),
            )
            try:
                result = prepare_run(step, settings, client, pricing)
            except PipelineError as error:
                message = str(error).split("; full list: s3://")[0]  # the scratch bucket goes away
                raise CliError(f"{type(error).__name__}: {_local_names(message, files)}", Exit.BAD_INPUT) from None
            if not isinstance(result, RunContext):
                raise CliError(f"refused: {result.reason}", Exit.BAD_INPUT)
            manifest = json.loads(
                client.get_object(Bucket=SCRATCH_BUCKET, Key=f"runs/{result.runId}/data/manifest.json")["Body"].read()
            )
            manifest["warnings"] = [_local_names(str(w), files) for w in manifest.get("warnings") or []]
            return DryRun(manifest, result.model_dump(mode="json"))
        finally:
            _empty(client)


def _local_names(message: str, files: dict[str, Path | None]) -> str:
    """The pipeline names S3 keys; here the user gave local paths, so name those."""
    for path in files.values():
        if path is not None:
            message = message.replace(f"s3://{SCRATCH_BUCKET}/raw/{path.name}", str(path))
            message = message.replace(f"raw/{path.name}", str(path))
    return message


def _empty(client: Any) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=SCRATCH_BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=SCRATCH_BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=SCRATCH_BUCKET)
