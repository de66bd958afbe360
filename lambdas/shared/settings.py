"""Runtime settings: environment variables set by the stack, validated once, lazily.

Loaded on first use (not at import) so tests can set the environment per test and call
`settings.cache_clear()` without reloading modules.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from shared.errors import InconsistentRunState
from shared.prices import PriceOverrides

DEFAULT_BASE_MODEL_ID = "amazon.nova-micro-v1:0:128k"
DEFAULT_JUDGE_MODEL_ID = "us.amazon.nova-pro-v1:0"
EXECUTION_TIMEOUT_HOURS = "EXECUTION_TIMEOUT_HOURS"
"""The state machine's execution timeout (the run's time budget), set on PreflightChecks."""


class Settings(BaseModel):
    bucket: str = Field(min_length=3)
    bedrock_role_arn: str | None = None
    topic_arn: str | None = None
    default_base_model_id: str = DEFAULT_BASE_MODEL_ID
    default_judge_model_id: str = DEFAULT_JUDGE_MODEL_ID
    default_poll_interval_seconds: int = Field(default=7200, ge=0, le=21600)
    default_customization_method: Literal["supervised", "reinforcement", "distillation"] = "supervised"
    """Stack default of `customization.method` (DEFAULT_CUSTOMIZATION_METHOD)."""
    grader_function_arn: str | None = None
    """The RFT grader Lambda the stack deploys (GRADER_FUNCTION_ARN), sent as `lambdaGrader.lambdaArn`."""
    pt_hourly_price_usd: float | None = Field(default=None, ge=0)
    training_price_per_1k_tokens_usd: float | None = Field(default=None, ge=0)
    price_overrides: PriceOverrides = Field(default_factory=PriceOverrides)
    """Stack-wide price overrides (context `priceOverrides`, JSON in PRICE_OVERRIDES_JSON)."""
    max_cost_usd: float | None = Field(default=None, ge=0)
    """Stack-wide default budget (context `maxCostUsd`); the execution input's `maxCostUsd` replaces it."""
    region: str | None = None
    """Set by Lambda itself (AWS_REGION)."""
    simulated: bool = False

    def stack_prices(self) -> PriceOverrides:
        """`priceOverrides` with the older single-price keys (ptHourlyPriceUsd, trainingPricePer1kTokensUsd)."""
        legacy = PriceOverrides(
            ptPerModelUnitHourUsd=self.pt_hourly_price_usd,
            trainingPer1kTokensUsd=self.training_price_per_1k_tokens_usd,
        )
        return self.price_overrides.merged_over(legacy)

    def require_role(self) -> str:
        if not self.bedrock_role_arn:
            raise InconsistentRunState("BEDROCK_ROLE_ARN is not set for this function")
        return self.bedrock_role_arn


_ENV = {
    "bucket": "PIPELINE_BUCKET",
    "bedrock_role_arn": "BEDROCK_ROLE_ARN",
    "topic_arn": "NOTIFICATION_TOPIC_ARN",
    "default_base_model_id": "DEFAULT_BASE_MODEL_ID",
    "default_judge_model_id": "DEFAULT_JUDGE_MODEL_ID",
    "default_poll_interval_seconds": "DEFAULT_POLL_INTERVAL_SECONDS",
    "default_customization_method": "DEFAULT_CUSTOMIZATION_METHOD",
    "grader_function_arn": "GRADER_FUNCTION_ARN",
    "pt_hourly_price_usd": "PT_HOURLY_PRICE_USD",
    "training_price_per_1k_tokens_usd": "TRAINING_PRICE_PER_1K_TOKENS_USD",
    "price_overrides": "PRICE_OVERRIDES_JSON",
    "max_cost_usd": "MAX_COST_USD",
    "region": "AWS_REGION",
    "simulated": "PIPELINE_SIMULATED",
}


@lru_cache(maxsize=1)
def settings() -> Settings:
    values: dict[str, object] = {field: os.environ[name] for field, name in _ENV.items() if os.environ.get(name)}
    try:
        if "price_overrides" in values:
            values["price_overrides"] = PriceOverrides.model_validate_json(str(values["price_overrides"]))
        return Settings.model_validate(values)
    except ValidationError as error:
        raise InconsistentRunState(f"invalid function configuration: {error}") from error
