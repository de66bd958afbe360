"""Amazon Bedrock fine-tuning pipeline, as a CDK construct for your own app.

    from bedrock_finetuning import BedrockFineTuningPipeline, PipelineProps

    pipeline = BedrockFineTuningPipeline(self, "FineTuning", props=PipelineProps(max_cost_usd=50))

The distribution (pyproject.toml) maps the repository's folders into this package:
`bedrock_finetuning.stacks` (the construct), `bedrock_finetuning.statemachine` (the workflow)
and `bedrock_finetuning/lambdas` (the functions' code, package data). In a checkout of the
repository, the same folders are found beside this one.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
if not (_HERE / "stacks").is_dir() and (_HERE.parent / "stacks" / "__init__.py").is_file():
    # A checkout (not an installed distribution): stacks/, statemachine/ and lambdas/ are the
    # repository's top-level folders. Only this package's own subpackages are found there.
    __path__.append(str(_HERE.parent))

from bedrock_finetuning.stacks.config import ConfigError, PipelineProps  # noqa: E402
from bedrock_finetuning.stacks.construct import BedrockFineTuningPipeline  # noqa: E402

__all__ = ["BedrockFineTuningPipeline", "ConfigError", "PipelineProps"]
