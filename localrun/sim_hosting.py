"""Simulated hosting of custom models: Provisioned Throughput (Creating -> InService/Failed) and
on-demand custom model deployments (Creating -> Active/Failed, delete refused while Creating).

Deployment operations, fields and errors as in botocore's `bedrock` service model: the name must
match ([0-9a-zA-Z][_-]?){1,63}; GetCustomModelDeployment takes the ARN or the name; the status is
Creating|Active|Failed (no Deleting); DeleteCustomModelDeployment declares ConflictException, which
is what a delete of a deployment that is still Creating gets here.
"""

from __future__ import annotations

import secrets
from typing import Any

from . import sim_catalog, sim_faults, sim_models
from .sim_common import Account, Handlers, SimulatedError, invalid, not_found, now, public
from .sim_jobs import SimulatedJobs
from .sim_quotas import SimulatedQuotas

ON_DEMAND_DEPLOYMENT_REGIONS = ("us-east-1", "us-west-2")
ON_DEMAND_DEPLOYMENT_BASES = ("amazon.nova-micro", "amazon.nova-lite", "amazon.nova-pro", "meta.llama3-3-70b")
"""Custom models Bedrock deploys on demand, and where (bedrock-facts §14, from
https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html; Llama 3.3
70B from a third-party report, the same one the registry cites, localrun.sim_models)."""
PT_POLLS_TO_IN_SERVICE = 1
DEPLOYMENT_POLLS_TO_ACTIVE = 1
DEPLOYMENT_STUCK_REFUSALS = 2
"""With `deployment-stuck`, Bedrock ends the stuck creation (Failed) after refusing this many deletes."""
PT_SUMMARY_FIELDS = (
    "provisionedModelArn",
    "provisionedModelName",
    "modelArn",
    "desiredModelArn",
    "foundationModelArn",
    "modelUnits",
    "desiredModelUnits",
    "status",
    "creationTime",
    "lastModifiedTime",
    "commitmentDuration",
)


class SimulatedHosting:
    def __init__(self, account: Account, jobs: SimulatedJobs, quotas: SimulatedQuotas) -> None:
        self.account, self.jobs, self.quotas = account, jobs, quotas
        self.throughputs: dict[str, dict[str, Any]] = {}
        self.deleted_throughputs: list[str] = []
        self.deployments: dict[str, dict[str, Any]] = {}
        self.deleted_deployments: list[str] = []
        self.deployment_usage: dict[str, dict[str, int]] = {}
        """Per-token usage through each deployment (what on-demand inference is billed by)."""
        jobs.in_use = self.users

    def handlers(self) -> Handlers:
        return {
            "CreateProvisionedModelThroughput": self._create_pt,
            "GetProvisionedModelThroughput": self._get_pt,
            "DeleteProvisionedModelThroughput": self._delete_pt,
            "ListProvisionedModelThroughputs": self._list_pts,
            "CreateCustomModelDeployment": self._create_deployment,
            "GetCustomModelDeployment": self._get_deployment,
            "DeleteCustomModelDeployment": self._delete_deployment,
            "ListCustomModelDeployments": self._list_deployments,
        }

    def users(self, model_arn: str) -> list[str]:
        """The deployments and throughputs that serve a custom model."""
        users = [d["modelDeploymentName"] for d in self.deployments.values() if d["modelArn"] == model_arn]
        return users + [t["provisionedModelName"] for t in self.throughputs.values() if t.get("modelArn") == model_arn]

    def served_model(self, model_id: str) -> str:
        """The custom model behind a throughput or deployment ARN that can take calls now."""
        if ":provisioned-model/" in model_id:
            pt = self.find_pt(model_id)
            if pt["status"] != "InService":
                raise invalid(f"Provisioned model {model_id} is {pt['status']}")
            return str(pt["modelArn"])
        deployment = self.find_deployment(model_id)
        if deployment["status"] != "Active":
            raise invalid(f"Custom model deployment {model_id} is {deployment['status']}")
        return str(deployment["modelArn"])

    def record_usage(self, deployment_arn: str, usage: dict[str, int]) -> None:
        total = self.deployment_usage.setdefault(deployment_arn, {"inputTokens": 0, "outputTokens": 0})
        total["inputTokens"] += usage["inputTokens"]
        total["outputTokens"] += usage["outputTokens"]

    # ------------------------------------------------------------------ provisioned throughput

    def find_pt(self, identifier: str) -> dict[str, Any]:
        for pt in self.throughputs.values():
            if identifier in (pt["provisionedModelArn"], pt["provisionedModelName"]):
                return pt
        raise not_found(f"Provisioned model {identifier}")

    def _create_pt(self, body: dict[str, Any], _: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        token = body.get("clientRequestToken")
        for pt in self.throughputs.values():
            if token and pt["_token"] == token:
                return {"provisionedModelArn": pt["provisionedModelArn"]}
        self.account.faults.trip(sim_faults.PT_CREATE)
        model = self.jobs.custom_model(body["modelId"])
        refusal = sim_models.provisioned_refusal(model["baseModelArn"])
        if refusal:
            raise invalid(refusal)
        if body.get("commitmentDuration"):
            raise invalid("the simulation only sells no-commitment throughput")
        base_id = model["baseModelArn"].split("/")[-1]
        if sim_catalog.is_legacy(base_id):
            # "You can't create new Provisioned Throughput for a Legacy model" (model-lifecycle.html).
            raise invalid(
                f"Provisioned Throughput cannot be created for a model based on {base_id}: "
                "the base model is in the Legacy state"
            )
        held = sum(
            max(pt["modelUnits"], pt["desiredModelUnits"])
            for pt in self.throughputs.values()
            if pt["status"] != "Failed" and not pt.get("commitmentDuration")
        )
        refusal = self.quotas.pt_purchase_refusal(base_id, body["modelUnits"], held)
        if refusal:  # both PT quotas are checked at purchase (prov-thru-purchase.html)
            raise SimulatedError(400, "ServiceQuotaExceededException", refusal)
        arn = self.account.arn("provisioned-model", secrets.token_hex(6))
        self.throughputs[arn] = {
            "provisionedModelArn": arn,
            "provisionedModelName": body["provisionedModelName"],
            "modelArn": model["modelArn"],
            "desiredModelArn": model["modelArn"],
            "foundationModelArn": model["baseModelArn"],
            "modelUnits": body["modelUnits"],
            "desiredModelUnits": body["modelUnits"],
            "status": "Creating",
            "creationTime": now(),
            "lastModifiedTime": now(),
            "_token": token or "",
            "_polls": 0,
        }
        self.account.tags[arn] = list(body.get("tags", []))
        return {"provisionedModelArn": arn}

    def _get_pt(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        pt = self.find_pt(path["provisionedModelId"])
        settling = self.account.faults.outcomes(sim_faults.PT_SETTLE)
        if pt["status"] == "Creating" and sim_faults.STUCK not in settling:
            pt["_polls"] += 1
            if pt["_polls"] >= PT_POLLS_TO_IN_SERVICE:
                if sim_faults.FAILED in settling:
                    pt["status"] = "Failed"
                    pt["failureMessage"] = "Insufficient capacity to provision the requested model units (simulated)"
                else:
                    pt["status"] = "InService"
                pt["lastModifiedTime"] = now()
        return public(pt)

    def _delete_pt(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        pt = self.find_pt(path["provisionedModelId"])
        del self.throughputs[pt["provisionedModelArn"]]
        self.deleted_throughputs.append(pt["provisionedModelArn"])
        return {}

    def _list_pts(self, _: dict[str, Any], __: dict[str, str], query: dict[str, Any]) -> dict[str, Any]:
        summaries = [
            {key: pt[key] for key in PT_SUMMARY_FIELDS if key in pt}
            for pt in self.throughputs.values()
            if (not query.get("statusEquals") or pt["status"] == query["statusEquals"])
            and query.get("nameContains", "") in pt["provisionedModelName"]
        ]
        return {"provisionedModelSummaries": summaries}

    # ------------------------------------------------------------------ on-demand custom model deployments

    def find_deployment(self, identifier: str) -> dict[str, Any]:
        for deployment in self.deployments.values():
            if identifier in (deployment["customModelDeploymentArn"], deployment["modelDeploymentName"]):
                return deployment
        raise not_found(f"Custom model deployment {identifier}")

    def _create_deployment(self, body: dict[str, Any], _: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        token = body.get("clientRequestToken")
        for deployment in self.deployments.values():
            if token and deployment["_token"] == token:
                return {"customModelDeploymentArn": deployment["customModelDeploymentArn"]}
            if deployment["modelDeploymentName"] == body["modelDeploymentName"]:
                raise invalid(f"A deployment named {body['modelDeploymentName']} already exists")
        if self.account.region not in ON_DEMAND_DEPLOYMENT_REGIONS:
            raise invalid(f"On-demand deployment of custom models is not supported in {self.account.region}")
        model = self.jobs.custom_model(body["modelArn"])
        base = model["baseModelArn"].split("foundation-model/")[-1]
        if not base.startswith(ON_DEMAND_DEPLOYMENT_BASES):
            raise invalid(
                f"The custom model {model['modelName']} (base model {base}) does not support on-demand deployment"
            )
        arn = self.account.arn("custom-model-deployment", secrets.token_hex(6))
        self.deployments[arn] = {
            "customModelDeploymentArn": arn,
            "modelDeploymentName": body["modelDeploymentName"],
            "modelArn": model["modelArn"],
            "description": body.get("description"),
            "status": "Creating",
            "createdAt": now(),
            "lastUpdatedAt": now(),
            "_token": token or "",
            "_polls": 0,
            "_refusals": 0,
        }
        self.account.tags[arn] = list(body.get("tags", []))
        return {"customModelDeploymentArn": arn}

    def _advance_deployment(self, deployment: dict[str, Any]) -> None:
        settling = self.account.faults.outcomes(sim_faults.DEPLOYMENT_SETTLE)
        if deployment["status"] != "Creating" or sim_faults.STUCK in settling:
            return
        deployment["_polls"] += 1
        if deployment["_polls"] < DEPLOYMENT_POLLS_TO_ACTIVE:
            return
        if sim_faults.FAILED in settling:
            deployment["status"] = "Failed"
            deployment["failureMessage"] = "The custom model could not be deployed: internal error (simulated)"
        else:
            deployment["status"] = "Active"
        deployment["lastUpdatedAt"] = now()

    def _get_deployment(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        deployment = self.find_deployment(path["customModelDeploymentIdentifier"])
        self._advance_deployment(deployment)
        return public(deployment)

    def _delete_deployment(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        deployment = self.find_deployment(path["customModelDeploymentIdentifier"])
        name = deployment["modelDeploymentName"]
        if deployment["status"] == "Creating":
            deployment["_refusals"] += 1
            stuck = sim_faults.STUCK in self.account.faults.outcomes(sim_faults.DEPLOYMENT_SETTLE)
            if stuck and deployment["_refusals"] >= DEPLOYMENT_STUCK_REFUSALS:
                deployment["status"] = "Failed"  # Bedrock gives up on a creation that never finishes
                deployment["failureMessage"] = "The deployment did not become active in time (simulated)"
            raise SimulatedError(
                409, "ConflictException", f"Custom model deployment {name} is Creating and cannot be deleted"
            )
        self.account.faults.trip(sim_faults.DEPLOYMENT_DELETE, name=name)
        del self.deployments[deployment["customModelDeploymentArn"]]
        self.deleted_deployments.append(deployment["customModelDeploymentArn"])
        return {}

    def _list_deployments(self, _: dict[str, Any], __: dict[str, str], query: dict[str, Any]) -> dict[str, Any]:
        summaries = [
            {
                "customModelDeploymentArn": d["customModelDeploymentArn"],
                "customModelDeploymentName": d["modelDeploymentName"],
                "modelArn": d["modelArn"],
                "createdAt": d["createdAt"],
                "status": d["status"],
                "lastUpdatedAt": d["lastUpdatedAt"],
            }
            | ({"failureMessage": d["failureMessage"]} if d.get("failureMessage") else {})
            for d in self.deployments.values()
            if (not query.get("statusEquals") or d["status"] == query["statusEquals"])
            and query.get("nameContains", "") in d["modelDeploymentName"]
        ]
        return {"modelDeploymentSummaries": summaries}
