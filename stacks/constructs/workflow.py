"""The Step Functions state machine, from statemachine/pipeline.asl.yaml, with its logs and role."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks import nag
from bedrock_finetuning.stacks.constructs import arns

LAMBDA_QUALIFIER_REASON = (
    "lambda:InvokeFunction is granted on the state machine's own functions only; the ':*' "
    "form covers versions and aliases (qualified ARNs) of exactly those functions, as Step "
    "Functions' own Lambda integration grants it."
)
SERVICE_LOGS_AND_TRACING_REASON = (
    "Added by CDK for the state machine's logging and tracing: the CloudWatch Logs "
    "log-delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, "
    "DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, "
    "DescribeLogGroups) and the X-Ray write actions (xray:PutTraceSegments, "
    "PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) do not support resource-level "
    "permissions, so they require Resource '*'. None of them reads pipeline data."
)
DISTRIBUTED_MAP_REASON = (
    "The Distributed Maps (evaluation above 1,000 questions) run each batch as a child execution of "
    "this state machine: DescribeExecution/StopExecution on its own executions only ('<name>/*' is "
    "the child executions' ARN form); the ItemReader reads only the runs' batch lists "
    "(runs/*/data/eval-batches.json: the run id is known at run time only) and the ResultWriter "
    "writes only under map-runs/ (one folder per map run, named by Step Functions), as in "
    "https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html."
)


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        bucket: s3.IBucket,
        timeout_seconds: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        task_functions = [functions[entry.name] for entry in statemachine.TASK_FUNCTIONS]

        invoke = iam.PolicyStatement(
            sid="InvokePipelineFunctions",
            actions=["lambda:InvokeFunction"],
            resources=[
                arn for function in task_functions for arn in (function.function_arn, f"{function.function_arn}:*")
            ],
        )
        self.role = iam.Role(
            self,
            "Role",
            description="Runs the Bedrock fine-tuning pipeline's state machine",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="states",
                            resource="stateMachine",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            ),
            # Written out: CDK cannot infer grants from a definition loaded from a file.
            inline_policies={"InvokeFunctions": iam.PolicyDocument(statements=[invoke])},
        )
        nag.acknowledge_wildcards(
            self.role.node.default_child,  # type: ignore[arg-type]
            [invoke],
            LAMBDA_QUALIFIER_REASON,
        )

        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=removal_policy)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(
                statemachine.load_definition(timeout_seconds=timeout_seconds)
            ),
            definition_substitutions={
                **{entry.substitution_key: functions[entry.name].function_arn for entry in statemachine.TASK_FUNCTIONS},
                statemachine.BUCKET_NAME_SUBSTITUTION: bucket.bucket_name,
            },
            role=self.role,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                # Every state's input and output would otherwise be logged: they carry
                # training questions, answers and judge verdicts, which must stay in S3.
                include_execution_data=False,
            ),
        )
        self._allow_distributed_maps(bucket)
        default_policy = self.role.node.find_child("DefaultPolicy")
        nag.acknowledge(
            default_policy.node.default_child,  # type: ignore[arg-type]
            f"{nag.IAM5}[Resource::*]",
            SERVICE_LOGS_AND_TRACING_REASON,
        )

    def _allow_distributed_maps(self, bucket: s3.IBucket) -> None:
        """A separate policy: it names the state machine, which itself depends on the role."""
        stack = Stack.of(self)
        statements = [
            iam.PolicyStatement(
                sid="StartChildExecutions",
                actions=["states:StartExecution"],
                resources=[self.state_machine.state_machine_arn],
            ),
            iam.PolicyStatement(
                sid="ManageChildExecutions",
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{self.state_machine.state_machine_name}/*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="ReadBatchLists",
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{arns.RUNS_PREFIX}*/data/eval-batches.json")],
            ),
            iam.PolicyStatement(
                sid="WriteMapResults",
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{statemachine.MAP_RESULTS_PREFIX}*")],
            ),
        ]
        policy = iam.Policy(self, "DistributedMaps", roles=[self.role], statements=statements)
        nag.acknowledge_wildcards(policy.node.default_child, statements, DISTRIBUTED_MAP_REASON)  # type: ignore[arg-type]
