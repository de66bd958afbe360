"""What each Lambda function may do: explicit statements, one table, reviewed as a whole.

Every wildcard resource is explained by `wildcard_reason` (raising for one it does not know),
and Resource "*" is only allowed for the Bedrock List actions that have no resource type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from bedrock_finetuning.stacks.constructs import arns
from bedrock_finetuning.stacks.constructs.data_bucket import RAW_PREFIX, RUNS_PREFIX
from bedrock_finetuning.statemachine import SWEEPER_FUNCTION, TASK_FUNCTIONS, TRAINING_EVENT_FUNCTION


@dataclass(frozen=True)
class PolicyTargets:
    """The resources the functions' statements refer to."""

    bucket: s3.IBucket
    service_role: iam.IRole
    topic: sns.ITopic
    topic_key: kms.IKey | None
    """None: a topic brought by the user without a customer managed key."""


def statements_for(name: str, stack: Stack, targets: PolicyTargets) -> list[iam.PolicyStatement]:
    """The statements of the function called `name` (a `TaskFunction.name`)."""
    try:
        build = _BUILDERS[name]
    except KeyError:
        raise KeyError(f"no IAM statements defined for function {name!r}") from None
    statements = build(_Arns(stack, targets))
    unscoped = unscoped_actions(stack, statements)
    if not unscoped <= arns.UNSCOPED_ACTIONS.keys():
        raise ValueError(f"{name}: Resource '*' is only allowed for {sorted(arns.UNSCOPED_ACTIONS)}")
    return statements


def unscoped_actions(stack: Stack, statements: list[iam.PolicyStatement]) -> set[str]:
    """The actions that `statements` grant on Resource '*'."""
    actions: set[str] = set()
    for statement in statements:
        resolved = stack.resolve(statement.to_statement_json())
        if "*" in _as_list(resolved.get("Resource")):
            actions.update(str(action) for action in _as_list(resolved["Action"]))
    return actions


def wildcard_reason(finding: str, statements_unscoped: set[str]) -> str:
    """The reason for one IAM5 finding (`Resource::…`) of a function's policy."""
    resource = finding.removeprefix("Resource::")
    if resource == "*":
        return arns.unscoped_reason(statements_unscoped)
    for suffix, reason in _REASONS_BY_SUFFIX:
        if resource.endswith(suffix):
            return reason
    if "/runs/" in resource:
        return arns.RUN_PREFIX_REASON
    raise ValueError(f"no reason recorded for the wildcard permission {finding!r}")


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


_REASONS_BY_SUFFIX = (
    ("/raw/*", arns.RAW_PREFIX_REASON),
    (":foundation-model/*", arns.FOUNDATION_MODEL_REASON),
    (":inference-profile/*", arns.INFERENCE_PROFILE_REASON),
    (":model-customization-job/*", arns.CUSTOMIZATION_JOB_REASON),
    (":custom-model/*", arns.CUSTOM_MODEL_REASON),
    (":provisioned-model/*", arns.PROVISIONED_MODEL_REASON),
    (":custom-model-deployment/*", arns.DEPLOYMENT_REASON),
)


class _Arns:
    """Shorthands for the statements below."""

    def __init__(self, stack: Stack, targets: PolicyTargets) -> None:
        self.bucket = targets.bucket
        self.service_role = targets.service_role
        self.topic = targets.topic
        self.topic_key = targets.topic_key
        self.foundation_models = arns.foundation_models(stack)
        self.inference_profiles = arns.bedrock(stack, "inference-profile", any_region=True)
        self.jobs = arns.bedrock(stack, "model-customization-job")
        self.custom_models = arns.bedrock(stack, "custom-model")
        self.provisioned_models = arns.bedrock(stack, "provisioned-model")
        self.deployments = arns.bedrock(stack, "custom-model-deployment")

    def run_objects(self, area: str) -> str:
        return arns.run_objects(self.bucket, area)


def _allow(sid: str, actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources)


def _publish(a: _Arns) -> list[iam.PolicyStatement]:
    statements = [_allow("PublishNotifications", ["sns:Publish"], [a.topic.topic_arn])]
    if a.topic_key is not None:
        # The topic is encrypted with a customer managed key: SNS encrypts with a data key
        # it generates as the publisher.
        statements.append(_allow("EncryptNotifications", ["kms:GenerateDataKey", "kms:Decrypt"], [a.topic_key.key_arn]))
    return statements


def _preprocess(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow("ReadRawUploads", ["s3:GetObject"], [arns.raw_objects(a.bucket)]),
        # Listing raw/ lets a missing upload read as "not found" (404) instead of 403, and
        # finds the companion validation/eval files next to an uploaded training file.
        arns.list_runs(a.bucket, sid="ListRawUploads", prefix=RAW_PREFIX),
        _allow("WriteRunData", ["s3:PutObject"], [a.run_objects("data")]),
        _allow("ClaimUploads", ["s3:PutObject", "s3:GetObject"], [arns.claim_objects(a.bucket)]),
        arns.list_runs(a.bucket),
        # The quote's prices from the AWS Price List (shared/price_list.py). pricing:GetProducts has no
        # resource type (service authorization reference, list_awspricelist.html), so it needs Resource '*';
        # it reads public prices only.
        _allow("ReadPriceList", ["pricing:GetProducts"], ["*"]),
    ]


def _preflight(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        # Lifecycle of the base model and of the judge (end of life inside the run's budget).
        _allow("ReadFoundationModels", ["bedrock:GetFoundationModel"], [a.foundation_models]),
        # One real verdict request (the judge's own tool configuration) proves access and that it returns
        # structured verdicts, before anything is paid.
        *_invoke_on_demand("InvokeJudgeModel", a),
        # Applied values, then AWS defaults, of the PT quotas (lambdas/preflight/quota.py).
        _allow("ReadServiceQuotas", sorted(arns.QUOTA_ACTIONS), ["*"]),
        # Units already held by the account's no-commitment PTs count against the quota.
        _allow("ListThroughputs", ["bedrock:ListProvisionedModelThroughputs"], ["*"]),
    ]


def _invoke_on_demand(sid: str, a: _Arns) -> list[iam.PolicyStatement]:
    """Invoking a base model in-Region or through a cross-Region inference profile: the profile
    ARN plus the foundation model in every Region the profile may route to (`us.` profiles route
    among US Regions, `global.` ones anywhere, and AWS adds destinations over time), hence the
    foundation-model ARN in any Region; `GetInferenceProfile` lets callers resolve the profile
    (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html)."""
    return [
        _allow(sid, ["bedrock:InvokeModel"], [a.foundation_models, a.inference_profiles]),
        _allow(f"{sid}Profile", ["bedrock:GetInferenceProfile"], [a.inference_profiles]),
    ]


def _start_job(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow(
            "CreateCustomizationJob",
            ["bedrock:CreateModelCustomizationJob"],
            [a.foundation_models, a.custom_models, a.jobs],
        ),
        _allow("TagJobAndCustomModel", ["bedrock:TagResource"], [a.jobs, a.custom_models]),
        _allow("ReadCustomizationJobs", ["bedrock:GetModelCustomizationJob"], [a.jobs]),
        _allow("ListCustomizationJobs", ["bedrock:ListModelCustomizationJobs"], ["*"]),
        iam.PolicyStatement(
            sid="PassServiceRoleToBedrock",
            actions=["iam:PassRole"],
            resources=[a.service_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        ),
    ]


def _await_training(a: _Arns) -> list[iam.PolicyStatement]:
    # states:SendTaskSuccess/Failure on the state machine is granted by TrainingEvents
    # (a separate policy: the state machine refers to this function, so it cannot be in this role's).
    return [
        _allow("ReadCustomizationJobs", ["bedrock:GetModelCustomizationJob"], [a.jobs]),
        _allow("StoreTaskToken", ["s3:PutObject"], [a.run_objects("training")]),
    ]


def _resume_training(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow("ReadCustomizationJobs", ["bedrock:GetModelCustomizationJob"], [a.jobs]),
        _allow("ReadTaskToken", ["s3:GetObject"], [a.run_objects("training")]),
        # A missing token must read as "not found" (404), not 403.
        arns.list_runs(a.bucket),
    ]


def _answer_with_base_model(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        *_invoke_on_demand("InvokeBaseModel", a),
        _allow("ReadRunData", ["s3:GetObject"], [a.run_objects("data")]),
        _allow("WriteAnswers", ["s3:PutObject"], [a.run_objects("eval")]),
        # answer/verify.py: after a Distributed Map, lists the batches and reads a failed batch's error.
        _allow("ReadAnswerErrors", ["s3:GetObject"], [a.bucket.arn_for_objects("runs/*/eval/answer-errors/*")]),
        arns.list_runs(a.bucket),
    ]


def _answer_with_fine_tuned_model(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow("InvokeProvisionedModel", ["bedrock:InvokeModel"], [a.provisioned_models]),
        _allow("InvokeCustomModelDeployment", ["bedrock:InvokeModel"], [a.deployments]),
        _allow("ReadRunData", ["s3:GetObject"], [a.run_objects("data")]),
        _allow("WriteAnswers", ["s3:PutObject"], [a.run_objects("eval")]),
        # answer/verify.py: after a Distributed Map, lists the batches and reads a failed batch's error.
        _allow("ReadAnswerErrors", ["s3:GetObject"], [a.bucket.arn_for_objects("runs/*/eval/answer-errors/*")]),
        arns.list_runs(a.bucket),
    ]


def _create_hosting(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow(
            "CreateProvisionedThroughput",
            ["bedrock:CreateProvisionedModelThroughput"],
            # The Service Authorization Reference lists foundation-model as a resource type of
            # CreateProvisionedModelThroughput besides custom-model and provisioned-model.
            [a.foundation_models, a.custom_models, a.provisioned_models],
        ),
        _allow("ReadProvisionedThroughput", ["bedrock:GetProvisionedModelThroughput"], [a.provisioned_models]),
        _allow("TagProvisionedThroughput", ["bedrock:TagResource"], [a.provisioned_models]),
        _allow(
            "CreateCustomModelDeployment",
            ["bedrock:CreateCustomModelDeployment"],
            [a.custom_models, a.deployments],
        ),
        _allow("ReadCustomModelDeployment", ["bedrock:GetCustomModelDeployment"], [a.deployments]),
        _allow("TagCustomModelDeployment", ["bedrock:TagResource"], [a.deployments]),
    ]


def _check_hosting(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow("ReadProvisionedThroughput", ["bedrock:GetProvisionedModelThroughput"], [a.provisioned_models]),
        _allow("ReadCustomModelDeployment", ["bedrock:GetCustomModelDeployment"], [a.deployments]),
    ]


def _delete_hosting(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow(
            "DeleteProvisionedThroughput",
            ["bedrock:GetProvisionedModelThroughput", "bedrock:DeleteProvisionedModelThroughput"],
            [a.provisioned_models],
        ),
        _allow(
            "DeleteCustomModelDeployment",
            ["bedrock:GetCustomModelDeployment", "bedrock:DeleteCustomModelDeployment"],
            [a.deployments],
        ),
    ]


def _judge(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        *_invoke_on_demand("InvokeJudgeModel", a),
        _allow("ReadRunDataAndAnswers", ["s3:GetObject"], [a.run_objects("data"), a.run_objects("eval")]),
        arns.list_runs(a.bucket),  # finds the answer batches under runs/<run-id>/eval/answers/
        _allow("WriteVerdicts", ["s3:PutObject"], [a.run_objects("eval")]),
    ]


def _report(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow("ReadRuns", ["s3:GetObject"], [arns.all_run_objects(a.bucket)]),
        arns.list_runs(a.bucket),
        _allow("WriteReport", ["s3:PutObject"], [a.run_objects("report")]),
        # The run history (lambdas/report/run_index.py): two objects, not the whole runs/ prefix.
        _allow(
            "WriteRunIndex",
            ["s3:PutObject"],
            [a.bucket.arn_for_objects(f"{RUNS_PREFIX}index.{ext}") for ext in ("json", "html")],
        ),
    ]


def _notify(a: _Arns) -> list[iam.PolicyStatement]:
    return _publish(a)


def _sweep(a: _Arns) -> list[iam.PolicyStatement]:
    return [
        _allow(
            "ListJobsThroughputsAndDeployments",
            [
                "bedrock:ListProvisionedModelThroughputs",
                "bedrock:ListCustomModelDeployments",
                "bedrock:ListModelCustomizationJobs",
            ],
            ["*"],
        ),
        _allow(
            "DeleteRunThroughputs",
            [
                "bedrock:ListTagsForResource",
                "bedrock:GetProvisionedModelThroughput",
                "bedrock:DeleteProvisionedModelThroughput",
            ],
            [a.provisioned_models],
        ),
        _allow(
            "DeleteRunDeployments",
            [
                "bedrock:ListTagsForResource",
                "bedrock:GetCustomModelDeployment",
                "bedrock:DeleteCustomModelDeployment",
            ],
            [a.deployments],
        ),
        _allow(
            "StopRunJobs",
            [
                "bedrock:ListTagsForResource",
                "bedrock:GetModelCustomizationJob",
                "bedrock:StopModelCustomizationJob",
            ],
            [a.jobs],
        ),
        *_publish(a),
    ]


_BUILDERS: dict[str, Callable[[_Arns], list[iam.PolicyStatement]]] = {
    "PreprocessDataset": _preprocess,
    "PreflightChecks": _preflight,
    "StartCustomizationJob": _start_job,
    "AwaitTrainingEvent": _await_training,
    "AnswerWithBaseModel": _answer_with_base_model,
    "AnswerWithFineTunedModel": _answer_with_fine_tuned_model,
    "CreateHosting": _create_hosting,
    "CheckHosting": _check_hosting,
    "DeleteHosting": _delete_hosting,
    "JudgeAnswers": _judge,
    "BuildReport": _report,
    "NotifyRun": _notify,
    SWEEPER_FUNCTION.name: _sweep,
    TRAINING_EVENT_FUNCTION.name: _resume_training,
}

_missing = {
    function.name for function in (*TASK_FUNCTIONS, SWEEPER_FUNCTION, TRAINING_EVENT_FUNCTION)
} - _BUILDERS.keys()
if _missing:  # a function added to statemachine/ without permissions: fail at import, not deploy
    raise RuntimeError(f"no IAM statements defined for functions {sorted(_missing)}")
