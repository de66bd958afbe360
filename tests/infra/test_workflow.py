"""The state machine: definition from statemachine/, substitutions resolved, logs, tracing, timeout."""

from __future__ import annotations

import json
from typing import Any

from bedrock_finetuning import statemachine
from bedrock_finetuning.stacks.construct import default_job_name_prefix

from .support import Synthesized, role_statements


def _state_machine(synthesized: Synthesized) -> dict[str, Any]:
    logical_id = synthesized.logical_id(synthesized.stack.pipeline.workflow.state_machine)
    return synthesized.json["Resources"][logical_id]["Properties"]


def test_standard_workflow_with_the_definition_inline(default: Synthesized) -> None:
    state_machine = _state_machine(default)

    assert state_machine["StateMachineType"] == "STANDARD"
    # DefinitionString (not an S3 location), so the definition itself is visible to tests.
    definition = json.loads(state_machine["DefinitionString"])
    assert definition["StartAt"] == json.loads(statemachine.load_definition())["StartAt"]


def test_every_placeholder_is_substituted_by_its_functions_arn(default: Synthesized) -> None:
    state_machine = _state_machine(default)
    substitutions = state_machine["DefinitionSubstitutions"]
    definition = state_machine["DefinitionString"]

    assert statemachine.placeholders(definition) == set(substitutions)
    assert set(substitutions) == {entry.substitution_key for entry in statemachine.TASK_FUNCTIONS} | {
        statemachine.BUCKET_NAME_SUBSTITUTION
    }
    bucket_id = default.logical_id(default.stack.pipeline.data.bucket)
    assert substitutions[statemachine.BUCKET_NAME_SUBSTITUTION] == {"Ref": bucket_id}
    for entry in statemachine.TASK_FUNCTIONS:
        function_id = default.logical_id(default.stack.pipeline.lambdas.by_name[entry.name])
        assert substitutions[entry.substitution_key] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_timeout_comes_from_context(default: Synthesized, configured: Synthesized) -> None:
    assert json.loads(_state_machine(default)["DefinitionString"])["TimeoutSeconds"] == 72 * 3600
    assert json.loads(_state_machine(configured)["DefinitionString"])["TimeoutSeconds"] == 5 * 3600


def test_logs_everything_but_execution_data(default: Synthesized) -> None:
    log_group_id = default.logical_id(default.stack.pipeline.workflow.log_group)

    assert _state_machine(default)["LoggingConfiguration"] == {
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [log_group_id, "Arn"]}}}],
        "IncludeExecutionData": False,  # training data must not leak into the logs
        "Level": "ALL",
    }
    assert default.json["Resources"][log_group_id]["Properties"]["RetentionInDays"] == 30


def test_tracing_enabled_and_explicit_role(default: Synthesized) -> None:
    state_machine = _state_machine(default)

    assert state_machine["TracingConfiguration"] == {"Enabled": True}
    assert state_machine["RoleArn"] == {"Fn::GetAtt": [default.logical_id(default.stack.pipeline.workflow.role), "Arn"]}


def test_every_task_calls_one_of_the_stacks_functions(default: Synthesized) -> None:
    """The role only grants lambda:InvokeFunction (and, for the Distributed Maps, the S3 reads and
    writes of their ItemReader and ResultWriter, tested below): a service integration other than
    Lambda's callback pattern (`lambda:invoke.waitForTaskToken`, which needs just that) would need more."""

    def resources(node: Any) -> list[str]:
        if isinstance(node, dict):
            resource = node.get("Resource")
            if resource == "arn:aws:states:::lambda:invoke.waitForTaskToken":
                resource = node["Parameters"]["FunctionName"]
            found = [resource] if isinstance(resource, str) else []
            return found + [r for value in node.values() for r in resources(value)]
        if isinstance(node, list):
            return [r for item in node for r in resources(item)]
        return []

    definition = json.loads(_state_machine(default)["DefinitionString"])
    keys = {f"${{{entry.substitution_key}}}" for entry in statemachine.TASK_FUNCTIONS}

    map_io = {"arn:aws:states:::s3:getObject", "arn:aws:states:::s3:putObject"}

    assert resources(definition)
    assert set(resources(definition)) == keys | map_io


def test_training_wait_is_a_task_token_with_a_slow_safety_timeout(default: Synthesized) -> None:
    definition = json.loads(_state_machine(default)["DefinitionString"])
    branch = definition["States"]["TrainAndAnswerWithBaseModel"]["Branches"][0]["States"]
    wait = branch["AwaitTrainingEvent"]

    assert wait["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert wait["Parameters"]["Payload"]["taskToken.$"] == "$$.Task.Token"
    assert wait["TimeoutSecondsPath"] == "$.run.pollIntervalSeconds"
    assert wait["Catch"][0]["ErrorEquals"] == ["States.Timeout"]
    assert branch[wait["Catch"][0]["Next"]]["Next"] == "AwaitTrainingEvent"  # the safety poll loops back
    assert not any(state["Type"] == "Wait" for state in branch.values())  # no polling loop left


def test_job_state_change_rule_targets_the_resume_function(default: Synthesized) -> None:
    stack = default.stack
    rule = default.json["Resources"][default.logical_id(stack.pipeline.training_events.rule)]["Properties"]

    assert rule["EventPattern"] == {
        "source": ["aws.bedrock"],
        "detail-type": ["Model Customization Job State Change"],
        "detail": {
            "jobStatus": ["Completed", "Failed", "Stopped"],
            "jobName": [{"prefix": stack.pipeline.job_name_prefix}],
        },
    }
    # Unique per instance by default: another pipeline's jobs in the account do not match.
    assert stack.pipeline.job_name_prefix == default_job_name_prefix(stack.pipeline) != "ft-"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [default.logical_id(stack.pipeline.lambdas.training_events), "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": [default.logical_id(stack.pipeline.training_events.dead_letter_queue), "Arn"]
    }


def test_answer_maps_take_their_concurrency_from_the_run(default: Synthesized) -> None:
    definition = json.loads(_state_machine(default)["DefinitionString"])
    maps = [
        definition["States"]["TrainAndAnswerWithBaseModel"]["Branches"][1]["States"]["AnswerWithBaseModel"],
        definition["States"]["AnswerWithFineTunedModel"],
    ]
    for state in maps:
        assert state["MaxConcurrencyPath"] == "$.run.evaluation.mapConcurrency"
        assert "MaxConcurrency" not in state


def test_the_judge_is_called_again_until_its_result_says_complete(default: Synthesized) -> None:
    states = json.loads(_state_machine(default)["DefinitionString"])["States"]
    judge, choice = states["JudgeAnswers"], states["IsJudgingComplete"]

    assert judge["Next"] == "IsJudgingComplete" and judge["ResultPath"] == "$.judgement"
    assert [(c["ErrorEquals"], c["Next"], c["ResultPath"]) for c in judge["Catch"]] == [
        (["States.ALL"], "BuildReport", "$.judgeError")
    ]
    assert choice["Type"] == "Choice" and choice["Default"] == "BuildReport"
    assert choice["Choices"] == [{"Variable": "$.judgement.complete", "BooleanEquals": False, "Next": "JudgeAnswers"}]


# ---------------------------------------------------------------- evaluation at scale


def _distributed_maps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Map state in Distributed mode, at any depth, by name."""
    found: dict[str, dict[str, Any]] = {}

    def walk(states: dict[str, Any]) -> None:
        for name, state in states.items():
            if state["Type"] == "Map":
                if state["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED":
                    found[name] = state
                walk(state["ItemProcessor"]["States"])
            for branch in state.get("Branches", []):
                walk(branch["States"])

    walk(definition["States"])
    return found


def test_distributed_maps_read_the_batch_list_from_s3_and_write_results_to_s3(default: Synthesized) -> None:
    definition = json.loads(_state_machine(default)["DefinitionString"])
    maps = _distributed_maps(definition)

    assert set(maps) == {"AnswerWithBaseModelAtScale", "AnswerWithFineTunedModelAtScale", "JudgeBatchesAtScale"}
    for name, state in maps.items():
        # ItemReader: the JSON array PreprocessDataset wrote (shared/work_plan.BATCH_LIST_NAME)
        assert state["ItemReader"] == {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": "$.run.bucket", "Key.$": "$.run.data.batchListKey"},
        }, name
        assert "ItemsPath" not in state, name
        # ResultWriter: the map's results go to S3; the state keeps only where they are.
        assert state["ResultWriter"] == {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "${PipelineBucketName}", "Prefix": statemachine.MAP_RESULTS_PREFIX.rstrip("/")},
        }, name
        assert state["ResultSelector"] == {"mapRunArn.$": "$.MapRunArn", "results.$": "$.ResultWriterDetails"}
        # Children are STANDARD executions: a batch may run a Lambda's 15 minutes (Express stops at 5).
        assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
        assert state["ItemSelector"]["batch.$"] == "$$.Map.Item.Value.batch", name
    # concurrency bounded by evaluation.concurrency (answers) and judgeConcurrency (judge)
    assert maps["AnswerWithFineTunedModelAtScale"]["MaxConcurrencyPath"] == "$.run.evaluation.mapConcurrency"
    assert maps["AnswerWithBaseModelAtScale"]["MaxConcurrencyPath"] == "$.run.evaluation.mapConcurrency"
    assert maps["JudgeBatchesAtScale"]["MaxConcurrencyPath"] == "$.run.evaluation.judgeMapConcurrency"
    # a failed answer map is checked batch by batch before the run goes on
    assert maps["AnswerWithFineTunedModelAtScale"]["Next"] == "VerifyFineTunedAnswers"
    assert maps["AnswerWithFineTunedModelAtScale"]["Catch"][0]["Next"] == "VerifyFineTunedAnswers"
    assert definition["States"]["VerifyFineTunedAnswers"]["Catch"][0]["Next"] == "CleanUpHosting"


def test_the_role_may_start_its_own_child_executions_and_use_only_the_map_s3_keys(default: Synthesized) -> None:
    role_id = default.logical_id(default.stack.pipeline.workflow.role)
    statements = {s.get("Sid"): s for s in role_statements(default, role_id)}
    machine_id = default.logical_id(default.stack.pipeline.workflow.state_machine)
    bucket_id = default.logical_id(default.stack.pipeline.data.bucket)

    assert statements["StartChildExecutions"]["Action"] == "states:StartExecution"
    assert statements["StartChildExecutions"]["Resource"] == {"Ref": machine_id}
    manage = json.dumps(statements["ManageChildExecutions"]["Resource"])
    assert statements["ManageChildExecutions"]["Action"] == ["states:DescribeExecution", "states:StopExecution"]
    assert ":execution:" in manage and machine_id in manage and "/*" in manage
    read = json.dumps(statements["ReadBatchLists"]["Resource"])
    assert statements["ReadBatchLists"]["Action"] == "s3:GetObject"
    assert bucket_id in read and "/runs/*/data/eval-batches.json" in read
    write = json.dumps(statements["WriteMapResults"]["Resource"])
    assert statements["WriteMapResults"]["Action"] == "s3:PutObject"
    assert bucket_id in write and f"/{statemachine.MAP_RESULTS_PREFIX}*" in write
