"""The run history: `runs/index.json` and `runs/index.html`, every run's headline figures and a
link to its report, newest first. BuildReport adds (or replaces) its run's row.

Two runs can finish at the same moment, so the index is updated with S3 conditional writes:
read index.json and its ETag, add the row, write with `If-Match: <ETag>` (or `If-None-Match: *`
when there is no index yet); a concurrent writer makes the write fail with 412 Precondition
Failed (or 409 ConditionalRequestConflict), and the update starts again from the newer index.
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). index.html is
rendered from the index.json this writer wrote, then checked against the current index.json
and rendered again when another run changed it meanwhile, so the page ends with every row.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from botocore.exceptions import ClientError
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from report.render import TEMPLATES
from shared.observability import logger

INDEX_JSON = "runs/index.json"
INDEX_HTML = "runs/index.html"
INDEX_VERSION = 1
ATTEMPTS = 10
RETRY_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


class IndexNotWritten(Exception):
    """The index kept changing under this writer for ATTEMPTS tries."""


def row(results: dict[str, Any]) -> dict[str, Any]:
    """One run's headline figures, from its results.json."""
    summary = results.get("summary") or {}
    judge = (summary.get("comparison") or {}).get("judgeScore") or {}
    cost = results.get("cost") or {}
    hosting = results.get("hosting") or {}
    data = results.get("data") or {}
    return {
        "runId": results["runId"],
        "simulated": bool(results.get("simulated")),
        "startedAt": results.get("startedAt"),
        "generatedAt": results.get("generatedAt"),
        "baseModelId": results.get("baseModelId"),
        "hyperParameters": results.get("hyperParameters") or {},
        "trainingRecords": data.get("trainingRecords"),
        "evalQuestions": data.get("evalQuestions"),
        "verdictOutcome": results.get("verdictOutcome"),
        "verdict": results.get("verdict"),
        "fineTunedMeanScore": (summary.get("fine-tuned") or {}).get("meanScore"),
        "baseMeanScore": (summary.get("base") or {}).get("meanScore"),
        "judgeScoreDifference": judge.get("meanDifference"),
        "judgeScoreCi95": judge.get("ci95"),
        "costUsd": cost.get("totalUsd"),
        "costStatus": cost.get("status"),
        "hosting": hosting.get("kind"),
        "keptDeploymentArn": hosting.get("arn") if hosting.get("kept") else None,
        "report": f"{results['runId']}/report/index.html",
    }


def _read(s3: Any, bucket: str) -> tuple[list[dict[str, Any]], str | None]:
    try:
        response = s3.get_object(Bucket=bucket, Key=INDEX_JSON)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return [], None
        raise
    document = json.loads(response["Body"].read())
    return list(document.get("runs", [])), str(response["ETag"])


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r.get("startedAt") or "", r["runId"]), reverse=True)


def _put_json(s3: Any, bucket: str, rows: list[dict[str, Any]], etag: str | None) -> str:
    body = json.dumps({"indexVersion": INDEX_VERSION, "runs": rows}, indent=2, ensure_ascii=False).encode("utf-8")
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    response = s3.put_object(Bucket=bucket, Key=INDEX_JSON, Body=body, ContentType="application/json", **condition)
    return str(response["ETag"])


@cache
def _template() -> Any:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    return environment.get_template("run_index.html.j2")


def html(rows: list[dict[str, Any]]) -> str:
    style = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    return str(_template().render(rows=rows, style=style, simulated=any(r.get("simulated") for r in rows)))


def record(s3: Any, bucket: str, results: dict[str, Any]) -> list[dict[str, Any]]:
    """Add this run's row to the index (replacing an older row of the same run); return the rows written."""
    mine = row(results)
    for _ in range(ATTEMPTS):
        rows, etag = _read(s3, bucket)
        rows = _ordered([r for r in rows if r.get("runId") != mine["runId"]] + [mine])
        try:
            written = _put_json(s3, bucket, rows, etag)
        except ClientError as error:
            if error.response["Error"]["Code"] in RETRY_CODES:
                continue
            raise
        _publish_html(s3, bucket, rows, written)
        return rows
    raise IndexNotWritten(f"s3://{bucket}/{INDEX_JSON} changed under this writer {ATTEMPTS} times")


def _publish_html(s3: Any, bucket: str, rows: list[dict[str, Any]], etag: str) -> None:
    for _ in range(ATTEMPTS):
        s3.put_object(
            Bucket=bucket, Key=INDEX_HTML, Body=html(rows).encode("utf-8"), ContentType="text/html; charset=utf-8"
        )
        rows, current = _read(s3, bucket)
        if current == etag:
            return
        etag = current or etag


def update(s3: Any, bucket: str, results: dict[str, Any]) -> None:
    """`record`, for BuildReport: the run's own report is written already, so a failure here is
    logged, not raised: the run then has no row in the index (its report is still in runs/<id>/report/)."""
    try:
        record(s3, bucket, results)
    except (ClientError, IndexNotWritten) as error:
        logger.warning("run index not updated", extra={"error": str(error), "key": INDEX_JSON})
