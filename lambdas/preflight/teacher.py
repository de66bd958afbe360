"""Distillation runs: the teacher is checked before anything is paid, like the judge.

- Its end of life must not fall inside the run's time budget (GetFoundationModel's
  `modelLifecycle.endOfLifeTime`): Nova Premier's end of life is reported for 2026-09-14
  (bedrock-facts section 15), and a teacher Bedrock no longer serves would fail the paid job.
- One tiny Converse call proves model access and the permission to invoke it (Bedrock's job
  invokes it through the service role; the same model access must be enabled in the account).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from preflight.lifecycle import check_end_of_life, foundation_model_of
from shared.aws import error_code, error_message
from shared.errors import UnsupportedCustomizationMethod
from shared.models import RunContext


def check_teacher(run: RunContext, bedrock: Any, runtime: Any, deadline: datetime) -> str | None:
    """The teacher checked, or None when the run does not distil."""
    if run.customization.method != "distillation":
        return None
    teacher = run.customization.teacherInvocationId or run.customization.teacherModelId
    if not teacher:
        raise UnsupportedCustomizationMethod("a distillation run has no teacher model")
    try:
        details = bedrock.get_foundation_model(modelIdentifier=foundation_model_of(teacher))["modelDetails"]
    except (bedrock.exceptions.ResourceNotFoundException, bedrock.exceptions.ValidationException):
        details = None  # not listed here (a profile ARN, another Region): the call below decides
    if details is not None:
        check_end_of_life(teacher, "teacher model", details, deadline, UnsupportedCustomizationMethod)
    try:
        runtime.converse(
            modelId=teacher,
            messages=[{"role": "user", "content": [{"text": "ping"}]}],
            inferenceConfig={"maxTokens": 1},
        )
    except Exception as error:  # the paid job would fail on it
        raise UnsupportedCustomizationMethod(
            f"the distillation teacher {teacher} is not reachable ({error_code(error)}: {error_message(error)}); "
            "enable model access or choose another customization.teacherModelId"
        ) from None
    return teacher
