"""The training artifacts a completed fine-tuning job writes: step-wise training loss and,
with validation data, the validation loss per epoch (CSV files under the job's output prefix,
as Bedrock writes them). The loss falls with the passes over the data, from the job's own settings."""

from __future__ import annotations

import math
from typing import Any

from .sim_common import stable

Rows = list[tuple[int, int, float]]


def loss_curves(job: dict[str, Any]) -> tuple[Rows, Rows]:
    """(step, epoch, loss) rows for training and validation."""
    hp = job["hyperParameters"]
    records = max(1, len(job["_knowledge"]))
    epochs = int(hp.get("epochCount", "2"))
    batch = int(hp.get("batchSize", "8"))
    rate = float(hp.get("learningRateMultiplier", hp.get("learningRate", "1")))
    speed = 0.35 * (rate if rate >= 0.01 else rate * 1e4)
    steps_per_epoch = max(1, math.ceil(records / batch))
    seed = stable(job["jobName"])
    train = []
    for step in range(epochs * steps_per_epoch):
        epoch = step // steps_per_epoch + 1
        noise = ((seed >> (step % 24)) % 7 - 3) / 100
        loss = 0.3 + 2.2 * math.exp(-speed * (step + 1) / steps_per_epoch) + noise
        train.append((step, epoch, round(max(loss, 0.05), 4)))
    validation = []
    if job.get("validationDataConfig"):
        for epoch in range(1, epochs + 1):
            loss = 0.45 + 2.0 * math.exp(-speed * epoch) + 0.02 * max(0, epoch - 4)
            validation.append((epoch * steps_per_epoch - 1, epoch, round(loss, 4)))
    return train, validation


def _put_csv(s3: Any, bucket: str, key: str, header: str, rows: Rows) -> None:
    lines = [header] + [f"{s},{e},{loss},{round(math.exp(min(loss, 20)), 4)}" for s, e, loss in rows]
    s3.put_object(Bucket=bucket, Key=key, Body=("\n".join(lines) + "\n").encode("utf-8"))


def write_loss_metrics(s3: Any, job: dict[str, Any], bucket: str, base: str) -> None:
    """Record the final losses on the job and write its metrics CSVs under `base`."""
    train_rows, val_rows = loss_curves(job)
    job["trainingMetrics"] = {"trainingLoss": train_rows[-1][2]}
    if val_rows:
        job["validationMetrics"] = [{"validationLoss": val_rows[-1][2]}]
    _put_csv(
        s3,
        bucket,
        f"{base}/training_artifacts/step_wise_training_metrics.csv",
        "step_number,epoch_number,training_loss,perplexity",
        train_rows,
    )
    if val_rows:
        _put_csv(
            s3,
            bucket,
            f"{base}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv",
            "step_number,epoch_number,validation_loss,perplexity",
            val_rows,
        )
