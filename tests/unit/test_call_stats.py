"""Retry accounting: a record made of several calls counts each call on its own."""

from __future__ import annotations

from shared.call_stats import CallStats, combined, totals


def test_a_comparison_of_two_calls_sums_each_calls_own_figures() -> None:
    first = CallStats(attempts=3, throttles=2, seconds=4.0, throttleSeconds=1.5)
    second = CallStats(attempts=1, throttles=0, seconds=2.0, throttleSeconds=0.0)
    assert combined([first, second]) == {
        "calls": 2,
        "attempts": 4,
        "throttles": 2,
        "seconds": 6.0,
        "throttleSeconds": 1.5,  # not the 4 s of the first call: that was answering, not back-off
    }


def test_totals_count_calls_not_records() -> None:
    verdict = {"callStats": {"attempts": 2, "throttles": 1, "seconds": 1.0, "throttleSeconds": 0.5}}
    comparison = {"callStats": {"calls": 2, "attempts": 3, "throttles": 1, "seconds": 2.0, "throttleSeconds": 0.25}}
    assert totals([verdict, comparison, {"no": "stats"}]) == {
        "calls": 3,
        "attempts": 5,
        "throttles": 2,
        "throttleSeconds": 0.75,
    }
