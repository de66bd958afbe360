"""Dispatch of the simulated Bedrock's customization types other than FINE_TUNING
(sim_rft.py, sim_distillation.py), their faults, and the grader invocation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import sim_distillation, sim_rft
from .sim_faults import METHOD_FAULTS as METHOD_FAULTS  # their faults live in the registry
from .sim_rft import GraderInvocationError

if TYPE_CHECKING:
    from .sim_jobs import SimulatedJobs

CONFIGS = {"REINFORCEMENT_FINE_TUNING": "rftConfig", "DISTILLATION": "distillationConfig"}
SUPPORTED = ("FINE_TUNING", "REINFORCEMENT_FINE_TUNING", "DISTILLATION")


def is_method_job(body: dict[str, Any]) -> bool:
    return body.get("customizationType", "FINE_TUNING") != "FINE_TUNING" or bool(body.get("customizationConfig"))


def request_refusal(base: str, body: dict[str, Any]) -> str | None:
    """ValidationException message for a non-FINE_TUNING request (or a config that does not match its type)."""
    kind = body.get("customizationType", "FINE_TUNING")
    if kind not in SUPPORTED:
        return f"customization type {kind} is not simulated"
    config = body.get("customizationConfig") or {}
    wrong = [name for name in config if name != CONFIGS.get(kind)]
    if wrong:
        return f"customizationConfig.{wrong[0]} does not match customization type {kind}"
    if kind == "REINFORCEMENT_FINE_TUNING":
        return sim_rft.request_refusal(base, body)
    if kind == "DISTILLATION":
        return sim_distillation.request_refusal(base, body)
    return None


def accept_data(aws: SimulatedJobs, kind: str, text: str) -> str | None:
    """The data problem the job's validation phase will report, or None. A distillation job's
    answered prompts become what the simulated teachers know of the domain (from the job's start:
    the base-answers path, which runs beside the training, asks the teacher too)."""
    if kind == "REINFORCEMENT_FINE_TUNING":
        return sim_rft.validate_data(text)
    prompts, problem = sim_distillation.read_prompts(text)
    aws.teacher_world.extend((question, answer) for question, answer in prompts if answer)
    return problem


def lambda_invoker(arn: str, samples: list[dict[str, Any]]) -> Any:
    """Invoke the grader through the Lambda API (moto runs it in-process in local runs)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    region = arn.split(":")[3]
    try:
        response = boto3.client("lambda", region_name=region).invoke(
            FunctionName=arn, Payload=json.dumps(samples).encode("utf-8")
        )
    except (BotoCoreError, ClientError) as error:
        raise GraderInvocationError(str(error)) from None
    payload = response["Payload"].read()
    if response.get("FunctionError"):
        raise GraderInvocationError(payload.decode("utf-8", "replace")[:500])
    return json.loads(payload or b"null")


def train(aws: SimulatedJobs, job: dict[str, Any]) -> str | None:
    if job["customizationType"] == "REINFORCEMENT_FINE_TUNING":
        return sim_rft.train(aws, job, aws.grader_invoker or lambda_invoker)
    return sim_distillation.train(aws, job)


def write_metrics(aws: SimulatedJobs, job: dict[str, Any], base: str, bucket: str) -> None:
    if job["customizationType"] == "REINFORCEMENT_FINE_TUNING":
        sim_rft.write_metrics(aws, job, base, bucket)


def teacher_reply(aws: SimulatedJobs, model_id: str, question: str) -> str | None:
    """A teacher model's answer once it has seen domain data; None otherwise (the base model's answer)."""
    if not aws.teacher_world or sim_distillation.teacher_base(model_id) not in sim_distillation.TEACHES:
        return None
    answer = sim_distillation.teacher_answer(aws, question, None)
    return None if answer == sim_distillation.HEDGE else answer
