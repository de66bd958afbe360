"""Paired statistics for the base-vs-fine-tuned comparison, in pure Python (sizes are small:
at most a thousand questions, so nothing here is worth a numeric library in the Lambda asset).

- `bootstrap_ci`: percentile bootstrap of the mean of paired differences, seeded so the same
  run always reports the same interval.
- `wilson`: the Wilson score interval of a proportion (better than the normal approximation
  at small n and at 0 % or 100 %).
- `sign_test`: the exact two-sided sign test (binomial, p = 1/2) on wins vs losses; ties
  carry no information about direction and are dropped, as the test requires.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The two-sided 95 % quantile of the standard normal distribution."""
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240307
"""Fixed: the interval is reproducible from results.json alone."""


def bootstrap_ci(
    differences: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean difference; None without data."""
    n = len(differences)
    if n == 0:
        return None
    if n == 1:
        return (float(differences[0]), float(differences[0]))
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(differences, k=n)) for _ in range(resamples))
    tail = (1 - level) / 2
    low = means[max(0, math.floor(tail * resamples))]
    high = means[min(resamples - 1, math.ceil((1 - tail) * resamples) - 1)]
    return (low, high)


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for successes / n (successes may be fractional: half-ties)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def sign_test(wins: int, losses: int) -> float | None:
    """Exact two-sided sign-test p-value for `wins` vs `losses` (ties excluded by the caller)."""
    n = wins + losses
    if n == 0:
        return None
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class Paired:
    """The comparison of one metric over the questions both models have a value for."""

    n: int
    mean_difference: float | None
    ci95: tuple[float, float] | None
    wins: int
    ties: int
    losses: int
    p_value: float | None
    win_rate: float | None
    win_rate_ci95: tuple[float, float] | None


def paired(base: Sequence[float], tuned: Sequence[float], higher_is_better: bool = True) -> Paired:
    """Differences are tuned - base. A win is a change in the better direction; a tie, no change.
    The win rate counts a tie as half a win; the sign test drops ties."""
    differences = [t - b for b, t in zip(base, tuned, strict=True)]
    better = [d if higher_is_better else -d for d in differences]
    wins = sum(1 for d in better if d > 0)
    losses = sum(1 for d in better if d < 0)
    ties = len(better) - wins - losses
    n = len(differences)
    return Paired(
        n=n,
        mean_difference=statistics.fmean(differences) if differences else None,
        ci95=bootstrap_ci(differences),
        wins=wins,
        ties=ties,
        losses=losses,
        p_value=sign_test(wins, losses),
        win_rate=(wins + ties / 2) / n if n else None,
        win_rate_ci95=wilson(wins + ties / 2, n),
    )


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> float | None:
    """Cohen's kappa of two raters' binary labels; None without data, 1.0 when both agree
    perfectly on a single class (chance agreement 1)."""
    n = len(first)
    if n == 0:
        return None
    observed = sum(1 for a, b in zip(first, second, strict=True) if a == b) / n
    p_first, p_second = sum(first) / n, sum(second) / n
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)
