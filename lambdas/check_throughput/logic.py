"""CheckProvisionedThroughput: InService goes on; Failed or too slow fail (and are cleaned up)."""

from __future__ import annotations

from typing import Any

from shared.clock import iso, now, parse
from shared.errors import ProvisionedThroughputFailed, ProvisionedThroughputTimeout
from shared.models import RunContext, ThroughputState


def check_throughput(run: RunContext, throughput: ThroughputState, bedrock: Any) -> ThroughputState:
    response = bedrock.get_provisioned_model_throughput(provisionedModelId=throughput.provisionedModelArn)
    status = response["status"]
    if status == "Failed":
        raise ProvisionedThroughputFailed(response.get("failureMessage") or "Bedrock gave no failure message")
    checked = throughput.model_copy(update={"status": status, "checks": throughput.checks + 1})
    if status == "InService":
        return checked.model_copy(update={"inServiceAt": iso()})
    waited = (now() - parse(throughput.requestedAt)).total_seconds()
    if waited > run.throughputMaxWaitSeconds:
        raise ProvisionedThroughputTimeout(
            f"provisioned throughput {throughput.provisionedModelName} is still {status} after "
            f"{int(waited)} s (limit {run.throughputMaxWaitSeconds} s, throughputMaxWaitSeconds); it is being deleted"
        )
    return checked
