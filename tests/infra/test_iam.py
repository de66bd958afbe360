"""IAM: the Bedrock service role, one least-privilege role per function, the state machine role.

Statements are compared as (actions, resources, condition) with resources rendered the way
cdk-nag names them (`<LogicalId.Arn>/runs/*/data/*`) and logical ids replaced by names, so
the expected tables below read like the policy they describe.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks.constructs.distillation import TEACHER_MODELS, TEACHER_PROFILE_GEOGRAPHIES
from bedrock_finetuning.stacks.nag import flatten_cfn_reference

from .support import Synthesized, as_list, iter_policy_documents, role_statements

B = "<Bucket.Arn>"
FOUNDATION_MODELS = "arn:<AWS::Partition>:bedrock:*::foundation-model/*"


def _bedrock(resource_type: str, region: str = "<AWS::Region>") -> str:
    return f"arn:<AWS::Partition>:bedrock:{region}:<AWS::AccountId>:{resource_type}/*"


JOBS = _bedrock("model-customization-job")
CUSTOM_MODELS = _bedrock("custom-model")
PROVISIONED_MODELS = _bedrock("provisioned-model")
DEPLOYMENTS = _bedrock("custom-model-deployment")
INFERENCE_PROFILES = _bedrock("inference-profile", region="*")
RUNS_ONLY = {"StringLike": {"s3:prefix": ["runs/*"]}}

Statement = tuple[tuple[str, ...], tuple[str, ...], str]
"""(sorted actions, sorted resources, condition as sorted JSON): comparable and sortable."""


def allow(actions: set[str] | str, resources: list[str] | str, condition: dict[str, Any] | None = None) -> Statement:
    return (
        tuple(sorted({actions} if isinstance(actions, str) else actions)),
        tuple(sorted(as_list(resources))),
        json.dumps(condition or {}, sort_keys=True),
    )


LOGS = allow({"logs:CreateLogStream", "logs:PutLogEvents"}, "<OwnLogs.Arn>")
XRAY = allow({"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*")
LIST_RUNS = allow("s3:ListBucket", B, RUNS_ONLY)
LIST_RAW = allow("s3:ListBucket", B, {"StringLike": {"s3:prefix": ["raw/*"]}})
PUBLISH = [
    allow("sns:Publish", "<Topic>"),
    allow({"kms:GenerateDataKey", "kms:Decrypt"}, "<TopicKey.Arn>"),
]
READ_DATA = allow("s3:GetObject", f"{B}/runs/*/data/*")
WRITE_EVAL = allow("s3:PutObject", f"{B}/runs/*/eval/*")
# Base model or judge, in-Region or through a cross-Region profile: the profile plus the
# foundation model in every Region it may route to, and reading the profile.
INVOKE_ON_DEMAND = [
    allow("bedrock:InvokeModel", [FOUNDATION_MODELS, INFERENCE_PROFILES]),
    allow("bedrock:GetInferenceProfile", INFERENCE_PROFILES),
]
QUOTA_READS = {
    "servicequotas:GetServiceQuota",
    "servicequotas:GetAWSDefaultServiceQuota",
    "servicequotas:ListServiceQuotas",
    "servicequotas:ListAWSDefaultServiceQuotas",
}
COMPLETE_TASK_TOKENS = allow({"states:SendTaskSuccess", "states:SendTaskFailure"}, "<StateMachine>")
"""Only task tokens of this pipeline's state machine (TrainingEvents' separate policy)."""

READ_ANSWER_ERRORS = allow("s3:GetObject", f"{B}/runs/*/eval/answer-errors/*")
"""answer/verify.py: why a Distributed Map's batch failed."""

EXPECTED: dict[str, list[Statement]] = {
    "PreprocessDataset": [
        allow("s3:GetObject", f"{B}/raw/*"),
        LIST_RAW,
        allow("s3:PutObject", f"{B}/runs/*/data/*"),
        allow({"s3:GetObject", "s3:PutObject"}, f"{B}/runs/_claims/*"),
        LIST_RUNS,
        allow("pricing:GetProducts", "*"),
    ],
    "PreflightChecks": [
        allow("bedrock:GetFoundationModel", FOUNDATION_MODELS),
        *INVOKE_ON_DEMAND,
        allow(QUOTA_READS, "*"),
        allow("bedrock:ListProvisionedModelThroughputs", "*"),
    ],
    "StartCustomizationJob": [
        allow("bedrock:CreateModelCustomizationJob", [FOUNDATION_MODELS, CUSTOM_MODELS, JOBS]),
        allow("bedrock:TagResource", [JOBS, CUSTOM_MODELS]),
        allow("bedrock:GetModelCustomizationJob", JOBS),
        allow("bedrock:ListModelCustomizationJobs", "*"),
        allow(
            "iam:PassRole",
            "<ServiceRole.Arn>",
            {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        ),
    ],
    "AwaitTrainingEvent": [
        allow("bedrock:GetModelCustomizationJob", JOBS),
        allow("s3:PutObject", f"{B}/runs/*/training/*"),
        COMPLETE_TASK_TOKENS,
    ],
    "AnswerWithBaseModel": [
        *INVOKE_ON_DEMAND,
        READ_DATA,
        WRITE_EVAL,
        READ_ANSWER_ERRORS,
        LIST_RUNS,
    ],
    "AnswerWithFineTunedModel": [
        allow("bedrock:InvokeModel", PROVISIONED_MODELS),
        allow("bedrock:InvokeModel", DEPLOYMENTS),
        READ_DATA,
        WRITE_EVAL,
        READ_ANSWER_ERRORS,
        LIST_RUNS,
    ],
    "CreateHosting": [
        allow("bedrock:CreateProvisionedModelThroughput", [FOUNDATION_MODELS, CUSTOM_MODELS, PROVISIONED_MODELS]),
        allow("bedrock:GetProvisionedModelThroughput", PROVISIONED_MODELS),
        allow("bedrock:TagResource", PROVISIONED_MODELS),
        allow("bedrock:CreateCustomModelDeployment", [CUSTOM_MODELS, DEPLOYMENTS]),
        allow("bedrock:GetCustomModelDeployment", DEPLOYMENTS),
        allow("bedrock:TagResource", DEPLOYMENTS),
    ],
    "CheckHosting": [
        allow("bedrock:GetProvisionedModelThroughput", PROVISIONED_MODELS),
        allow("bedrock:GetCustomModelDeployment", DEPLOYMENTS),
    ],
    "DeleteHosting": [
        allow(
            {"bedrock:GetProvisionedModelThroughput", "bedrock:DeleteProvisionedModelThroughput"},
            PROVISIONED_MODELS,
        ),
        allow({"bedrock:GetCustomModelDeployment", "bedrock:DeleteCustomModelDeployment"}, DEPLOYMENTS),
    ],
    "JudgeAnswers": [
        *INVOKE_ON_DEMAND,
        allow("s3:GetObject", [f"{B}/runs/*/data/*", f"{B}/runs/*/eval/*"]),
        LIST_RUNS,  # finds the answer batches
        WRITE_EVAL,
    ],
    "BuildReport": [
        allow("s3:GetObject", f"{B}/runs/*"),
        LIST_RUNS,
        allow("s3:PutObject", f"{B}/runs/*/report/*"),
        allow("s3:PutObject", [f"{B}/runs/index.json", f"{B}/runs/index.html"]),
    ],
    "NotifyRun": PUBLISH,
    "SweepRun": [
        allow(
            {
                "bedrock:ListProvisionedModelThroughputs",
                "bedrock:ListCustomModelDeployments",
                "bedrock:ListModelCustomizationJobs",
            },
            "*",
        ),
        allow(
            {
                "bedrock:ListTagsForResource",
                "bedrock:GetProvisionedModelThroughput",
                "bedrock:DeleteProvisionedModelThroughput",
            },
            PROVISIONED_MODELS,
        ),
        allow(
            {
                "bedrock:ListTagsForResource",
                "bedrock:GetCustomModelDeployment",
                "bedrock:DeleteCustomModelDeployment",
            },
            DEPLOYMENTS,
        ),
        allow(
            {
                "bedrock:ListTagsForResource",
                "bedrock:GetModelCustomizationJob",
                "bedrock:StopModelCustomizationJob",
            },
            JOBS,
        ),
        *PUBLISH,
        # Added by CDK for the asynchronous-invocation failure destination.
        allow({"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, "<SweeperDeadLetterQueue.Arn>"),
    ],
    "ResumeOnTrainingEvent": [
        allow("bedrock:GetModelCustomizationJob", JOBS),
        allow("s3:GetObject", f"{B}/runs/*/training/*"),
        LIST_RUNS,  # a missing token reads as 404, not 403
        COMPLETE_TASK_TOKENS,
    ],
}
ALL_FUNCTIONS = [
    entry.name
    for entry in (*statemachine.TASK_FUNCTIONS, statemachine.SWEEPER_FUNCTION, statemachine.TRAINING_EVENT_FUNCTION)
]


def _names(synthesized: Synthesized) -> dict[str, str]:
    """Logical id -> readable name, for the shared resources the statements refer to."""
    stack = synthesized.stack
    return {
        synthesized.logical_id(stack.pipeline.data.bucket): "Bucket",
        synthesized.logical_id(stack.pipeline.bedrock_service_role.role): "ServiceRole",
        synthesized.logical_id(stack.pipeline.notifications.topic): "Topic",
        synthesized.logical_id(stack.pipeline.notifications.key): "TopicKey",
        synthesized.logical_id(stack.pipeline.triggers.sweeper_dlq): "SweeperDeadLetterQueue",
        synthesized.logical_id(stack.pipeline.workflow.state_machine): "StateMachine",
        synthesized.logical_id(stack.pipeline.grader.function): "Grader",
    }


def _normalise(statements: list[dict[str, Any]], names: dict[str, str]) -> list[Statement]:
    def render(resource: Any) -> str:
        flat = flatten_cfn_reference(resource)
        for logical_id, name in names.items():
            flat = flat.replace(f"<{logical_id}.", f"<{name}.").replace(f"<{logical_id}>", f"<{name}>")
        return flat

    return sorted(
        allow(set(as_list(s["Action"])), [render(r) for r in as_list(s["Resource"])], s.get("Condition"))
        for s in statements
        if s["Effect"] == "Allow"
    )


def _function_statements(synthesized: Synthesized, name: str) -> list[Statement]:
    function = synthesized.stack.pipeline.lambdas.by_name[name]
    cfn_function = synthesized.json["Resources"][synthesized.logical_id(function)]
    log_group_id = cfn_function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    names = {**_names(synthesized), log_group_id: "OwnLogs"}
    return _normalise(role_statements(synthesized, synthesized.logical_id(function.role)), names)


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_function_has_exactly_its_statements(default: Synthesized, name: str) -> None:
    expected = sorted([*EXPECTED[name], LOGS, XRAY])

    assert _function_statements(default, name) == expected


def test_every_function_has_a_role_of_its_own(default: Synthesized) -> None:
    roles = [default.logical_id(default.stack.pipeline.lambdas.by_name[name].role) for name in ALL_FUNCTIONS]

    assert len(set(roles)) == len(ALL_FUNCTIONS)
    for role_id in roles:
        role = default.json["Resources"][role_id]["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
        ]
        assert "ManagedPolicyArns" not in role  # no AWSLambdaBasicExecutionRole


def test_service_role_is_trusted_by_bedrock_for_this_accounts_jobs_only(default: Synthesized) -> None:
    role = default.json["Resources"][default.logical_id(default.stack.pipeline.bedrock_service_role.role)]["Properties"]

    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock.amazonaws.com"},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {
                    "aws:SourceArn": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":bedrock:",
                                {"Ref": "AWS::Region"},
                                ":",
                                {"Ref": "AWS::AccountId"},
                                ":model-customization-job/*",
                            ],
                        ]
                    }
                },
            },
        }
    ]
    assert "ManagedPolicyArns" not in role


def test_service_role_reads_run_data_and_writes_job_output_only(default: Synthesized) -> None:
    role_id = default.logical_id(default.stack.pipeline.bedrock_service_role.role)

    assert _normalise(role_statements(default, role_id), _names(default)) == sorted(
        [
            allow("s3:GetObject", f"{B}/runs/*/data/*"),
            allow({"s3:GetObject", "s3:PutObject"}, f"{B}/runs/*/output/*"),
            # As in AWS's example policy: no s3:prefix condition Bedrock's own listing might not meet.
            allow("s3:ListBucket", B),
            # Reinforcement fine-tuning: exactly the stack's grader function (stacks/constructs/grader.py).
            allow("lambda:InvokeFunction", "<Grader.Arn>"),
            # Distillation: exactly the registry's teachers, direct or through a cross-Region profile.
            allow(
                "bedrock:InvokeModel",
                [f"arn:<AWS::Partition>:bedrock:*::foundation-model/{m}" for m in TEACHER_MODELS]
                + [
                    f"arn:<AWS::Partition>:bedrock:*:<AWS::AccountId>:inference-profile/{g}.{m}"
                    for m in TEACHER_MODELS
                    for g in TEACHER_PROFILE_GEOGRAPHIES
                ],
            ),
        ]
    )


def test_state_machine_role_invokes_exactly_the_task_functions(default: Synthesized) -> None:
    stack = default.stack
    role_id = default.logical_id(stack.pipeline.workflow.role)
    function_ids = [default.logical_id(stack.pipeline.lambdas.by_name[f.name]) for f in statemachine.TASK_FUNCTIONS]

    statements = _normalise(role_statements(default, role_id), {})
    invoke = [s for s in statements if s[0] == ("lambda:InvokeFunction",)]

    assert invoke == [
        allow(
            "lambda:InvokeFunction",
            [f"<{fid}.Arn>" for fid in function_ids] + [f"<{fid}.Arn>:*" for fid in function_ids],
        )
    ]
    assert default.logical_id(stack.pipeline.lambdas.sweeper) not in json.dumps(statements)
    others = {action for actions, _, _ in statements if actions != ("lambda:InvokeFunction",) for action in actions}
    distributed_maps = {"states:StartExecution", "states:DescribeExecution", "states:StopExecution"}
    distributed_maps |= {"s3:GetObject", "s3:PutObject"}  # tested in test_workflow.py
    # the rest is added by CDK for logging and tracing
    assert {a.split(":")[0] for a in others - distributed_maps} == {"logs", "xray"}


def test_state_machine_role_is_trusted_by_step_functions_of_this_account(default: Synthesized) -> None:
    role = default.json["Resources"][default.logical_id(default.stack.pipeline.workflow.role)]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]

    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert flatten_cfn_reference(trust["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:*"
    )


def _allow_statements(synthesized: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, statement)
        for logical_id, document in iter_policy_documents(synthesized.json)
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
    ]


def test_no_statement_allows_every_action_or_every_s3_action(default: Synthesized) -> None:
    for logical_id, statement in _allow_statements(default):
        for action in as_list(statement["Action"]):
            assert action not in {"*", "s3:*"}, (logical_id, statement)


def test_no_role_may_delete_objects(default: Synthesized) -> None:
    for logical_id, statement in _allow_statements(default):
        for action in as_list(statement["Action"]):
            assert not action.lower().startswith("s3:deleteobject"), (logical_id, statement)


def test_with_destroy_only_cdks_auto_delete_provider_may_delete_objects(configured: Synthesized) -> None:
    deleting = {
        json.dumps(statement.get("Principal"))
        for _, statement in _allow_statements(configured)
        if any(a.lower().startswith("s3:deleteobject") for a in as_list(statement["Action"]))
    }

    assert deleting
    assert all("CustomS3AutoDeleteObjectsCustomResourceProviderRole" in principal for principal in deleting)


def test_pass_role_only_for_the_service_role_and_only_to_bedrock(default: Synthesized) -> None:
    service_role_arn = {"Fn::GetAtt": [default.logical_id(default.stack.pipeline.bedrock_service_role.role), "Arn"]}
    passing = [
        (logical_id, statement)
        for logical_id, statement in _allow_statements(default)
        if any(a in {"iam:PassRole", "iam:*"} for a in as_list(statement["Action"]))
    ]

    assert [logical_id for logical_id, _ in passing] == [
        default.logical_id(default.stack.pipeline.lambdas.by_name["StartCustomizationJob"].role)
    ]
    (_, statement) = passing[0]
    assert statement["Resource"] == service_role_arn
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}


def test_no_lambda_role_may_write_under_raw(default: Synthesized) -> None:
    for name in ALL_FUNCTIONS:
        for actions, resources, _ in _function_statements(default, name):
            if {"s3:PutObject", "s3:PutObjectAcl", "s3:RestoreObject"} & set(actions):
                assert all(r.startswith(f"{B}/runs/") for r in resources), (name, resources)


def test_resource_star_only_where_the_api_requires_it(default: Synthesized) -> None:
    """Every identity-policy statement on Resource '*' (the README's Security section lists them)."""
    stack = default.stack
    resources = default.json["Resources"]
    unscoped: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [(logical_id, p["PolicyDocument"]) for p in properties.get("Policies", [])]
        elif resource["Type"] == "AWS::IAM::Policy":
            documents = [(role["Ref"], properties["PolicyDocument"]) for role in properties["Roles"]]
        else:
            continue
        for role_id, document in documents:
            for statement in document["Statement"]:
                if statement["Effect"] == "Allow" and "*" in as_list(statement["Resource"]):
                    unscoped.setdefault(role_id, set()).update(as_list(statement["Action"]))

    xray = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    expected = {default.logical_id(stack.pipeline.lambdas.by_name[name].role): set(xray) for name in ALL_FUNCTIONS}
    expected[default.logical_id(stack.pipeline.lambdas.by_name["PreflightChecks"].role)] |= {
        *QUOTA_READS,
        "bedrock:ListProvisionedModelThroughputs",
    }
    expected[default.logical_id(stack.pipeline.lambdas.by_name["StartCustomizationJob"].role)] |= {
        "bedrock:ListModelCustomizationJobs"
    }
    expected[default.logical_id(stack.pipeline.lambdas.by_name["PreprocessDataset"].role)] |= {"pricing:GetProducts"}
    # The RFT grader's role: X-Ray only (its judge statement names the judge model).
    expected[default.logical_id(stack.pipeline.grader.function.role)] = set(xray)
    expected[default.logical_id(stack.pipeline.lambdas.sweeper.role)] |= {
        "bedrock:ListModelCustomizationJobs",
        "bedrock:ListProvisionedModelThroughputs",
        "bedrock:ListCustomModelDeployments",
    }
    expected[default.logical_id(stack.pipeline.workflow.role)] = {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }

    assert unscoped == expected


DEPLOYMENT_ACTIONS = {
    "bedrock:CreateCustomModelDeployment",
    "bedrock:GetCustomModelDeployment",
    "bedrock:DeleteCustomModelDeployment",
}


def test_deployment_actions_are_scoped_to_deployments_and_custom_models_never_star(default: Synthesized) -> None:
    granted: dict[str, set[str]] = {}
    for name in ALL_FUNCTIONS:
        for actions, resources, _ in _function_statements(default, name):
            for action in set(actions) & DEPLOYMENT_ACTIONS:
                granted.setdefault(action, set()).update(resources)
    assert granted.keys() == DEPLOYMENT_ACTIONS
    for action, resources in granted.items():
        assert "*" not in resources, action
        assert resources <= {DEPLOYMENTS, CUSTOM_MODELS}, (action, resources)
    assert granted["bedrock:CreateCustomModelDeployment"] == {DEPLOYMENTS, CUSTOM_MODELS}


def test_the_fine_tuned_answers_may_invoke_the_runs_deployment(default: Synthesized) -> None:
    statements = _function_statements(default, "AnswerWithFineTunedModel")
    invoke = {r for actions, resources, _ in statements if "bedrock:InvokeModel" in actions for r in resources}
    assert invoke == {DEPLOYMENTS, PROVISIONED_MODELS}
