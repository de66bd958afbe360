"""PreprocessDataset for reinforcement fine-tuning and distillation: the method is checked against
the registry before anything is paid, and the raw QA pairs become that method's records.

- Reinforcement (RFT): one JSON object per line with `messages` (the system prompt and the question,
  OpenAI chat format) and `reference_answer`; extra fields are passed to the grader, so the record's
  source location rides along as `source` (https://docs.aws.amazon.com/bedrock/latest/userguide/
  rft-prepare-data.html; the grader's input: reward-functions.html).
- Distillation: `bedrock-conversation-2024` records whose assistant turn is optional; the answers the
  user gave are kept as those turns (https://docs.aws.amazon.com/bedrock/latest/userguide/
  distillation-data-prep-option-1.html).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from grader.contract import REWARD_FIELD
from preprocess import dataset
from preprocess.issues import IssueLog
from preprocess.raw_data import QAPair
from shared import formats
from shared.errors import InvalidHyperParameters
from shared.families import (
    CustomizationMethod,
    DistillationSpec,
    ModelFamily,
    RftSpec,
    check_method,
    teacher_for,
    teacher_invocation_id,
)
from shared.models import Customization, ExecutionInput
from shared.settings import Settings


def requested_method(request: ExecutionInput, settings: Settings) -> CustomizationMethod:
    """The execution input's `customization.method`, else the stack default."""
    return request.customization.method or settings.default_customization_method


def resolve_customization(request: ExecutionInput, base_model_id: str, settings: Settings) -> Customization:
    """Check the method (and teacher) against the registry and resolve its settings. Raises
    UnsupportedCustomizationMethod / InvalidHyperParameters before any data is read or anything paid."""
    method = requested_method(request, settings)
    wanted = request.customization
    family = check_method(method, base_model_id, wanted.teacherModelId)
    if method == "reinforcement":
        assert family.reinforcement is not None
        return Customization(
            method=method,
            reward=wanted.reward,
            rftHyperParameters=family.reinforcement.resolve(request.hyperParameters),
        )
    if method == "distillation":
        if request.hyperParameters:
            # Bedrock's distillation takes no hyperParameters map from the pipeline's data rules; the
            # student's training settings are Bedrock's own (distillation-prepare-datasets.html).
            raise_for_hyperparameters(method)
        teacher = teacher_for(family, wanted.teacherModelId, base_model_id)
        return Customization(
            method=method,
            teacherModelId=teacher,
            teacherInvocationId=teacher_invocation_id(teacher),
            maxResponseLengthForInference=wanted.maxResponseLengthForInference or request.evaluation.maxTokens,
        )
    return Customization(method="supervised")


def warn_grader_judge(customization: Customization, request: ExecutionInput, settings: Settings, log: IssueLog) -> None:
    """The grader Lambda may call only the stack's judge (its IAM policy names that one model), so a
    run that evaluates with another judge trains against a different one: said in the manifest."""
    judge = request.evaluation.judgeModelId
    graded_by_judge = customization.method == "reinforcement" and customization.reward == "judge"
    if graded_by_judge and judge and judge != settings.default_judge_model_id:
        log.warning(
            "customization",
            None,
            "grader-judge-differs",
            f"the RFT grader scores with the stack's judge {settings.default_judge_model_id}; this run's "
            f"evaluation uses {judge}",
        )


def raise_for_hyperparameters(method: str) -> None:
    raise InvalidHyperParameters(
        f"hyperParameters are not taken by {method}: Bedrock trains the student with its own settings; "
        "remove hyperParameters from the execution input"
    )


def family_for_method(family: ModelFamily, method: CustomizationMethod) -> ModelFamily:
    """The family's data limits as the method sees them (record counts, no validation set): the
    dataset checks then apply the method's rules with the same code as supervised runs."""
    rules: RftSpec | DistillationSpec | None = (
        family.reinforcement if method == "reinforcement" else family.distillation if method == "distillation" else None
    )
    if rules is None:
        return family
    return replace(
        family,
        min_training_records=rules.min_records,
        max_training_records=rules.max_records,
        max_total_records=rules.max_records,
        validation_set=rules.validation_set,
        min_validation_records=0,
        max_validation_records=0,
        unconfirmed=family.unconfirmed + rules.unconfirmed,
    )


def rft_record(system_prompt: str, pair: QAPair, reward: str = "judge") -> dict[str, Any]:
    """`source` and `pipeline_reward` are extra fields: Bedrock passes them to the grader with each
    sample (the grader scores with the reward the run asked for)."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": pair.prompt})
    return {
        "messages": messages,
        "reference_answer": pair.completion,
        "source": pair.location,
        REWARD_FIELD: reward,
    }


def distillation_record(system_prompt: str, pair: QAPair) -> dict[str, Any]:
    record = formats.to_record("bedrock-conversation", system_prompt, pair.prompt, pair.completion)
    if not pair.completion.strip():
        record["messages"] = record["messages"][:1]  # the assistant turn is optional: the teacher answers
    return record


def to_jsonl(
    method: CustomizationMethod, pairs: Sequence[QAPair], family: ModelFamily, system_prompt: str, reward: str = "judge"
) -> str:
    """The training file for `method` (supervised: the family's own record format, dataset.to_jsonl).
    A record's own system prompt (chat formats) stays with it, as in supervised training."""
    if method == "supervised":
        return dataset.to_jsonl(pairs, family, system_prompt)
    if method == "reinforcement":
        rows = (rft_record(_system(pair, system_prompt), pair, reward) for pair in pairs)
    else:
        rows = (distillation_record(_system(pair, system_prompt), pair) for pair in pairs)
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _system(pair: QAPair, system_prompt: str) -> str:
    return pair.system if pair.system is not None else system_prompt


def _require_answers(pairs: Sequence[QAPair], file: str, log: IssueLog, rule: str, message: str) -> None:
    """One error, naming the record, for each question without an answer."""
    for pair in pairs:
        if not pair.completion.strip():
            log.error(file, pair.location, rule, message)


def check_rft_references(pairs: Sequence[QAPair], file: str, log: IssueLog) -> None:
    """Every RFT record needs a reference answer: the grader scores against it."""
    _require_answers(
        pairs,
        file,
        log,
        "rft-reference-missing",
        "reinforcement fine-tuning needs a reference answer for every question (the grader scores "
        "sampled responses against it)",
    )


def answers_optional(method: CustomizationMethod) -> bool:
    """Distillation takes prompts only: the assistant turn of a `bedrock-conversation-2024` record is
    optional, and Bedrock's teacher writes the answers (https://docs.aws.amazon.com/bedrock/latest/
    userguide/distillation-data-prep-option-1.html). Supervised fine-tuning learns the answers given,
    and RFT's grader scores against them, so both need one per question."""
    return method == "distillation"


EVALUATION_REFERENCES = (
    "the judge scores every evaluation answer against its reference answer, so an evaluation question needs "
    "one (in distillation, questions without answers are for training only: the teacher answers them)"
)


def check_evaluation_references(pairs: Sequence[QAPair], file: str, log: IssueLog) -> None:
    """A distillation run's evaluation questions (evalDataUri, or the validation file that becomes
    them) must carry trusted reference answers: the teacher's answers are never used as references,
    since the teacher is one of the three models being scored (a score against itself says nothing)."""
    _require_answers(
        pairs,
        file,
        log,
        "eval-reference-missing",
        f"no answer: {EVALUATION_REFERENCES}; give the answer, or move the question to the training data",
    )


def no_references_message(training: int, unanswered: int) -> str:
    answered = training - unanswered
    why = (
        f"none of the {training} training questions has an answer"
        if not answered
        else f"{unanswered} of the {training} training questions have no answer, and none of the {answered} "
        "answered ones can be held out (the training set needs them to keep its minimum)"
    )
    return (
        f"no evaluation questions with a reference answer: {why}; {EVALUATION_REFERENCES}. Give evalDataUri with "
        "answered questions, or answer some of the training questions (a sample of those is held out)"
    )


def grader_calls(records: int, hyperparameters: dict[str, int | float | str]) -> int:
    """Grader invocations (one reward each) an RFT job makes: records x epochs x samples per prompt."""
    epochs = int(hyperparameters.get("epochCount", 1))
    samples = int(hyperparameters.get("trainingSamplePerPrompt", 1))
    return records * epochs * samples
