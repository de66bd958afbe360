"""Reinforcement fine-tuning in the report: the reward curve where supervised runs show loss curves.

The RFT job's step metrics (training reward per step: mean, min, max, and the share of samples the
grader could not score) are read from the job's output like the loss curves; where AWS writes them
for RFT is documented only as "reward metrics" (rft-nova-models.html step 4: monitor training), so
the file name is the supervised one and the columns are looked up by name (see localrun/sim_rft.py).

No evaluation (validation) reward: AWS shows "validation rewards" and "validation episode lengths"
for an RFT job only when a validation dataset was uploaded (https://docs.aws.amazon.com/bedrock/
latest/userguide/rft-evaluate-model.html), and the registry holds that Nova 2 Lite RFT on Bedrock
takes none (shared/families.py, from aws/nova-forge-sdk), so the pipeline sends none and there is no
such curve to read. The two sources disagree; the report says so (NO_VALIDATION_REWARD), and the
held-out base-vs-tuned evaluation, judged like every run, is the measure of generalisation.
"""

from __future__ import annotations

import statistics
from typing import Any

from report import charts, metrics
from report.formatting import COLORS, DASH, num
from shared import s3 as s3io
from shared.models import RunContext

NO_VALIDATION_REWARD = (
    "none: AWS writes validation rewards only for a job given a validation set (rft-evaluate-model.html), and "
    "Nova 2 Lite RFT on Bedrock takes none (aws/nova-forge-sdk; the two sources disagree); the held-out "
    "evaluation below measures how the model does on questions it was not trained on"
)
METRICS_FILE = "step_wise_training_metrics.csv"
REWARD_COLUMN = "train_reward_mean"


def reward_section(s3: Any, run: RunContext) -> dict[str, Any]:
    """`training.rewards` of results.json: the curve, its first/last epoch means and grader failures."""
    rows: list[dict[str, float]] = []
    files: list[str] = []
    for key in s3io.list_keys(s3, run.bucket, f"runs/{run.runId}/output/"):
        if key.rsplit("/", 1)[-1] == METRICS_FILE:
            rows = [
                row for row in metrics.parse_metrics_csv(s3io.get_text(s3, run.bucket, key)) if REWARD_COLUMN in row
            ]
            files.append(key)
    by_epoch: dict[int, list[float]] = {}
    for row in rows:
        by_epoch.setdefault(int(row["epoch_number"]), []).append(row[REWARD_COLUMN])
    epochs = [{"epoch": epoch, "reward": round(statistics.fmean(v), 4)} for epoch, v in sorted(by_epoch.items())]
    first = epochs[0]["reward"] if epochs else None
    last = epochs[-1]["reward"] if epochs else None
    failed = [row.get("grader_failed_share", 0.0) for row in rows]
    return {
        "reward": (run.customization.reward if run.customization.method == "reinforcement" else None),
        "rewardByStep": [
            {
                "step": int(row["step_number"]),
                "epoch": int(row["epoch_number"]),
                "reward": row[REWARD_COLUMN],
                "min": row.get("train_reward_min"),
                "max": row.get("train_reward_max"),
            }
            for row in rows
        ],
        "rewardByEpoch": epochs,
        "firstEpochReward": first,
        "lastEpochReward": last,
        "rewardChange": None if first is None or last is None else round(last - first, 4),
        "graderFailedShare": round(statistics.fmean(failed), 4) if failed else None,
        "files": files,
    }


def reward_chart(results: dict[str, Any]) -> str:
    rewards = results["training"]["rewards"]
    steps = [(float(row["step"]), float(row["reward"])) for row in rewards["rewardByStep"]]
    epochs = [(float(row["epoch"]), float(row["reward"])) for row in rewards["rewardByEpoch"]]
    step_chart = charts._line_chart(
        "training-reward",
        "Training reward per step (mean of the grader's rewards)",
        [("training reward", COLORS["training"], steps, False)],
        "step",
        "reward (0-1)",
        "The job wrote no reward metrics.",
    )
    epoch_chart = charts._line_chart(
        "epoch-reward",
        "Training reward per epoch",
        [("training reward (epoch mean)", COLORS["training"], epochs, True)],
        "epoch",
        "reward (0-1)",
        "The job wrote no reward metrics.",
        integer_x=True,
    )
    return f'<div class="charts">{step_chart}{epoch_chart}</div>'


def reward_facts(results: dict[str, Any]) -> list[tuple[str, str]]:
    rewards = results["training"]["rewards"]
    customization = results.get("customization") or {}
    failed = rewards["graderFailedShare"]
    return [
        ("Method", "reinforcement fine-tuning (REINFORCEMENT_FINE_TUNING)"),
        ("Reward", str(rewards["reward"] or DASH)),
        ("Steps", str(len(rewards["rewardByStep"]))),
        (
            "Training reward, first → last epoch",
            f"{num(rewards['firstEpochReward'], 3)} → {num(rewards['lastEpochReward'], 3)}",
        ),
        ("Samples the grader could not score (neutral reward)", DASH if failed is None else f"{failed:.1%}"),
        ("Validation reward", NO_VALIDATION_REWARD),
        (
            "RFT hyperparameters",
            ", ".join(f"{k}={v}" for k, v in (customization.get("rftHyperParameters") or {}).items()) or DASH,
        ),
    ]
