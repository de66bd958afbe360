"""ARNs and S3 statements shared by the IAM policies, with the reason each wildcard is needed.

The reasons are used verbatim as cdk-nag acknowledgements (AwsSolutions-IAM5), next to the
statements that need them.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from bedrock_finetuning.stacks.constructs.data_bucket import RAW_PREFIX, RUNS_PREFIX

RUN_PREFIX_REASON = (
    "Run ids are created per execution at run time, so S3 access is scoped to the run layout "
    "(runs/<run-id>/<data|output|eval|report>/...) rather than to single keys, and s3:ListBucket "
    "is limited to the runs/ prefix. The bucket is private, TLS-only and versioned, and no "
    "pipeline role may delete objects."
)
RAW_PREFIX_REASON = (
    "Users upload raw QA files under raw/ with names that are not known at deploy time; this "
    "role may only read them (no write or delete under raw/), and the bucket is private, "
    "TLS-only and versioned."
)
FOUNDATION_MODEL_REASON = (
    "The model is chosen per execution (execution input or the stack default), so it cannot "
    "be named at deploy time. Foundation models are AWS-owned, read-only resources without an "
    "account in their ARN, and any Region is allowed because cross-Region inference profiles "
    "route requests to foundation models in other Regions. Only the listed bedrock actions are "
    "granted on them."
)
INFERENCE_PROFILE_REASON = (
    "The model may be a cross-Region inference profile chosen per execution (for example "
    "us.amazon.nova-pro-v1:0), whose ARN carries the Region of the call; access is limited to "
    "inference profiles of this account and to bedrock:InvokeModel and bedrock:GetInferenceProfile."
)
CUSTOMIZATION_JOB_REASON = (
    "Customization job ARNs end in an id that Bedrock assigns when the job is created, so they "
    "cannot be named at deploy time; access is limited to customization jobs of this account "
    "and Region, and every job the pipeline creates is tagged with its run id."
)
CUSTOM_MODEL_REASON = (
    "Custom models are created by the run's customization job and their ARNs end in an id "
    "that Bedrock assigns, so they cannot be named at deploy time; access is limited to custom "
    "models of this account and Region."
)
PROVISIONED_MODEL_REASON = (
    "Provisioned throughputs are bought per run and their ARNs end in an id that Bedrock "
    "assigns, so they cannot be named at deploy time; access is limited to provisioned models "
    "of this account and Region, each carries its run's tags, and the sweeper deletes any "
    "that a failed run leaves behind."
)
DEPLOYMENT_REASON = (
    "On-demand custom model deployments are created per run and their ARNs end in an id that "
    "Bedrock assigns, so they cannot be named at deploy time; access is limited to deployments "
    "of this account and Region, each carries its run's tags, and the sweeper deletes any that "
    "a failed run leaves behind."
)
UNSCOPED_ACTIONS = {
    "bedrock:ListCustomModelDeployments": "finds the deployments a failed run left, by tag",
    "bedrock:ListModelCustomizationJobs": "finds this run's job by name for idempotent retries and clean-up",
    "bedrock:ListProvisionedModelThroughputs": (
        "finds the throughputs a failed run left, by tag, and the model units the account already holds"
    ),
    "servicequotas:GetServiceQuota": "reads the applied provisioned-throughput quota before anything is paid",
    "servicequotas:GetAWSDefaultServiceQuota": "reads its AWS default when no value is applied",
    "servicequotas:ListServiceQuotas": "finds the per-model provisioned-throughput quota by name",
    "servicequotas:ListAWSDefaultServiceQuotas": "finds the per-model quota's default when none is applied",
    "pricing:GetProducts": "reads Bedrock's public prices from the AWS Price List for the run's cost quote",
}
"""The only actions granted on Resource '*', and what each is used for.

Service Quotas: the Service Authorization Reference (list_servicequotas.html) could not be read
to confirm a `quota` resource type for these four read actions; a wrong scope would make
every provisioned run fail closed in preflight, so they stay on '*' (read-only, Bedrock's
quotas only by the ServiceCode the code passes)."""
QUOTA_ACTIONS = frozenset(
    {
        "servicequotas:GetServiceQuota",
        "servicequotas:GetAWSDefaultServiceQuota",
        "servicequotas:ListServiceQuotas",
        "servicequotas:ListAWSDefaultServiceQuotas",
    }
)


def unscoped_reason(actions: set[str]) -> str:
    """The reason for Resource '*' in a policy that grants `actions` on it."""
    uses = "; ".join(f"{action} {UNSCOPED_ACTIONS[action]}" for action in sorted(actions))
    return (
        "These actions do not support resource-level permissions (the IAM service authorization "
        "reference lists no resource type for them), so they require Resource '*'. They are "
        f"read-only list calls: {uses}."
    )


XRAY_REASON = (
    "Added by CDK for active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords "
    "do not support resource-level permissions, so they require Resource '*'. They only write "
    "trace data for this function."
)


def run_objects(bucket: s3.IBucket, area: str) -> str:
    """Objects of one area of every run: `<bucket>/runs/*/<area>/*`."""
    return bucket.arn_for_objects(f"{RUNS_PREFIX}*/{area}/*")


def all_run_objects(bucket: s3.IBucket) -> str:
    return bucket.arn_for_objects(f"{RUNS_PREFIX}*")


def raw_objects(bucket: s3.IBucket) -> str:
    return bucket.arn_for_objects(f"{RAW_PREFIX}*")


CLAIMS_PREFIX = f"{RUNS_PREFIX}_claims/"
"""One small object per S3 upload, written with a conditional put, so that a second delivery
of the same upload event does not start a second paid job (lambdas/preprocess/logic.py)."""


def claim_objects(bucket: s3.IBucket) -> str:
    return bucket.arn_for_objects(f"{CLAIMS_PREFIX}*")


def list_runs(bucket: s3.IBucket, sid: str = "ListRunObjects", prefix: str = RUNS_PREFIX) -> iam.PolicyStatement:
    """s3:ListBucket on the bucket, for keys under one prefix only (runs/ unless given)."""
    return iam.PolicyStatement(
        sid=sid,
        actions=["s3:ListBucket"],
        resources=[bucket.bucket_arn],
        conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
    )


def foundation_models(stack: Stack) -> str:
    """Every foundation model in every Region (their ARNs have no account)."""
    return f"arn:{stack.partition}:bedrock:*::foundation-model/*"


def bedrock(stack: Stack, resource_type: str, *, any_region: bool = False) -> str:
    """`arn:<partition>:bedrock:<region>:<account>:<resource_type>/*` of this account."""
    return stack.format_arn(
        service="bedrock",
        region="*" if any_region else None,
        resource=resource_type,
        resource_name="*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
