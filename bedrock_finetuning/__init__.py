"""Amazon Bedrock fine-tuning pipeline, as a CDK construct for your own app.

    from bedrock_finetuning import BedrockFineTuningPipeline, PipelineProps

    pipeline = BedrockFineTuningPipeline(self, "FineTuning", props=PipelineProps(max_cost_usd=50))

The distribution (pyproject.toml) maps the repository's folders into this package:
`bedrock_finetuning.stacks` (the construct), `bedrock_finetuning.statemachine` (the workflow),
`bedrock_finetuning/lambdas` (the functions' code, package data), and for the `bft` command
`bedrock_finetuning.cli` with the local simulation `bedrock_finetuning.localrun`. In a checkout of the
repository, the same folders are found beside this one.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

_HERE = Path(__file__).resolve().parent
if not (_HERE / "stacks").is_dir() and (_HERE.parent / "stacks" / "__init__.py").is_file():
    # A checkout (not an installed distribution): stacks/, statemachine/ and lambdas/ are the
    # repository's top-level folders. Only this package's own subpackages are found there.
    __path__.append(str(_HERE.parent))

if TYPE_CHECKING:
    from bedrock_finetuning.stacks.config import ConfigError, PipelineProps
    from bedrock_finetuning.stacks.construct import BedrockFineTuningPipeline

__all__ = ["BedrockFineTuningPipeline", "ConfigError", "PipelineProps"]

_EXPORTS = {
    "BedrockFineTuningPipeline": "bedrock_finetuning.stacks.construct",
    "ConfigError": "bedrock_finetuning.stacks.config",
    "PipelineProps": "bedrock_finetuning.stacks.config",
}


def __getattr__(name: str) -> Any:
    """The construct is imported on first use (PEP 562): `bft` (bedrock_finetuning.cli) and the
    local simulation import this package without starting the CDK's jsii runtime (seconds)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
