"""Typed contracts between the state machine and the Lambda steps.

Field names are camelCase because the state machine's JSONPaths read them
(for example `$.run.pollIntervalSeconds`, `$.job.status`, `$.hosting.ready`).
"""

from __future__ import annotations

import codecs
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from shared.families import CustomizationMethod, HostingRequest
from shared.prices import PriceOverrides
from shared.quote import CostQuote
from shared.s3 import S3Uri

TITAN_EMBED_TEXT_V2 = "amazon.titan-embed-text-v2:0"
"""Default model for semantic similarity: Amazon Titan Text Embeddings V2 (InvokeModel)."""


class Strict(BaseModel):
    """Unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Tolerant(BaseModel):
    """For shapes produced by AWS (events, state) that may grow new fields."""

    model_config = ConfigDict(extra="ignore")


# ---------------------------------------------------------------- execution input


class EvaluationInput(Strict):
    judgeModelId: str | None = Field(default=None, min_length=1)
    baseModelInferenceId: str | None = Field(
        default=None, min_length=1, description="On-demand ID or inference profile for base answers"
    )
    maxQuestions: int = Field(
        default=50,
        ge=1,
        le=20_000,
        description="Above 1,000 the answers run as a Distributed Map over a batch list in S3 (shared/work_plan.py)",
    )
    sampleSize: int = Field(default=10, ge=1, le=1000, description="Held-out questions when no eval file")
    concurrency: int = Field(
        default=4, ge=1, le=64, description="Requests in flight against the evaluated model, across all batches"
    )
    judgeConcurrency: int = Field(default=4, ge=1, le=64, description="Requests in flight against the judge")
    batchSize: int | None = Field(
        default=None, ge=1, le=200, description="Questions per Lambda call; default: 8 rounds of the batch's threads"
    )
    maxTokens: int = Field(default=512, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)
    topP: float | None = Field(default=None, gt=0.0, le=1.0)
    semanticSimilarity: bool = Field(
        default=True, description="Cosine of embedding vectors of answer and reference, computed after judging"
    )
    embeddingModelId: str = Field(default=TITAN_EMBED_TEXT_V2, min_length=1)
    hosting: HostingRequest | None = Field(
        default=None,
        description="How the fine-tuned model is served for evaluation; auto = cheapest allowed; "
        "absent: the stack's default (DEFAULT_HOSTING, itself auto unless the deployment says otherwise)",
    )
    keepDeployment: bool | None = Field(
        default=None,
        description="Keep an on-demand deployment after a successful run (it costs nothing idle); "
        "absent: the stack's default (DEFAULT_KEEP_DEPLOYMENT, itself true unless the deployment says otherwise)",
    )
    generalCheck: bool = Field(
        default=True, description="Also ask both models the bundled general questions (the forgetting check)"
    )
    secondJudgeModelId: str | None = Field(
        default=None, min_length=1, description="A second judge for the audit: agreement with the first"
    )
    allowLeakage: bool = Field(
        default=False,
        description=(
            "Keep evaluation questions that repeat a training question (exactly or nearly); by default they "
            "are removed before anything is paid, and kept ones are flagged in the report"
        ),
    )

    @field_validator("embeddingModelId")
    @classmethod
    def _is_titan_v2(cls, value: str) -> str:
        # The request body ({"inputText", "dimensions", "normalize"}) is Titan Text Embeddings V2's;
        # another embedding model would reject it at the end of a paid run, so refuse it up front.
        if "titan-embed-text-v2" not in value:
            raise ValueError(
                f"only Amazon Titan Text Embeddings V2 is supported (for example {TITAN_EMBED_TEXT_V2}), got {value!r}"
            )
        return value


class CustomizationInput(Strict):
    """`customization` of the execution input: which method, and its method-specific settings."""

    method: CustomizationMethod | None = Field(
        default=None, description="supervised (default), reinforcement or distillation; None = the stack default"
    )
    reward: Literal["judge", "similarity", "rouge"] = Field(
        default="judge", description="Reinforcement: how the grader Lambda scores a sampled response"
    )
    teacherModelId: str | None = Field(
        default=None, min_length=1, description="Distillation: the teacher (model ID, profile ID or ARN)"
    )
    maxResponseLengthForInference: int | None = Field(
        default=None, ge=1, le=32_768, description="Distillation: teacher answer cap; default evaluation.maxTokens"
    )


# Strict types: JSON true must not become 1 on its way to Bedrock.
HyperParametersInput = dict[str, StrictStr | StrictInt | StrictFloat] | Literal["auto"]


class ExecutionInput(Strict):
    """What a user may pass when starting an execution from the console."""

    trainingDataUri: str
    validationDataUri: str | None = None
    evalDataUri: str | None = None
    baseModelId: str | None = Field(default=None, min_length=1)
    systemPrompt: str | None = Field(default=None, max_length=20_000)
    promptKey: str | None = Field(default=None, min_length=1)
    completionKey: str | None = Field(default=None, min_length=1)
    sourceEncoding: str | None = Field(
        default=None,
        min_length=1,
        description="Encoding of the raw files when not UTF-8 or UTF-16 with a BOM, e.g. cp932 (Excel's Shift_JIS)",
    )
    hyperParameters: HyperParametersInput | None = None
    evaluation: EvaluationInput = Field(default_factory=EvaluationInput)
    customization: CustomizationInput = Field(default_factory=CustomizationInput)
    pollIntervalSeconds: int | None = Field(
        default=None, ge=0, le=21600, description="Safety poll of the training wait (job events resume the run)"
    )
    throughputPollIntervalSeconds: int | None = Field(default=None, ge=0, le=3600)
    throughputMaxWaitSeconds: int = Field(default=5400, ge=1, le=24 * 3600)
    dryRun: bool = False
    allowLegacyModel: bool = False
    allowUnverifiedQuota: bool = False
    maxCostUsd: float | None = Field(default=None, ge=0, description="Refuse the run when its estimate exceeds this")
    prices: PriceOverrides | None = Field(default=None, description="Prices (USD) replacing the price table's")

    @field_validator("trainingDataUri", "validationDataUri", "evalDataUri")
    @classmethod
    def _is_s3_uri(cls, value: str | None) -> str | None:
        if value is not None:
            S3Uri.parse(value)
        return value

    @field_validator("sourceEncoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"unknown encoding {value!r} (examples: cp932, shift_jis, euc_jp, utf-16-le, gb18030)"
            ) from None
        return value

    @model_validator(mode="after")
    def _keys_come_in_pairs(self) -> ExecutionInput:
        if (self.promptKey is None) != (self.completionKey is None):
            raise ValueError("promptKey and completionKey must be given together")
        return self


# ---------------------------------------------------------------- run context


class ResourceNames(Strict):
    jobName: str
    customModelName: str
    provisionedModelName: str
    deploymentName: str
    jobClientToken: str
    throughputClientToken: str
    deploymentClientToken: str


class Evaluation(Strict):
    judgeModelId: str
    baseModelInferenceId: str
    hosting: Literal["on-demand", "provisioned"]
    """Resolved from `evaluation.hosting` and the family registry by PreprocessDataset."""
    keepDeployment: bool = True
    concurrency: int
    mapConcurrency: int = 1
    """Answer batches in flight (the Map's MaxConcurrencyPath); x threadsPerBatch = concurrency."""
    threadsPerBatch: int = 4
    judgeConcurrency: int = 4
    judgeMapConcurrency: int = 1
    """Answer batches judged at once by the judge's Distributed Map (evalMode distributed), each with
    threads_per_batch(judgeConcurrency) threads: their product is judgeConcurrency."""
    maxTokens: int
    temperature: float
    topP: float | None = None
    semanticSimilarity: bool = True
    embeddingModelId: str = TITAN_EMBED_TEXT_V2
    generalCheck: bool = True
    secondJudgeModelId: str | None = None
    allowLeakage: bool = False


class Customization(Strict):
    """The resolved customization method of a run (PreprocessDataset checked it against the registry)."""

    method: CustomizationMethod = "supervised"
    reward: Literal["judge", "similarity", "rouge"] = "judge"
    rftHyperParameters: dict[str, int | float | str] | None = None
    """Reinforcement: typed `rftConfig.hyperParameters` (the RFT shape takes numbers, not strings)."""
    teacherModelId: str | None = None
    """Distillation: the teacher identifier sent to Bedrock."""
    teacherInvocationId: str | None = None
    """Distillation: how the report's teacher answers invoke the teacher."""
    maxResponseLengthForInference: int | None = None


class PreparedData(Strict):
    prefix: str
    trainingUri: str
    validationUri: str | None
    evalUri: str
    manifestUri: str
    trainingRecords: int
    validationRecords: int
    evalQuestions: int
    """Domain questions; eval.json also holds `generalQuestions` bundled ones after them."""
    generalQuestions: int = 0
    evalBatches: list[int]
    """Batch numbers the inline answer Maps iterate over; empty when `evalMode` is distributed."""
    batchSize: int
    evalMode: Literal["inline", "distributed"] = "inline"
    """How the answer Maps run (shared/work_plan.py): inline over `evalBatches` in the state, or as a
    Distributed Map whose ItemReader reads `batchListKey`."""
    batchListKey: str | None = None
    """`runs/<run-id>/data/eval-batches.json`, a JSON array of {"batch": n}; distributed mode only."""
    estimatedTrainingTokens: int
    warnings: list[str] = Field(default_factory=list)


class RunContext(Strict):
    """Everything the later steps need, resolved once by PreprocessDataset."""

    mode: Literal["train", "dryRun"]
    runId: str
    executionName: str
    executionArn: str | None = None
    startedAt: str
    bucket: str
    trigger: Literal["console", "s3"]
    sources: dict[str, str | None]
    baseModelId: str
    family: str
    systemPrompt: str
    hyperParameters: dict[str, str]
    evaluation: Evaluation
    customization: Customization = Field(default_factory=Customization)
    pollIntervalSeconds: int
    throughputPollIntervalSeconds: int
    throughputMaxWaitSeconds: int
    modelUnits: int = 1
    dryRun: bool
    allowLegacyModel: bool = False
    allowUnverifiedQuota: bool = False
    maxCostUsd: float | None = None
    costQuote: CostQuote | None = None
    """The cost quote PreprocessDataset computed before anything was paid (shared/quote.py)."""
    names: ResourceNames
    data: PreparedData
    simulated: bool = False


class SkippedRun(Strict):
    """The event was not a training file (for example a companion validation file)."""

    mode: Literal["skip"] = "skip"
    dryRun: bool = False
    reason: str


# ---------------------------------------------------------------- step inputs / outputs


class JobState(Strict):
    jobArn: str
    jobName: str
    status: str
    customModelArn: str | None = None
    failureMessage: str | None = None
    checks: int = 0
    createdAt: str | None = None
    endedAt: str | None = None


class HostingState(Strict):
    """What the run bought to serve its custom model: a provisioned throughput or an
    on-demand custom model deployment (`kind`). The ASL reads `status` and `arn`."""

    kind: Literal["on-demand", "provisioned"]
    arn: str
    name: str
    status: str
    """Bedrock's status: provisioned Creating|InService|Updating|Failed, on-demand Creating|Active|Failed."""
    ready: bool = False
    """True once Bedrock serves requests (InService / Active): the ASL's wait loop ends on it."""
    requestedAt: str
    checks: int = 0
    readyAt: str | None = None
    failureMessage: str | None = None


class HostingDeletion(Strict):
    kind: Literal["on-demand", "provisioned"]
    name: str
    arn: str | None
    existed: bool
    deletedAt: str
    reason: str
    heldSeconds: float | None = None
    """From Bedrock's own creation time to the confirmed deletion (a PT is billed until then)."""


class RunStep(Strict):
    run: RunContext


class JobStep(Strict):
    run: RunContext
    job: JobState


class HostingStep(Strict):
    run: RunContext
    hosting: HostingState


class DeleteHostingStep(Strict):
    run: RunContext
    reason: str


class AnswerBatchStep(Strict):
    run: RunContext
    target: Literal["base", "fine-tuned"]
    batch: int = Field(ge=0)
    modelId: str | None = None


class JudgeBatchStep(Strict):
    """One answer batch's judge calls, inside the judge's Distributed Map."""

    run: RunContext
    batch: int = Field(ge=0)


class VerifyAnswersStep(Strict):
    """After a Distributed Map of answer batches: every batch must have written its answers."""

    run: RunContext
    target: Literal["base", "fine-tuned"]
    verify: Literal[True]


class VerifiedAnswers(Strict):
    target: Literal["base", "fine-tuned"]
    batches: int
    answered: int


class AnswerBatchResult(Strict):
    target: Literal["base", "fine-tuned"]
    batch: int
    key: str
    answered: int


class StepError(Tolerant):
    """What a `Catch` puts into the state: `Cause` is the Lambda error JSON or plain text."""

    Error: str
    Cause: str | None = None


class PreprocessStep(Strict):
    input: dict[str, Any]
    executionName: str
    executionArn: str | None = None
    executionStartTime: str
