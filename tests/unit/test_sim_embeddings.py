"""The simulated Titan Text Embeddings V2 refuses what Bedrock refuses: over 8,192 tokens (counted
with the pipeline's conservative estimate) or over 50,000 characters, with ValidationException;
the pipeline's own cut (judge.similarity.embedding_input) keeps every text under both limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from judge.similarity import MAX_INPUT_TOKENS, Embedder, embedding_input
from localrun.sim_runtime import EMBEDDING_MAX_CHARS, EMBEDDING_MAX_TOKENS
from localrun.simulated_bedrock import SimulatedBedrock
from shared.tokens import conservative_tokens

TITAN = "amazon.titan-embed-text-v2:0"
JAPANESE = "領収書の読み取り結果は経費精算システムに自動で登録されます。"  # 31 characters, kana and kanji
CHINESE = "发票识别结果会自动登记到报销系统中。"
ENGLISH = "The receipt fields are registered in the expense system automatically. "
LONG = {
    # conservative: 1.6 tokens per Japanese character, 2.11 per Chinese, 3 ASCII characters per token
    "ja": JAPANESE * 200,  # 6,200 characters, ~9,900 tokens: far under 50,000 characters
    "zh": CHINESE * 300,  # 5,400 characters, ~11,400 tokens
    "en": ENGLISH * 400,  # 28,800 characters, 9,600 tokens
}


def _invoke(runtime: Any, text: str) -> dict[str, Any]:
    body = json.dumps({"inputText": text, "dimensions": 1024, "normalize": True})
    response = runtime.invoke_model(modelId=TITAN, body=body, contentType="application/json", accept="application/json")
    return dict(json.loads(response["body"].read()))


def test_the_limit_is_the_pipelines() -> None:
    assert EMBEDDING_MAX_TOKENS == MAX_INPUT_TOKENS == 8192 and EMBEDDING_MAX_CHARS == 50_000


@pytest.mark.parametrize("language", sorted(LONG))
def test_a_text_over_8192_tokens_is_refused_like_bedrock(aws: SimulatedBedrock, runtime: Any, language: str) -> None:
    text = LONG[language]
    tokens = conservative_tokens(text)
    assert tokens > EMBEDDING_MAX_TOKENS and len(text) < EMBEDDING_MAX_CHARS  # the token limit, not the character one
    with pytest.raises(runtime.exceptions.ValidationException, match="Too many input tokens") as refused:
        _invoke(runtime, text)
    assert f"Max input tokens: 8192, request input token count: {tokens}" in str(refused.value)
    assert aws.call_counts() == {"InvokeModel (ValidationException)": 1}


@pytest.mark.parametrize("language", sorted(LONG))
def test_the_pipelines_cut_keeps_the_text_under_the_limit(aws: SimulatedBedrock, runtime: Any, language: str) -> None:
    text = LONG[language]
    cut = embedding_input(text)
    assert len(cut) < len(text) and text.startswith(cut)
    assert conservative_tokens(cut) <= EMBEDDING_MAX_TOKENS < conservative_tokens(cut + text[len(cut)])
    assert len(_invoke(runtime, cut)["embedding"]) == 1024
    embedder = Embedder(runtime, TITAN)
    vector = embedder.embed(text)  # the pipeline's own path: cut, then sent
    assert isinstance(vector, list) and embedder.cut == {text}
    assert aws.call_counts() == {"InvokeModel": 2}


def test_a_text_at_the_limit_is_accepted_and_one_more_character_is_not(aws: SimulatedBedrock, runtime: Any) -> None:
    at_limit = "a" * (EMBEDDING_MAX_TOKENS * 3)  # 3 ASCII characters per conservative token: exactly 8,192
    assert conservative_tokens(at_limit) == EMBEDDING_MAX_TOKENS
    assert len(_invoke(runtime, at_limit)["embedding"]) == 1024
    with pytest.raises(runtime.exceptions.ValidationException, match="Too many input tokens"):
        _invoke(runtime, at_limit + "a")


def test_over_50000_characters_is_refused_with_bedrocks_message(aws: SimulatedBedrock, runtime: Any) -> None:
    with pytest.raises(runtime.exceptions.ValidationException, match="expected maxLength: 50000, actual: 50001"):
        _invoke(runtime, "x " * 25_000 + "x")
