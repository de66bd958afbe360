"""Semantic similarity: the cosine of Amazon Titan Text Embeddings V2 vectors of an answer
and its reference answer.

Computed in the JudgeAnswers step (after the provisioned throughput is gone, on demand).
It is a secondary number: an embedding that cannot be had is recorded as missing with the
reason, never guessed and never a reason to fail the run. Each distinct text is embedded
once (a reference serves both models' answers). After an error that will not go away by
asking again (no access, no such model), the remaining texts are not sent at all.

Titan V2 takes at most 8,192 tokens or 50,000 characters
(https://docs.aws.amazon.com/bedrock/latest/userguide/titan-embedding-models.html). Its
tokenizer is not published, so a longer text is cut to the longest prefix whose conservative
per-script estimate (shared/tokens.py) is within 8,192 tokens: 50,000 characters of Japanese
would be far over the token limit. A cut text is recorded (`similarityTextCut`) and reported.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from shared.aws import error_code, error_message
from shared.tokens import truncate_to_tokens

DIMENSIONS = 1024
"""Titan V2 accepts 256, 512 or 1024; 1024 is its default and its most accurate."""
MAX_INPUT_CHARS = 50_000
MAX_INPUT_TOKENS = 8_192
"""Titan V2's input limits: 8,192 tokens or 50,000 characters, whichever comes first."""
FATAL_ERRORS = frozenset(
    {"AccessDeniedException", "ResourceNotFoundException", "UnrecognizedClientException", "ExpiredTokenException"}
)
"""Errors that every further call would repeat: the rest of the texts are not sent."""


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of the angle between two vectors, in [-1, 1]."""
    if len(a) != len(b) or not a:
        raise ValueError(f"vectors of different or zero length ({len(a)} and {len(b)})")
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm_a, norm_b = math.sqrt(math.fsum(x * x for x in a)), math.sqrt(math.fsum(y * y for y in b))
    if norm_a == 0 or norm_b == 0:
        raise ValueError("a zero vector has no direction")
    return max(-1.0, min(1.0, dot / (norm_a * norm_b)))


def embedding_input(text: str) -> str:
    """The text as sent: cut to Titan V2's limits by the conservative token estimate."""
    return truncate_to_tokens(text, MAX_INPUT_TOKENS, MAX_INPUT_CHARS)


def embedding_request(text: str) -> dict[str, Any]:
    return {"inputText": embedding_input(text), "dimensions": DIMENSIONS, "normalize": True}


def parse_embedding(payload: bytes | str) -> list[float] | str:
    """The vector, or why the response body is not one."""
    try:
        document = json.loads(payload)
    except ValueError:
        return "the embedding response is not JSON"
    vector = document.get("embedding") if isinstance(document, dict) else None
    if not isinstance(vector, list) or len(vector) != DIMENSIONS:
        size = len(vector) if isinstance(vector, list) else "no"
        return f"the embedding response has {size} values, expected {DIMENSIONS}"
    if not all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in vector):
        return "the embedding response has values that are not finite numbers"
    if not any(vector):
        return "the embedding is a zero vector"
    return [float(x) for x in vector]


@dataclass
class Embedder:
    """Embeds texts through InvokeModel, each distinct text once."""

    runtime: Any
    model_id: str
    calls: int = 0
    input_tokens: int = 0
    """Titan's own `inputTextTokenCount`, summed: what the embeddings were billed for."""
    cut: set[str] = field(default_factory=set)
    """The texts that were longer than Titan's limits and were cut before embedding."""
    _cache: dict[str, list[float] | str] = field(default_factory=dict)
    _fatal: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def embed(self, text: str) -> list[float] | str:
        """The vector, or the reason there is none."""
        if not text.strip():
            return "the text is empty"
        with self._lock:
            if text in self._cache:
                return self._cache[text]
            if self._fatal:
                return self._fatal
            self.calls += 1
        request = embedding_request(text)
        if request["inputText"] != text:
            with self._lock:
                self.cut.add(text)
        try:
            response = self.runtime.invoke_model(
                modelId=self.model_id,
                body=json.dumps(request),
                contentType="application/json",
                accept="application/json",
            )
            payload = response["body"].read()
            result = parse_embedding(payload)
            tokens = _token_count(payload)
            with self._lock:
                self.input_tokens += tokens
        except Exception as error:  # after botocore's own retries: record, do not guess
            code = error_code(error)
            result = f"embedding call failed: {code}: {error_message(error)}"
            if code in FATAL_ERRORS:
                with self._lock:
                    self._fatal = result
        with self._lock:
            self._cache[text] = result
        return result


def _token_count(payload: bytes | str) -> int:
    """`inputTextTokenCount` of a Titan embedding response (0 when absent or not a number)."""
    try:
        count = json.loads(payload).get("inputTextTokenCount")
    except (ValueError, AttributeError):
        return 0
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


@dataclass(frozen=True)
class Similarity:
    value: float | None
    missing_reason: str | None
    text_cut: list[str] = field(default_factory=list)
    """Which of "answer" and "reference" were cut to Titan's limits before embedding."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "similarity": self.value,
            "similarityMissingReason": self.missing_reason,
            "similarityTextCut": self.text_cut,
        }


def similarities(
    runtime: Any,
    model_id: str,
    pairs: Sequence[tuple[str, str]],
    concurrency: int,
    embedder: Embedder | None = None,
) -> tuple[list[Similarity], int]:
    """For each (answer, reference): the cosine of their embeddings, rounded to 4 digits, or
    why it is missing. Also returns the number of InvokeModel calls made. Pass an `embedder` to
    read the tokens billed afterwards."""
    embedder = embedder or Embedder(runtime, model_id)
    complete = [pair for pair in pairs if pair[0].strip() and pair[1].strip()]
    texts = list(dict.fromkeys(text for pair in complete for text in pair))
    # The first text is embedded alone: when the model is not reachable at all (AccessDenied),
    # that one call finds out, and the threads never start a burst of calls that would all fail.
    vectors = {text: embedder.embed(text) for text in texts[:1]}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        vectors.update(zip(texts[1:], pool.map(embedder.embed, texts[1:]), strict=True))
    results = []
    for answer, reference in pairs:
        if not answer.strip():
            results.append(Similarity(None, "the answer is empty"))
            continue
        if not reference.strip():
            results.append(Similarity(None, "the reference answer is empty"))
            continue
        answer_vector, reference_vector = vectors[answer], vectors[reference]
        cut = [name for name, text in (("answer", answer), ("reference", reference)) if text in embedder.cut]
        if isinstance(answer_vector, str):
            results.append(Similarity(None, answer_vector, cut))
        elif isinstance(reference_vector, str):
            results.append(Similarity(None, reference_vector, cut))
        else:
            results.append(Similarity(round(cosine(answer_vector, reference_vector), 4), None, cut))
    return results, embedder.calls
