"""The simulated Bedrock's distillation jobs and its teacher models.

Request rules (ValidationException, the simulator's own table, independent of the registry):
- `customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier` is required
  (botocore `bedrock` 2023-04-20: DistillationConfig and TeacherModelConfig require them).
- Pairs: Nova Premier teaches Nova Pro, Lite and Micro; Nova Pro teaches Nova Lite and Micro
  (https://docs.aws.amazon.com/nova/latest/userguide/customization.html,
  https://docs.aws.amazon.com/bedrock/latest/userguide/prequisites-model-distillation.html). A
  cross-Region inference profile of a teacher is accepted (same page).
- `maxResponseLengthForInference`, when given, is at least 1.

Data (validation phase, the job fails naming the rule): `bedrock-conversation-2024` records with a
user turn; the assistant turn is optional; at most 15,000 prompts (distillation-data-prep-option-2.html).

Training: the simulated teacher answers every prompt; the student learns the teacher's answers
(its custom model's knowledge). The teacher knows the domain well but not perfectly: it
reproduces a given answer's content for most prompts (TEACHER_RECALL) and hedges on the rest, so
the distilled student comes close to the teacher, and a report can measure how close.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import sim_faults
from .sim_common import stable
from .sim_text import similarity

if TYPE_CHECKING:
    from .sim_jobs import SimulatedJobs

TEACHES = {
    "amazon.nova-premier-v1:0": (
        "amazon.nova-pro-v1:0:300k",
        "amazon.nova-lite-v1:0:300k",
        "amazon.nova-micro-v1:0:128k",
    ),
    "amazon.nova-pro-v1:0": ("amazon.nova-lite-v1:0:300k", "amazon.nova-micro-v1:0:128k"),
}
PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.")
MAX_PROMPTS = 15_000
TEACHER_RECALL = 0.85
HEDGE = "I am not certain about this; please check the official documentation."


def teacher_base(identifier: str) -> str:
    bare = identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier
    for prefix in PROFILE_PREFIXES:
        if bare.startswith(prefix):
            return bare[len(prefix) :]
    return bare


def request_refusal(base: str, body: dict[str, Any]) -> str | None:
    config = (body.get("customizationConfig") or {}).get("distillationConfig")
    if not isinstance(config, dict):
        return "customizationConfig.distillationConfig is required for customization type DISTILLATION"
    teacher = config["teacherModelConfig"]["teacherModelIdentifier"]
    students = TEACHES.get(teacher_base(teacher))
    if students is None:
        return f"The model {teacher} is not supported as a teacher model for distillation"
    if base not in students:
        return f"The student model {base} is not supported for the teacher model {teacher}"
    length = config["teacherModelConfig"].get("maxResponseLengthForInference")
    if length is not None and length < 1:
        return "teacherModelConfig.maxResponseLengthForInference must be at least 1"
    return None


def read_prompts(text: str) -> tuple[list[tuple[str, str | None]], str | None]:
    prompts: list[tuple[str, str | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            messages = record["messages"]
            user = "".join(part.get("text", "") for part in messages[0]["content"])
            if messages[0]["role"] != "user" or not user:
                raise ValueError
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return [], f"Data validation failed: line {number} is not a bedrock-conversation-2024 prompt record"
        answer = None
        if len(messages) > 1 and messages[1].get("role") == "assistant":
            answer = "".join(part.get("text", "") for part in messages[1]["content"]) or None
        prompts.append((user, answer))
    if len(prompts) > MAX_PROMPTS:
        return [], f"Data validation failed: {len(prompts)} prompts; distillation takes at most {MAX_PROMPTS}"
    if not prompts:
        return [], "Data validation failed: the training data has no prompts"
    return prompts, None


def teacher_answer(aws: SimulatedJobs, question: str, given: str | None) -> str:
    """What the simulated teacher answers: the domain content it knows (the answers seen in
    distillation data), for TEACHER_RECALL of questions; else a hedge."""
    if (stable(question) % 1000) / 1000 >= TEACHER_RECALL:
        return HEDGE
    if given:
        return given
    best = max(aws.teacher_world, key=lambda pair: similarity(question, pair[0]), default=None)
    if best is None or similarity(question, best[0]) < 0.2:
        return HEDGE
    return best[1]


def train(aws: SimulatedJobs, job: dict[str, Any]) -> str | None:
    """The teacher answers the prompts; the student learns them. Returns a failure message or None."""
    prompts, problem = read_prompts(aws.read_text(job["trainingDataConfig"]["s3Uri"]))
    if problem:
        return problem
    teacher = job["customizationConfig"]["distillationConfig"]["teacherModelConfig"]["teacherModelIdentifier"]
    if sim_faults.UNAVAILABLE in aws.faults.outcomes(sim_faults.TEACHER):
        return (
            f"The teacher model {teacher} could not be invoked to generate responses: the model is not "
            "available in this Region or account (simulated)"
        )
    learned = [(question, teacher_answer(aws, question, answer)) for question, answer in prompts]
    job["_knowledge"] = [(question, answer) for question, answer in learned if answer != HEDGE]
    job["_teacherAnswers"] = len(learned)
    return None
