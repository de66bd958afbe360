"""The pipeline's settings: `PipelineProps`, the typed props of the BedrockFineTuningPipeline
construct, and how the standalone app reads them from the CDK context (cdk.json or
`-c key=value`) once, validated.

Every context key is optional; `DEFAULTS` holds the value used when a key is absent. Values
given with `-c` arrive as strings, values in cdk.json as JSON types: both are accepted. All
the problems found are reported together in one `ConfigError`; props built in code are checked
by the same rules.
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Node

from bedrock_finetuning.statemachine import LAMBDAS_DIR, contract

POWERTOOLS_VERSION = "3.37.0"
"""Powertools for AWS Lambda (Python) layer version; must equal `aws-lambda-powertools` in
requirements-dev.txt, so the code is tested against the library it runs with
(tests/infra/test_config.py checks this)."""

DEFAULTS: dict[str, Any] = {
    "baseModelId": contract.DEFAULT_BASE_MODEL_ID,
    "judgeModelId": contract.DEFAULT_JUDGE_MODEL_ID,
    "notificationEmail": "",
    "pollIntervalSeconds": 7200,
    "executionTimeoutHours": 72,
    "ptHourlyPriceUsd": 0,
    "trainingPricePer1kTokensUsd": 0,
    "priceOverrides": {},
    "maxCostUsd": 0,
    "logRetentionDays": 30,
    "removalPolicy": "retain",
    "powertoolsLayerVersion": POWERTOOLS_VERSION,
    "customizationMethod": "supervised",
    "hosting": "auto",
    "keepDeployment": True,
}
"""Context keys of this app and their defaults (cdk.json repeats them for discoverability, except
the two model IDs, whose one place is lambdas/shared/contract.py)."""

POLL_INTERVAL_RANGE = (300, 21600)
"""The training wait's safety poll (job events resume the run; see lambdas/shared/work_plan.py)."""
EXECUTION_TIMEOUT_HOURS_RANGE = (1, 8760)
"""Up to 365 days: a Standard workflow may run for at most one year."""

_RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
"""The retention periods CloudWatch Logs accepts."""

_REMOVAL_POLICIES = {"retain": RemovalPolicy.RETAIN, "destroy": RemovalPolicy.DESTROY}
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,2047}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_OWN_KEY_SHAPE = re.compile(r"^[a-z][A-Za-z0-9]*$")
JOB_NAME_PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,7}-$")
"""At most 9 characters: `<prefix><run id (48)>-model` must stay within Bedrock's 63 for a
custom model name (botocore service model, CreateModelCustomizationJob.customModelName)."""
"""Plain camelCase: the shape of this app's keys (CDK's own keys contain `:`, `@` or `-`)."""


class ConfigError(ValueError):
    """One or more context values are invalid; the message lists every problem."""


@dataclass(frozen=True)
class PipelineProps:
    """How a BedrockFineTuningPipeline is set up. Every field has a default: `PipelineProps()`
    is a working pipeline (Nova Micro, on-demand hosting where the family allows it, no budget,
    no e-mail). Invalid values raise `ConfigError` listing every problem."""

    base_model_id: str = contract.DEFAULT_BASE_MODEL_ID
    """Default base model for customization (used when an execution input names none)."""
    judge_model_id: str = contract.DEFAULT_JUDGE_MODEL_ID
    """Default evaluation judge: a model or inference profile (when the input names none)."""
    notification_email: str | None = None
    """Subscribed to the notification topic when given (the address must confirm it)."""
    max_cost_usd: float | None = None
    """Default budget per run in USD: a run quoted above it is refused before anything is paid;
    the execution input's `maxCostUsd` replaces it. None: no budget."""
    poll_interval_seconds: int = 7200
    """Default safety poll of the training wait (job events resume the run first)."""
    execution_timeout_hours: int = 72
    """The state machine's overall TimeoutSeconds, in hours; PreflightChecks refuses models
    whose end of life falls inside it."""
    pt_hourly_price_usd: float | None = None
    """Price of one model unit of provisioned throughput per hour; None: the price table's."""
    training_price_per_1k_tokens_usd: float | None = None
    """Training price per 1,000 tokens; None: the price table's."""
    price_overrides: dict[str, float] = field(default_factory=dict)
    """Prices (USD) replacing the price table's figures (lambdas/shared/prices.py), by override name;
    0 here is a real price of zero. The two keys above are older names for two of them."""
    log_retention_days: int = 30
    """Retention of the functions' and the state machine's logs (a CloudWatch Logs period)."""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    """Of what the construct creates (buckets, key, log groups). RETAIN keeps the data."""
    powertools_layer_version: str = POWERTOOLS_VERSION
    customization_method: str = "supervised"
    """Default `customization.method` of a run: supervised, reinforcement or distillation."""
    hosting: str = "auto"
    """Default `evaluation.hosting` of a run: auto (the cheapest the model family allows: on demand
    for Nova), on-demand or provisioned. An execution input's own value wins."""
    keep_deployment: bool = True
    """Default `evaluation.keepDeployment`: keep an on-demand deployment after a successful run
    (it costs nothing idle; a PT is always deleted). An execution input's own value wins."""
    job_name_prefix: str | None = None
    """Prefix of this instance's customization jobs (and, through them, of its hosting names);
    the job-event rule matches it. None: `ft` + five characters derived from the construct's
    path and stack, unique per instance. 1-9 characters: a lowercase letter, then lowercase
    letters or digits, ending with `-`."""
    existing_bucket: s3.IBucket | None = None
    """Use this bucket instead of creating one. It must send its events to EventBridge
    (`event_bridge_enabled=True`) for uploads under raw/ to start runs; the pipeline reads
    raw/ and writes runs/ only."""
    existing_topic: sns.ITopic | None = None
    """Publish run outcomes and alarms to this topic instead of creating one."""
    existing_topic_key: kms.IKey | None = None
    """The KMS key of `existing_topic` (the functions get GenerateDataKey on it), or, without
    `existing_topic`, the key to encrypt the created topic with instead of creating one."""

    def __post_init__(self) -> None:
        problems = _props_problems(self)
        if problems:
            listed = "\n".join(f"  - {problem}" for problem in problems)
            raise ConfigError(f"Invalid PipelineProps:\n{listed}")

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _RETENTION_DAYS[self.log_retention_days]

    @property
    def execution_timeout_seconds(self) -> int:
        return self.execution_timeout_hours * 3600

    @classmethod
    def from_context(cls, node: Node) -> PipelineProps:
        """Read this app's keys from the construct tree's context (call once, in the stack)."""
        context = node.get_all_context()
        values = {key: context.get(key) for key in DEFAULTS}
        return cls.from_mapping(values, unknown_keys=_unknown_keys(context))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, unknown_keys: list[str] | None = None) -> PipelineProps:
        """Validate raw context values (absent or None: the default)."""
        merged = {key: (DEFAULTS[key] if values.get(key) is None else values[key]) for key in DEFAULTS}
        unknown = sorted({*(unknown_keys or []), *(set(values) - set(DEFAULTS))})
        problems = [_unknown_key_problem(key) for key in unknown]

        def check(key: str, parse: Callable[[Any], Any]) -> Any:
            try:
                return parse(merged[key])
            except ValueError as error:
                problems.append(f"{key}: {error} (got {merged[key]!r})")
                return None

        config = {
            "base_model_id": check("baseModelId", _model_id),
            "judge_model_id": check("judgeModelId", _model_id),
            "notification_email": check("notificationEmail", _optional_email),
            "poll_interval_seconds": check("pollIntervalSeconds", _int_in(*POLL_INTERVAL_RANGE)),
            "execution_timeout_hours": check("executionTimeoutHours", _int_in(*EXECUTION_TIMEOUT_HOURS_RANGE)),
            "pt_hourly_price_usd": check("ptHourlyPriceUsd", _optional_price),
            "training_price_per_1k_tokens_usd": check("trainingPricePer1kTokensUsd", _optional_price),
            "price_overrides": check("priceOverrides", _price_overrides),
            "max_cost_usd": check("maxCostUsd", _optional_price),
            "log_retention_days": check("logRetentionDays", _retention_days),
            "removal_policy": check("removalPolicy", _removal_policy),
            "powertools_layer_version": check("powertoolsLayerVersion", _semver),
            "customization_method": check("customizationMethod", _customization_method),
            "hosting": check("hosting", _hosting),
            "keep_deployment": check("keepDeployment", _bool),
        }
        for legacy, name, value in (
            ("ptHourlyPriceUsd", "ptPerModelUnitHourUsd", config["pt_hourly_price_usd"]),
            ("trainingPricePer1kTokensUsd", "trainingPer1kTokensUsd", config["training_price_per_1k_tokens_usd"]),
        ):
            if value is not None and name in (config["price_overrides"] or {}):
                problems.append(f"{legacy} and priceOverrides.{name} set the same price: give it once")
        if problems:
            listed = "\n".join(f"  - {problem}" for problem in problems)
            raise ConfigError(
                'Invalid CDK context (cdk.json "context" or `-c key=value`):\n'
                f"{listed}\nValid keys and defaults: {DEFAULTS}"
            )
        return cls(**config)


def _props_problems(props: PipelineProps) -> list[str]:
    """The same rules as the context's, on typed values."""
    problems: list[str] = []
    checks: list[tuple[str, Callable[[Any], Any]]] = [
        ("base_model_id", _model_id),
        ("judge_model_id", _model_id),
        ("notification_email", _optional_email),
        ("poll_interval_seconds", _int_in(*POLL_INTERVAL_RANGE)),
        ("execution_timeout_hours", _int_in(*EXECUTION_TIMEOUT_HOURS_RANGE)),
        ("max_cost_usd", _optional_price),
        ("pt_hourly_price_usd", _optional_price),
        ("training_price_per_1k_tokens_usd", _optional_price),
        ("price_overrides", _price_overrides),
        ("log_retention_days", _retention_days),
        ("powertools_layer_version", _semver),
        ("customization_method", _customization_method),
        ("hosting", _hosting),
        ("keep_deployment", _bool),
    ]
    for name, check in checks:
        value = getattr(props, name)
        if value is None and name != "notification_email":
            continue
        try:
            check(value)
        except ValueError as error:
            problems.append(f"{name}: {error} (got {value!r})")
    if not isinstance(props.removal_policy, RemovalPolicy):
        problems.append(f"removal_policy: expected an aws_cdk.RemovalPolicy (got {props.removal_policy!r})")
    prefix = props.job_name_prefix
    if prefix is not None and not (isinstance(prefix, str) and JOB_NAME_PREFIX_PATTERN.match(prefix)):
        problems.append(
            f"job_name_prefix: expected 1-9 characters, a lowercase letter, then lowercase letters or digits, "
            f"ending with '-' (got {prefix!r})"
        )
    return problems


PROPS_FIELDS = tuple(f.name for f in fields(PipelineProps))


def _hosting(value: Any) -> str:
    if value not in contract.HOSTING_REQUESTS:
        raise ValueError(f"expected one of {', '.join(contract.HOSTING_REQUESTS)}")
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _customization_method(value: Any) -> str:
    if value not in contract.CUSTOMIZATION_METHODS:
        raise ValueError(f"expected one of {', '.join(contract.CUSTOMIZATION_METHODS)}")
    return str(value)


def _unknown_keys(context: Mapping[str, Any]) -> list[str]:
    """Keys shaped like ours that we do not know: most likely a typo (`-c notificationEmial=...`)."""
    return sorted(key for key in context if _OWN_KEY_SHAPE.match(key) and key not in DEFAULTS)


def _unknown_key_problem(key: str) -> str:
    close = difflib.get_close_matches(key, DEFAULTS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{key}: not a context key of this app{hint}"


def _int_in(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number from {low} to {high}")
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return value

    return parse


def _optional_price(value: Any) -> float | None:
    """0 (the default) or an empty string means "not configured": no cost estimate."""
    if isinstance(value, str) and value.strip() == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected a price in USD (a number >= 0; 0 means not configured)")
    try:
        price = float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a price in USD (a number >= 0; 0 means not configured)") from None
    if not math.isfinite(price) or price < 0:
        raise ValueError("expected a price in USD (a number >= 0; 0 means not configured)")
    return price or None


def _price_override_keys() -> tuple[str, ...]:
    """The field names of `PriceOverrides` in lambdas/shared/prices.py, read from its source: the
    names are stated there once, and the CDK app does not import the Lambda asset's packages."""
    path = LAMBDAS_DIR / "shared" / "prices.py"
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == "PriceOverrides":
            return tuple(
                item.target.id
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            )
    raise ImportError(f"no class PriceOverrides in {path}")


PRICE_OVERRIDE_KEYS = _price_override_keys()
"""The names of lambdas/shared/prices.py PriceOverrides."""


def _price_overrides(value: Any) -> dict[str, float]:
    """A JSON object (or its text, from `-c priceOverrides='{...}'`) of override name -> USD >= 0."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            raise ValueError("expected a JSON object of price names to USD amounts") from None
    if not isinstance(value, Mapping):
        raise ValueError("expected a JSON object of price names to USD amounts")
    prices: dict[str, float] = {}
    for name, price in value.items():
        if name not in PRICE_OVERRIDE_KEYS:
            raise ValueError(f"unknown price {name!r}; known: {', '.join(PRICE_OVERRIDE_KEYS)}")
        number = None if isinstance(price, bool) else price
        if isinstance(number, str):
            try:
                number = float(number)
            except ValueError:
                number = None
        if not isinstance(number, int | float) or not math.isfinite(number) or number < 0:
            raise ValueError(f"{name}: expected a price in USD (a number >= 0)")
        prices[name] = float(number)
    return prices


def _retention_days(value: Any) -> int:
    message = f"expected one of the retention periods CloudWatch Logs accepts: {list(_RETENTION_DAYS)}"
    try:
        days = _int_in(1, 3653)(value)
    except ValueError:
        raise ValueError(message) from None
    if days not in _RETENTION_DAYS:
        raise ValueError(message)
    return days


def _removal_policy(value: Any) -> RemovalPolicy:
    policy = _REMOVAL_POLICIES.get(str(value).strip().lower())
    if policy is None:
        raise ValueError('expected "retain" or "destroy"')
    return policy


def _model_id(value: Any) -> str:
    if not isinstance(value, str) or not _MODEL_ID.match(value):
        raise ValueError("expected a Bedrock model id, inference profile id or ARN")
    return value


def _optional_email(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise ValueError("expected an e-mail address (or leave it empty for no subscription)")
    return value.strip()


def _semver(value: Any) -> str:
    if not isinstance(value, str) or not _SEMVER.match(value):
        raise ValueError('expected a Powertools release like "3.37.0" (a published layer version)')
    return value
