"""cdk-nag (AwsSolutions, v3): no unacknowledged finding, and no acknowledgement without one.

cdk-nag 3 is a CDK policy-validation plugin: it reports through the validation report (and
fails `app.synth()`), not through annotations, so it is queried directly with
`validate_scope`. Every acknowledgement is made per finding on a CloudFormation resource.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

import app as cdk_app
import bedrock_finetuning.stacks.nag

from .support import CDK_JSON, Synthesized

PLACEHOLDER_REASONS = ("false positive", "sample", "todo", "not needed", "n/a", "demo")


def _violations(app: cdk.App) -> set[tuple[str, str]]:
    result = AwsSolutionsChecks(verbose=True).validate_scope(app)
    return {
        (str(resource.construct_path), violation.rule_name)
        for violation in result.violations
        for resource in violation.violating_resources
    }


def _acknowledgements(app: cdk.App) -> dict[tuple[str, str], str]:
    found = {}
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for key, reason in entry.data.items():
                    found[(construct.node.path, key.removeprefix("Annotation::"))] = reason
    return found


@pytest.mark.parametrize("fixture", ["default", "configured"])
def test_no_unacknowledged_finding(request: pytest.FixtureRequest, fixture: str) -> None:
    synthesized: Synthesized = request.getfixturevalue(fixture)

    assert _violations(synthesized.app) == set()


def test_every_acknowledgement_matches_a_real_finding(default: Synthesized, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the app again without acknowledgements: the findings are exactly what was acknowledged."""
    monkeypatch.setattr(bedrock_finetuning.stacks.nag, "acknowledge", lambda *args, **kwargs: None)
    bare = cdk.App(context=CDK_JSON["context"])
    cdk_app.build(bare)

    findings = _violations(bare)

    assert findings
    assert findings == set(_acknowledgements(default.app))


def test_acknowledgements_are_on_resources_and_name_their_finding(default: Synthesized) -> None:
    for path, rule in _acknowledgements(default.app):
        construct = default.app.node.find_child(path.split("/")[0])
        for part in path.split("/")[1:]:
            construct = construct.node.find_child(part)
        assert cdk.CfnResource.is_cfn_resource(construct), path
        if rule.startswith(bedrock_finetuning.stacks.nag.IAM5):
            assert rule.startswith(f"{bedrock_finetuning.stacks.nag.IAM5}[") and rule.endswith("]"), rule


def test_every_reason_is_a_real_sentence(default: Synthesized) -> None:
    for (path, rule), reason in _acknowledgements(default.app).items():
        assert len(reason) >= 80 and reason.endswith("."), (path, rule, reason)
        assert not any(word in reason.lower() for word in PLACEHOLDER_REASONS), (path, rule, reason)


def test_the_checks_do_fire_in_this_environment() -> None:
    """Guards the tests above against a silently inactive rule pack."""
    app = cdk.App()
    stack = cdk.Stack(app, "Careless")
    s3.Bucket(stack, "Bucket")

    assert {rule for _, rule in _violations(app)} >= {"AwsSolutions-S1", "AwsSolutions-S10"}


def test_synth_fails_on_an_unacknowledged_finding(tmp_path: object) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Careless")
    s3.Bucket(stack, "Bucket")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))

    with pytest.raises(RuntimeError, match="AwsSolutions-S1"):
        app.synth()
