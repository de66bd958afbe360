"""Preflight rules that depend on how the fine-tuned model will be served (`run.evaluation.hosting`,
resolved from the family registry by PreprocessDataset)."""

from __future__ import annotations

from shared.errors import UnsupportedHosting
from shared.families import family_by_key
from shared.models import RunContext


def check_on_demand(run: RunContext, region: str) -> None:
    """On-demand custom model deployment exists only for some families and only in some Regions
    (https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html)."""
    family = family_by_key(run.family)
    # Advice names only what the family has (issue 14: Llama 3.3 was told to use a PT it cannot have).
    provisioned = (
        ', or set evaluation.hosting to "provisioned" (needs Provisioned Throughput model units)'
        if "provisioned" in family.hosting
        else f" ({family.display_name} custom models cannot be served through a Provisioned Throughput)"
    )
    if "on-demand" not in family.hosting:
        raise UnsupportedHosting(
            f"evaluation.hosting is on-demand, but Bedrock does not serve {family.display_name} custom models "
            'on demand; set evaluation.hosting to "provisioned" (needs Provisioned Throughput model units)'
        )
    if region not in family.on_demand_regions:
        offered = ", ".join(family.on_demand_regions)
        raise UnsupportedHosting(
            f"evaluation.hosting is on-demand, but {region} does not offer on-demand deployment of "
            f"{family.display_name} custom models (offered in {offered}); deploy the pipeline in one of "
            f"those Regions{provisioned}"
        )
