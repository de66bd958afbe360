from __future__ import annotations

import pytest

from report.metrics import (
    LossCurves,
    difference,
    mean,
    median,
    parse_metrics_csv,
    percentile,
    reduction_pct,
    score_distribution,
    share,
)
from shared.numbers import fixed
from shared.text import rouge_l_f1


def test_rouge_l_by_hand() -> None:
    # candidate: the cat sat on the mat (6) ; reference: the cat is on the mat (6)
    # LCS = the cat on the mat = 5 -> P = R = 5/6 -> F1 = 5/6
    assert rouge_l_f1("the cat sat on the mat", "the cat is on the mat") == pytest.approx(5 / 6)


def test_rouge_l_unequal_lengths_by_hand() -> None:
    # candidate: two epochs (2) ; reference: the default is two epochs (5); LCS 2 -> P=1, R=0.4, F1=0.5714
    assert rouge_l_f1("Two epochs.", "The default is two epochs.") == pytest.approx(2 * 1 * 0.4 / 1.4)


def test_rouge_l_edge_cases() -> None:
    assert rouge_l_f1("", "anything") == 0.0
    assert rouge_l_f1("nothing shared", "entirely different") == 0.0
    assert rouge_l_f1("日本 語", "日本 語") == 1.0


def test_percentiles_are_nearest_rank() -> None:
    values = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    assert percentile(values, 0.5) == 500 and percentile(values, 0.95) == 1000
    assert percentile([], 0.5) is None


def test_mean_and_median() -> None:
    assert mean([7, 8, 6]) == 7.0 and median([1, 9, 3, 4]) == 3.5 and mean([]) is None


def test_loss_curves_epoch_means_and_best_epoch() -> None:
    training = parse_metrics_csv(
        "step_number,epoch_number,training_loss,perplexity\n0,1,2.0,7.4\n1,1,1.0,2.7\n2,2,0.8,2.2\n3,2,0.6,1.8\n"
    )
    validation = parse_metrics_csv("step_number,epoch_number,validation_loss,perplexity\n1,1,1.5,4.5\n3,2,1.2,3.3\n")
    summary = LossCurves(training, validation).summary()
    assert summary["trainingLossByEpoch"] == [{"epoch": 1, "loss": 1.5}, {"epoch": 2, "loss": 0.7}]
    assert summary["bestEpoch"] == 2 and summary["bestValidationLoss"] == 1.2
    assert summary["trainingLossFirst"] == 2.0 and summary["trainingLossLast"] == 0.6
    assert [row["step"] for row in summary["trainingLossByStep"]] == [0, 1, 2, 3]


def test_unparseable_rows_are_skipped() -> None:
    assert parse_metrics_csv("step_number,epoch_number,training_loss\n0,1,abc\n1,1,0.5\n") == [
        {"step_number": 1.0, "epoch_number": 1.0, "training_loss": 0.5}
    ]


def test_reduction_in_percent_by_hand() -> None:
    # base 250 chars, fine-tuned 100: (250 - 100) / 250 = 60 % shorter
    assert reduction_pct(250, 100) == 60.0
    # base 40 tokens, fine-tuned 16.625: 23.375 / 40 = 58.4375 % -> 58.4
    assert reduction_pct(40, 16.625) == 58.4
    # longer is a negative reduction: (100 - 150) / 100 = -50 %
    assert reduction_pct(100, 150) == -50.0


def test_reduction_guards_zero_and_missing() -> None:
    assert reduction_pct(0, 10) is None  # no percentage of nothing
    assert reduction_pct(0.0, 0.0) is None
    assert reduction_pct(None, 10) is None and reduction_pct(10, None) is None
    assert reduction_pct(10, 0) == 100.0


def test_share_difference_and_distribution() -> None:
    assert share(7, 8) == 0.875 and share(0, 0) is None and share(1, 3) == 0.3333
    assert difference(7.125, 2.25) == 4.875 and difference(None, 1.0) is None
    distribution = score_distribution([1, 1, 3, 10, 10, 10])
    assert [row["score"] for row in distribution] == list(range(1, 11))
    assert [row["count"] for row in distribution] == [2, 0, 1, 0, 0, 0, 0, 0, 0, 3]
    assert sum(row["count"] for row in score_distribution([])) == 0


def test_numbers_are_rounded_half_up_as_by_hand() -> None:
    # format() rounds 7.125 to "7.12" (half to even); a reader expects 7.13, and 7.13 - 2.25 = 4.88
    assert fixed(7.125) == "7.13" and fixed(4.875) == "4.88" and fixed(2.675) == "2.68"
    assert fixed(-0.001) == "0.00" and fixed(1020.0, 0) == "1020" and fixed(250.5, 1) == "250.5"
