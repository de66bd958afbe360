"""The simulated foundation-model catalog: GetFoundationModel and ListFoundationModels, and the
facts other services check against it (which models can be fine-tuned, and where).

The models are those of the pipeline's registry with their base models (localrun/sim_models.py).
Looked up through this module's `CATALOG` at call time, so a test can swap a model's row.
"""

from __future__ import annotations

from typing import Any

from . import sim_models
from .sim_common import Handlers, not_found
from .sim_models import FoundationModel

CATALOG: tuple[FoundationModel, ...] = sim_models.catalog()
"""Every customizable model of the registry and its base model (see localrun.sim_models)."""
CUSTOMIZATION_REGIONS: dict[str, tuple[str, ...]] = {
    "amazon.nova-": ("us-east-1",),
    "anthropic.claude-3-haiku": ("us-west-2",),
    "meta.llama3": ("us-west-2",),
}
"""Where Bedrock fine-tunes each model, by ID prefix ("Single-region model support" in
https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html). Kept here, apart
from the pipeline's registry, so a test can show that the two agree."""


def customizable_here(base: str, region: str) -> bool:
    regions = next((r for prefix, r in CUSTOMIZATION_REGIONS.items() if base.startswith(prefix)), None)
    return regions is None or region in regions


def fine_tunable(base: str) -> bool:
    return any(m.model_id == base and "FINE_TUNING" in m.customizations for m in CATALOG)


def is_legacy(base: str) -> bool:
    return any(m.model_id == base and m.lifecycle == "LEGACY" for m in CATALOG)


class SimulatedCatalog:
    def __init__(self, region: str) -> None:
        self.region = region

    def handlers(self) -> Handlers:
        return {"GetFoundationModel": self._get, "ListFoundationModels": self._list}

    def summary(self, model: FoundationModel) -> dict[str, Any]:
        return {
            "modelArn": f"arn:aws:bedrock:{self.region}::foundation-model/{model.model_id}",
            "modelId": model.model_id,
            "modelName": model.name,
            "providerName": model.name.split()[0],
            "customizationsSupported": list(model.customizations),
            "inferenceTypesSupported": list(model.inference_types),
            "modelLifecycle": {"status": model.lifecycle}
            | ({"endOfLifeTime": model.end_of_life} if model.end_of_life else {}),
            "inputModalities": ["TEXT"],
            "outputModalities": ["TEXT"],
            "responseStreamingSupported": True,
        }

    def _get(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        wanted = path["modelIdentifier"].split("foundation-model/")[-1]
        for model in CATALOG:
            if model.model_id == wanted:
                return {"modelDetails": self.summary(model)}
        raise not_found(f"Foundation model {wanted}")

    def _list(self, *_: Any) -> dict[str, Any]:
        return {"modelSummaries": [self.summary(model) for model in CATALOG]}
