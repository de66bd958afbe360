"""results.json as typed models: BuildReport builds a `Results`, writes `model_dump(by_alias=True)`,
and docs/results.schema.json is generated from these models (report/schema.py).

Conventions of the file (docs/results-schema.md): a number that could not be measured is null;
shares are 0..1; the two evaluated models are keyed exactly "base" and "fine-tuned" (Python
attributes `base` and `tuned`). The quote's models (shared/quote.py) and the run's settings
(shared/models.py) are reused as they are, so each of those shapes is written in one place.

Numbers are `int | float` so that an integer stays an integer in the JSON (and in the report's
text); their JSON Schema is a plain `number` with its bounds (`_schema`).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from shared.models import Customization, Evaluation, PreparedData
from shared.quote import CostQuote, QuotePart

RESULTS_VERSION: Final = 4
"""Bumped when a field changes meaning or moves; docs/results-schema.md lists the changes."""

Language = Literal["ja", "zh", "ko", "latin", "none"]
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
Timestamp = Annotated[str, Field(pattern=TIMESTAMP_PATTERN)]


def _schema(kind: str, low: float | None = None, high: float | None = None) -> WithJsonSchema:
    """One compact JSON Schema for a nullable number or integer with its bounds (a validator then
    names the bound broken, where pydantic's `anyOf` would only say no branch matched)."""
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return WithJsonSchema(schema)


# A JSON number (int or float kept as given) or null, within its bounds.
Number = Annotated[int | float | None, _schema("number")]
NonNegative = Annotated[int | float | None, at.Ge(0), _schema("number", 0)]
Share = Annotated[int | float | None, at.Ge(0), at.Le(1), _schema("number", 0, 1)]
Score = Annotated[int | float | None, at.Ge(1), at.Le(10), _schema("number", 1, 10)]
Similarity = Annotated[int | float | None, at.Ge(-1), at.Le(1), _schema("number", -1, 1)]
ScoreDelta = Annotated[int | float | None, at.Ge(-9), at.Le(9), _schema("number", -9, 9)]
SimilarityDelta = Annotated[int | float | None, at.Ge(-2), at.Le(2), _schema("number", -2, 2)]
ReductionPct = Annotated[int | float | None, at.Le(100), _schema("number", None, 100)]
ScoreGap = Annotated[int | float | None, at.Ge(0), at.Le(9), _schema("number", 0, 9)]
# A JSON integer or null, within its bounds.
CountOrNull = Annotated[int | None, at.Ge(0), _schema("integer", 0)]
Verdict = Annotated[int | None, at.Ge(1), at.Le(10), _schema("integer", 1, 10)]
PositiveOrNull = Annotated[int | None, at.Ge(1), _schema("integer", 1)]
Count = Annotated[int, Field(ge=0)]
Interval = Annotated[list[float] | None, Field(min_length=2, max_length=2)]


class _Model(BaseModel):
    """Every field is written (required in the schema) and nothing else is allowed."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        json_schema_serialization_defaults_required=True,
    )


def _absent_when_none(value: Any) -> bool:
    return value is None


# ---------------------------------------------------------------- hosting


class ProvisionedThroughput(_Model):
    """The PT's life as the workflow's own steps timed it; all null/false when hosted on demand."""

    name: str
    arn: str | None
    modelUnits: Annotated[int, Field(ge=1)]
    requestedAt: Timestamp | None
    inServiceAt: Timestamp | None
    deletedAt: Timestamp | None
    heldMinutes: NonNegative
    deleted: bool


class Hosting(_Model):
    kind: Literal["on-demand", "provisioned"]
    name: str | None
    arn: str | None
    status: str | None
    requestedAt: Timestamp | None
    readyAt: Timestamp | None
    deletedAt: Timestamp | None
    deleted: bool
    kept: bool
    example: str | None


# ---------------------------------------------------------------- judge, similarity, text, leakage


class SecondJudge(_Model):
    modelId: str
    compared: Count
    cohenKappaCorrect: Similarity
    meanAbsoluteScoreDifference: ScoreGap
    agreementOnCorrect: Share


class JudgeAudit(_Model):
    modelId: str
    structuredOutput: Literal["tool", "any", "auto"] | None
    verdictsAsked: Count
    failureRate: Share
    parseFailureRate: Share
    retriedAfterMalformed: Count
    sameFamilyAsTunedModel: bool
    warnings: list[str]
    secondJudge: SecondJudge | None


class JudgeInference(_Model):
    maxTokens: Annotated[int, Field(ge=1)]
    temperature: Annotated[float, Field(ge=0, le=1)]
    tool: str
    structuredOutput: Literal["tool", "any", "auto"] | None = Field(default=None, exclude_if=_absent_when_none)


class Judge(_Model):
    modelId: str
    inference: JudgeInference | None
    error: str | None
    audit: JudgeAudit


class SimilaritySettings(_Model):
    enabled: bool
    modelId: str | None
    dimensions: Literal[256, 512, 1024] | None
    method: str
    textsCut: Count


class TextRules(_Model):
    tokenization: str
    dataLanguage: Language
    htmlLang: Annotated[str, Field(min_length=2)]
    languageRule: str


class LeakMatch(_Model):
    location: str
    question: str
    trainingLocation: str
    trainingQuestion: str
    kind: Literal["exact", "near"]
    similarity: Annotated[float, Field(ge=0, le=1)]


class Contradiction(_Model):
    location: str
    otherLocation: str
    question: str


class Leakage(_Model):
    method: str
    threshold: Annotated[float, Field(ge=0, le=1)]
    allowLeakage: bool
    checked: Count
    removed: list[LeakMatch]
    kept: list[LeakMatch]
    validation: list[LeakMatch]
    contradictions: list[Contradiction]


class Inference(_Model):
    maxTokens: Annotated[int, Field(ge=1)]
    temperature: Annotated[float, Field(ge=0, le=1)]
    topP: float | None
    systemPrompt: str


class Configuration(_Model):
    trigger: Literal["console", "s3"]
    sources: dict[str, str | None]
    family: str
    evaluation: Evaluation
    modelUnits: Annotated[int, Field(ge=1)]
    pollIntervalSeconds: Annotated[int, Field(ge=0)]
    throughputPollIntervalSeconds: Annotated[int, Field(ge=0)]
    throughputMaxWaitSeconds: Annotated[int, Field(ge=1)]


# ---------------------------------------------------------------- summary


class ScoreCount(_Model):
    score: Annotated[int, Field(ge=1, le=10)]
    count: Count


class SameLanguage(_Model):
    matched: Count
    compared: Count
    share: Share


class ModelSummary(_Model):
    """One model's numbers over the domain questions."""

    sameLanguage: SameLanguage
    answered: Count
    judged: Count
    meanScore: Score
    medianScore: Score
    scoreDistribution: Annotated[list[ScoreCount], Field(min_length=10, max_length=10)]
    correct: Count
    incorrect: Count
    correctShare: Share
    meanRougeL: Share
    withSimilarity: Count
    meanSimilarity: Similarity
    meanAnswerChars: NonNegative
    meanOutputTokens: NonNegative
    latencyP50Ms: NonNegative
    latencyP95Ms: NonNegative


class PairedMetric(_Model):
    """Paired statistics of the per-question difference fine-tuned minus base."""

    n: Count
    meanDifference: Number
    ci95: Interval
    pValue: Share
    higherIsBetter: bool
    wins: Count
    ties: Count
    losses: Count
    winRate: Share
    winRateCi95: Interval


class Pairwise(_Model):
    pairs: Count
    decided: Count
    missing: Count
    wins: Count
    ties: Count
    losses: Count
    positionConsistency: Share
    winRate: Share
    winRateCi95: Interval
    pValue: Share
    method: str


class StatisticalMethod(_Model):
    ties: str
    pValue: str
    ci95: str


class Comparison(_Model):
    wins: Count
    ties: Count
    losses: Count
    compared: Count
    winRate: Share
    meanScoreDelta: ScoreDelta
    meanSimilarityDelta: SimilarityDelta
    answerCharsReductionPct: ReductionPct
    outputTokensReductionPct: ReductionPct
    judgeScore: PairedMetric
    rougeL: PairedMetric
    semanticSimilarity: PairedMetric
    outputTokens: PairedMetric
    pairwise: Pairwise
    method: StatisticalMethod


class GeneralCheck(_Model):
    enabled: bool
    questions: Count
    judgeScore: PairedMetric | None
    semanticSimilarity: PairedMetric | None = Field(default=None, exclude_if=_absent_when_none)
    """Absent when the check is off."""
    outcome: Literal["dropped", "improved", "no-change-shown", "not-checked", "unknown"]


class Summary(_Model):
    base: ModelSummary
    tuned: ModelSummary = Field(alias="fine-tuned")
    comparison: Comparison
    general: GeneralCheck


# ---------------------------------------------------------------- throttling, training, method sections


class ThrottlingTotals(_Model):
    calls: Count
    attempts: Count
    throttles: Count
    throttleSeconds: Annotated[float, Field(ge=0)]


class Throttling(_Model):
    base: ThrottlingTotals
    tuned: ThrottlingTotals = Field(alias="fine-tuned")
    judge: ThrottlingTotals


class StepLoss(_Model):
    step: Count
    epoch: Count
    loss: float


class EpochLoss(_Model):
    epoch: Count
    loss: float


class StepReward(_Model):
    step: Count
    epoch: Count
    reward: float
    min: float | None
    max: float | None


class EpochReward(_Model):
    epoch: Count
    reward: float


class Rewards(_Model):
    """Reinforcement fine-tuning: the reward curve from the job's step metrics (report/rewards.py)."""

    reward: Literal["judge", "similarity", "rouge"] | None
    rewardByStep: list[StepReward]
    rewardByEpoch: list[EpochReward]
    firstEpochReward: float | None
    lastEpochReward: float | None
    rewardChange: float | None
    graderFailedShare: Share
    files: list[str]


class Training(_Model):
    trainingSteps: Count
    trainingEpochs: Count
    trainingLossFirst: float | None
    trainingLossLast: float | None
    trainingLossByStep: list[StepLoss]
    trainingLossByEpoch: list[EpochLoss]
    validationLossByEpoch: list[EpochLoss]
    bestEpoch: int | None
    bestValidationLoss: float | None
    files: list[str]
    rewards: Rewards | None = Field(default=None, exclude_if=_absent_when_none)
    """Reinforcement fine-tuning only (absent otherwise)."""
    epochsRequested: PositiveOrNull
    earlyStopped: bool


class ThreeScores(_Model):
    baseStudent: Score
    distilledStudent: Score
    teacher: Score


class ThreePrices(_Model):
    baseStudent: NonNegative
    distilledStudent: NonNegative
    teacher: NonNegative


class DistilledQuestion(_Model):
    index: Count
    baseScore: Score
    studentScore: Score
    teacherScore: Score
    agreementWithTeacher: Share


class Distillation(_Model):
    """Distillation only: base student, distilled student and teacher on the same questions."""

    teacherModelId: str | None
    teacherInvocationId: str
    meanScore: ThreeScores
    gapClosed: Number
    meanAgreementWithTeacher: Share
    teacherAnswers: Count
    teacherErrors: list[str]
    pricePer1000AnswersUsd: ThreePrices
    priceNote: str
    questions: list[DistilledQuestion]


# ---------------------------------------------------------------- cost


class Cost(_Model):
    """The quote made before the run (`estimate`) next to the measured usage, priced the same way."""

    status: Literal["complete", "lower bound", "not priced"]
    totalUsd: NonNegative
    currency: Literal["USD"]
    missingPrices: list[str]
    estimate: CostQuote | None
    measured: list[QuotePart]
    note: str


# ---------------------------------------------------------------- questions


class Side(_Model):
    """One model's answer to one question, with its verdict and metrics."""

    model_config = ConfigDict(
        # what the model cannot say by types alone: a score comes with a verdict and its reasoning,
        # a missing score or similarity with the reason why
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"score": {"type": "integer"}}},
                    "then": {"properties": {"correct": {"type": "boolean"}, "reasoning": {"type": "string"}}},
                },
                {
                    "if": {"properties": {"score": {"type": "null"}}},
                    "then": {"properties": {"missingReason": {"type": "string"}}},
                },
                {
                    "if": {"properties": {"similarity": {"type": "null"}}},
                    "then": {"properties": {"similarityMissingReason": {"type": "string"}}},
                },
            ]
        }
    )
    answer: str | None
    score: Verdict
    correct: bool | None
    reasoning: str | None
    missingReason: str | None
    similarity: Similarity
    similarityMissingReason: str | None
    similarityTextCut: list[Literal["answer", "reference"]]
    rougeL: Share
    language: Language | None
    answerChars: CountOrNull
    outputTokens: CountOrNull
    latencyMs: CountOrNull


class Question(_Model):
    index: Count
    set: Literal["domain", "general"]
    question: str
    reference: str
    questionLanguage: Language
    leakedFrom: LeakMatch | None
    base: Side
    tuned: Side = Field(alias="fine-tuned")
    scoreDifference: ScoreDelta

    def side(self, target: str) -> Side:
        """`base` or `fine-tuned`, by the key results.json uses."""
        return self.tuned if target == "fine-tuned" else self.base


# ---------------------------------------------------------------- the file


class Results(_Model):
    """runs/<run-id>/report/results.json."""

    model_config = ConfigDict(
        title="results.json of one fine-tuning run",
        json_schema_extra={
            "$id": "https://example.invalid/bedrock-finetuning-pipeline/results.schema.json",
            "description": "Written by the BuildReport step to runs/<run-id>/report/results.json. Generated "
            "from lambdas/report/results.py (python -m report.schema); field by field in "
            "docs/results-schema.md. Numbers that could not be measured are null; the reason is in "
            "problems, warnings or the per-question missingReason fields.",
        },
    )
    resultsVersion: Literal[4] = RESULTS_VERSION
    simulated: bool
    runId: Annotated[str, Field(min_length=1)]
    verdict: Annotated[str, Field(min_length=1)]
    verdictOutcome: Literal["better", "worse", "not-shown", "unknown"]
    executionName: Annotated[str, Field(min_length=1)]
    startedAt: Timestamp
    generatedAt: Timestamp
    baseModelId: Annotated[str, Field(min_length=1)]
    baseModelInferenceId: Annotated[str, Field(min_length=1)]
    customModelArn: str | None
    customizationJobArn: str
    provisionedThroughput: ProvisionedThroughput
    hosting: Hosting
    judge: Judge
    similarity: SimilaritySettings
    leakage: Leakage | None
    text: TextRules
    inference: Inference
    hyperParameters: dict[str, str]
    customization: Customization
    distillation: Distillation | None
    configuration: Configuration
    data: PreparedData
    summary: Summary
    throttling: Throttling
    training: Training
    cost: Cost
    complete: bool
    problems: list[str]
    warnings: list[str]
    questions: list[Question]

    def document(self) -> dict[str, Any]:
        """The JSON document as written to S3 (keys as documented: "fine-tuned", not `tuned`)."""
        return self.model_dump(mode="json", by_alias=True)
