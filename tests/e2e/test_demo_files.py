"""`make demo` with the user's own files: nothing overwrites anything, nothing bundled is mixed in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from localrun.__main__ import DATASET, main


def _dry_run(tmp_path: Path, *argv: str) -> tuple[dict[str, Any], str]:
    dry = tmp_path / "dry.json"
    dry.write_text(json.dumps({"dryRun": True}))
    out = tmp_path / "out"
    assert main([*argv, "--input", f"@{dry}", "--out", str(out)]) == 0
    manifest = json.loads((out / "data" / "manifest.json").read_text(encoding="utf-8"))
    return manifest, str(out)


def test_files_of_the_same_name_in_two_folders_keep_their_roles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder, source in (("a", "training.json"), ("b", "eval.json")):
        (tmp_path / folder).mkdir()
        shutil.copy(DATASET / source, tmp_path / folder / "data.json")
    manifest, _ = _dry_run(
        tmp_path, "--training", str(tmp_path / "a/data.json"), "--eval", str(tmp_path / "b/data.json")
    )
    sources = manifest["config"]["sources"]
    assert sources["training"].endswith("/raw/demo/training/data.json")
    assert sources["evaluation"].endswith("/raw/demo/evaluation/data.json")
    assert sources["validation"] is None
    training = json.loads((DATASET / "training.json").read_text(encoding="utf-8"))
    evaluation = json.loads((DATASET / "eval.json").read_text(encoding="utf-8"))
    # trained on a/data.json (split for validation), evaluated on b/data.json: nothing overwritten
    assert manifest["counts"]["rawTrainingRecords"] == len(training)
    assert manifest["counts"]["evaluation"] == len(evaluation)
    printed = capsys.readouterr().out
    assert f"  training    {tmp_path / 'a/data.json'} -> s3://" in printed
    assert f"  evaluation  {tmp_path / 'b/data.json'} -> s3://" in printed
    assert "  validation  none: the pipeline holds out a share of the training file" in printed


def test_training_alone_splits_and_holds_out_from_the_given_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "my.json"
    shutil.copy(DATASET / "training.json", mine)
    manifest, _ = _dry_run(tmp_path, "--training", str(mine))
    assert manifest["config"]["sources"]["validation"] is None
    assert manifest["config"]["sources"]["evaluation"] is None
    assert manifest["validationSplitFromTraining"] is True
    assert manifest["evaluationSource"] == "held-out sample of the validation set"
    assert "  evaluation  none: a held-out sample of the validation set" in capsys.readouterr().out
