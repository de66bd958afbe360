"""The paired statistics against values worked out by hand or read from published tables."""

from __future__ import annotations

import statistics

import pytest

from report.stats import bootstrap_ci, cohen_kappa, paired, sign_test, wilson


def test_wilson_eight_of_eight_matches_the_table() -> None:
    # p = 1, n = 8, z = 1.96: centre (1 + z^2/16) / (1 + z^2/8) = 0.8378, half-width 0.1622
    low, high = wilson(8, 8) or (0.0, 0.0)
    assert low == pytest.approx(0.6756, abs=1e-4) and high == pytest.approx(1.0)


def test_wilson_five_of_eight_matches_the_table() -> None:
    low, high = wilson(5, 8) or (0.0, 0.0)
    assert low == pytest.approx(0.3057, abs=1e-4) and high == pytest.approx(0.8632, abs=1e-4)


def test_wilson_without_data() -> None:
    assert wilson(0, 0) is None


def test_exact_sign_test_on_small_tables() -> None:
    assert sign_test(8, 0) == pytest.approx(2 / 256)  # 2 x (1/2)^8
    assert sign_test(0, 8) == pytest.approx(2 / 256)
    assert sign_test(7, 1) == pytest.approx(2 * (1 + 8) / 256)  # 0.0703
    assert sign_test(5, 3) == pytest.approx(2 * (1 + 8 + 28 + 56) / 256)  # 0.7266
    assert sign_test(4, 4) == 1.0
    assert sign_test(0, 0) is None


def test_bootstrap_is_reproducible_on_a_fixed_seed() -> None:
    data = [4.13, 6.71, 5.02, 9.38, 3.27, 7.91, 5.55, 8.64]
    first, again = bootstrap_ci(data, seed=7), bootstrap_ci(data, seed=7)
    assert first == again
    assert bootstrap_ci(data, seed=8) != first
    low, high = first or (0.0, 0.0)
    assert low < statistics.fmean(data) < high
    assert min(data) <= low and high <= max(data)


def test_bootstrap_approximates_the_normal_interval_on_a_large_sample() -> None:
    data = [float((i * 37) % 11) for i in range(400)]
    sd_error = statistics.stdev(data) / len(data) ** 0.5
    low, high = bootstrap_ci(data) or (0.0, 0.0)
    centre = statistics.fmean(data)
    assert low == pytest.approx(centre - 1.96 * sd_error, abs=0.1)
    assert high == pytest.approx(centre + 1.96 * sd_error, abs=0.1)


def test_bootstrap_edges() -> None:
    assert bootstrap_ci([]) is None
    assert bootstrap_ci([2.0]) == (2.0, 2.0)
    assert bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)


def test_paired_counts_ties_as_half_a_win_and_drops_them_from_the_sign_test() -> None:
    result = paired([5, 5, 5, 5], [9, 9, 5, 2])
    assert (result.wins, result.ties, result.losses) == (2, 1, 1)
    assert result.win_rate == pytest.approx(2.5 / 4)
    assert result.p_value == pytest.approx(sign_test(2, 1))
    assert result.mean_difference == pytest.approx((4 + 4 + 0 - 3) / 4)


def test_paired_lower_is_better_flips_wins() -> None:
    result = paired([100, 100], [50, 60], higher_is_better=False)
    assert (result.wins, result.losses) == (2, 0)
    assert result.mean_difference == pytest.approx(-45.0)


def test_cohen_kappa_by_hand() -> None:
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> po 0.7, pe 0.5 -> kappa 0.4
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    assert cohen_kappa([True, True], [True, True]) == 1.0
    assert cohen_kappa([], []) is None
