"""Token estimates, run ids and Bedrock resource names, record formats."""

from __future__ import annotations

import re

import pytest

from shared import formats
from shared.naming import MAX_RUN_ID, resource_names, run_id_from_execution_name, run_id_from_job_name
from shared.tokens import estimate_tokens

RUN_ID = re.compile(r"[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*")
DIGEST_SUFFIX = re.compile(r".*-[0-9a-f]{8}")

# Bedrock's patterns (fact sheet §5, botocore service model), anchored by fullmatch.
JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*")
CUSTOM_MODEL_NAME = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
PROVISIONED_MODEL_NAME = re.compile(r"([0-9a-zA-Z][_-]?)+")
CLIENT_REQUEST_TOKEN = re.compile(r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?")


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("a", 1),
        ("abcdef", 1),
        ("abcdefg", 2),
        ("abcdefghijkl", 2),
        ("日本語", 3),
        ("日本語abcdef", 4),
        ("é", 1),
        ("🚀", 1),
        (" " * 7, 2),
    ],
)
def test_estimate_tokens(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


# ---------------------------------------------------------------- run ids


@pytest.mark.parametrize("name", ["run-1", "abc", "Run2024-01-02T10-00-00Z", "a" * MAX_RUN_ID])
def test_clean_execution_name_is_kept(name: str) -> None:
    assert run_id_from_execution_name(name) == name


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("my_run_1", "my-run-1"),
        ("run:2024-01-02T10:00:00Z", "run-2024-01-02T10-00-00Z"),
        ("my run  1", "my-run-1"),
        ("-leading", "leading"),
        ("double--dash", "double-dash"),
        ("trailing_", "trailing"),
        ("日本語", "run"),
        ("___", "run"),
    ],
)
def test_execution_name_is_sanitised_with_a_digest(name: str, head: str) -> None:
    run_id = run_id_from_execution_name(name)
    assert RUN_ID.fullmatch(run_id), run_id
    assert DIGEST_SUFFIX.fullmatch(run_id), run_id
    assert len(run_id) <= MAX_RUN_ID
    assert run_id.rsplit("-", 1)[0] == head
    assert run_id_from_execution_name(name) == run_id  # stable


def test_names_that_sanitise_alike_get_different_run_ids() -> None:
    ids = {run_id_from_execution_name(name) for name in ("a_b", "a:b", "a b", "a--b", "a-b")}
    assert len(ids) == 5
    assert "a-b" in ids  # the clean one is kept as it is


def test_long_name_is_truncated() -> None:
    name = "x" * 80
    run_id = run_id_from_execution_name(name)
    assert len(run_id) == MAX_RUN_ID
    assert run_id.startswith("x" * 39 + "-")
    assert DIGEST_SUFFIX.fullmatch(run_id)
    assert run_id_from_execution_name("x" * 79) != run_id


def test_long_name_truncated_at_a_separator_has_no_double_dash() -> None:
    name = "a" * 38 + "_" + "b" * 41  # 80 characters; the cut falls right after the '_'
    run_id = run_id_from_execution_name(name)
    assert RUN_ID.fullmatch(run_id), run_id
    assert len(run_id) <= MAX_RUN_ID


def test_name_just_over_the_limit() -> None:
    run_id = run_id_from_execution_name("a" * (MAX_RUN_ID + 1))
    assert len(run_id) <= MAX_RUN_ID
    assert RUN_ID.fullmatch(run_id)
    assert run_id != "a" * MAX_RUN_ID


# ---------------------------------------------------------------- resource names


RUN_IDS = [
    "run-1",
    "a",
    "a" * MAX_RUN_ID,
    run_id_from_execution_name("my_run:2024 01"),
    run_id_from_execution_name("x" * 80),
    run_id_from_execution_name("日本語の実行"),
]


@pytest.mark.parametrize("prefix", ["ft-", "ft0421a-", "abcdefgh-"])
@pytest.mark.parametrize("run_id", RUN_IDS)
def test_resource_names_satisfy_bedrock_patterns(run_id: str, prefix: str) -> None:
    names = resource_names(run_id, prefix)
    assert JOB_NAME.fullmatch(names.jobName)
    assert 1 <= len(names.jobName) <= 63
    assert CUSTOM_MODEL_NAME.fullmatch(names.customModelName)
    assert 1 <= len(names.customModelName) <= 63
    assert PROVISIONED_MODEL_NAME.fullmatch(names.provisionedModelName)
    assert 1 <= len(names.provisionedModelName) <= 63
    # botocore ModelDeploymentName: the same pattern as provisioned model names, 1-63 characters
    assert PROVISIONED_MODEL_NAME.fullmatch(names.deploymentName)
    assert 1 <= len(names.deploymentName) <= 63
    for token in (names.jobClientToken, names.throughputClientToken, names.deploymentClientToken):
        assert CLIENT_REQUEST_TOKEN.fullmatch(token)
        assert 1 <= len(token) <= 256


def test_resource_names_values() -> None:
    names = resource_names("run-1")
    assert names.model_dump() == {
        "jobName": "ft-run-1",
        "customModelName": "ft-run-1-model",
        "provisionedModelName": "pt-run-1",
        "deploymentName": "od-run-1",
        "jobClientToken": "job-run-1",
        "throughputClientToken": "pt-run-1",
        "deploymentClientToken": "od-run-1",
    }


def test_an_instance_prefix_goes_into_every_name_and_back_out_of_the_job_name() -> None:
    """Two pipelines in one account: another prefix, no shared name, and each reads only its own jobs."""
    names = resource_names("run-1", "ftab12c-")
    assert names.model_dump() == {
        "jobName": "ftab12c-run-1",
        "customModelName": "ftab12c-run-1-model",
        "provisionedModelName": "pt-ftab12c-run-1",
        "deploymentName": "od-ftab12c-run-1",
        "jobClientToken": "job-ftab12c-run-1",
        "throughputClientToken": "pt-ftab12c-run-1",
        "deploymentClientToken": "od-ftab12c-run-1",
    }
    default = resource_names("run-1").model_dump()
    assert not set(names.model_dump().values()) & set(default.values())
    assert run_id_from_job_name("ftab12c-run-1", "ftab12c-") == "run-1"
    assert run_id_from_job_name("ft-run-1", "ftab12c-") is None  # the default instance's job
    assert run_id_from_job_name("ftab12c-run-1") is None  # and the other way round


def test_resource_names_differ_between_runs() -> None:
    a = resource_names(run_id_from_execution_name("a_b"))
    b = resource_names(run_id_from_execution_name("a:b"))
    assert a.jobName != b.jobName
    assert a.jobClientToken != b.jobClientToken
    assert a.provisionedModelName != b.provisionedModelName


# ---------------------------------------------------------------- formats


def test_schema_version() -> None:
    assert formats.SCHEMA_VERSION == "bedrock-conversation-2024"


def test_to_record_each_format() -> None:
    assert formats.to_record("anthropic-messages", "S", "P", "C") == {
        "system": "S",
        "messages": [{"role": "user", "content": "P"}, {"role": "assistant", "content": "C"}],
    }
    assert formats.to_record("bedrock-conversation", "S", "P", "C") == {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "S"}],
        "messages": [
            {"role": "user", "content": [{"text": "P"}]},
            {"role": "assistant", "content": [{"text": "C"}]},
        ],
    }
    assert formats.to_record("prompt-completion", "S", "P", "C") == {"prompt": "S\n\nP", "completion": "C"}


def test_from_record_joins_multiple_text_blocks() -> None:
    record = {
        "messages": [
            {"role": "user", "content": [{"text": "Hello "}, {"text": "world"}]},
            {"role": "assistant", "content": [{"text": "Hi"}]},
        ]
    }
    assert formats.from_record(record) == ("Hello world", "Hi")
