"""CDK infrastructure of the Bedrock fine-tuning pipeline: the construct and the standalone stack."""

from bedrock_finetuning.stacks.config import ConfigError, PipelineProps
from bedrock_finetuning.stacks.construct import BedrockFineTuningPipeline
from bedrock_finetuning.stacks.pipeline_stack import STACK_NAME, PipelineStack

__all__ = ["STACK_NAME", "BedrockFineTuningPipeline", "ConfigError", "PipelineProps", "PipelineStack"]
