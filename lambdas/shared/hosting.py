"""Hosting the fine-tuned model for evaluation: one interface, two kinds.

- `provisioned`: a no-commitment Provisioned Throughput (billed per model-unit hour until
  deleted); deleted right after the fine-tuned answers, on every path.
- `on-demand`: a custom model deployment (billed per token, nothing while idle); kept after a
  successful run when `evaluation.keepDeployment` is true, deleted on every other path.

Both are created with a name and idempotency token derived from the run id and carry the
run's tags, so a retried step finds what it already bought and the sweeper finds leftovers.
Operation and field names: botocore's `bedrock` service model (CreateCustomModelDeployment,
GetCustomModelDeployment, DeleteCustomModelDeployment, ListCustomModelDeployments; statuses
Creating|Active|Failed, there is no Deleting status). Deployment facts:
https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from shared.aws import error_message
from shared.clock import iso, now, parse
from shared.errors import (
    CustomModelDeploymentFailed,
    CustomModelDeploymentStillExists,
    CustomModelDeploymentTimeout,
    InconsistentRunState,
    ProvisionedThroughputFailed,
    ProvisionedThroughputQuotaExceeded,
    ProvisionedThroughputStillExists,
    ProvisionedThroughputTimeout,
)
from shared.families import HostingKind
from shared.models import HostingDeletion, HostingState, JobState, RunContext
from shared.tags import run_tags


class Hosting(Protocol):
    """create / check / find / delete for one kind of hosting."""

    kind: HostingKind

    def name(self, run: RunContext) -> str: ...

    def create(self, run: RunContext, job: JobState) -> HostingState: ...

    def check(self, run: RunContext, state: HostingState) -> HostingState: ...

    def find(self, name: str) -> dict[str, Any] | None: ...

    def request_deletion(self, arn: str, name: str) -> None: ...


class ProvisionedThroughput:
    kind: HostingKind = "provisioned"
    ready_status = "InService"

    def __init__(self, bedrock: Any) -> None:
        self.bedrock = bedrock

    def name(self, run: RunContext) -> str:
        return run.names.provisionedModelName

    def find(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self.bedrock.get_provisioned_model_throughput(provisionedModelId=name))
        except self.bedrock.exceptions.ResourceNotFoundException:
            return None

    def create(self, run: RunContext, job: JobState) -> HostingState:
        model_arn = _custom_model_arn(job)
        existing = self.find(self.name(run))
        if existing is not None:  # a retried step must not buy a second throughput
            return _state(self.kind, existing["provisionedModelArn"], self.name(run), existing)
        requested_at = iso()
        try:
            # No commitmentDuration: a no-commitment throughput, billed by the hour until deleted.
            response = self.bedrock.create_provisioned_model_throughput(
                modelUnits=run.modelUnits,
                provisionedModelName=self.name(run),
                modelId=model_arn,
                clientRequestToken=run.names.throughputClientToken,
                tags=run_tags(run),
            )
        except self.bedrock.exceptions.ServiceQuotaExceededException as error:
            raise ProvisionedThroughputQuotaExceeded(
                f"the account may not buy {run.modelUnits} model unit(s) of no-commitment provisioned "
                "throughput for this model. Many accounts have a quota of 0 until AWS Support raises it "
                f"(Service Quotas, Amazon Bedrock). Bedrock said: {error_message(error)}"
            ) from None
        return HostingState(
            kind=self.kind,
            arn=response["provisionedModelArn"],
            name=self.name(run),
            status="Creating",
            requestedAt=requested_at,
        )

    def check(self, run: RunContext, state: HostingState) -> HostingState:
        response = self.bedrock.get_provisioned_model_throughput(provisionedModelId=state.arn)
        if response["status"] == "Failed":
            raise ProvisionedThroughputFailed(response.get("failureMessage") or "Bedrock gave no failure message")
        return _checked(run, state, response["status"], self.ready_status, ProvisionedThroughputTimeout)

    def request_deletion(self, arn: str, name: str) -> None:
        """Ask Bedrock to delete; already gone is fine, a conflict is retried by the caller."""
        try:
            self.bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)
        except self.bedrock.exceptions.ResourceNotFoundException:
            return
        except self.bedrock.exceptions.ConflictException as error:
            raise ProvisionedThroughputStillExists(
                f"{name} could not be deleted yet ({error_message(error)}); retrying"
            ) from None

    @staticmethod
    def arn_of(found: dict[str, Any]) -> str:
        return str(found["provisionedModelArn"])


class OnDemandDeployment:
    kind: HostingKind = "on-demand"
    ready_status = "Active"

    def __init__(self, bedrock: Any) -> None:
        self.bedrock = bedrock

    def name(self, run: RunContext) -> str:
        return run.names.deploymentName

    def find(self, name: str) -> dict[str, Any] | None:
        # customModelDeploymentIdentifier takes the ARN or the name (botocore service model).
        try:
            return dict(self.bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=name))
        except self.bedrock.exceptions.ResourceNotFoundException:
            return None

    def create(self, run: RunContext, job: JobState) -> HostingState:
        model_arn = _custom_model_arn(job)
        existing = self.find(self.name(run))
        if existing is not None:  # a retried step must not create a second deployment
            return _state(self.kind, existing["customModelDeploymentArn"], self.name(run), existing)
        requested_at = iso()
        response = self.bedrock.create_custom_model_deployment(
            modelDeploymentName=self.name(run),
            modelArn=model_arn,
            description=f"Fine-tuning pipeline run {run.runId}: on-demand evaluation of the custom model",
            clientRequestToken=run.names.deploymentClientToken,
            tags=run_tags(run),
        )
        return HostingState(
            kind=self.kind,
            arn=response["customModelDeploymentArn"],
            name=self.name(run),
            status="Creating",
            requestedAt=requested_at,
        )

    def check(self, run: RunContext, state: HostingState) -> HostingState:
        response = self.bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=state.arn)
        if response["status"] == "Failed":
            raise CustomModelDeploymentFailed(
                f"the on-demand deployment {state.name} failed; it is being deleted. Bedrock said: "
                + (response.get("failureMessage") or "no failure message")
            )
        return _checked(run, state, response["status"], self.ready_status, CustomModelDeploymentTimeout)

    def request_deletion(self, arn: str, name: str) -> None:
        """Bedrock refuses to delete a deployment that is still Creating (ConflictException in the
        service model's DeleteCustomModelDeployment errors): that is retried by the caller."""
        try:
            self.bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=arn)
        except self.bedrock.exceptions.ResourceNotFoundException:
            return
        except (self.bedrock.exceptions.ConflictException, self.bedrock.exceptions.ValidationException) as error:
            raise CustomModelDeploymentStillExists(
                f"{name} could not be deleted yet ({error_message(error)}); Bedrock deletes a deployment "
                "only once it has left Creating; retrying"
            ) from None

    @staticmethod
    def arn_of(found: dict[str, Any]) -> str:
        return str(found["customModelDeploymentArn"])


def hosting_for(kind: HostingKind, bedrock: Any) -> ProvisionedThroughput | OnDemandDeployment:
    return ProvisionedThroughput(bedrock) if kind == "provisioned" else OnDemandDeployment(bedrock)


def delete_hosting(run: RunContext, reason: str, bedrock: Any) -> HostingDeletion:
    """Delete the run's hosting, found by its run-derived name, and confirm it is gone.
    Raising while it still exists makes the state machine retry (with backoff)."""
    hosting = hosting_for(run.evaluation.hosting, bedrock)
    name = hosting.name(run)
    found = hosting.find(name)
    if found is None:
        return HostingDeletion(kind=hosting.kind, name=name, arn=None, existed=False, deletedAt=iso(), reason=reason)
    arn = hosting.arn_of(found)
    hosting.request_deletion(arn, name)
    if hosting.find(name) is not None:
        still = ProvisionedThroughputStillExists if hosting.kind == "provisioned" else CustomModelDeploymentStillExists
        raise still(f"{name} still exists after the delete request; retrying")
    deleted_at = now()
    created = found.get("creationTime") or found.get("createdAt")
    held = round((deleted_at - created).total_seconds(), 1) if isinstance(created, datetime) else None
    return HostingDeletion(
        kind=hosting.kind,
        name=name,
        arn=arn,
        existed=True,
        deletedAt=iso(deleted_at),
        reason=reason,
        heldSeconds=held,
    )


def _custom_model_arn(job: JobState) -> str:
    if not job.customModelArn:
        raise InconsistentRunState(f"job {job.jobName} has no custom model ARN (status {job.status})")
    return job.customModelArn


def _state(kind: HostingKind, arn: str, name: str, found: dict[str, Any]) -> HostingState:
    created = found.get("creationTime") or found.get("createdAt")
    return HostingState(
        kind=kind,
        arn=arn,
        name=name,
        status=found["status"],
        requestedAt=iso(created) if isinstance(created, datetime) else iso(),
    )


def _checked(
    run: RunContext, state: HostingState, status: str, ready_status: str, timeout: type[Exception]
) -> HostingState:
    checked = state.model_copy(update={"status": status, "checks": state.checks + 1})
    if status == ready_status:
        return checked.model_copy(update={"ready": True, "readyAt": iso()})
    waited = (now() - parse(state.requestedAt)).total_seconds()
    if waited > run.throughputMaxWaitSeconds:
        what = "provisioned throughput" if state.kind == "provisioned" else "on-demand deployment"
        raise timeout(
            f"{what} {state.name} is still {status} after {int(waited)} s (limit {run.throughputMaxWaitSeconds} s, "
            "throughputMaxWaitSeconds); it is being deleted"
        )
    return checked
