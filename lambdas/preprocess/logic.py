"""PreprocessDataset: validate the input and data, write `runs/<run-id>/data/`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote_plus

from preprocess import dataset, general, leakage, methods
from preprocess.costing import quote_run, read_price_list, run_overrides
from preprocess.costing import training_tokens as count_training_tokens
from preprocess.inputs import RAW_PREFIX, NotATrainingFile, ResolvedInput, companion_keys, resolve, with_upload_encoding
from preprocess.issues import IssueLog
from preprocess.method_costing import with_method_parts
from preprocess.model_checks import check_invocation_ids, check_max_tokens
from preprocess.raw_data import QAPair, RawFile, read_raw_file
from shared import s3 as s3io
from shared import work_plan
from shared.errors import InvalidDataset, InvalidExecutionInput
from shared.families import ModelFamily, family_for, invocation_id
from shared.models import (
    Customization,
    Evaluation,
    ExecutionInput,
    PreparedData,
    PreprocessStep,
    RunContext,
    SkippedRun,
)
from shared.naming import resource_names, run_id_from_execution_name
from shared.quote import Question, enforce_budget
from shared.settings import Settings

DEFAULT_SYSTEM_PROMPT = (
    "You are a concise, accurate question-answering assistant. Answer the question directly "
    "in one or two sentences. If you do not know the answer, say so."
)
MANIFEST_VERSION = 1
CLAIMS_PREFIX = "runs/_claims/"
THROUGHPUT_POLL_SECONDS = 60
MODEL_UNITS = 1
"""Model units of the no-commitment PT (a custom model may have one without a commitment term)."""
"""Default wait between throughput status checks (never longer than the training poll)."""


@dataclass
class Sources:
    training: s3io.S3Uri
    validation: s3io.S3Uri | None
    evaluation: s3io.S3Uri | None


def _source(uri: str | None, field: str, bucket: str) -> s3io.S3Uri | None:
    if uri is None:
        return None
    parsed = s3io.S3Uri.parse(uri)
    if parsed.bucket != bucket or not parsed.key.startswith(RAW_PREFIX):
        raise InvalidExecutionInput(
            f"{field} {uri}: data files must be in the pipeline bucket under s3://{bucket}/{RAW_PREFIX}"
        )
    return parsed


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def resolve_sources(s3: Any, resolved: ResolvedInput, bucket: str) -> Sources:
    request = resolved.request
    training = _source(request.trainingDataUri, "trainingDataUri", bucket)
    assert training is not None
    validation = _source(request.validationDataUri, "validationDataUri", bucket)
    evaluation = _source(request.evalDataUri, "evalDataUri", bucket)
    if resolved.trigger == "s3":
        decoded = unquote_plus(training.key)
        if decoded != training.key and not _exists(s3, bucket, training.key) and _exists(s3, bucket, decoded):
            # Whether EventBridge URL-encodes S3 keys is not documented; accept both forms.
            training = s3io.S3Uri(bucket, decoded)
        companions = companion_keys(training.key)
        found = {
            role: next((key for key in keys if _exists(s3, bucket, key)), None) for role, keys in companions.items()
        }
        validation = s3io.S3Uri(bucket, found["validation"]) if found["validation"] else None
        evaluation = s3io.S3Uri(bucket, found["eval"]) if found["eval"] else None
    return Sources(training, validation, evaluation)


def _read(
    s3: Any, source: s3io.S3Uri, request: ExecutionInput, max_bytes: int, log: IssueLog, answers_optional: bool
) -> RawFile:
    keys = (request.promptKey, request.completionKey) if request.promptKey and request.completionKey else None
    return read_raw_file(s3, source, keys, max_bytes, log, request.sourceEncoding, answers_optional)


def _fail(s3: Any, bucket: str, data_prefix: str, log: IssueLog, extra: dict[str, Any]) -> None:
    key = f"{data_prefix}validation-report.json"
    s3io.put_json(s3, bucket, key, {**log.report(), **extra})
    raise InvalidDataset(f"{log.summary()}; full list: s3://{bucket}/{key}")


def claim_upload(s3: Any, bucket: str, identity: str, run_id: str) -> str | None:
    """One run per upload: EventBridge delivers at least once, so a second delivery of the same
    S3 event must not start a second paid job. The first run creates a claim object with a
    conditional write; a later run finds it and returns the run id that owns the upload."""
    key = f"{CLAIMS_PREFIX}{hashlib.sha256(identity.encode('utf-8')).hexdigest()}.json"
    body = json.dumps({"upload": identity, "runId": run_id}).encode("utf-8")
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", ContentType="application/json")
        return None
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "PreconditionFailed",
            "ConditionalRequestConflict",
        ):
            raise
    owner = str(s3io.get_json(s3, bucket, key).get("runId"))
    return None if owner == run_id else owner  # a retried step of the same run is not a duplicate


def prepare_run(
    step: PreprocessStep, settings: Settings, s3: Any, pricing: Any | None = None
) -> RunContext | SkippedRun:
    """`pricing`: a Price List client (us-east-1); None quotes from the dated table only."""
    resolved = resolve(step.input, settings.bucket)
    if isinstance(resolved, NotATrainingFile):
        return SkippedRun(reason=resolved.reason)
    request = resolved.request
    run_id = run_id_from_execution_name(step.executionName)
    if resolved.upload_identity:
        owner = claim_upload(s3, settings.bucket, resolved.upload_identity, run_id)
        if owner:
            return SkippedRun(
                reason=(
                    f"duplicate delivery of the upload event for {request.trainingDataUri}: run {owner} already "
                    "handles this upload, so this run stops without starting anything"
                )
            )
    base_model_id = request.baseModelId or settings.default_base_model_id
    family = family_for(base_model_id)
    # The method (and its teacher) is checked before any data is read or anything paid.
    customization = methods.resolve_customization(request, base_model_id, settings)
    family = methods.family_for_method(family, customization.method)
    if isinstance(request.hyperParameters, dict) and customization.method == "supervised":
        family.resolve_hyperparameters(request.hyperParameters, family.min_training_records, base_model_id)
    check_max_tokens(request, base_model_id)
    check_invocation_ids(request)
    sources = resolve_sources(s3, resolved, settings.bucket)
    if resolved.trigger == "s3":  # the execution input of an upload is its metadata
        metadata = s3.head_object(Bucket=settings.bucket, Key=sources.training.key).get("Metadata", {})
        request = with_upload_encoding(request, metadata, str(sources.training))
    data_prefix = f"runs/{run_id}/data/"
    log = IssueLog()
    methods.warn_grader_judge(customization, request, settings, log)

    # Distillation needs prompts only: a question without an answer is read (the teacher answers it);
    # every other method refuses it when reading, with the record named.
    optional = methods.answers_optional(customization.method)
    training_file = _read(s3, sources.training, request, family.max_training_file_bytes, log, optional)
    validation_file = (
        _read(s3, sources.validation, request, family.max_validation_file_bytes, log, optional)
        if sources.validation
        else None
    )
    eval_file = (
        _read(s3, sources.evaluation, request, family.max_validation_file_bytes, log, optional)
        if sources.evaluation
        else None
    )
    system_prompt = _system_prompt(request, training_file)
    tokens = dataset.check_records(training_file.pairs, family, system_prompt, training_file.key, log)
    if validation_file:
        dataset.check_records(validation_file.pairs, family, system_prompt, validation_file.key, log)
    if customization.method == "reinforcement":
        methods.check_rft_references(training_file.pairs, training_file.key, log)
    for questions in (validation_file, eval_file):  # distillation: evaluation questions need references
        if questions is not None and optional:
            methods.check_evaluation_references(questions.pairs, questions.key, log)
    for raw in (training_file, validation_file, eval_file):
        if raw:
            dataset.warn_duplicates(raw.pairs, raw.key, log)

    files = {
        "training": training_file.key,
        "validation": validation_file.key if validation_file else training_file.key,
    }
    if not family.validation_set:
        split = dataset.without_validation_set(
            training_file, validation_file, eval_file, family, request.evaluation.sampleSize, log
        )
    elif validation_file is not None:
        split = dataset.DatasetSplit(training_file.pairs, validation_file.pairs, False)
    elif not log.failed:
        split = dataset.split_training(training_file.pairs, family, training_file.key, log)
    else:
        split = dataset.DatasetSplit(training_file.pairs, [], True)
    if not log.failed:
        dataset.check_counts(split, family, files, log)
    index = leakage.TrainingIndex(split.training)
    evaluation, eval_source, leak_doc = _evaluation_set(eval_file, split, request, index, log)
    _check_training(split, family, index, files, leak_doc, log)
    for note in family.unconfirmed:
        log.warning(
            "model-family",
            None,
            "unconfirmed-limit",
            f"{family.display_name}: {note} is not published by AWS",
        )

    config_used = {
        "baseModelId": base_model_id,
        "family": family.key,
        "customizationMethod": customization.method,
        "systemPrompt": system_prompt,
        "sources": {
            "training": str(sources.training),
            "validation": _str(sources.validation),
            "evaluation": _str(sources.evaluation),
        },
        "keys": list(training_file.keys) if training_file.keys else None,
        "formats": {
            role: {"file": raw.format, "records": raw.shape, "encoding": raw.encoding}
            for role, raw in (("training", training_file), ("validation", validation_file), ("evaluation", eval_file))
            if raw is not None
        },
    }
    if log.failed:
        _fail(s3, settings.bucket, data_prefix, log, {"runId": run_id, "config": config_used, "leakage": leak_doc})
    # Before anything is written for the run or paid: a base model Bedrock does not customize in this
    # Region would fail at CreateModelCustomizationJob (the data problems above are reported first,
    # since the user has to fix those anywhere).
    family.check_customization_region(base_model_id, settings.region)
    hyperparameters = (
        family.resolve_hyperparameters(request.hyperParameters, len(split.training), base_model_id)
        if customization.method == "supervised"
        else {}
    )
    return _write_run(
        s3,
        settings,
        step,
        request,
        resolved,
        run_id,
        family,
        system_prompt,
        split,
        evaluation,
        eval_source,
        tokens,
        hyperparameters,
        log,
        config_used,
        training_file,
        leak_doc,
        customization=customization,
        pricing=pricing,
    )


def _system_prompt(request: ExecutionInput, training: RawFile) -> str:
    """The run's system prompt: the input's; else the one system prompt every training record
    carries (chat records), so that evaluation asks as training taught; else the default.
    A record's own system prompt always stays with that record in the training data."""
    if request.systemPrompt is not None:
        return request.systemPrompt
    own = {pair.system for pair in training.pairs}
    if len(own) == 1 and None not in own:
        return str(own.pop())
    return DEFAULT_SYSTEM_PROMPT


def _str(uri: s3io.S3Uri | None) -> str | None:
    return str(uri) if uri else None


def _leak_text(match: leakage.Match) -> str:
    how = "the same question" if match.kind == "exact" else f"a near copy (similarity {match.similarity:.2f})"
    return f"{how} as training {match.trainingLocation}"


def _without_leaks(
    pairs: list[QAPair], file: str, index: leakage.TrainingIndex, allow: bool, log: IssueLog
) -> tuple[list[QAPair], list[leakage.Match]]:
    """Evaluation candidates that do not repeat a training question (all of them when `allow`)."""
    leaks = leakage.find_leaks(index, pairs)
    for match in leaks:
        if allow:
            log.warning(
                file,
                match.location,
                "eval-leak-kept",
                f"{_leak_text(match)}; kept because evaluation.allowLeakage is true (the report flags it)",
            )
        else:
            log.warning(
                file,
                match.location,
                "eval-leak-removed",
                f"{_leak_text(match)}; removed from the evaluation set (evaluation.allowLeakage: true keeps it)",
            )
    if allow or not leaks:
        return pairs, leaks
    leaked = {match.location for match in leaks}
    return [pair for pair in pairs if pair.location not in leaked], leaks


def _evaluation_set(
    eval_file: RawFile | None,
    split: dataset.DatasetSplit,
    request: ExecutionInput,
    index: leakage.TrainingIndex,
    log: IssueLog,
) -> tuple[list[QAPair], str, dict[str, Any]]:
    """The evaluation questions, without those that repeat a training question unless
    evaluation.allowLeakage; and the leakage document (leakage.json, the manifest, the report)."""
    limit = request.evaluation.maxQuestions
    allow = request.evaluation.allowLeakage
    doc: dict[str, Any] = {
        "method": leakage.METHOD,
        "threshold": float(leakage.NEAR_THRESHOLD),
        "allowLeakage": allow,
        "checked": 0,
        "removed": [],
        "kept": [],
        "validation": [],
        "contradictions": [],
    }
    if eval_file is not None:
        doc["checked"] = len(eval_file.pairs)
        pairs, leaks = _without_leaks(eval_file.pairs, eval_file.key, index, allow, log)
        doc["kept" if allow else "removed"] = [match.as_dict() for match in leaks]
        _refuse_if_too_few(eval_file.key, len(pairs), leaks, allow, log)
        if len(pairs) > limit:
            log.warning(
                eval_file.key,
                None,
                "eval-truncated",
                f"{len(pairs)} questions; only the first {limit} (evaluation.maxQuestions) are used",
            )
        _warn_conversations(pairs[:limit], eval_file.key, log)
        return pairs[:limit], eval_file.key, doc
    pool = split.validation
    if not pool:
        if log.failed:
            return [], "none", doc  # the data problems already reported are the cause
        unanswered = sum(1 for pair in split.training if not pair.completion.strip())
        if unanswered:
            log.error(
                "evaluation",
                None,
                "no-eval-references",
                methods.no_references_message(len(split.training), unanswered),
            )
            return [], "none", doc
        log.error(
            "evaluation",
            None,
            "no-eval-questions",
            "no evaluation questions: give evalDataUri or a validation set to sample from",
        )
        return [], "none", doc
    doc["checked"] = len(pool)
    pool_file = "evaluation (held out from the validation set)"
    pool, leaks = _without_leaks(list(pool), pool_file, index, allow, log)
    doc["kept" if allow else "removed"] = [match.as_dict() for match in leaks]
    _refuse_if_too_few(pool_file, len(pool), leaks, allow, log)
    size = min(request.evaluation.sampleSize, limit, len(pool))
    sample = dataset.held_out_sample(pool, size)
    if allow:
        chosen = {pair.location for pair in sample}
        doc["kept"] = [item for item in doc["kept"] if item["location"] in chosen]
    _warn_conversations(sample, "held-out sample", log)
    return sample, "held-out sample of the validation set", doc


def _refuse_if_too_few(file: str, remaining: int, leaks: list[leakage.Match], allow: bool, log: IssueLog) -> None:
    if allow or not leaks or remaining >= leakage.MIN_EVALUATION_QUESTIONS:
        return
    log.error(
        file,
        None,
        "too-few-after-leakage",
        f"{len(leaks)} evaluation question(s) repeat training questions and were removed, leaving {remaining}; "
        f"a verdict needs at least {leakage.MIN_EVALUATION_QUESTIONS} held-out questions: add questions the model "
        "is not trained on, or set evaluation.allowLeakage: true to keep them (the report then flags them)",
    )


def _check_training(
    split: dataset.DatasetSplit,
    family: ModelFamily,
    index: leakage.TrainingIndex,
    files: dict[str, str],
    doc: dict[str, Any],
    log: IssueLog,
) -> None:
    """Validation records that repeat training questions (the validation loss then looks better
    than it is), and training questions taught with two different answers: warnings."""
    if family.validation_set and split.validation:
        leaks = leakage.find_leaks(index, split.validation)
        doc["validation"] = [match.as_dict() for match in leaks]
        if leaks:
            listed = ", ".join(f"{m.location} ({_leak_text(m)})" for m in leaks[:5])
            more = f" and {len(leaks) - 5} more" if len(leaks) > 5 else ""
            log.warning(
                files["validation"],
                None,
                "validation-leak",
                f"{len(leaks)} validation record(s) repeat training questions, so the validation loss will look "
                f"better than it is: {listed}{more}",
            )
    found = leakage.contradictions(split.training)
    doc["contradictions"] = [asdict(item) for item in found]
    for item in found:
        log.warning(
            files["training"],
            item.location,
            "contradicting-answers",
            f"the same question as {item.otherLocation} with a different answer: the model is taught both",
        )


def _warn_conversations(questions: list[QAPair], file: str, log: IssueLog) -> None:
    """Evaluation asks single questions: a conversation is asked as its last user message."""
    conversations = [pair.location for pair in questions if pair.history]
    if conversations:
        log.warning(
            file,
            None,
            "conversation-evaluated-alone",
            f"{len(conversations)} evaluation item(s) are conversations ({', '.join(conversations[:5])}"
            f"{', ...' if len(conversations) > 5 else ''}): each is asked as its last user message, "
            "without the earlier turns",
        )


def _write_run(
    s3: Any,
    settings: Settings,
    step: PreprocessStep,
    request: ExecutionInput,
    resolved: ResolvedInput,
    run_id: str,
    family: ModelFamily,
    system_prompt: str,
    split: dataset.DatasetSplit,
    evaluation: list[QAPair],
    eval_source: str,
    tokens: int,
    hyperparameters: dict[str, str],
    log: IssueLog,
    config_used: dict[str, Any],
    training_file: RawFile,
    leak_doc: dict[str, Any],
    customization: Customization,
    pricing: Any | None = None,
) -> RunContext:
    bucket = settings.bucket
    prefix = f"runs/{run_id}/data/"
    train_text = methods.to_jsonl(customization.method, split.training, family, system_prompt, customization.reward)
    # A family without a validation set keeps its held-out records for evaluation only.
    sent = split.validation if family.validation_set else []
    val_text = dataset.to_jsonl(sent, family, system_prompt) if sent else ""
    training_uri = s3io.put_text(s3, bucket, f"{prefix}train.jsonl", train_text, "application/jsonl")
    validation_uri = (
        s3io.put_text(s3, bucket, f"{prefix}validation.jsonl", val_text, "application/jsonl") if val_text else None
    )
    kept = {item["location"]: item for item in leak_doc["kept"]}
    eval_doc = general.with_general(
        [
            {
                "index": index,
                "question": pair.prompt,
                "reference": pair.completion,
                "source": pair.location,
                **({"leakedFrom": kept[pair.location]} if pair.location in kept else {}),
            }
            for index, pair in enumerate(evaluation)
        ],
        request.evaluation.generalCheck,
    )
    general_count = len(eval_doc) - len(evaluation)
    eval_uri = s3io.put_json(s3, bucket, f"{prefix}eval.json", eval_doc)
    request_eval = request.evaluation
    # The work plan covers every question both models answer, the general check's included.
    plan = work_plan.answer_plan(
        len(eval_doc),
        request_eval.concurrency,
        request_eval.batchSize,
        request_eval.maxTokens,
        distributed=work_plan.is_distributed(len(evaluation)),
    )
    batch_size = plan.batchSize
    batch_list_key = None
    if plan.distributed:
        # The Distributed Maps' ItemReader reads this list; the state carries only its key.
        batch_list_key = f"{prefix}{work_plan.BATCH_LIST_NAME}"
        s3io.put_json(s3, bucket, batch_list_key, [{"batch": batch} for batch in range(plan.batches)])
    batches = [] if plan.distributed else list(range(plan.batches))
    training_tokens = count_training_tokens(split.training, system_prompt)  # the quote counts the same way
    run_evaluation = Evaluation(
        judgeModelId=request_eval.judgeModelId or settings.default_judge_model_id,
        baseModelInferenceId=request_eval.baseModelInferenceId or invocation_id(config_used["baseModelId"]),
        hosting=family.resolve_hosting(request_eval.hosting or settings.default_hosting),
        keepDeployment=(
            settings.default_keep_deployment if request_eval.keepDeployment is None else request_eval.keepDeployment
        ),
        concurrency=request_eval.concurrency,
        mapConcurrency=plan.mapConcurrency,
        threadsPerBatch=plan.threadsPerBatch,
        judgeConcurrency=request_eval.judgeConcurrency,
        judgeMapConcurrency=request_eval.judgeConcurrency // work_plan.threads_per_batch(request_eval.judgeConcurrency),
        maxTokens=request_eval.maxTokens,
        temperature=request_eval.temperature,
        topP=request_eval.topP,
        semanticSimilarity=request_eval.semanticSimilarity,
        embeddingModelId=request_eval.embeddingModelId,
        generalCheck=request_eval.generalCheck,
        secondJudgeModelId=request_eval.secondJudgeModelId,
        allowLeakage=request_eval.allowLeakage,
    )
    teacher = customization.teacherInvocationId or customization.teacherModelId
    listed = read_price_list(pricing, settings.region, config_used["baseModelId"], run_evaluation, teacher)
    prices_uri = (
        s3io.put_json(s3, bucket, f"{prefix}prices.json", {"simulated": settings.simulated, **listed.to_json()})
        if listed is not None
        else None
    )
    quoted_hyperparameters = hyperparameters or {
        name: str(value) for name, value in (customization.rftHyperParameters or {}).items()
    }
    quote = quote_run(
        request,
        settings,
        config_used["baseModelId"],
        run_evaluation,
        quoted_hyperparameters,
        split.training,
        # every question both models answer and the judge grades, the general check's included
        [Question(item["question"], item["reference"]) for item in eval_doc],
        system_prompt,
        MODEL_UNITS,
        listed,
        prices_uri,
    )
    quote = with_method_parts(
        quote,
        customization,
        split.training,
        [Question(item["question"], item["reference"]) for item in eval_doc],
        request_eval.maxTokens,
        run_overrides(request, settings),
        listed,
    )
    manifest = {
        "manifestVersion": MANIFEST_VERSION,
        "runId": run_id,
        "simulated": settings.simulated,
        "config": {
            **config_used,
            "hyperParameters": hyperparameters,
            "customization": customization.model_dump(exclude_none=True),
            "dryRun": request.dryRun,
        },
        "counts": {
            "training": len(split.training),
            "validation": len(sent),
            "evaluation": len(evaluation),
            "generalQuestions": general_count,
            "rawTrainingRecords": len(training_file.pairs),
        },
        "validationSplitFromTraining": split.split_from_training and bool(sent),
        "evaluationSource": eval_source,
        "estimatedTokens": {"training": training_tokens, "allTrainingInput": tokens},
        "sha256": {
            "train.jsonl": hashlib.sha256(train_text.encode("utf-8")).hexdigest(),
            "validation.jsonl": hashlib.sha256(val_text.encode("utf-8")).hexdigest() if val_text else None,
        },
        "warnings": [issue.text() for issue in log.warnings],
        "warningCount": log.warning_count,
        "leakage": leak_doc,
        "costQuote": quote.model_dump(),
    }
    manifest_uri = s3io.put_json(s3, bucket, f"{prefix}manifest.json", manifest)
    # the checks' full list on success too: warnings, and the evaluation items removed as leaked
    s3io.put_json(s3, bucket, f"{prefix}validation-report.json", {**log.report(), "runId": run_id, "leakage": leak_doc})
    enforce_budget(quote, request.dryRun)  # before anything is paid; the manifest keeps the quote
    poll = work_plan.poll_interval(
        request.pollIntervalSeconds
        if request.pollIntervalSeconds is not None
        else settings.default_poll_interval_seconds,
        settings.simulated,
    )
    run = RunContext(
        mode="dryRun" if request.dryRun else "train",
        runId=run_id,
        executionName=step.executionName,
        executionArn=step.executionArn,
        startedAt=step.executionStartTime,
        bucket=bucket,
        trigger=resolved.trigger,
        sources=config_used["sources"],
        baseModelId=config_used["baseModelId"],
        family=family.key,
        systemPrompt=system_prompt,
        hyperParameters=hyperparameters,
        evaluation=run_evaluation,
        customization=customization,
        pollIntervalSeconds=poll,
        throughputPollIntervalSeconds=(
            request.throughputPollIntervalSeconds
            if request.throughputPollIntervalSeconds is not None
            else min(THROUGHPUT_POLL_SECONDS, poll)
        ),
        throughputMaxWaitSeconds=request.throughputMaxWaitSeconds,
        dryRun=request.dryRun,
        allowLegacyModel=request.allowLegacyModel,
        allowUnverifiedQuota=request.allowUnverifiedQuota,
        maxCostUsd=quote.budget.maxCostUsd,
        costQuote=quote,
        modelUnits=MODEL_UNITS,
        names=resource_names(run_id, settings.job_name_prefix),
        data=PreparedData(
            prefix=prefix,
            trainingUri=training_uri,
            validationUri=validation_uri,
            evalUri=eval_uri,
            manifestUri=manifest_uri,
            trainingRecords=len(split.training),
            validationRecords=len(sent),
            evalQuestions=len(evaluation),
            generalQuestions=general_count,
            evalBatches=batches,
            batchSize=batch_size,
            evalMode="distributed" if plan.distributed else "inline",
            batchListKey=batch_list_key,
            estimatedTrainingTokens=training_tokens,
            warnings=[issue.text() for issue in log.warnings[:20]],
        ),
        simulated=settings.simulated,
    )
    work_plan.check_run_context_size(run.model_dump_json())
    return run
