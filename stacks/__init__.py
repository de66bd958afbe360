"""CDK infrastructure of the Bedrock fine-tuning pipeline (one stack, small constructs)."""

from stacks.config import ConfigError, PipelineConfig
from stacks.pipeline_stack import STACK_NAME, PipelineStack

__all__ = ["STACK_NAME", "ConfigError", "PipelineConfig", "PipelineStack"]
