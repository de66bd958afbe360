"""The installable package: built as a wheel, installed into an empty folder, and used by a CDK
app outside the repository that puts two pipelines in one stack.

Offline: the wheel is built with this environment's setuptools and wheel (no build isolation,
no index), installed without dependencies, and the app runs with this environment's Python
(aws-cdk-lib, cdk-nag) and only the installed folder on PYTHONPATH, from a folder outside the
repository, so nothing of the checkout can be imported by accident.
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.wheel import PIP, build_wheel, run

from .support import CDK_JSON, REPO

APP = """
import importlib.util
import json
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from bedrock_finetuning import BedrockFineTuningPipeline, PipelineProps

app = cdk.App(context=json.loads(sys.argv[1]))
stack = cdk.Stack(app, "PlatformStack")
namespace = {"self": stack}
exec(sys.argv[2], namespace)  # the README's lines, as a user pastes them into a stack
first = namespace["pipeline"]
second = BedrockFineTuningPipeline(stack, "Legal", props=PipelineProps(notification_email="legal-ml@example.com"))
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
app.synth()  # raises on any unacknowledged cdk-nag finding

import bedrock_finetuning

print(json.dumps({
    "package": bedrock_finetuning.__file__,
    "clashing": [
        name for name in ("stacks", "statemachine", "shared", "localrun", "cli") if importlib.util.find_spec(name)
    ],
    "prefixes": [first.job_name_prefix, second.job_name_prefix],
    "logicalIds": {
        name: stack.resolve(stack.get_logical_id(construct.node.default_child))
        for name, construct in {
            "firstBucket": first.bucket, "secondBucket": second.bucket,
            "firstStateMachine": first.state_machine, "secondStateMachine": second.state_machine,
        }.items()
    },
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel .` then `pip install --target`: the distribution as a user gets it."""
    work = tmp_path_factory.mktemp("package")
    wheel = build_wheel(work)
    names = set(zipfile.ZipFile(wheel).namelist())
    # The construct, the workflow and the functions' code travel in the one package.
    assert {
        "bedrock_finetuning/__init__.py",
        "bedrock_finetuning/constraints.txt",
        "bedrock_finetuning/stacks/construct.py",
        "bedrock_finetuning/statemachine/pipeline.asl.yaml",
        "bedrock_finetuning/lambdas/requirements.txt",
        "bedrock_finetuning/lambdas/shared/contract.py",
        "bedrock_finetuning/lambdas/preprocess/handler.py",
        "bedrock_finetuning/lambdas/preprocess/general_questions.json",
        "bedrock_finetuning/lambdas/report/templates/page.html.j2",
        # `bft` and the local simulation behind `bft --local` (tests/bft/test_installed.py runs them).
        "bedrock_finetuning/cli/app.py",
        "bedrock_finetuning/localrun/pipeline.py",
        # The bundled sample, for the installed demo (python -m bedrock_finetuning.localrun).
        "bedrock_finetuning/dataset/rawdata/training.json",
        "bedrock_finetuning/dataset/rawdata/ja/eval.json",
        "bedrock_finetuning/dataset/examples/qa-excel-cp932.csv",
    } <= names
    # Nothing else at the top level: no `stacks`, `statemachine`, `cli`, `localrun` or `shared`
    # to clash in a user's app.
    assert {name.split("/")[0] for name in names} == {
        "bedrock_finetuning",
        wheel.name.split("-")[0] + "-0.1.0.dist-info",
    }
    site = work / "site"
    run([*PIP, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)], work)
    return site


@pytest.fixture(scope="module")
def two_pipelines(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app_dir = tmp_path_factory.mktemp("platform-app")
    (app_dir / "app.py").write_text(APP, encoding="utf-8")
    outdir = app_dir / "cdk.out"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_", "PYTHON"))},
        "PYTHONPATH": str(installed),
        "CDK_OUTDIR": str(outdir),
    }
    # The CDK feature flags of a new app (the construct's own settings are its props).
    flags = {key: value for key, value in CDK_JSON["context"].items() if key.startswith("@")}
    # -P: the script's folder is not put on sys.path either; the repository is nowhere on it.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    embed = next(
        block for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "bedrock_finetuning" in block
    )
    printed = run([sys.executable, "-P", "app.py", json.dumps(flags), embed], app_dir, env)
    summary = json.loads(printed.strip().splitlines()[-1])
    summary["template"] = json.loads((outdir / "PlatformStack.template.json").read_text(encoding="utf-8"))
    return summary


def test_the_app_imports_the_installed_package_and_nothing_from_the_checkout(
    installed: Path, two_pipelines: dict[str, Any]
) -> None:
    assert Path(two_pipelines["package"]).is_relative_to(installed)
    assert two_pipelines["clashing"] == []


def test_two_instances_synthesize_with_their_own_resources_and_events(two_pipelines: dict[str, Any]) -> None:
    template, ids = two_pipelines["template"], two_pipelines["logicalIds"]
    resources = template["Resources"]
    first, second = two_pipelines["prefixes"]
    assert first != second and all(prefix.startswith("ft") and prefix.endswith("-") for prefix in (first, second))

    rules = [r["Properties"]["EventPattern"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    job_prefixes = sorted(p["detail"]["jobName"][0]["prefix"] for p in rules if p["source"] == ["aws.bedrock"])
    assert job_prefixes == sorted([first, second])  # each reacts to its own jobs only
    machines = sorted(json.dumps(p["detail"]["stateMachineArn"]) for p in rules if p["source"] == ["aws.states"])
    assert machines == sorted(json.dumps([{"Ref": ids[key]}]) for key in ("firstStateMachine", "secondStateMachine"))
    buckets = sorted(json.dumps(p["detail"]["bucket"]["name"]) for p in rules if p["source"] == ["aws.s3"])
    assert buckets == sorted(json.dumps([{"Ref": ids[key]}]) for key in ("firstBucket", "secondBucket"))

    # Every function knows its own instance's prefix (job and hosting names, event filtering).
    prefixes = Counter(
        r["Properties"]["Environment"]["Variables"].get("JOB_NAME_PREFIX")
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and "Environment" in r["Properties"]
    )
    assert prefixes[first] == prefixes[second] == 3  # PreprocessDataset, SweepRun, ResumeOnTrainingEvent
    budgets = [
        r["Properties"]["Environment"]["Variables"].get("MAX_COST_USD")
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and "Environment" in r["Properties"]
    ]
    assert [budget for budget in budgets if budget] == ["50"]  # the README's props reached PreprocessDataset

    # No physical name is set, so nothing can collide when both are deployed.
    named = [
        (logical_id, key)
        for logical_id, resource in resources.items()
        for key, value in resource.get("Properties", {}).items()
        if key in {"BucketName", "FunctionName", "StateMachineName", "TopicName", "QueueName", "RoleName", "Name"}
        and isinstance(value, str)
    ]
    assert named == []
    # Two of everything the pipeline is made of.
    kinds = Counter(r["Type"] for r in resources.values())
    assert kinds["AWS::StepFunctions::StateMachine"] == 2 and kinds["AWS::SNS::Topic"] == 2
    subscriptions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SNS::Subscription"]
    assert sorted(s["Endpoint"] for s in subscriptions) == ["legal-ml@example.com", "ml-team@example.com"]
