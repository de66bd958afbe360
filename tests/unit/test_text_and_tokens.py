# ruff: noqa: RUF001, RUF003  (full-width letters, digits and marks are the point of these tests)
"""Script-aware text handling (shared/text.py) and token estimates (shared/tokens.py): every
expected value is computed by hand in the comment next to it."""

from __future__ import annotations

import pytest

from shared.text import dominant_language, language, normalize, rouge_l_f1, tokenize
from shared.tokens import (
    CONSERVATIVE,
    OPTIMISTIC,
    char_counts,
    conservative_tokens,
    estimate_tokens,
    record_tokens,
    truncate_to_tokens,
)


def test_cjk_is_one_token_per_character_and_other_scripts_by_words() -> None:
    assert tokenize("東京は日本の首都です。") == ["東", "京", "は", "日", "本", "の", "首", "都", "で", "す"]
    assert tokenize("서울은 수도") == ["서", "울", "은", "수", "도"]
    # NFKC: full-width letters and digits and half-width katakana fold to their ordinary forms
    assert tokenize("ＡＷＳで２エポック") == ["aws", "で", "2", "エ", "ポ", "ッ", "ク"]
    assert tokenize("ｴﾎﾟｯｸ") == tokenize("エポック") == ["エ", "ポ", "ッ", "ク"]
    assert tokenize("The cat, the HAT.") == ["the", "cat", "the", "hat"]
    assert normalize("ＡＢＣ") == "abc"


def test_rouge_l_japanese_by_hand() -> None:
    # candidate 日本の首都は東京です (10 tokens), reference 東京は日本の首都です (10 tokens);
    # LCS 日本の首都です = 7 -> P = R = 0.7 -> F1 = 0.7
    assert rouge_l_f1("日本の首都は東京です。", "東京は日本の首都です。") == pytest.approx(0.7)
    # a wrong answer shares only the sentence frame: パリはフランスの首都です (12) vs the reference (10):
    # LCS はの首都です = 6 -> P = 0.5, R = 0.6 -> F1 = 0.6 / 1.1
    assert rouge_l_f1("パリはフランスの首都です。", "東京は日本の首都です。") == pytest.approx(0.6 / 1.1)
    # the old \w+ tokenizer saw each clause as one word and scored 0.0 for both


def test_rouge_l_chinese_by_hand() -> None:
    # 北京是中国的首都 (8) vs 中国的首都是北京 (8): LCS 中国的首都 = 5 -> F1 = 5/8
    assert rouge_l_f1("北京是中国的首都。", "中国的首都是北京。") == pytest.approx(5 / 8)


def test_rouge_l_korean_by_hand() -> None:
    # 서울은한국의수도입니다 (11) vs 한국의수도는서울입니다 (11): LCS 한국의수도 + 입니다 = 8 -> F1 = 8/11
    assert rouge_l_f1("서울은 한국의 수도입니다.", "한국의 수도는 서울입니다.") == pytest.approx(8 / 11)


def test_rouge_l_mixed_japanese_and_english_by_hand() -> None:
    # candidate: bedrock で 2 エ ポ ッ ク 学 習 し ま す (12; full-width ２ folded, B lower-cased)
    # reference: amazon bedrock で 2 エ ポ ッ ク 学 習 し ま す (13); LCS 12 -> P = 1, R = 12/13 -> F1 = 24/25
    assert rouge_l_f1("Bedrockで２エポック学習します", "Amazon Bedrock で 2 エポック学習します。") == pytest.approx(
        24 / 25
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("東京は日本の首都です。", "ja"),
        ("Amazon Bedrock のモデルカスタマイズは S3 のデータを使います", "ja"),  # English names in Japanese
        ("北京是中国的首都。", "zh"),
        ("서울은 한국의 수도입니다.", "ko"),
        ("The default is two epochs.", "latin"),
        ("The capital is 東京 (Tokyo).", "latin"),  # one quoted Japanese word
        ("42 / 7 = 6", "none"),
    ],
)
def test_language_by_script(text: str, expected: str) -> None:
    assert language(text) == expected


def test_dominant_language_ignores_texts_without_letters() -> None:
    assert dominant_language(["東京は?", "123", "大阪は?", "What?"]) == "ja"
    assert dominant_language(["123"]) == "none"


def test_token_counts_by_script_by_hand() -> None:
    # ASCII: 12 characters -> optimistic 12 / 6 = 2, conservative 12 / 3 = 4
    assert (estimate_tokens("abcdefghijkl"), conservative_tokens("abcdefghijkl")) == (2, 4)
    # Japanese (kana present): 東京は日本の首都です。 = 11 characters (the 。 counts with the text)
    assert char_counts("東京は日本の首都です。").japanese == 11
    assert (estimate_tokens("東京は日本の首都です。"), conservative_tokens("東京は日本の首都です。")) == (
        11,
        18,
    )  # 17.6
    # Chinese (Han without kana): 北京是中国的首都。 = 9 characters -> 9 x 2.11 = 18.99 -> 19
    assert (estimate_tokens("北京是中国的首都。"), conservative_tokens("北京是中国的首都。")) == (9, 19)
    # Korean: 11 Hangul + 3 ASCII (two spaces, a period): 11 x 1.6 + 3 / 3 = 18.6 -> 19
    assert conservative_tokens("서울은 한국의 수도입니다.") == 19
    # Mixed: "Amazon Bedrock " 15 ASCII + 11 kana: optimistic 15/6 + 11 = 13.5 -> 14; conservative 5 + 17.6 -> 23
    assert (
        estimate_tokens("Amazon Bedrock でファインチューニング"),
        conservative_tokens("Amazon Bedrock でファインチューニング"),
    ) == (14, 23)


def test_the_conservative_rates_are_never_below_the_published_measurements() -> None:
    # Nova Lite: 2,754 tokens for 1,793 Japanese characters; 5,717 for 2,715 Chinese characters.
    assert CONSERVATIVE.japanese_per_char >= 2754 / 1793 and CONSERVATIVE.korean_per_char >= 1.6
    assert CONSERVATIVE.chinese_per_char >= 5717 / 2715
    japanese = "あ" * 1793
    assert conservative_tokens(japanese) >= 2754
    assert conservative_tokens("中" * 2715) >= 5717
    # every conservative figure is at least the optimistic one, so the grey zone is never inverted
    assert OPTIMISTIC.ascii_chars_per_token >= CONSERVATIVE.ascii_chars_per_token
    for field in ("japanese_per_char", "chinese_per_char", "korean_per_char", "other_per_char"):
        assert getattr(CONSERVATIVE, field) >= getattr(OPTIMISTIC, field)


def test_record_tokens_sum_the_three_texts() -> None:
    # system "abcdef" 1 + question 東京は? (3, kana present -> Japanese; ? is ASCII: 1/6) -> 4 + answer "Tokyo." 1
    assert record_tokens("abcdef", "東京は?", "Tokyo.") == 1 + 4 + 1


def test_truncate_keeps_the_longest_prefix_within_the_limit() -> None:
    text = "東京は日本の首都です。" * 100  # 1,100 characters x 1.6 = 1,760 conservative tokens
    cut = truncate_to_tokens(text, 160)
    assert len(cut) == 100 and conservative_tokens(cut) == 160  # 100 x 1.6
    assert truncate_to_tokens("short", 160) == "short"
    assert truncate_to_tokens("x" * 100, 1000, max_chars=10) == "x" * 10
