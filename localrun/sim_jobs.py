"""Simulated model customization jobs and the custom models they produce.

Lifecycle: InProgress -> Completed / Failed (the validation phase names the broken rule) /
Stopped, with the metrics CSVs Bedrock writes to the job's output prefix and Bedrock's
"Model Customization Job State Change" event. RFT and distillation train through
localrun/sim_methods.py; the data checks are localrun/sim_datasets.py.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any

from shared import formats

from . import sim_catalog, sim_datasets, sim_faults, sim_job_metrics, sim_methods
from .sim_common import Account, Handlers, SimulatedError, invalid, not_found, now, public
from .sim_faults import ActiveFaults

TRAINING_SECONDS = 90.0
"""Simulated seconds a customization job trains (SimulatedJobs.training_seconds overrides it)."""


class SimulatedJobs:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.jobs: dict[str, dict[str, Any]] = {}
        self.custom_models: dict[str, dict[str, Any]] = {}
        self.training_seconds = TRAINING_SECONDS
        self.grader_invoker: sim_methods.sim_rft.GraderInvoker | None = None
        """How RFT jobs invoke their grader; None: through the Lambda API (localrun/sim_methods.py)."""
        self.teacher_world: list[tuple[str, str]] = []
        """Domain answers the simulated teachers know (from the distillation data they have seen)."""
        self.rft_training = 0
        """RFT jobs whose rollouts are running (the grader-error fault hits judge calls meanwhile)."""
        self.job_event_listeners: list[Callable[[dict[str, Any]], None]] = []
        """Called (on their own thread, as EventBridge delivers) with each job state-change event."""
        self.job_events: list[dict[str, Any]] = []
        self.in_use: Callable[[str], list[str]] = lambda _: []
        """Names of the hostings that serve a custom model (set by the hosting service)."""
        self._timers: list[threading.Timer] = []

    # What the customization methods (sim_methods, sim_rft, sim_distillation) read.
    @property
    def faults(self) -> ActiveFaults:
        return self.account.faults

    @property
    def s3(self) -> Any:
        return self.account.s3

    def read_text(self, uri: str) -> str:
        return self.account.read_text(uri)

    def handlers(self) -> Handlers:
        return {
            "CreateModelCustomizationJob": self._create_job,
            "GetModelCustomizationJob": self._get_job,
            "StopModelCustomizationJob": self._stop_job,
            "ListModelCustomizationJobs": self._list_jobs,
            "GetCustomModel": self._get_custom_model,
            "ListCustomModels": self._list_custom_models,
            "DeleteCustomModel": self._delete_custom_model,
        }

    # ------------------------------------------------------------------ jobs

    def find_job(self, identifier: str) -> dict[str, Any]:
        for job in self.jobs.values():
            if identifier in (job["jobArn"], job["jobName"]):
                return job
        raise not_found(f"Customization job {identifier}")

    def _read_training(self, uri: str) -> list[tuple[str, str]]:
        try:
            text = self.read_text(uri)
        except Exception as error:
            raise invalid(f"Could not read training data at {uri}: {error}") from None
        pairs = []
        for line in text.splitlines():
            try:
                pairs.append(formats.from_record(json.loads(line)))
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                continue  # malformed records fail the job in its validation phase (sim_datasets)
        return pairs

    def _create_job(self, body: dict[str, Any], _: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        token = body.get("clientRequestToken")
        for job in self.jobs.values():
            if token and job["clientRequestToken"] == token:
                return {"jobArn": job["jobArn"]}
            if job["jobName"] == body["jobName"]:
                raise SimulatedError(409, "ConflictException", f"A job named {body['jobName']} already exists")
        self.faults.trip(sim_faults.JOB_CREATE)
        base = body["baseModelIdentifier"].split("foundation-model/")[-1]
        if not sim_catalog.fine_tunable(base):
            raise invalid(f"The base model {base} does not support fine-tuning")
        if not sim_catalog.customizable_here(base, self.account.region):
            # Bedrock answers an identifier it does not serve in the Region with ValidationException
            # "The provided model identifier is invalid." (seen for InvokeModel of a model missing from
            # us-west-2: github.com/aws-samples/amazon-bedrock-workshop issue 340); the same answer is
            # assumed for a customization job (confidence medium: no published transcript of this case).
            raise invalid("The provided model identifier is invalid.")
        kind = body.get("customizationType", "FINE_TUNING")
        if sim_methods.is_method_job(body):  # RFT and distillation: localrun/sim_methods.py
            refusal = sim_methods.request_refusal(base, body)
            if refusal:
                raise invalid(refusal)
            knowledge: list[tuple[str, str]] = []
            data_problem = sim_methods.accept_data(self, kind, self.read_text(body["trainingDataConfig"]["s3Uri"]))
        else:
            refusal = sim_datasets.validation_config_refusal(base, body)
            if refusal:
                raise invalid(refusal)
            knowledge = self._read_training(body["trainingDataConfig"]["s3Uri"])
            data_problem = self._validate_data(base, body)
        job_id = secrets.token_hex(6)
        arn = self.account.arn("model-customization-job", f"{base}/{job_id}")
        self.jobs[arn] = {
            "jobArn": arn,
            "jobId": job_id,
            "jobName": body["jobName"],
            "status": "InProgress",
            "outputModelName": body["customModelName"],
            "roleArn": body["roleArn"],
            "clientRequestToken": token or "",
            "baseModelArn": f"arn:aws:bedrock:{self.account.region}::foundation-model/{base}",
            "hyperParameters": body.get("hyperParameters", {}),
            "creationTime": now(),
            "lastModifiedTime": now(),
            "trainingDataConfig": body["trainingDataConfig"],
            "outputDataConfig": body["outputDataConfig"],
            "validationDataConfig": body.get("validationDataConfig"),
            "customizationType": kind,
            "customizationConfig": body.get("customizationConfig"),
            "_endsAt": self.account.timing.clock.now() + self.training_seconds,
            "_knowledge": knowledge,
            "_data_problem": data_problem,
            "_customModelTags": list(body.get("customModelTags", [])),
        }
        self.account.tags[arn] = list(body.get("jobTags", []))
        if sim_faults.STUCK not in self.faults.outcomes(sim_faults.JOB_END):
            wall = self.account.timing.clock.wall_seconds(self.training_seconds)
            timer = threading.Timer(wall, self._job_ends, (arn,))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        return {"jobArn": arn}

    def _validate_data(self, base: str, body: dict[str, Any]) -> str | None:
        validators = (body.get("validationDataConfig") or {}).get("validators") or []
        try:
            validation = "".join(self.read_text(v["s3Uri"]) for v in validators) if validators else None
        except Exception as error:  # Bedrock reads the data in the validation phase and fails the job
            return f"Data validation failed: could not read the validation data: {error}"
        training = self.read_text(body["trainingDataConfig"]["s3Uri"])
        return sim_datasets.validate_job_data(base, training, validation)

    def _job_ends(self, arn: str) -> None:
        self._train_method(arn)
        with self.account.lock:
            self._advance_job(self.jobs[arn], force=True)

    def end_training(self, identifier: str) -> None:
        """Tests: the job's training time is over now (it ends as its faults say, and emits its event)."""
        with self.account.lock:
            arn = self.find_job(identifier)["jobArn"]
        self._train_method(arn)
        with self.account.lock:
            self._advance_job(self.find_job(identifier), force=True)

    def _train_method(self, arn: str) -> None:
        """RFT rollouts (which invoke the grader, whose judge calls come back here from other threads)
        and distillation run WITHOUT the lock; the job completes once they are done."""
        with self.account.lock:
            job = self.jobs[arn]
            if job["customizationType"] == "FINE_TUNING" or job.get("_trained") or job["status"] != "InProgress":
                return
            skip = job["_data_problem"] or self.faults.outcomes(sim_faults.JOB_END)
            job["_trained"] = "running"
            self.rft_training += 1
        try:
            problem = None if skip else sim_methods.train(self, job)
        except Exception as error:  # an internal error of the training fails the job, never completes it
            problem = f"Internal error: the customization job could not complete ({type(error).__name__}: {error})"
        finally:
            with self.account.lock:
                self.rft_training -= 1
                job["_trained"] = True
        if problem:
            with self.account.lock:
                job["_data_problem"] = problem

    def _emit_job_event(self, job: dict[str, Any]) -> None:
        """Bedrock's "Model Customization Job State Change" event (best-effort delivery), see
        https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-eventbridge-how-it-works.html"""
        detail = {
            key: job.get(key)
            for key in ("jobName", "jobArn", "outputModelName", "outputModelArn", "roleArn", "failureMessage")
        } | {"jobStatus": job["status"], "version": "0.0", "endTime": job.get("endTime")}
        event = {
            "version": "0",
            "id": secrets.token_hex(16),
            "detail-type": "Model Customization Job State Change",
            "source": "aws.bedrock",
            "account": self.account.account,
            "time": now(),
            "region": self.account.region,
            "resources": [job["jobArn"]],
            "detail": {key: value for key, value in detail.items() if value is not None},
        }
        self.job_events.append({**event, "_emittedAt": self.account.timing.clock.now()})
        if sim_faults.LOST in self.faults.outcomes(sim_faults.JOB_EVENT):
            return
        for listener in list(self.job_event_listeners):
            threading.Thread(target=listener, args=(event,), daemon=True).start()

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()

    def _advance_job(self, job: dict[str, Any], force: bool = False) -> None:
        ending = self.faults.outcomes(sim_faults.JOB_END)
        if job["status"] != "InProgress" or sim_faults.STUCK in ending:
            return
        if job["customizationType"] != "FINE_TUNING" and job.get("_trained") is not True:
            return  # its rollouts / teacher answers are still running (_train_method)
        if not force and self.account.timing.clock.now() < job["_endsAt"]:
            return
        job["lastModifiedTime"] = job["endTime"] = now()
        if job["_data_problem"]:  # the validation phase: Bedrock fails the job, naming the rule
            job["status"], job["failureMessage"] = "Failed", job["_data_problem"]
        elif sim_faults.FAILED in ending:
            job["status"] = "Failed"
            job["failureMessage"] = (
                "Internal Error: the training job could not complete because the training "
                "loss diverged (simulated failure)"
            )
        elif sim_faults.STOPPED in ending:
            job["status"] = "Stopped"
        else:
            self.complete_job(job)
        self._emit_job_event(job)

    def complete_job(self, job: dict[str, Any]) -> None:
        """The job succeeds: its custom model exists (with the job's customModelTags) and its metrics are written."""
        base_id = job["baseModelArn"].split("/")[-1]
        model_arn = self.account.arn("custom-model", f"{base_id}/{secrets.token_hex(6)}")
        job["status"], job["outputModelArn"] = "Completed", model_arn
        self.custom_models[model_arn] = {
            "modelArn": model_arn,
            "modelName": job["outputModelName"],
            "jobArn": job["jobArn"],
            "baseModelArn": job["baseModelArn"],
            "knowledge": job["_knowledge"],
            "creationTime": now(),
        }
        self.account.tags[model_arn] = list(job.get("_customModelTags", []))
        bucket, _, prefix = job["outputDataConfig"]["s3Uri"][5:].partition("/")
        base = f"{prefix.rstrip('/')}/model-customization-job-{job['jobId']}"
        if job.get("customizationType", "FINE_TUNING") != "FINE_TUNING":
            sim_methods.write_metrics(self, job, base, bucket)
            return
        sim_job_metrics.write_loss_metrics(self.account.s3, job, bucket, base)

    def _get_job(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        job = self.find_job(path["jobIdentifier"])
        self._advance_job(job)
        return public(job)

    def _stop_job(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        job = self.find_job(path["jobIdentifier"])
        if job["status"] != "InProgress":
            raise SimulatedError(409, "ConflictException", f"Job {job['jobName']} is {job['status']}")
        job["status"], job["endTime"] = "Stopped", now()
        self._emit_job_event(job)
        return {}

    def _list_jobs(self, _: dict[str, Any], __: dict[str, str], query: dict[str, Any]) -> dict[str, Any]:
        summaries = [
            {
                "jobArn": j["jobArn"],
                "jobName": j["jobName"],
                "status": j["status"],
                "baseModelArn": j["baseModelArn"],
                "creationTime": j["creationTime"],
                "customModelName": j["outputModelName"],
            }
            for j in self.jobs.values()
            if (not query.get("statusEquals") or j["status"] == query["statusEquals"])
            and query.get("nameContains", "") in j["jobName"]
        ]
        return {"modelCustomizationJobSummaries": summaries}

    # ------------------------------------------------------------------ custom models

    def custom_model(self, identifier: str) -> dict[str, Any]:
        for model in self.custom_models.values():
            if identifier in (model["modelArn"], model["modelName"]):
                return model
        raise not_found(f"Custom model {identifier}")

    def _get_custom_model(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        model = self.custom_model(path["modelIdentifier"])
        return {key: model[key] for key in ("modelArn", "modelName", "jobArn", "baseModelArn", "creationTime")} | {
            "modelStatus": "Active"
        }

    def _list_custom_models(self, _: dict[str, Any], __: dict[str, str], query: dict[str, Any]) -> dict[str, Any]:
        summaries = [
            {key: model[key] for key in ("modelArn", "modelName", "creationTime", "baseModelArn")}
            | {"customizationType": "FINE_TUNING", "ownerAccountId": self.account.account, "modelStatus": "Active"}
            for model in self.custom_models.values()
            if query.get("nameContains", "") in model["modelName"]
        ]
        return {"modelSummaries": summaries}

    def _delete_custom_model(self, _: dict[str, Any], path: dict[str, str], __: dict[str, Any]) -> dict[str, Any]:
        """A model still served by a deployment or a throughput cannot be deleted: "you must first
        delete any Provisioned Throughput or custom model deployment associated with the model"
        (https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-delete.html);
        botocore declares ConflictException for DeleteCustomModel."""
        model = self.custom_model(path["modelIdentifier"])
        users = self.in_use(model["modelArn"])
        if users:
            raise SimulatedError(409, "ConflictException", f"Custom model {model['modelName']} is in use by {users}")
        del self.custom_models[model["modelArn"]]
        self.account.tags.pop(model["modelArn"], None)
        return {}
