"""Turns validated QA pairs into the training, validation and evaluation sets."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from preprocess.issues import IssueLog
from preprocess.raw_data import QAPair, RawFile
from shared import formats
from shared import tokens as token_estimate
from shared.families import ModelFamily
from shared.tokens import OPTIMISTIC, CharCounts, char_counts, conservative_rates, tokens_from

SPLIT_SHARE = 0.2


@dataclass
class DatasetSplit:
    training: list[QAPair]
    validation: list[QAPair]
    split_from_training: bool


def content_seed(pairs: Sequence[QAPair]) -> int:
    """A seed from the data itself: the same file always splits the same way."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(pair.prompt.encode("utf-8"))
        digest.update(b"\0")
        digest.update(pair.completion.encode("utf-8"))
        digest.update(b"\1")
    return int.from_bytes(digest.digest()[:8], "big")


def record_tokens(system_prompt: str, pair: QAPair) -> int:
    """Optimistic tokens of one training record (every turn, and its own system prompt where it
    has one): the manifest's and the quote's figure."""
    system = pair.system if pair.system is not None else system_prompt
    return token_estimate.record_tokens(system, *pair.texts())


def _check_tokens(pair: QAPair, family: ModelFamily, system_counts: CharCounts, file: str, log: IssueLog) -> int:
    """Refuse a record over the limit at the optimistic estimate, or at the figure AWS's own
    validator uses for the family; warn when only the conservative estimate is over the limit.
    CountTokens is not used: none of the customizable models is among the models it supports
    (https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html), so it could not
    settle the grey zone."""
    limit = family.max_tokens_per_record
    if pair.system is not None:
        system_counts = char_counts(pair.system)
    counts = (system_counts, *(char_counts(text) for text in pair.texts()))
    tokens = sum(tokens_from(c, OPTIMISTIC) for c in counts)
    if tokens > limit:
        log.error(
            file,
            pair.location,
            "too-many-tokens",
            f"about {tokens:,} tokens (system prompt included); {family.display_name} allows {limit:,} per record",
        )
        return tokens
    strict = family.validator_chars_per_token
    if strict:
        # AWS's validator divides ASCII by its figure; other characters keep the optimistic one each.
        validator_rates = replace(OPTIMISTIC, ascii_chars_per_token=strict)
        counted = sum(tokens_from(c, validator_rates) for c in counts)
        if counted > limit:
            log.error(
                file,
                pair.location,
                "too-many-tokens",
                f"about {counted:,} tokens counted as AWS's {family.display_name} dataset validator counts them "
                f"({strict} characters per token, system prompt included); {family.display_name} allows "
                f"{limit:,} per record; shorten it",
            )
            return tokens
    pessimistic = sum(tokens_from(c, conservative_rates(strict)) for c in counts)
    if pessimistic > limit:
        log.warning(
            file,
            pair.location,
            "tokens-uncertain",
            f"between about {tokens:,} and {pessimistic:,} tokens (system prompt included; the higher figure "
            f"is the conservative per-script estimate); {family.display_name} allows {limit:,} per record, so "
            "the customization job may refuse it; consider shortening it",
        )
    return tokens


def check_records(pairs: Sequence[QAPair], family: ModelFamily, system_prompt: str, file: str, log: IssueLog) -> int:
    """Per-record limits: estimated tokens, reserved phrases. Returns the token total."""
    total = 0
    system_counts = char_counts(system_prompt)
    for pair in pairs:
        total += _check_tokens(pair, family, system_counts, file, log)
        if pair.history and not formats.TAKES_CONVERSATIONS[family.record_format]:
            log.error(
                file,
                pair.location,
                "conversation-not-supported",
                f"a conversation of {len(pair.history) + 1} exchanges; {family.display_name} takes single-turn "
                "prompt/completion records only: split it into one record per exchange (or choose a model "
                "family that takes conversations, such as Amazon Nova)",
            )
        texts = [(text, "conversation") for turn in pair.history for text in turn]
        if pair.system is not None:
            texts.append((pair.system, "system prompt"))
        for text, field_name in (*texts, (pair.prompt, "prompt"), (pair.completion, "completion")):
            for phrase in family.reserved_in(text):
                log.error(
                    file,
                    pair.location,
                    "reserved-phrase",
                    f"the {field_name} contains {phrase!r}{_any_case(family)}, which {family.display_name} reserves "
                    "(the customization job would fail); reword it",
                )
    for phrase in family.reserved_in(system_prompt):
        log.error(
            "systemPrompt",
            None,
            "reserved-phrase",
            f"contains {phrase!r}{_any_case(family)}, reserved by {family.display_name}",
        )
    return total


def _any_case(family: ModelFamily) -> str:
    return " (in any letter case)" if family.reserved_ignore_case else ""


def warn_duplicates(pairs: Sequence[QAPair], file: str, log: IssueLog) -> None:
    seen: dict[tuple[str, str], str] = {}
    for pair in pairs:
        key = (pair.prompt.strip(), pair.completion.strip())
        if key in seen:
            log.warning(file, pair.location, "duplicate-pair", f"same question and answer as {seen[key]}")
        else:
            seen[key] = pair.location


def split_training(pairs: list[QAPair], family: ModelFamily, file: str, log: IssueLog) -> DatasetSplit:
    """No validation file: hold out a deterministic share so both sets meet their minimums."""
    total = len(pairs)
    needed = family.min_training_records + family.min_validation_records
    if total < needed:
        log.error(
            file,
            None,
            "too-few-records-to-split",
            f"{total} records: with no validation file {family.display_name} needs at least "
            f"{family.min_training_records} training + {family.min_validation_records} validation = "
            f"{needed} records to split; add records or give validationDataUri",
        )
        return DatasetSplit(pairs, [], True)
    size = max(family.min_validation_records, round(total * SPLIT_SHARE))
    size = min(size, family.max_validation_records, total - family.min_training_records)
    order = list(range(total))
    random.Random(content_seed(pairs)).shuffle(order)
    held_out = set(order[:size])
    training = [pair for index, pair in enumerate(pairs) if index not in held_out]
    validation = [pair for index, pair in enumerate(pairs) if index in held_out]
    return DatasetSplit(training, validation, True)


def without_validation_set(
    training: RawFile,
    validation: RawFile | None,
    evaluation: RawFile | None,
    family: ModelFamily,
    sample_size: int,
    log: IssueLog,
) -> DatasetSplit:
    """For a family that takes no validation set (Nova 2 Lite). A validation file becomes the
    pool of held-out evaluation questions (it is never sent to Bedrock); given together with
    an evaluation file it would be ignored, so that is refused. With neither, a few training
    records are held out for evaluation while the training set keeps its minimum. Only questions
    with an answer are held out: the judge scores against it (a distillation run's questions
    without answers all stay in training, where the teacher answers them)."""
    if validation is not None:
        if evaluation is not None:
            log.error(
                validation.key,
                None,
                "validation-not-supported",
                f"{family.display_name} takes no validation set, and evalDataUri already gives the evaluation "
                "questions; drop validationDataUri (or give these questions as evalDataUri)",
            )
        else:
            log.warning(
                validation.key,
                None,
                "validation-used-for-evaluation",
                f"{family.display_name} takes no validation set: these records are used only as held-out "
                "evaluation questions and are not sent to Bedrock",
            )
        return DatasetSplit(training.pairs, validation.pairs, False)
    if evaluation is not None or log.failed:
        return DatasetSplit(training.pairs, [], False)
    order = [index for index, pair in enumerate(training.pairs) if pair.completion.strip()]
    size = min(sample_size, len(order), max(0, len(training.pairs) - family.min_training_records))
    random.Random(content_seed(training.pairs)).shuffle(order)
    held_out = set(order[:size])
    return DatasetSplit(
        [pair for index, pair in enumerate(training.pairs) if index not in held_out],
        [pair for index, pair in enumerate(training.pairs) if index in held_out],
        True,
    )


def check_counts(split: DatasetSplit, family: ModelFamily, files: dict[str, str], log: IssueLog) -> None:
    name = family.display_name
    train = len(split.training)
    # Records held out for evaluation by a family without a validation set are not sent to Bedrock.
    val = len(split.validation) if family.validation_set else 0
    if train < family.min_training_records:
        log.error(
            files["training"],
            None,
            "too-few-records",
            f"{train} training records; {name} needs at least {family.min_training_records}",
        )
    if train > family.max_training_records:
        log.error(
            files["training"],
            None,
            "too-many-records",
            f"{train:,} training records; {name} allows at most {family.max_training_records:,}",
        )
    if val and val < family.min_validation_records:
        log.error(
            files["validation"],
            None,
            "too-few-records",
            f"{val} validation records; {name} needs at least {family.min_validation_records}",
        )
    if val > family.max_validation_records:
        log.error(
            files["validation"],
            None,
            "too-many-records",
            f"{val:,} validation records; {name} allows at most {family.max_validation_records:,}",
        )
    if train + val > family.max_total_records and train <= family.max_training_records:
        log.error(
            files["training"],
            None,
            "too-many-records",
            f"{train + val:,} training + validation records; {name} allows {family.max_total_records:,} in total",
        )


def held_out_sample(pool: Sequence[QAPair], size: int) -> list[QAPair]:
    """A deterministic sample of questions the model was not trained on."""
    order = list(range(len(pool)))
    random.Random(content_seed(pool)).shuffle(order)
    return [pool[index] for index in sorted(order[:size])]


def to_jsonl(pairs: Sequence[QAPair], family: ModelFamily, system_prompt: str) -> str:
    lines = (
        json.dumps(
            formats.to_record(
                family.record_format,
                p.system if p.system is not None else system_prompt,
                p.prompt,
                p.completion,
                p.history,
            ),
            ensure_ascii=False,
        )
        for p in pairs
    )
    return "".join(f"{line}\n" for line in lines)
