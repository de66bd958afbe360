"""The pipeline's workflow definition and the Lambda functions it calls.

This module is the single source of truth shared by the CDK stack (which creates one
function per entry and passes its ARN as a definition substitution) and the local runner
(which creates the same functions on moto and substitutes their ARNs the same way).
It imports nothing from CDK or boto3.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

DEFINITION_PATH = Path(__file__).with_name("pipeline.asl.yaml")
LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"
"""The Lambda code asset: `lambdas/` beside this package, in the repository and in the
installed distribution alike (pyproject.toml maps both folders into `bedrock_finetuning`)."""
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@dataclass(frozen=True)
class TaskFunction:
    """One Lambda function referenced by the state machine."""

    name: str
    """PascalCase step name; also the construct id and the prefix of the substitution key."""
    handler: str
    """Handler string relative to the `lambdas/` code asset."""
    description: str
    timeout_seconds: int
    memory_mb: int
    environment: tuple[str, ...]
    """Names of the runtime settings (environment variables) this function needs."""

    @property
    def substitution_key(self) -> str:
        return f"{self.name}FunctionArn"


def _load_contract() -> ModuleType:
    """lambdas/shared/contract.py, by its path: the names the functions read are stated there
    once. (The Lambda asset's packages are not importable from here, and must not be: `shared`
    would clash in a CDK app.) The file has no imports, so loading it runs nothing else."""
    path = LAMBDAS_DIR / "shared" / "contract.py"
    spec = importlib.util.spec_from_file_location("_bedrock_finetuning_contract", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


contract = _load_contract()

# Runtime setting names (environment variables), read by lambdas/shared/settings.py.
BUCKET: str = contract.BUCKET
BEDROCK_ROLE_ARN: str = contract.BEDROCK_ROLE_ARN
TOPIC_ARN: str = contract.TOPIC_ARN
DEFAULT_BASE_MODEL_ID: str = contract.DEFAULT_BASE_MODEL_ID_ENV
DEFAULT_JUDGE_MODEL_ID: str = contract.DEFAULT_JUDGE_MODEL_ID_ENV
DEFAULT_POLL_INTERVAL_SECONDS: str = contract.DEFAULT_POLL_INTERVAL_SECONDS
PT_HOURLY_PRICE_USD: str = contract.PT_HOURLY_PRICE_USD
TRAINING_PRICE_PER_1K_TOKENS_USD: str = contract.TRAINING_PRICE_PER_1K_TOKENS_USD
PRICE_OVERRIDES: str = contract.PRICE_OVERRIDES
MAX_COST_USD: str = contract.MAX_COST_USD
EXECUTION_TIMEOUT_HOURS: str = contract.EXECUTION_TIMEOUT_HOURS
JOB_NAME_PREFIX: str = contract.JOB_NAME_PREFIX
SIMULATED: str = contract.SIMULATED
DEFAULT_CUSTOMIZATION_METHOD: str = contract.DEFAULT_CUSTOMIZATION_METHOD
DEFAULT_HOSTING: str = contract.DEFAULT_HOSTING
DEFAULT_KEEP_DEPLOYMENT: str = contract.DEFAULT_KEEP_DEPLOYMENT
GRADER_FUNCTION_ARN: str = contract.GRADER_FUNCTION_ARN
JUDGE_MODEL_ID: str = contract.JUDGE_MODEL_ID
POWERTOOLS_SETTINGS: dict[str, str] = {
    "POWERTOOLS_SERVICE_NAME": contract.POWERTOOLS_SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": contract.POWERTOOLS_METRICS_NAMESPACE,
    "POWERTOOLS_LOG_LEVEL": contract.LOG_LEVEL,
}
"""Every function's Powertools environment, deployed and local."""
LOG_LEVEL: str = contract.LOG_LEVEL
OPTIONAL_SETTINGS = frozenset(
    {
        PT_HOURLY_PRICE_USD,
        TRAINING_PRICE_PER_1K_TOKENS_USD,
        PRICE_OVERRIDES,
        MAX_COST_USD,
        GRADER_FUNCTION_ARN,  # set by the grader construct itself (stacks/constructs/grader.py)
    }
)
"""Left out of a function's environment when the stack configuration does not set them."""

_PREPROCESS_ENV = (
    BUCKET,
    JOB_NAME_PREFIX,
    DEFAULT_BASE_MODEL_ID,
    DEFAULT_JUDGE_MODEL_ID,
    DEFAULT_POLL_INTERVAL_SECONDS,
    # The cost quote and the budget (shared/quote.py) are computed here, before anything is paid.
    PT_HOURLY_PRICE_USD,
    TRAINING_PRICE_PER_1K_TOKENS_USD,
    PRICE_OVERRIDES,
    MAX_COST_USD,
    DEFAULT_CUSTOMIZATION_METHOD,
)

TASK_FUNCTIONS: tuple[TaskFunction, ...] = (
    TaskFunction(
        "PreprocessDataset",
        "preprocess.handler.lambda_handler",
        "Validates raw QA data and writes the model family's JSONL",
        900,
        4096,
        _PREPROCESS_ENV,
    ),
    TaskFunction(
        "PreflightChecks",
        "preflight.handler.lambda_handler",
        "Checks base model, judge access and throughput quota before anything is paid",
        60,
        256,
        (BUCKET, EXECUTION_TIMEOUT_HOURS),
    ),
    TaskFunction(
        "StartCustomizationJob",
        "start_job.handler.lambda_handler",
        "Starts the Bedrock model customization job",
        60,
        256,
        (BUCKET, BEDROCK_ROLE_ARN, GRADER_FUNCTION_ARN),
    ),
    TaskFunction(
        "AwaitTrainingEvent",
        "training_wait.handler.await_handler",
        "Stores the training wait's task token and resumes at once if the job has ended (safety check)",
        60,
        256,
        (BUCKET,),
    ),
    TaskFunction(
        "AnswerWithBaseModel",
        "answer.handler.lambda_handler",
        "Answers evaluation questions with the base model (on demand)",
        900,
        512,
        (BUCKET,),
    ),
    TaskFunction(
        "AnswerWithFineTunedModel",
        "answer.handler.lambda_handler",
        "Answers evaluation questions through the deployment or provisioned throughput",
        900,
        512,
        (BUCKET,),
    ),
    TaskFunction(
        "CreateHosting",
        "hosting.create.lambda_handler",
        "Hosts the custom model: on-demand deployment or provisioned throughput, by the run's hosting",
        60,
        256,
        (BUCKET,),
    ),
    TaskFunction(
        "CheckHosting",
        "hosting.check.lambda_handler",
        "Reads the status of the run's deployment or provisioned throughput",
        60,
        256,
        (BUCKET,),
    ),
    TaskFunction(
        "DeleteHosting",
        "hosting.delete.lambda_handler",
        "Deletes the run's deployment or provisioned throughput and confirms it is gone",
        60,
        256,
        (BUCKET,),
    ),
    TaskFunction(
        "JudgeAnswers",
        "judge.handler.lambda_handler",
        "Scores base and fine-tuned answers with an LLM judge",
        900,
        512,
        (BUCKET,),
    ),
    TaskFunction(
        "BuildReport",
        "report.handler.lambda_handler",
        "Writes results.json, report.md and index.html",
        300,
        1024,
        (BUCKET,),
    ),
    TaskFunction(
        "NotifyRun",
        "notify.handler.lambda_handler",
        "Publishes the run's outcome to the notification topic",
        60,
        256,
        (BUCKET, TOPIC_ARN),
    ),
)


BUCKET_NAME_SUBSTITUTION = "PipelineBucketName"
"""The pipeline bucket's name, for the Distributed Maps' ResultWriter. A static value (not a path into
the state): moto 5.2.5 evaluates ResultWriter paths against the Map's results instead of its input
(docs/performance.md, "Evaluation at scale")."""
MAP_RESULTS_PREFIX = "map-runs/"
"""Where the Distributed Maps' ResultWriter writes (`<prefix><map-run-id>/manifest.json`
and result files). Outside raw/ (no run is triggered) and outside runs/<run-id>/, because the
prefix cannot name the run (see BUCKET_NAME_SUBSTITUTION); each map run has its own folder."""


def load_definition(timeout_seconds: int | None = None) -> str:
    """Return the workflow as ASL JSON, with the execution timeout replaced when given.

    The file is YAML so that each retry and catch policy is written once (anchors); its own
    top-level `x-...` keys hold those anchors and are dropped here. Placeholders `${...}` are
    left in place: CDK resolves them through `definition_substitutions`, the local runner
    through `substitute`.
    """
    definition: dict[str, Any] = yaml.safe_load(DEFINITION_PATH.read_text(encoding="utf-8"))
    definition = {key: value for key, value in definition.items() if not key.startswith("x-")}
    if timeout_seconds is not None:
        definition["TimeoutSeconds"] = timeout_seconds
    return json.dumps(definition, indent=2, ensure_ascii=False)


def placeholders(definition: str) -> set[str]:
    return set(PLACEHOLDER.findall(definition))


def substitute(definition: str, values: dict[str, str]) -> str:
    """Replace every `${Key}`; a placeholder without a value is an error."""
    missing = placeholders(definition) - values.keys()
    if missing:
        raise KeyError(f"no value for definition substitutions: {sorted(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], definition)


SWEEPER_FUNCTION = TaskFunction(
    "SweepRun",
    "sweeper.handler.lambda_handler",
    "Safety net: deletes deployments and provisioned throughputs (and stops training) of runs that ended badly",
    300,
    256,
    (BUCKET, TOPIC_ARN, JOB_NAME_PREFIX),
)
"""Not part of the workflow: started by an EventBridge rule when an execution ends ABORTED,
TIMED_OUT or FAILED. It finds resources by the execution-ARN tag every paid resource carries."""

TRAINING_EVENT_FUNCTION = TaskFunction(
    "ResumeOnTrainingEvent",
    "training_wait.handler.event_handler",
    "Resumes a run's training wait when its customization job ends (job state-change event)",
    60,
    256,
    (BUCKET, JOB_NAME_PREFIX),
)
"""Not part of the workflow: the target of the EventBridge rule on Bedrock's "Model
Customization Job State Change" events. It completes the AwaitTrainingEvent task token."""


GRADER_FUNCTION = TaskFunction(
    "GradeResponses",
    "grader.handler.lambda_handler",
    "Reinforcement fine-tuning grader: Bedrock invokes it with sampled responses, it returns rewards",
    # AWS: raise the grader's timeout from Lambda's 3 s default, up to 15 minutes
    # (https://docs.aws.amazon.com/bedrock/latest/userguide/reward-functions.html).
    900,
    512,
    (JUDGE_MODEL_ID,),
)
"""Not a task of the workflow: Bedrock's RFT job invokes it (stacks/constructs/grader.py)."""
