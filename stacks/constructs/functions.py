"""The Lambda functions: one per `statemachine.TASK_FUNCTIONS` entry, plus the sweeper.

All share one code asset (`lambdas/` plus the libraries of `lambdas/requirements.txt`, bundled
locally by stacks/bundling.py: no Docker) and the AWS-managed
Powertools layer, pinned to one release and resolved at deploy time from its public SSM
parameter (a CloudFormation dynamic reference: nothing is looked up at synth).
Each function has its own role, with only the statements in `function_policies`, and its own
log group; no function gets the AWSLambdaBasicExecutionRole managed policy.
`PipelineFunctions.build_function` builds each of them, and the RFT grader (grader.py), with
these shared settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks import nag
from bedrock_finetuning.stacks.bundling import lambda_code
from bedrock_finetuning.stacks.config import PipelineProps
from bedrock_finetuning.stacks.constructs import arns
from bedrock_finetuning.stacks.constructs.function_policies import (
    PolicyTargets,
    statements_for,
    unscoped_actions,
    wildcard_reason,
)

LAMBDA_CODE_DIR = statemachine.LAMBDAS_DIR
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64


def powertools_parameter_name(version: str) -> str:
    """The public SSM parameter holding the layer ARN of one Powertools release.

    Its path uses the runtime name with a dot (`python3.14`), unlike the layer name.
    """
    python = RUNTIME.name.removeprefix("python")
    return f"/aws/service/powertools/python/{ARCHITECTURE.name}/python{python}/{version}"


class PipelineFunctions(Construct):
    """Creates every function; `by_name` maps `TaskFunction.name` to the function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineProps,
        targets: PolicyTargets,
        job_name_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._job_name_prefix = job_name_prefix
        self._targets = targets
        self._code = lambda_code(LAMBDA_CODE_DIR)
        layer_arn = ssm.StringParameter.from_string_parameter_attributes(
            self,
            "PowertoolsLayerArn",
            parameter_name=powertools_parameter_name(config.powertools_layer_version),
            force_dynamic_reference=True,
        ).string_value
        self._powertools = lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", layer_arn)
        self._settings = self._runtime_settings()
        self.by_name: dict[str, lambda_.Function] = {
            entry.name: self._function(entry) for entry in statemachine.TASK_FUNCTIONS
        }
        self.sweeper = self._function(statemachine.SWEEPER_FUNCTION)
        self.by_name[statemachine.SWEEPER_FUNCTION.name] = self.sweeper
        self.training_events = self._function(statemachine.TRAINING_EVENT_FUNCTION)
        self.by_name[statemachine.TRAINING_EVENT_FUNCTION.name] = self.training_events

    def _runtime_settings(self) -> dict[str, str]:
        """Values of every runtime setting name that `statemachine` may list for a function."""
        config, targets = self._config, self._targets
        values = {
            statemachine.BUCKET: targets.bucket.bucket_name,
            statemachine.BEDROCK_ROLE_ARN: targets.service_role.role_arn,
            statemachine.TOPIC_ARN: targets.topic.topic_arn,
            statemachine.DEFAULT_BASE_MODEL_ID: config.base_model_id,
            statemachine.DEFAULT_JUDGE_MODEL_ID: config.judge_model_id,
            statemachine.DEFAULT_POLL_INTERVAL_SECONDS: str(config.poll_interval_seconds),
            statemachine.EXECUTION_TIMEOUT_HOURS: str(config.execution_timeout_hours),
            statemachine.JOB_NAME_PREFIX: self._job_name_prefix,
            statemachine.DEFAULT_CUSTOMIZATION_METHOD: config.customization_method,
            statemachine.DEFAULT_HOSTING: config.hosting,
            statemachine.DEFAULT_KEEP_DEPLOYMENT: "true" if config.keep_deployment else "false",
        }
        # Price overrides and the budget are optional: left out when not configured (the price table
        # in lambdas/shared/prices.py is then used, and no budget is enforced).
        if config.pt_hourly_price_usd is not None:
            values[statemachine.PT_HOURLY_PRICE_USD] = str(config.pt_hourly_price_usd)
        if config.training_price_per_1k_tokens_usd is not None:
            values[statemachine.TRAINING_PRICE_PER_1K_TOKENS_USD] = str(config.training_price_per_1k_tokens_usd)
        if config.price_overrides:
            values[statemachine.PRICE_OVERRIDES] = json.dumps(config.price_overrides, sort_keys=True)
        if config.max_cost_usd is not None:
            values[statemachine.MAX_COST_USD] = str(config.max_cost_usd)
        return values

    def _environment(self, entry: statemachine.TaskFunction) -> dict[str, str]:
        unknown = set(entry.environment) - self._settings.keys() - statemachine.OPTIONAL_SETTINGS
        if unknown:
            raise ValueError(f"{entry.name}: no value for runtime settings {sorted(unknown)}")
        return {name: self._settings[name] for name in entry.environment if name in self._settings}

    def _function(self, entry: statemachine.TaskFunction) -> lambda_.Function:
        stack = Stack.of(self)
        statements = statements_for(entry.name, stack, self._targets)
        function, role = self.build_function(
            self, entry, statements=statements, environment=self._environment(entry), id_prefix=entry.name
        )
        unscoped = unscoped_actions(stack, statements)
        for finding in nag.wildcard_findings(stack, statements):
            nag.acknowledge(
                role.node.default_child,  # type: ignore[arg-type]
                f"{nag.IAM5}[{finding}]",
                wildcard_reason(finding, unscoped),
            )
        return function

    def build_function(
        self,
        scope: Construct,
        entry: statemachine.TaskFunction,
        *,
        statements: Sequence[iam.PolicyStatement],
        environment: Mapping[str, str],
        id_prefix: str = "",
        label: str | None = None,
    ) -> tuple[lambda_.Function, iam.Role]:
        """A function of this stack in `scope`, with the settings every one of them shares.

        The runtime and architecture, the one code asset, the Powertools layer and its environment,
        active tracing, and a log group of its own (`{id_prefix}Logs`, with the configured retention
        and removal policy). Its own role (`{id_prefix}Role`) has exactly `statements` plus writing to
        that log group; `environment` is added to the Powertools settings. The caller acknowledges
        any wildcard of `statements` on the returned role; the X-Ray statement CDK adds is
        acknowledged here.
        """
        log_group = logs.LogGroup(
            scope,
            f"{id_prefix}Logs",
            retention=self._config.log_retention,
            removal_policy=self._config.removal_policy,
        )
        permissions = [
            *statements,
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            ),
        ]
        role = iam.Role(
            scope,
            f"{id_prefix}Role",
            description=f"Lambda function {label or entry.name} of the Bedrock fine-tuning pipeline",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            # Inline, so the permissions exist as soon as the role does.
            inline_policies={"Permissions": iam.PolicyDocument(statements=permissions)},
        )
        function = lambda_.Function(
            scope,
            entry.name,
            description=entry.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self._code,
            handler=entry.handler,
            timeout=Duration.seconds(entry.timeout_seconds),
            memory_size=entry.memory_mb,
            layers=[self._powertools],
            tracing=lambda_.Tracing.ACTIVE,
            role=role,
            log_group=log_group,
            environment={**statemachine.POWERTOOLS_SETTINGS, **environment},
        )
        # CDK adds the X-Ray statement to the role's default policy for active tracing.
        default_policy = role.node.find_child("DefaultPolicy")
        nag.acknowledge(default_policy.node.default_child, f"{nag.IAM5}[Resource::*]", arns.XRAY_REASON)  # type: ignore[arg-type]
        return function, role
