"""Runtime settings: environment variables set by the stack, validated once, lazily.

Loaded on first use (not at import) so tests can set the environment per test and call
`settings.cache_clear()` without reloading modules.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError

from shared import contract
from shared.contract import DEFAULT_BASE_MODEL_ID, DEFAULT_JUDGE_MODEL_ID, EXECUTION_TIMEOUT_HOURS
from shared.errors import InconsistentRunState
from shared.families import CustomizationMethod, HostingRequest
from shared.prices import PriceOverrides

__all__ = ["DEFAULT_BASE_MODEL_ID", "DEFAULT_JUDGE_MODEL_ID", "EXECUTION_TIMEOUT_HOURS", "Settings", "settings"]


class Settings(BaseModel):
    bucket: str = Field(min_length=3)
    bedrock_role_arn: str | None = None
    topic_arn: str | None = None
    default_base_model_id: str = DEFAULT_BASE_MODEL_ID
    default_judge_model_id: str = DEFAULT_JUDGE_MODEL_ID
    default_poll_interval_seconds: int = Field(default=7200, ge=0, le=21600)
    default_customization_method: CustomizationMethod = "supervised"
    """Stack default of `customization.method` (DEFAULT_CUSTOMIZATION_METHOD)."""
    default_hosting: HostingRequest = "auto"
    """Stack default of `evaluation.hosting` (DEFAULT_HOSTING)."""
    default_keep_deployment: bool = True
    """Stack default of `evaluation.keepDeployment` (DEFAULT_KEEP_DEPLOYMENT)."""
    grader_function_arn: str | None = None
    """The RFT grader Lambda the stack deploys (GRADER_FUNCTION_ARN), sent as `lambdaGrader.lambdaArn`."""
    pt_hourly_price_usd: float | None = Field(default=None, ge=0)
    training_price_per_1k_tokens_usd: float | None = Field(default=None, ge=0)
    price_overrides: PriceOverrides = Field(default_factory=PriceOverrides)
    """Stack-wide price overrides (context `priceOverrides`, JSON in PRICE_OVERRIDES_JSON)."""
    max_cost_usd: float | None = Field(default=None, ge=0)
    """Stack-wide default budget (context `maxCostUsd`); the execution input's `maxCostUsd` replaces it."""
    job_name_prefix: str = Field(default=contract.DEFAULT_JOB_NAME_PREFIX, pattern=r"^[a-z][a-z0-9]{0,7}-$")
    """This deployment's job-name prefix (shared.naming): another deployment's jobs are not ours."""
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
    "bucket": contract.BUCKET,
    "bedrock_role_arn": contract.BEDROCK_ROLE_ARN,
    "topic_arn": contract.TOPIC_ARN,
    "default_base_model_id": contract.DEFAULT_BASE_MODEL_ID_ENV,
    "default_judge_model_id": contract.DEFAULT_JUDGE_MODEL_ID_ENV,
    "default_poll_interval_seconds": contract.DEFAULT_POLL_INTERVAL_SECONDS,
    "default_customization_method": contract.DEFAULT_CUSTOMIZATION_METHOD,
    "default_hosting": contract.DEFAULT_HOSTING,
    "default_keep_deployment": contract.DEFAULT_KEEP_DEPLOYMENT,
    "grader_function_arn": contract.GRADER_FUNCTION_ARN,
    "pt_hourly_price_usd": contract.PT_HOURLY_PRICE_USD,
    "training_price_per_1k_tokens_usd": contract.TRAINING_PRICE_PER_1K_TOKENS_USD,
    "price_overrides": contract.PRICE_OVERRIDES,
    "max_cost_usd": contract.MAX_COST_USD,
    "job_name_prefix": contract.JOB_NAME_PREFIX,
    "region": contract.REGION,
    "simulated": contract.SIMULATED,
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
