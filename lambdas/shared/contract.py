"""What the CDK side and the functions agree on: the functions' environment variable names,
the default models and the default job-name prefix. Stated here once.

Plain constants and no imports: the functions import this module (`shared.contract`), and
`statemachine/` (the CDK app and the local runner, which cannot import the Lambda asset's
packages) loads this file by its path. The price override names have their one place in
`shared.prices.PriceOverrides`.
"""

DEFAULT_BASE_MODEL_ID = "amazon.nova-micro-v1:0:128k"
"""Base model to customize when neither the execution input nor the deployment names one."""
DEFAULT_JUDGE_MODEL_ID = "us.amazon.nova-pro-v1:0"
"""Judge model (or inference profile) when neither the input nor the deployment names one."""
DEFAULT_JOB_NAME_PREFIX = "ft-"
"""Prefix of the customization jobs (ft-<run-id>) when the deployment sets none (the local runner)."""

POWERTOOLS_SERVICE_NAME = "bedrock-finetuning"
POWERTOOLS_METRICS_NAMESPACE = "BedrockFineTuningPipeline"
LOG_LEVEL = "INFO"
"""The level every deployed function logs at (POWERTOOLS_LOG_LEVEL). The local runner and the tests
run the handlers at it too: a record that Python's logging refuses (an `extra` key it reserves,
such as `name`) fails only when its level is enabled."""

# Environment variable names (runtime settings), set by the stack, read by shared.settings.
BUCKET = "PIPELINE_BUCKET"
BEDROCK_ROLE_ARN = "BEDROCK_ROLE_ARN"
TOPIC_ARN = "NOTIFICATION_TOPIC_ARN"
DEFAULT_BASE_MODEL_ID_ENV = "DEFAULT_BASE_MODEL_ID"
DEFAULT_JUDGE_MODEL_ID_ENV = "DEFAULT_JUDGE_MODEL_ID"
DEFAULT_POLL_INTERVAL_SECONDS = "DEFAULT_POLL_INTERVAL_SECONDS"
PT_HOURLY_PRICE_USD = "PT_HOURLY_PRICE_USD"
TRAINING_PRICE_PER_1K_TOKENS_USD = "TRAINING_PRICE_PER_1K_TOKENS_USD"
PRICE_OVERRIDES = "PRICE_OVERRIDES_JSON"
MAX_COST_USD = "MAX_COST_USD"
EXECUTION_TIMEOUT_HOURS = "EXECUTION_TIMEOUT_HOURS"
"""The execution timeout: PreflightChecks refuses models whose end of life falls inside it."""
JOB_NAME_PREFIX = "JOB_NAME_PREFIX"
"""This deployment's prefix of job and hosting names: its events and resources are told apart
from another deployment's in the same account by it."""
SIMULATED = "PIPELINE_SIMULATED"
"""Set only by the local runner: every artefact of a simulated run is labelled as such."""
REGION = "AWS_REGION"
"""Set by Lambda itself."""
DEFAULT_CUSTOMIZATION_METHOD = "DEFAULT_CUSTOMIZATION_METHOD"
"""Stack default of `customization.method` (supervised, reinforcement or distillation)."""
GRADER_FUNCTION_ARN = "GRADER_FUNCTION_ARN"
"""The RFT grader Lambda's ARN, sent by StartCustomizationJob as `lambdaGrader.lambdaArn`."""
JUDGE_MODEL_ID = "JUDGE_MODEL_ID"
"""The one model the grader Lambda may call (its IAM policy names exactly this model)."""
CUSTOMIZATION_METHODS = ("supervised", "reinforcement", "distillation")
"""The values of `customization.method` (the stack default and the execution input)."""
DEFAULT_HOSTING = "DEFAULT_HOSTING"
"""Stack default of `evaluation.hosting` (auto, on-demand or provisioned)."""
DEFAULT_KEEP_DEPLOYMENT = "DEFAULT_KEEP_DEPLOYMENT"
"""Stack default of `evaluation.keepDeployment` (true or false)."""
HOSTING_REQUESTS = ("auto", "on-demand", "provisioned")
"""The values of `evaluation.hosting` (the stack default and the execution input)."""
