"""The simulated Bedrock's reinforcement fine-tuning (RFT) jobs.

Request rules (CreateModelCustomizationJob, answered with ValidationException as Bedrock does):
- botocore `bedrock` 2023-04-20: `customizationConfig` is a union (rftConfig | distillationConfig);
  RFTHyperParameters ranges: epochCount 1-50, batchSize 16-512, learningRate 1e-7 to 1e-3,
  trainingSamplePerPrompt 2-16, evalInterval 1-100, reasoningEffort low|medium|high. botocore's
  client-side validation checks only minimums of integers, so the maximums and the float range are
  enforced here.
- A REINFORCEMENT_FINE_TUNING job needs `rftConfig.graderConfig.lambdaGrader` (the only grader the
  API takes); `hyperParameters` (the SFT string map) belongs to FINE_TUNING; no validation set for
  Nova 2 Lite (aws/nova-forge-sdk).
- Which models: Amazon Nova 2 Lite (https://docs.aws.amazon.com/bedrock/latest/userguide/
  rft-nova-models.html). This table is the simulator's own, independent of the pipeline's registry.

Data rules (the job's validation phase: the job fails, naming the rule): JSONL records with
`messages` (a user turn, no assistant turn at the end) and `reference_answer`; at least 100 and at
most 20,000 (rft-prepare-data.html; the issue's data rule of 100).

Training: a computed policy, not a script. Each prompt starts with a small chance of producing its
reference-quality answer (the base model does not know the domain); every step samples
`trainingSamplePerPrompt` responses per prompt, INVOKES THE GRADER LAMBDA with them in the
documented batch shape, and moves each prompt's chance by the group-relative advantage of the
rewards it got (GRPO-style). The reward curve written to the job's output is the mean reward of each
step's samples, so a grader that always returns 0 gives a flat curve and a model that learned
nothing. Prompts whose chance ends above one half become the custom model's knowledge.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .sim_common import stable

if TYPE_CHECKING:
    from .sim_jobs import SimulatedJobs

RFT_BASES = frozenset({"amazon.nova-2-lite-v1:0:256k"})
RANGES: dict[str, tuple[float, float]] = {
    "epochCount": (1, 50),
    "batchSize": (16, 512),
    "learningRate": (1e-7, 1e-3),
    "trainingSamplePerPrompt": (2, 16),
    "evalInterval": (1, 100),
}
EFFORTS = ("low", "medium", "high")
DEFAULTS: dict[str, float] = {"epochCount": 2, "batchSize": 128, "learningRate": 1e-5, "trainingSamplePerPrompt": 4}
MIN_RECORDS, MAX_RECORDS = 100, 20_000
START_CHANCE = 0.1
"""A base model's chance of answering a domain prompt with reference-quality content."""
METRICS_FILE = "training_artifacts/step_wise_training_metrics.csv"
METRICS_HEADER = "step_number,epoch_number,train_reward_mean,train_reward_min,train_reward_max,grader_failed_share"
"""The reward metrics' layout is the simulator's own choice: AWS documents reward metrics for RFT
(training reward per step) but not the file's columns. lambdas/report/rewards.py reads it. No
validation-reward columns: AWS writes validation rewards only for a job given a validation dataset
(rft-evaluate-model.html), and this simulator refuses a validation set for Nova 2 Lite RFT (above)."""

GraderInvoker = Callable[[str, list[dict[str, Any]]], Any]
"""(Lambda ARN, samples) -> the grader's parsed response (a list), or raises GraderInvocationError."""


class GraderInvocationError(Exception):
    """The grader Lambda failed or timed out (FunctionError)."""


def request_refusal(base: str, body: dict[str, Any]) -> str | None:
    """Bedrock's ValidationException message for an RFT request it refuses, else None."""
    if base not in RFT_BASES:
        return (
            f"The base model {base} does not support customization type REINFORCEMENT_FINE_TUNING; "
            f"supported: {', '.join(sorted(RFT_BASES))}"
        )
    config = (body.get("customizationConfig") or {}).get("rftConfig")
    if not isinstance(config, dict):
        return "customizationConfig.rftConfig is required for customization type REINFORCEMENT_FINE_TUNING"
    grader = (config.get("graderConfig") or {}).get("lambdaGrader") or {}
    if not grader.get("lambdaArn"):
        return "rftConfig.graderConfig.lambdaGrader.lambdaArn is required: the grader is a Lambda function"
    if body.get("hyperParameters"):
        return "hyperParameters is not supported for REINFORCEMENT_FINE_TUNING; use rftConfig.hyperParameters"
    if body.get("validationDataConfig"):
        return f"Validation data is not supported for reinforcement fine-tuning of {base}"
    for name, value in (config.get("hyperParameters") or {}).items():
        if name == "reasoningEffort":
            if value not in EFFORTS:
                return f"rftConfig.hyperParameters.reasoningEffort must be one of {', '.join(EFFORTS)}"
            continue
        low, high = RANGES.get(name, (1, math.inf))
        if not low <= float(value) <= high:
            return f"rftConfig.hyperParameters.{name} {value} is outside the allowed range {low:g}-{high:g}"
    return None


def _records(text: str) -> tuple[list[dict[str, Any]], str | None]:
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            return [], f"Data validation failed: line {number} is not valid JSON"
        messages = record.get("messages") if isinstance(record, dict) else None
        if not isinstance(messages, list) or not any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
            return [], f"Data validation failed: line {number} has no user message in `messages`"
        if messages[-1].get("role") == "assistant":
            return [], f"Data validation failed: line {number} ends with an assistant turn (RFT records are prompts)"
        if "reference_answer" not in record:
            return [], f"Data validation failed: line {number} has no `reference_answer`"
        records.append(record)
    if len(records) < MIN_RECORDS:
        return (
            [],
            f"Data validation failed: {len(records)} records; reinforcement fine-tuning needs at least {MIN_RECORDS}",
        )
    if len(records) > MAX_RECORDS:
        return [], f"Data validation failed: {len(records)} records; at most {MAX_RECORDS} prompts are allowed"
    return records, None


def validate_data(text: str) -> str | None:
    return _records(text)[1]


def _question(record: dict[str, Any]) -> str:
    content = [m for m in record["messages"] if m.get("role") == "user"][-1]["content"]
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def _reference(record: dict[str, Any]) -> str:
    value = record["reference_answer"]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _draw(seed: int) -> float:
    """A deterministic number in [0, 1) from an integer seed."""
    return ((seed * 2654435761) % 2**32) / 2**32


def _check_rewards(response: Any, ids: list[str]) -> tuple[dict[str, float], dict[str, float], str | None]:
    """(reward by id, grader_failed metric by id, why the response breaks the contract)."""
    if not isinstance(response, list):
        return {}, {}, "the reward function must return a list of {id, aggregate_reward_score}"
    rewards: dict[str, float] = {}
    failed: dict[str, float] = {}
    for item in response:
        if not isinstance(item, dict) or not isinstance(item.get("aggregate_reward_score"), int | float):
            return {}, {}, "every item the reward function returns needs a numeric aggregate_reward_score"
        rewards[str(item.get("id"))] = float(item["aggregate_reward_score"])
        for metric in item.get("metrics_list") or []:
            if metric.get("name") == "grader_failed":
                failed[str(item.get("id"))] = float(metric.get("value", 0))
    missing = [sample_id for sample_id in ids if sample_id not in rewards]
    if missing:
        return {}, {}, f"the reward function returned no reward for sample {missing[0]}"
    return rewards, failed, None


def train(aws: SimulatedJobs, job: dict[str, Any], invoke: GraderInvoker) -> str | None:
    """Run the job's rollouts against the grader; set the custom model's knowledge and write the reward
    metrics. Returns the job's failure message, or None. Called without the simulator's lock held:
    the grader calls the simulated judge from its own threads."""
    records, problem = _records(aws.read_text(job["trainingDataConfig"]["s3Uri"]))
    if problem:
        return problem
    config = job["customizationConfig"]["rftConfig"]
    hp = {**DEFAULTS, **(config.get("hyperParameters") or {})}
    arn = config["graderConfig"]["lambdaGrader"]["lambdaArn"]
    epochs, batch = int(hp["epochCount"]), int(hp["batchSize"])
    samples_per_prompt = int(hp["trainingSamplePerPrompt"])
    step_size = min(1.0, float(hp["learningRate"]) * 8e4)  # 1e-5 -> 0.8 of the advantage per step
    chance = [START_CHANCE] * len(records)
    seed = stable(job["jobName"])
    rows: list[tuple[int, int, float, float, float, float]] = []
    step = 0
    for epoch in range(1, epochs + 1):
        for start in range(0, len(records), batch):
            indices = list(range(start, min(start + batch, len(records))))
            samples: list[dict[str, Any]] = []
            good: dict[str, bool] = {}
            for index in indices:
                record = records[index]
                for sample in range(samples_per_prompt):
                    sample_id = f"{step}-{index}-{sample}"
                    good[sample_id] = _draw(seed + 7919 * step + 104729 * index + sample) < chance[index]
                    text = _reference(record) if good[sample_id] else "I do not know the answer to that question."
                    extras = {key: value for key, value in record.items() if key != "messages"}
                    samples.append(
                        {
                            "id": sample_id,
                            "messages": [*record["messages"], {"role": "assistant", "content": text}],
                            **extras,
                        }
                    )
            try:
                response = invoke(arn, samples)
            except GraderInvocationError as error:
                return f"The reward function {arn} failed: {error}"
            rewards, failed, broken = _check_rewards(response, list(good))
            if broken:
                return f"The reward function {arn} returned an invalid response: {broken}"
            for index in indices:
                ids = [f"{step}-{index}-{sample}" for sample in range(samples_per_prompt)]
                mean = sum(rewards[i] for i in ids) / len(ids)
                spread = math.sqrt(sum((rewards[i] - mean) ** 2 for i in ids) / len(ids))
                # Group-relative advantage (reward minus the group's mean, over its spread): equal rewards,
                # whatever their level, teach nothing.
                advantage = sum(rewards[i] - mean for i in ids if good[i]) / len(ids) / spread if spread > 1e-9 else 0.0
                chance[index] = min(0.98, max(0.02, chance[index] + step_size * advantage))
            values = list(rewards.values())
            failed_share = sum(failed.values()) / len(values)
            rows.append(
                (step, epoch, round(sum(values) / len(values), 4), min(values), max(values), round(failed_share, 4))
            )
            step += 1
    job["_knowledge"] = [
        (_question(record), _reference(record)) for record, odds in zip(records, chance, strict=True) if odds >= 0.5
    ]
    job["_rewardRows"] = rows
    return None


def write_metrics(aws: SimulatedJobs, job: dict[str, Any], base: str, bucket: str) -> None:
    lines = [METRICS_HEADER] + [",".join(str(value) for value in row) for row in job.get("_rewardRows", [])]
    aws.s3.put_object(Bucket=bucket, Key=f"{base}/{METRICS_FILE}", Body=("\n".join(lines) + "\n").encode("utf-8"))
