"""The method-specific part of CreateModelCustomizationJob (botocore `bedrock` 2023-04-20: the
union CustomizationConfig holds `rftConfig` or `distillationConfig`).

- Supervised: `customizationType` FINE_TUNING and the string map `hyperParameters`.
- Reinforcement: REINFORCEMENT_FINE_TUNING, `rftConfig.graderConfig.lambdaGrader.lambdaArn` (the only
  grader the API takes) and the typed `rftConfig.hyperParameters`; no top-level hyperParameters and no
  validation set (aws/nova-forge-sdk: not supported for Nova 2 Lite RFT on Bedrock).
- Distillation: DISTILLATION, `distillationConfig.teacherModelConfig` (`teacherModelIdentifier`,
  `maxResponseLengthForInference`); no hyperParameters and no validation set.
"""

from __future__ import annotations

from typing import Any

from shared.errors import InconsistentRunState
from shared.families import CUSTOMIZATION_TYPES, family_by_key
from shared.models import RunContext


def method_fields(run: RunContext, grader_arn: str | None) -> dict[str, Any]:
    """`customizationType` and the fields that go with it; validationDataConfig where allowed."""
    method = run.customization.method
    fields: dict[str, Any] = {"customizationType": CUSTOMIZATION_TYPES[method]}
    if method == "reinforcement":
        if not grader_arn:
            raise InconsistentRunState(
                "GRADER_FUNCTION_ARN is not set for StartCustomizationJob: the stack deploys the grader Lambda "
                "for reinforcement fine-tuning (stacks/constructs/grader.py)"
            )
        fields["customizationConfig"] = {
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": grader_arn}},
                "hyperParameters": dict(run.customization.rftHyperParameters or {}),
            }
        }
        return fields
    if method == "distillation":
        teacher: dict[str, Any] = {"teacherModelIdentifier": run.customization.teacherModelId}
        if run.customization.maxResponseLengthForInference:
            teacher["maxResponseLengthForInference"] = run.customization.maxResponseLengthForInference
        fields["customizationConfig"] = {"distillationConfig": {"teacherModelConfig": teacher}}
        return fields
    fields["hyperParameters"] = run.hyperParameters
    # Nova 2 Lite takes no validation set: sending one fails the request (nova-2-sft-data-prep.html).
    if run.data.validationUri and family_by_key(run.family).validation_set:
        fields["validationDataConfig"] = {"validators": [{"s3Uri": run.data.validationUri}]}
    return fields
