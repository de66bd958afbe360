"""JudgeAnswers: LLM-as-a-judge on correctness, 1-10, through a tool call; a pairwise
comparison of the two answers in both orders; an optional second judge for the audit; and the
semantic similarity of each answer to its reference (judge/similarity.py).

The judge must call `record_verdict` (or `record_preference`), so its verdict arrives as
structured JSON, never as prose to be parsed. How the call is requested depends on the judge
model (judge/tools.py, shared/judges.py). A malformed verdict is asked for again, then recorded as missing with
the reason, never guessed. The texts being judged are delimited and their angle brackets
escaped, so nothing inside an answer can close its tag or pose as instructions.

Similarity is stored with each verdict. It is computed even when the judge fails (so the
report keeps it) and its own failures never fail the step.

The work may span several invocations: when the Lambda's time runs short the step saves what
is done and returns `complete: false`, and the state machine calls it again (judge/progress.py).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from judge.progress import MAX_PASSES, SAFETY_MARGIN_SECONDS, Progress, TimeLeft, partial_key, unlimited
from judge.similarity import DIMENSIONS, Embedder, similarities
from judge.tools import (
    JUDGE_MAX_TOKENS,
    VERDICT_SCHEMA,
    VERDICT_SYSTEM_PROMPT,
    VERDICT_TOOL,
    Preference,
    Verdict,
    parse_preference,
    parse_verdict,
    preference_request,
    structured_output,
    tool_config,
    verdict_prompt,
    verdict_request,
)
from shared import call_stats
from shared import s3 as s3io
from shared.answers import TARGETS, judgements_key, load_answers, load_batch_answers
from shared.aws import error_code, error_message
from shared.errors import JudgeFailed, JudgeIncomplete
from shared.models import RunContext
from shared.work_plan import threads_per_batch

SIMILARITY_OFF = "semantic similarity is turned off (evaluation.semanticSimilarity is false)"
MAX_ATTEMPTS = 3
CHUNK_ROUNDS = 4
"""Tasks per chunk = judgeConcurrency x this: the deadline is checked, and progress saved, after each."""

TOOL_NAME = VERDICT_TOOL
TOOL_CONFIG = tool_config(VERDICT_TOOL, "Record the grading verdict.", VERDICT_SCHEMA, "tool")
"""The request for judges that accept a forced tool (Claude 3+, Nova); others: tools.verdict_request."""
JUDGE_SYSTEM_PROMPT = VERDICT_SYSTEM_PROMPT
judge_prompt = verdict_prompt

Parsed = TypeVar("Parsed", Verdict, Preference)


def _ask(
    runtime: Any, request: dict[str, Any], parse: Callable[[dict[str, Any]], Parsed | str]
) -> tuple[Parsed | None, int, str | None, dict[str, int]]:
    """(result, attempts, why missing, tokens billed): a malformed answer is asked for again, a
    failed call is not."""
    problem = ""
    # Tokens the judge was billed for, over every attempt (the report sets them beside the quote).
    usage = {"inputTokens": 0, "outputTokens": 0}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = runtime.converse(**request)
        except Exception as error:  # after botocore's own retries: record, do not guess
            return None, attempt, f"judge call failed: {error_code(error)}: {error_message(error)}", usage
        billed = response.get("usage") or {}
        usage["inputTokens"] += int(billed.get("inputTokens", 0))
        usage["outputTokens"] += int(billed.get("outputTokens", 0))
        parsed = parse(response)
        if not isinstance(parsed, str):
            return parsed, attempt, None, usage
        problem = parsed
    return None, MAX_ATTEMPTS, f"malformed verdict after {MAX_ATTEMPTS} attempts: {problem}", usage


def judge_one(runtime: Any, judge_model_id: str, question: str, reference: str, answer: str) -> dict[str, Any]:
    verdict, attempts, missing, usage = _ask(
        runtime, verdict_request(judge_model_id, question, reference, answer), parse_verdict
    )
    return {
        "score": verdict.score if verdict else None,
        "correct": verdict.correct if verdict else None,
        "reasoning": verdict.reasoning if verdict else None,
        "attempts": attempts,
        "missingReason": missing,
        **usage,
    }


ORDERS = (("baseFirst", ("base", "fine-tuned")), ("fineTunedFirst", ("fine-tuned", "base")))
"""The pairwise judge sees each pair twice, once in each order (answer A, answer B)."""


def combine_orders(winners: dict[str, str | None]) -> tuple[str | None, bool | None]:
    """(winner, position-consistent) from the two orders' winners ("base", "fine-tuned", "tie",
    None = missing). Two verdicts that disagree are a tie: the judge's choice followed the
    position, not the answers."""
    first, second = winners["baseFirst"], winners["fineTunedFirst"]
    if first is None or second is None:
        return None, None
    if first == second:
        return first, True
    return "tie", False


def compare_pair(runtime: Any, judge_model_id: str, base: dict[str, Any], tuned: dict[str, Any]) -> dict[str, Any]:
    answers = {"base": base["answer"] or "", "fine-tuned": tuned["answer"] or ""}
    winners: dict[str, str | None] = {}
    reasons: dict[str, str | None] = {}
    missing: list[str] = []
    usage = {"inputTokens": 0, "outputTokens": 0}
    measured: list[call_stats.CallStats] = []
    for order, (first, second) in ORDERS:
        request = preference_request(
            judge_model_id, base["question"], base["reference"], answers[first], answers[second]
        )
        with call_stats.measured() as stats:
            preference, _, why, billed = _ask(runtime, request, parse_preference)
        measured.append(stats)
        usage = {key: usage[key] + billed[key] for key in usage}
        if preference is None:
            winners[order], reasons[order] = None, None
            missing.append(f"{order}: {why}")
            continue
        winners[order] = {"A": first, "B": second, "tie": "tie"}[preference.better]
        reasons[order] = preference.reasoning
    winner, consistent = combine_orders(winners)
    return {
        "index": base["index"],
        "orders": winners,
        "reasoning": reasons,
        "winner": winner,
        "positionConsistent": consistent,
        "missingReason": "; ".join(missing) or None,
        **usage,
        "callStats": call_stats.combined(measured),
    }


Task = tuple[str, Callable[[], dict[str, Any]]]
"""(task id, the call that produces its result): one verdict or one pairwise comparison."""


def _grade_in_chunks(tasks: list[Task], progress: Progress, concurrency: int, time_left: TimeLeft) -> bool:
    """Run every task not in `progress` with `concurrency` in flight, looking at the time after
    each chunk of `concurrency * CHUNK_ROUNDS` finished tasks; True when all are done, False when
    time ran short first. The pool is kept full (a chunk is when the time is checked, not a barrier
    where threads wait for the slowest call), and calls in flight when time runs short are kept."""
    todo = iter([task for task in tasks if task[0] not in progress.results])
    chunk_size = concurrency * CHUNK_ROUNDS
    running: dict[Future[dict[str, Any]], str] = {}
    finished, stopping = 0, False
    with ThreadPoolExecutor(max_workers=concurrency) as pool:

        def submit() -> None:
            task = next(todo, None)
            if task is not None:
                running[pool.submit(task[1])] = task[0]

        for _ in range(concurrency):
            submit()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                progress.results[running.pop(future)] = future.result()
                finished += 1
                # The first chunk always runs, so every pass makes progress.
                if finished % chunk_size == 0 and not stopping:
                    stopping = time_left() < SAFETY_MARGIN_SECONDS
                if not stopping:
                    submit()
    return all(task_id in progress.results for task_id, _ in tasks)


@dataclass(frozen=True)
class Work:
    """Every judge call for a set of answers, by task id."""

    tasks: list[Task]
    records: list[tuple[str, dict[str, Any]]]
    """(target, answer record) in verdict order: the similarity step pairs them with the verdicts."""
    verdict_ids: list[str]
    pair_ids: list[str]
    second_ids: list[str]


def plan_work(run: RunContext, answers: dict[str, dict[int, dict[str, Any]]], runtime: Any) -> Work:
    evaluation = run.evaluation
    records = [
        (target, record)
        for target in TARGETS
        for record in sorted(answers[target].values(), key=lambda r: int(r["index"]))
    ]

    def grade(item: tuple[str, dict[str, Any]], model_id: str = evaluation.judgeModelId) -> dict[str, Any]:
        target, record = item
        with call_stats.measured() as stats:
            verdict = judge_one(runtime, model_id, record["question"], record["reference"], record["answer"])
        return {"index": record["index"], "target": target, **verdict, "callStats": stats.as_dict()}

    def compare(pair: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
        return compare_pair(runtime, evaluation.judgeModelId, *pair)

    answer_pairs = [
        (answers["base"][index], answers["fine-tuned"][index])
        for index in sorted(answers["base"].keys() & answers["fine-tuned"].keys())
        if answers["base"][index]["answer"] is not None and answers["fine-tuned"][index]["answer"] is not None
    ]
    second = evaluation.secondJudgeModelId
    verdict_ids = [f"verdicts/{target}/{record['index']}" for target, record in records]
    pair_ids = [f"pairwise/{base['index']}" for base, _ in answer_pairs]
    second_ids = [f"secondVerdicts/{target}/{record['index']}" for target, record in records] if second else []
    tasks: list[Task] = [
        *((task_id, partial(grade, item)) for task_id, item in zip(verdict_ids, records, strict=True)),
        *((task_id, partial(compare, pair)) for task_id, pair in zip(pair_ids, answer_pairs, strict=True)),
    ]
    if second:
        tasks += [(task_id, partial(grade, item, second)) for task_id, item in zip(second_ids, records, strict=True)]
    return Work(tasks, records, verdict_ids, pair_ids, second_ids)


def judge_batch(run: RunContext, batch: int, s3: Any, runtime: Any, time_left: TimeLeft = unlimited) -> dict[str, Any]:
    """One answer batch's judge calls, inside the judge's Distributed Map (evalMode distributed):
    saved under eval/verdicts/ for the final JudgeAnswers pass, which grades only what is left and
    writes judgements.json. Resumable like the whole-run pass (`complete: false`: called again)."""
    progress = Progress.load_batch(s3, run.bucket, run.runId, batch)
    progress.passes += 1
    if progress.passes > MAX_PASSES:
        raise JudgeIncomplete(f"judging answer batch {batch} did not finish in {MAX_PASSES} passes")
    work = plan_work(run, load_batch_answers(s3, run.bucket, run.runId, batch), runtime)
    threads = threads_per_batch(run.evaluation.judgeConcurrency)
    graded = _grade_in_chunks(work.tasks, progress, threads, time_left)
    progress.save_batch(s3, run.bucket, run.runId, batch)
    done = sum(1 for task_id, _ in work.tasks if task_id in progress.results)
    return {"complete": graded, "batch": batch, "passes": progress.passes, "done": done, "total": len(work.tasks)}


def judge_run(run: RunContext, s3: Any, runtime: Any, time_left: TimeLeft = unlimited) -> dict[str, Any]:
    """Grade what earlier passes (and the judge's Distributed Map) left; `complete: false` when time
    runs short (the state machine calls again), else the similarity step, judgements.json and the summary."""
    evaluation = run.evaluation
    progress = Progress.load(s3, run.bucket, run.runId)
    progress.passes += 1
    if progress.passes > MAX_PASSES:
        raise JudgeIncomplete(
            f"judging did not finish in {MAX_PASSES} JudgeAnswers passes; the verdicts so far are kept in "
            f"{partial_key(run.runId)}"
        )
    answers = load_answers(s3, run.bucket, run.runId)
    work = plan_work(run, answers, runtime)
    tasks, verdict_ids, pair_ids, second_ids = work.tasks, work.verdict_ids, work.pair_ids, work.second_ids
    second = evaluation.secondJudgeModelId
    graded = _grade_in_chunks(tasks, progress, evaluation.judgeConcurrency, time_left)
    # Saved on every pass: the results, and the pass counter that bounds the loop.
    progress.save(s3, run.bucket, run.runId)
    if not graded or (tasks and evaluation.semanticSimilarity and time_left() < SAFETY_MARGIN_SECONDS):
        done = sum(1 for task_id, _ in tasks if task_id in progress.results)
        return {"complete": False, "passes": progress.passes, "done": done, "total": len(tasks)}
    verdicts = [dict(progress.results[task_id]) for task_id in verdict_ids]
    pairwise = [progress.results[task_id] for task_id in pair_ids]
    second_verdicts = [progress.results[task_id] for task_id in second_ids]
    judged = [v for v in verdicts if v["score"] is not None]

    embedder = Embedder(runtime, evaluation.embeddingModelId)
    embedding_calls = 0
    if evaluation.semanticSimilarity:
        pairs = [(record["answer"] or "", record["reference"] or "") for _, record in work.records]
        found, embedding_calls = similarities(
            runtime, evaluation.embeddingModelId, pairs, evaluation.judgeConcurrency, embedder=embedder
        )
        for verdict, similarity in zip(verdicts, found, strict=True):
            verdict.update(similarity.as_dict())
    else:
        for verdict in verdicts:
            verdict.update(similarity=None, similarityMissingReason=SIMILARITY_OFF)
    with_similarity = sum(1 for v in verdicts if v["similarity"] is not None)

    document = {
        "judgeModelId": evaluation.judgeModelId,
        "inference": {
            "maxTokens": JUDGE_MAX_TOKENS,
            "temperature": 0.0,
            "tool": TOOL_NAME,
            "structuredOutput": structured_output(evaluation.judgeModelId),
        },
        "secondJudgeModelId": second,
        "similarity": {
            "enabled": evaluation.semanticSimilarity,
            "modelId": evaluation.embeddingModelId if evaluation.semanticSimilarity else None,
            "dimensions": DIMENSIONS if evaluation.semanticSimilarity else None,
            "normalize": True,
            "embeddingCalls": embedding_calls,
            "inputTokens": embedder.input_tokens,
            "textsCut": len(embedder.cut),
        },
        "verdicts": verdicts,
        "pairwise": pairwise,
        "secondVerdicts": second_verdicts,
    }
    key = judgements_key(run.runId)
    s3io.put_json(s3, run.bucket, key, document)
    if work.records and not judged:
        raise JudgeFailed(
            f"the judge model {evaluation.judgeModelId} returned no usable verdict: "
            f"{verdicts[0]['missingReason']}; answers are kept under runs/{run.runId}/eval/"
        )
    return {
        "complete": True,
        "passes": progress.passes,
        "key": key,
        "judged": len(judged),
        "pairs": len(pairwise),
        "pairsDecided": sum(1 for p in pairwise if p["winner"] is not None),
        "missing": len(verdicts) - len(judged),
        "similarities": with_similarity,
        "similaritiesMissing": len(verdicts) - with_similarity if evaluation.semanticSimilarity else 0,
    }
