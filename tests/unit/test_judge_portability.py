"""Judge portability: the simulated Bedrock enforces Converse's tool-choice rules per model, and
the judge registry requests the verdict tool the way each judge accepts it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from judge.logic import combine_orders, compare_pair, judge_one
from judge.tools import VERDICT_SCHEMA, VERDICT_TOOL, tool_config, verdict_request
from localrun.simulated_bedrock import SimulatedBedrock
from shared.judges import canonical_model_id, judge_capability, same_maker

LLAMA = "us.meta.llama3-3-70b-instruct-v1:0"


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("us.amazon.nova-pro-v1:0", "tool"),
        ("amazon.nova-micro-v1:0", "tool"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "tool"),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "tool"),
        (LLAMA, "auto"),
        ("arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.meta.llama3-1-70b-instruct-v1:0", "auto"),
        ("mistral.mistral-large-2407-v1:0", "any"),
        ("amazon.titan-text-express-v1", None),
    ],
)
def test_the_registry_knows_each_judges_structured_output(model_id: str, expected: str | None) -> None:
    assert judge_capability(model_id).structured_output == expected


def test_profile_ids_resolve_to_the_bare_model() -> None:
    assert canonical_model_id("us.amazon.nova-pro-v1:0") == "amazon.nova-pro-v1:0"
    assert same_maker("us.amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0:128k")
    assert not same_maker(LLAMA, "amazon.nova-micro-v1:0:128k")


@pytest.mark.parametrize(
    ("model_id", "mode", "field"),
    [(LLAMA, "tool", "tool"), (LLAMA, "any", "any"), ("mistral.mistral-large-2407-v1:0", "tool", "tool")],
)
def test_the_simulator_rejects_tool_choices_the_model_does_not_take(
    runtime: Any, model_id: str, mode: Any, field: str
) -> None:
    request = verdict_request(model_id, "Q?", "Two epochs.", "Two epochs.")
    request["toolConfig"] = tool_config(VERDICT_TOOL, "Record.", VERDICT_SCHEMA, mode)
    with pytest.raises(ClientError) as raised:
        runtime.converse(**request)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == (
        f"This model doesn't support the toolConfig.toolChoice.{field} field. "
        f"Remove toolConfig.toolChoice.{field} and try again."
    )


def test_any_tool_choice_is_answered_with_the_tool(runtime: Any) -> None:
    request = verdict_request("mistral.mistral-large-2407-v1:0", "Q?", "Two epochs.", "Two epochs.")
    assert request["toolConfig"]["toolChoice"] == {"any": {}}
    blocks = runtime.converse(**request)["output"]["message"]["content"]
    assert blocks[0]["toolUse"]["name"] == VERDICT_TOOL and blocks[0]["toolUse"]["input"]["score"] == 10


def test_a_llama_judge_grades_through_the_offered_tool(aws: SimulatedBedrock, runtime: Any) -> None:
    good = judge_one(runtime, LLAMA, "Default epochs?", "The default is two epochs.", "The default is two epochs.")
    bad = judge_one(runtime, LLAMA, "Default epochs?", "The default is two epochs.", "Bananas are yellow.")
    assert good["score"] == 10 and good["correct"] is True and bad["score"] == 1
    assert all("toolChoice" not in call.params["toolConfig"] for call in aws.operations("Converse"))


def test_a_pairwise_disagreement_between_the_two_orders_is_a_tie() -> None:
    assert combine_orders({"baseFirst": "fine-tuned", "fineTunedFirst": "fine-tuned"}) == ("fine-tuned", True)
    assert combine_orders({"baseFirst": "base", "fineTunedFirst": "fine-tuned"}) == ("tie", False)
    assert combine_orders({"baseFirst": "tie", "fineTunedFirst": "base"}) == ("tie", False)
    assert combine_orders({"baseFirst": None, "fineTunedFirst": "base"}) == (None, None)


def test_position_bias_on_a_near_tie_becomes_a_tie(runtime: Any) -> None:
    """The simulated judge favours the answer it reads first; on two near-equal answers each order
    picks its first answer, so the pair is inconsistent and counts as a tie."""
    question, reference = "Default epochs?", "The default is two epochs for the job."
    base = {"index": 0, "question": question, "reference": reference, "answer": "The default is two epochs."}
    tuned = {**base, "answer": "The default is two epochs for the training job."}  # word-overlap F1 0.89 vs 0.86
    result = compare_pair(runtime, "us.amazon.nova-pro-v1:0", base, tuned)
    assert result["orders"] == {"baseFirst": "tie", "fineTunedFirst": "fine-tuned"}
    assert result["winner"] == "tie" and result["positionConsistent"] is False
    clear = compare_pair(runtime, "us.amazon.nova-pro-v1:0", {**base, "answer": "I do not know."}, tuned)
    assert clear["winner"] == "fine-tuned" and clear["positionConsistent"] is True
