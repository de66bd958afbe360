"""Named domain errors.

The exception class name becomes the Lambda `errorType`, which Step Functions uses as the
error name that `Retry`/`Catch` match and that a failed run reports. Messages are written
for the person who started the run: they name the file, the record and the rule broken.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: a failure the run reports to the user in plain words."""


class InvalidExecutionInput(PipelineError):
    """The execution input (console JSON or S3 event) is malformed or has unknown keys."""


class InvalidDataset(PipelineError):
    """A raw data file breaks a format rule or a Bedrock dataset limit."""


class InvalidHyperParameters(PipelineError):
    """A hyperparameter is unknown for the model family or out of its range."""


class UnsupportedBaseModel(PipelineError):
    """The base model is unknown, not customizable here, or past its end of life."""


class UnsupportedHosting(PipelineError):
    """The requested hosting (on-demand or provisioned) is not offered for this model family or Region."""


class CustomizationJobFailed(PipelineError):
    """Bedrock reported the customization job as Failed."""


class CustomizationJobStopped(PipelineError):
    """The customization job was stopped before it completed."""


class ProvisionedThroughputFailed(PipelineError):
    """Bedrock reported the provisioned throughput as Failed."""


class ProvisionedThroughputTimeout(PipelineError):
    """The provisioned throughput did not reach InService within the allowed time."""


class ProvisionedThroughputQuotaExceeded(PipelineError):
    """The account may not buy the model units the run needs."""


class ProvisionedThroughputStillExists(PipelineError):
    """Deletion was requested but the throughput is still there; the step is retried."""


class CustomModelDeploymentFailed(PipelineError):
    """Bedrock reported the on-demand custom model deployment as Failed (its failureMessage says why)."""


class CustomModelDeploymentTimeout(PipelineError):
    """The on-demand custom model deployment did not become Active within the allowed time."""


class CustomModelDeploymentStillExists(PipelineError):
    """The deployment could not be deleted yet (Bedrock refuses while it is Creating); the step is retried."""


class AnswerGenerationFailed(PipelineError):
    """A model could not answer an evaluation question, even after retries."""


class JudgeFailed(PipelineError):
    """The judge model could not be reached at all."""


class JudgeIncomplete(PipelineError):
    """Judging did not finish within the bounded number of JudgeAnswers passes."""


class InconsistentRunState(PipelineError):
    """The state machine handed a step something it cannot work with (a bug, not user error)."""


class CustomizationJobQuotaExceeded(PipelineError):
    """The account already runs as many customization jobs as its quota allows; retried with backoff."""


class CustomizationJobRejected(PipelineError):
    """Bedrock refused to start the customization job (its message says why)."""


class ReportWriteFailed(PipelineError):
    """The report could not be written; the answers and verdicts are kept."""


class BudgetExceeded(PipelineError):
    """The run's cost estimate exceeds its budget (maxCostUsd), or cannot be checked against it."""


class ProvisionedThroughputQuotaUnverified(PipelineError):
    """A Provisioned Throughput quota could not be read; the run stops unless allowUnverifiedQuota is set."""


class UnsupportedCustomizationMethod(PipelineError):
    """The base model (or teacher) cannot be customized with the requested method."""
