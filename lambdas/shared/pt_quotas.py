"""Service Quotas facts for buying a no-commitment Provisioned Throughput (PT).

Two quotas must both allow the model units a run buys (prov-thru-purchase.html, and the
quota names AWS lists in its evaluation docs: "Model units no-commitment Provisioned
Throughputs across custom models" and "Model units per provisioned model for <model>"):

- the account-wide quota `L-BE77399C`, shared by every no-commitment PT in the Region;
- a per-model quota, found by its display name, which differs from model to model.

Both default to 0 until AWS Support raises them. `ListServiceQuotas`/`GetServiceQuota` return
only *applied* values, so an account still at the default may get no row at all
(https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html);
the default is read with `GetAWSDefaultServiceQuota`/`ListAWSDefaultServiceQuotas`.
"""

from __future__ import annotations

SERVICE_CODE = "bedrock"
NO_COMMITMENT_QUOTA_CODE = "L-BE77399C"
NO_COMMITMENT_QUOTA_NAME = "Model units no-commitment Provisioned Throughputs across custom models"

PER_MODEL = "Model units per provisioned model for "

PER_MODEL_QUOTA_NAMES: dict[str, str] = {
    # Confirmed from a public account's notes (quota code L-3632DE15, us-west-2).
    "meta.llama3-1-8b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.1 8B Instruct",
    # Nova: the naming "... for the <N>k context length variant for Amazon Nova Micro" is seen in
    # public quota-name tooling; the Lite and Pro names follow the same pattern (UNCONFIRMED).
    "amazon.nova-micro-v1:0:128k": PER_MODEL + "the 128k context length variant for Amazon Nova Micro",
    "amazon.nova-lite-v1:0:300k": PER_MODEL + "the 300k context length variant for Amazon Nova Lite",
    "amazon.nova-pro-v1:0:300k": PER_MODEL + "the 300k context length variant for Amazon Nova Pro",
    # The remaining names follow the "<Provider> <model name>" pattern of the other per-model
    # quotas (for example "... for Anthropic Claude V2.1 200K"); UNCONFIRMED.
    "anthropic.claude-3-haiku-20240307-v1:0:200k": PER_MODEL + "Anthropic Claude 3 Haiku 200K",
    "meta.llama3-1-70b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.1 70B Instruct",
    "meta.llama3-2-1b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.2 1B Instruct",
    "meta.llama3-2-3b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.2 3B Instruct",
    "meta.llama3-2-11b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.2 11B Instruct",
    "meta.llama3-2-90b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.2 90B Instruct",
    "meta.llama3-3-70b-instruct-v1:0:128k": PER_MODEL + "Meta Llama 3.3 70B Instruct",
    # Nova 2 Lite's quota has another shape of name, seen in the same public tooling (UNCONFIRMED).
    "amazon.nova-2-lite-v1:0:256k": (
        "No-commitment model units for Provisioned Throughput created for base model Amazon Nova 2 Lite V1.0 256K"
    ),
}
"""Base model ID -> display name of its "Model units per provisioned model" quota."""


def per_model_quota_name(base_model_id: str) -> str | None:
    return PER_MODEL_QUOTA_NAMES.get(base_model_id)


def same_quota_name(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())
