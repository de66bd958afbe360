"""Numbers for the report: score statistics, lexical overlap, latency, relative change,
training curves. (Semantic similarity is computed by the judge step: judge/similarity.py.)

Hand-written on purpose: each is a few lines, and the Lambda layer carries no numeric or
NLP library (numpy, rouge-score) whose size would be worth it.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def reduction_pct(base: float | None, tuned: float | None) -> float | None:
    """How much smaller `tuned` is than `base`, in % of `base` (negative: larger). None when
    either is missing or `base` is 0 (no meaningful percentage)."""
    if base is None or tuned is None or base == 0:
        return None
    return round((base - tuned) / base * 100, 1)


def share(part: int, whole: int) -> float | None:
    """part / whole, rounded to 4 digits; None when whole is 0."""
    return round(part / whole, 4) if whole else None


def difference(tuned: float | None, base: float | None) -> float | None:
    return None if tuned is None or base is None else round(tuned - base, 3)


def score_distribution(scores: Sequence[int]) -> list[dict[str, int]]:
    """How many answers got each score from 1 to 10 (every score listed, zeros included)."""
    return [{"score": score, "count": sum(1 for s in scores if s == score)} for score in range(1, 11)]


@dataclass
class LossCurves:
    training: list[dict[str, float]] = field(default_factory=list)
    validation: list[dict[str, float]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def epoch_means(self, series: str) -> list[dict[str, float]]:
        rows = self.training if series == "training" else self.validation
        column = "training_loss" if series == "training" else "validation_loss"
        by_epoch: dict[int, list[float]] = {}
        for row in rows:
            by_epoch.setdefault(int(row["epoch_number"]), []).append(row[column])
        return [{"epoch": epoch, "loss": round(statistics.fmean(v), 6)} for epoch, v in sorted(by_epoch.items())]

    def summary(self) -> dict[str, Any]:
        validation = self.epoch_means("validation")
        best = min(validation, key=lambda row: row["loss"]) if validation else None
        training = self.epoch_means("training")
        return {
            "trainingSteps": len(self.training),
            "trainingEpochs": len(training),
            "trainingLossFirst": self.training[0]["training_loss"] if self.training else None,
            "trainingLossLast": self.training[-1]["training_loss"] if self.training else None,
            "trainingLossByStep": [
                {
                    "step": int(row["step_number"]),
                    "epoch": int(row["epoch_number"]),
                    "loss": row["training_loss"],
                }
                for row in self.training
            ],
            "trainingLossByEpoch": training,
            "validationLossByEpoch": validation,
            "bestEpoch": best["epoch"] if best else None,
            "bestValidationLoss": best["loss"] if best else None,
            "files": self.files,
        }


def parse_metrics_csv(text: str) -> list[dict[str, float]]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        try:
            rows.append({key: float(value) for key, value in row.items() if key and value not in (None, "")})
        except ValueError:
            continue
    return rows
