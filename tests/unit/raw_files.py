"""Raw QA files written to the pipeline bucket and read back as PreprocessDataset reads them
(test_raw_data.py, test_raw_formats.py)."""

from __future__ import annotations

from typing import Any

from localrun.pipeline import BUCKET
from preprocess.issues import IssueLog
from preprocess.raw_data import RawFile, read_raw_file
from shared.s3 import S3Uri

BIG = 10 * 1024**3
"""A size limit no test file reaches."""


def read_raw(
    s3: Any,
    key: str,
    body: bytes | str,
    keys: tuple[str, str] | None = None,
    max_bytes: int = BIG,
    encoding: str | None = None,
    answers_optional: bool = False,
) -> tuple[RawFile, IssueLog]:
    """Write `body` (text as UTF-8) to `key` of the pipeline bucket and read it as a raw file."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    log = IssueLog()
    raw = read_raw_file(s3, S3Uri(BUCKET, key), keys, max_bytes, log, encoding, answers_optional)
    return raw, log
