"""Find the deployed pipeline from its CloudFormation outputs (BucketName, StateMachineArn,
NotificationTopicArn; docs/infrastructure.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from .errors import CliError, Exit

DEFAULT_STACK = "BedrockFineTuningPipelineStack"
"""stacks.STACK_NAME (not imported: it loads the CDK; a test checks they agree)."""
REQUIRED_OUTPUTS = ("BucketName", "StateMachineArn")


@dataclass(frozen=True)
class StackOutputs:
    name: str
    bucket: str
    state_machine_arn: str
    topic_arn: str | None


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _pipeline_stacks(cloudformation: Any) -> list[dict[str, Any]]:
    """Every live stack whose outputs look like this pipeline's."""
    found = []
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack["StackStatus"].startswith("DELETE") or not set(REQUIRED_OUTPUTS) <= _outputs(stack).keys():
                continue
            found.append(stack)
    return found


def discover(cloudformation: Any, name: str | None) -> StackOutputs:
    """The stack named `name`; without a name the default stack, or the only pipeline stack.
    Several candidates and no name: an error listing them (a script cannot answer a prompt)."""
    try:
        if name is not None:
            try:
                stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
            except ClientError as error:
                raise CliError(
                    f"stack {name!r} not found: {error.response['Error']['Message']}", Exit.NO_STACK
                ) from None
        else:
            stacks = _pipeline_stacks(cloudformation)
            default = [s for s in stacks if s["StackName"] == DEFAULT_STACK]
            if default:
                stacks = default
            elif len(stacks) > 1:
                names = ", ".join(sorted(s["StackName"] for s in stacks))
                raise CliError(f"several pipeline stacks found ({names}): choose one with --stack NAME", Exit.NO_STACK)
    except (NoCredentialsError, NoRegionError) as error:
        raise CliError(
            f"AWS credentials or Region missing: {error} (use --profile / --region)", Exit.NO_STACK
        ) from None
    except (BotoCoreError, ClientError) as error:
        raise CliError(f"cannot read CloudFormation stacks: {error}", Exit.NO_STACK) from None
    if not stacks:
        raise CliError(
            f"no deployed pipeline stack found (looked for {DEFAULT_STACK} and any stack with the outputs "
            f"{', '.join(REQUIRED_OUTPUTS)}); deploy with `npx cdk deploy`, pass --stack NAME, or use --local",
            Exit.NO_STACK,
        )
    stack = stacks[0]
    outputs = _outputs(stack)
    missing = [key for key in REQUIRED_OUTPUTS if key not in outputs]
    if missing:
        raise CliError(f"stack {stack['StackName']} has no output(s) {', '.join(missing)}", Exit.NO_STACK)
    return StackOutputs(
        stack["StackName"], outputs["BucketName"], outputs["StateMachineArn"], outputs.get("NotificationTopicArn")
    )
