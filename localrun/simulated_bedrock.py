"""A simulated Amazon Bedrock (control plane and runtime) for offline runs and tests.

It plugs in below boto3: requests are serialised and validated by botocore exactly as for
the real service, routed here instead of to the network, and the JSON answers are parsed
by botocore's real response parser. `SimulatedBedrock` routes each request to the service
module that owns the operation, injects faults (localrun/sim_faults.py) and keeps the call
log; each module owns its state and its `handlers()`:

- sim_jobs.py: customization jobs and the custom models they produce (RFT and distillation:
  sim_methods.py, sim_rft.py, sim_distillation.py);
- sim_hosting.py: provisioned throughputs and on-demand custom model deployments;
- sim_runtime.py: Converse (fine-tuned hosting, base models, the judge in sim_judge.py) and
  InvokeModel (Titan Text Embeddings V2);
- sim_catalog.py: the foundation-model catalog; sim_tags.py: tags;
- sim_quotas.py (Service Quotas) and sim_pricing.py (AWS Price List), on their own hosts.

Every error is a `SimulatedError` (localrun/sim_errors.py; `BedrockError` is the same type).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session

from . import sim_faults, sim_tags, sim_timing
from .sim_catalog import CATALOG, CUSTOMIZATION_REGIONS, SimulatedCatalog, customizable_here
from .sim_common import Account, Handlers, SimulatedError, invalid, reply
from .sim_faults import FAULTS, ActiveFaults
from .sim_hosting import (
    DEPLOYMENT_POLLS_TO_ACTIVE,
    DEPLOYMENT_STUCK_REFUSALS,
    ON_DEMAND_DEPLOYMENT_BASES,
    ON_DEMAND_DEPLOYMENT_REGIONS,
    PT_POLLS_TO_IN_SERVICE,
    SimulatedHosting,
)
from .sim_jobs import TRAINING_SECONDS, SimulatedJobs
from .sim_pricing import SimulatedPricing
from .sim_quotas import SimulatedQuotas
from .sim_runtime import EMBEDDING_MODEL, KNOWLEDGE_MATCH, UNKNOWN, SimulatedRuntime
from .sim_text import content_words

BedrockError = SimulatedError
"""The simulator's one error type, by the name callers have always used."""

__all__ = [
    "CATALOG",
    "CUSTOMIZATION_REGIONS",
    "DEPLOYMENT_POLLS_TO_ACTIVE",
    "DEPLOYMENT_STUCK_REFUSALS",
    "EMBEDDING_MODEL",
    "FAULTS",
    "KNOWLEDGE_MATCH",
    "ON_DEMAND_DEPLOYMENT_BASES",
    "ON_DEMAND_DEPLOYMENT_REGIONS",
    "PT_POLLS_TO_IN_SERVICE",
    "TRAINING_SECONDS",
    "UNKNOWN",
    "BedrockError",
    "Call",
    "SimulatedBedrock",
    "SimulatedError",
    "content_words",
    "customizable_here",
]
JSON_PROTOCOL = ("service-quotas", "pricing")
"""Services whose operation is named in the X-Amz-Target header (the others are REST-JSON)."""


@dataclass
class Call:
    service: str
    operation: str
    params: dict[str, Any]
    outcome: str


@dataclass
class _Router:
    """Finds the operation for a request from the service's own botocore model."""

    routes: list[tuple[str, re.Pattern[str], str]] = field(default_factory=list)

    @classmethod
    def for_service(cls, service: str) -> _Router:
        model = botocore.session.get_session().get_service_model(service)
        routes = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            template = http["requestUri"].split("?")[0]
            pattern = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", template)
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
            routes.append((http["method"], re.compile(f"^{pattern}$"), name))
        routes.sort(key=lambda route: -len(re.sub(r"\(\?P<\w+>[^)]*\)", "", route[1].pattern)))
        return cls(routes)

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for route_method, pattern, name in self.routes:
            found = pattern.match(path)
            if route_method == method and found:
                return name, {key: unquote(value) for key, value in found.groupdict().items()}
        raise SimulatedError(404, "UnknownOperationException", f"no operation for {method} {path}")


class SimulatedBedrock:
    """Dispatch, faults and the call log; the services' state is reachable through them (and,
    for the callers and tests that read it, through the attributes below)."""

    def __init__(
        self,
        region: str,
        account: str,
        s3_client: Any,
        faults: Iterable[str] = (),
        timing: sim_timing.TimeModel | None = None,
    ) -> None:
        self.account = Account(
            region, account, s3_client, ActiveFaults(faults), timing or sim_timing.TimeModel(sim_timing.DEFAULT_SCALE)
        )
        self.s3 = s3_client
        self.calls: list[Call] = []
        self.quotas = SimulatedQuotas(self.faults, region, account)
        self.pricing = SimulatedPricing(self.faults)
        self.catalog = SimulatedCatalog(region)
        self.job_service = SimulatedJobs(self.account)
        self.hosting = SimulatedHosting(self.account, self.job_service, self.quotas)
        self.runtime = SimulatedRuntime(self.account, self.job_service, self.hosting)
        self._routers = {
            "bedrock": _Router.for_service("bedrock"),
            "bedrock-runtime": _Router.for_service("bedrock-runtime"),
        }
        self._handlers: Handlers = {}
        for service in (self.job_service, self.hosting, self.runtime, self.catalog, self.quotas, self.pricing):
            self._handlers.update(service.handlers())
        self._handlers.update(sim_tags.list_tags_handlers(self.account.tags))

    # ------------------------------------------------------------------ the services' state, by its old names

    faults = property(lambda self: self.account.faults, doc="The active faults (a set of names; tests add some).")
    lock = property(lambda self: self.account.lock)
    tags = property(lambda self: self.account.tags)
    jobs = property(lambda self: self.job_service.jobs)
    custom_models = property(lambda self: self.job_service.custom_models)
    job_events = property(lambda self: self.job_service.job_events)
    job_event_listeners = property(lambda self: self.job_service.job_event_listeners)
    teacher_world = property(lambda self: self.job_service.teacher_world)
    rft_training = property(lambda self: self.job_service.rft_training)
    throughputs = property(lambda self: self.hosting.throughputs)
    deleted_throughputs = property(lambda self: self.hosting.deleted_throughputs)
    deployments = property(lambda self: self.hosting.deployments)
    deleted_deployments = property(lambda self: self.hosting.deleted_deployments)
    deployment_usage = property(lambda self: self.hosting.deployment_usage)

    @property
    def region(self) -> str:
        return self.account.region

    @region.setter
    def region(self, value: str) -> None:
        """Tests move the account to another Region."""
        self.account.region = self.catalog.region = self.quotas.region = value

    @property
    def timing(self) -> sim_timing.TimeModel:
        return self.account.timing

    @timing.setter
    def timing(self, value: sim_timing.TimeModel) -> None:
        self.account.timing = value

    @property
    def training_seconds(self) -> float:
        return self.job_service.training_seconds

    @training_seconds.setter
    def training_seconds(self, value: float) -> None:
        self.job_service.training_seconds = value

    @property
    def grader_invoker(self) -> Any:
        return self.job_service.grader_invoker

    @grader_invoker.setter
    def grader_invoker(self, value: Any) -> None:
        self.job_service.grader_invoker = value

    def end_training(self, identifier: str) -> None:
        """Tests: the job's training time is over now (it ends as its faults say, and emits its event)."""
        self.job_service.end_training(identifier)

    def _complete_job(self, job: dict[str, Any]) -> None:
        self.job_service.complete_job(job)

    def read_text(self, uri: str) -> str:
        return self.account.read_text(uri)

    def _reply(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return reply(*args, **kwargs)

    def close(self) -> None:
        self.job_service.close()

    # ------------------------------------------------------------------ dispatch

    def handles(self, host: str) -> str | None:
        if host.startswith("bedrock-runtime."):
            return "bedrock-runtime"
        if host.startswith("bedrock."):
            return "bedrock"
        if host.startswith("servicequotas."):
            return "service-quotas"
        if host.startswith("api.pricing."):
            return "pricing"
        return None

    def dispatch(
        self, method: str, url: str, body: bytes | str | None, headers: Any = None
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        service = self.handles(parts.hostname or "")
        assert service is not None
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        operation = "?"
        path_params: dict[str, str] = {}
        payload: dict[str, Any] = {}
        try:
            if service in JSON_PROTOCOL:  # the operation is in X-Amz-Target
                target = (headers.get("X-Amz-Target") if headers is not None else None) or ""
                if isinstance(target, bytes):
                    target = target.decode()
                operation = target.rsplit(".", 1)[-1]
            else:
                operation, path_params = self._routers[service].match(method, parts.path)
            payload = _json_body(body)
            handler = self._handlers.get(operation)
            if handler is None:
                raise invalid(f"{operation} is not simulated")
            with self.lock:  # state changes only; generation time is slept outside the lock
                self._inject(service, operation, payload)
                result = handler(payload, path_params, query)
            if operation == "Converse":
                self.runtime.generate(path_params["modelId"], payload, result)
            with self.lock:
                self.calls.append(Call(service, operation, {**path_params, **payload}, "ok"))
            content_type = "application/x-amz-json-1.1" if service in JSON_PROTOCOL else "application/json"
            return _status(service, operation), {"content-type": content_type}, json.dumps(result).encode("utf-8")
        except SimulatedError as error:
            with self.lock:
                self.calls.append(Call(service, operation, payload, error.code))
            headers = {"content-type": "application/json", "x-amzn-ErrorType": error.code}
            # JSON-protocol services (Service Quotas) carry the error code in `__type`, REST-JSON in the header.
            document = {"__type": error.code, "message": error.message}
            return error.status, headers, json.dumps(document).encode("utf-8")

    def _inject(self, service: str, operation: str, payload: dict[str, Any]) -> None:
        if service == "bedrock":  # every tagged create: TagKey/TagValue patterns (localrun/sim_tags.py)
            for member in ("tags", "jobTags", "customModelTags"):
                try:
                    sim_tags.check_tags(payload.get(member), member)
                except sim_tags.TagRejected as rejected:
                    raise invalid(str(rejected)) from None
        self.faults.trip(sim_faults.CALL, key=operation, operation=operation)

    # ------------------------------------------------------------------ what the tests look at

    def call_counts(self) -> dict[str, int]:
        with self.lock:
            counts: dict[str, int] = {}
            for call in self.calls:
                name = call.operation if call.outcome == "ok" else f"{call.operation} ({call.outcome})"
                counts[name] = counts.get(name, 0) + 1
            return dict(sorted(counts.items()))

    def operations(self, operation: str, outcome: str | None = "ok") -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.operation == operation and (outcome is None or c.outcome == outcome)]


def _json_body(body: bytes | str | None) -> dict[str, Any]:
    raw = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
    if not raw.strip():
        return {}
    try:
        payload = json.loads(raw)
    except ValueError:
        raise invalid("Malformed input request: the body is not JSON") from None
    if not isinstance(payload, dict):
        raise invalid("Malformed input request: the body is not a JSON object")
    return payload


@cache
def _status(service: str, operation: str) -> int:
    model = botocore.session.get_session().get_service_model(service)
    return int(model.operation_model(operation).http.get("responseCode", 200))
