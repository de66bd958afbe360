"""The simulated judge models: Converse tool-choice rules per model, absolute verdicts,
pairwise preferences (with a computed position bias) and the judge faults.

Bedrock's rules enforced here (independently of the pipeline's own registry, so a wrong row
in shared/judges.py fails a test):
- `toolChoice.tool` is accepted only by Anthropic Claude 3+ and Amazon Nova models (botocore
  bedrock-runtime `ToolChoice.tool`: "Only supported by Anthropic Claude 3 and Amazon Nova
  models"; API_runtime_ToolChoice.html; bedrock-facts.md §6, §13). Others answer
  ValidationException "This model doesn't support the toolConfig.toolChoice.tool field.
  Remove toolConfig.toolChoice.tool and try again."
- Meta Llama rejects `toolChoice.any` the same way (third-party reports: strands-agents/sdk-python
  issue 1241 and others), but does tool use with `auto`.
- Amazon Titan Text has no tool use (conversation-inference-supported-models-features.html).
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from . import sim_faults
from .sim_common import invalid, reply, stable
from .sim_faults import ActiveFaults
from .sim_text import between, content_words, overlap_f1


class JudgeWorld(Protocol):
    """What the judge's faults depend on (SimulatedBedrock and its jobs service both have it)."""

    @property
    def faults(self) -> ActiveFaults: ...
    @property
    def jobs(self) -> dict[str, dict[str, Any]]: ...
    @property
    def rft_training(self) -> int: ...


_PROFILE = re.compile(r"^(?:us|eu|apac|us-gov|ca|jp|au|global)\.")
POSITION_BIAS = 0.04
"""The simulated judge prefers whichever answer it reads first by this much term-overlap F1:
near-ties flip with the order, which is what the position swap is there to catch."""
TIE_MARGIN = 0.05


def _canonical(model_id: str) -> str:
    bare = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    return _PROFILE.sub("", bare)


def _tool_choice_error(model_id: str, body: dict[str, Any]) -> str | None:
    model = _canonical(model_id)
    if model.startswith("amazon.titan-text"):
        return "This model doesn't support tool use."
    choice = body["toolConfig"].get("toolChoice") or {}
    forced_ok = model.startswith("amazon.nova-") or (
        model.startswith("anthropic.claude-")
        and not model.startswith(("anthropic.claude-v2", "anthropic.claude-instant"))
    )
    if "tool" in choice and not forced_ok:
        field = "tool"
    elif "any" in choice and model.startswith("meta.llama"):
        field = "any"
    else:
        return None
    return (
        f"This model doesn't support the toolConfig.toolChoice.{field} field. "
        f"Remove toolConfig.toolChoice.{field} and try again."
    )


def _score(model_id: str, f1: float) -> int:
    """Term-overlap F1 (words, CJK character bigrams: localrun.sim_text) on a 1-10 scale; the
    simulated Llama judge is stricter (rounds down), so two judges can disagree and the audit's
    kappa is computed, not constant."""
    scaled = 9 * f1
    points = int(scaled) if _canonical(model_id).startswith("meta.llama") else round(scaled)
    return max(1, min(10, 1 + points))


def judge(aws: JudgeWorld, model_id: str, prompt: str, body: dict[str, Any]) -> dict[str, Any]:
    if ":provisioned-model/" not in model_id:
        problem = _tool_choice_error(model_id, body)
        if problem:
            raise invalid(problem)
    faults = aws.faults
    faults.trip(sim_faults.JUDGE, model=model_id)
    verdicts = faults.outcomes(sim_faults.JUDGE)
    if aws.jobs:  # these faults hit once training has started (after the preflight probe)
        faults.trip(sim_faults.JUDGE_AFTER_START, model=model_id)
        verdicts |= faults.outcomes(sim_faults.JUDGE_AFTER_START)
    if aws.rft_training:  # grader-error: while an RFT job's rollouts run
        faults.trip(sim_faults.JUDGE_DURING_RFT, model=model_id)
    if sim_faults.NO_VERDICTS in verdicts:
        return reply("The answer looks fine to me.", prompt, 300, "end_turn")
    tool = body["toolConfig"]["tools"][0]["toolSpec"]["name"]
    reference = between(prompt, "reference_answer")
    if "<answer_a>" in prompt:
        f1_a = overlap_f1(between(prompt, "answer_a"), reference) + POSITION_BIAS
        f1_b = overlap_f1(between(prompt, "answer_b"), reference)
        better = "tie" if abs(f1_a - f1_b) < TIE_MARGIN else ("A" if f1_a > f1_b else "B")
        verdict: dict[str, Any] = {
            "better": better,
            "reasoning": f"Term-overlap F1 with the reference: A {f1_a:.2f} (as read first), B {f1_b:.2f}.",
        }
    else:
        answer = between(prompt, "answer_to_grade")
        f1 = overlap_f1(answer, reference)
        score = _score(model_id, f1)
        shared = len(set(content_words(answer)) & set(content_words(reference)))
        verdict = {
            "score": score,
            "correct": score >= 6,
            "reasoning": f"The answer shares {shared} of {len(set(content_words(reference)))} key terms "
            f"with the reference (term-overlap F1 {f1:.2f}).",
        }
    block = {"toolUse": {"toolUseId": f"tooluse_{stable(prompt):08x}", "name": tool, "input": verdict}}
    return reply(json.dumps(verdict), prompt, 350, "tool_use", [block])
