"""`make demo`: which file is used for what, distinct raw keys, and the one-line hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from localrun.__main__ import DATASET, InputError, _parser, check_files, data_files, describe_files, main, raw_key


def _files(*argv: str) -> dict[str, Path | None]:
    return data_files(_parser().parse_args(list(argv)))


def test_without_training_the_bundled_sets_are_used() -> None:
    assert _files() == {
        "training": DATASET / "training.json",
        "validation": DATASET / "validation.json",
        "eval": DATASET / "eval.json",
    }
    assert _files("--eval", "none") == {
        "training": DATASET / "training.json",
        "validation": DATASET / "validation.json",
        "eval": None,
    }


def test_training_alone_adds_no_bundled_set() -> None:
    assert _files("--training", "my.json") == {"training": Path("my.json"), "validation": None, "eval": None}
    assert _files("--training", "my.csv", "--eval", "ev.csv") == {
        "training": Path("my.csv"),
        "validation": None,
        "eval": Path("ev.csv"),
    }


def test_files_of_the_same_name_get_distinct_keys() -> None:
    keys = {raw_key(option, Path(folder) / "data.json") for option, folder in (("training", "a"), ("eval", "b"))}
    assert keys == {"raw/demo/training/data.json", "raw/demo/evaluation/data.json"}
    assert raw_key("validation", Path("x/data.json")) == "raw/demo/validation/data.json"


def test_the_same_data_for_two_roles_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "data.json").write_text('[{"question": "Q", "answer": "A"}]')
    (tmp_path / "b" / "data.json").write_text('[{"question": "Q", "answer": "A"}]')
    files: dict[str, Path | None] = {"training": tmp_path / "a" / "data.json", "eval": tmp_path / "b" / "data.json"}
    with pytest.raises(InputError, match=r"--training and --eval give the same data .*--eval none"):
        check_files(files)
    (tmp_path / "b" / "data.json").write_text('[{"question": "Q2", "answer": "A2"}]')
    check_files(files)
    with pytest.raises(InputError, match=r"--validation .*missing.json: cannot read the file"):
        check_files({"validation": tmp_path / "missing.json"})


def test_the_demo_prints_which_file_it_used_for_what() -> None:
    files: dict[str, Path | None] = {"training": Path("my.json"), "validation": None, "eval": None}
    uris = {"training": "s3://b/raw/demo/training/my.json", "validation": None, "eval": None}
    assert describe_files(files, uris) == [
        "Data files:",
        "  training    my.json -> s3://b/raw/demo/training/my.json",
        "  validation  none: the pipeline holds out a share of the training file",
        "  evaluation  none: a held-out sample of the validation set",
    ]


def test_json_split_by_make_gives_the_one_line_hint(capsys: pytest.CaptureFixture[str]) -> None:
    # make ARGS='--input {"dryRun": true}' reaches Python as these words (quotes dropped, split at the space)
    assert main(["--input", "{dryRun:", "true}"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --input {dryRun: true} is not one JSON value")
    assert "use --input @file.json" in error and len(error.strip().splitlines()) == 1


def test_other_unknown_arguments_are_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--training", "x.json", "stray"])
    assert exited.value.code == 2
    assert "unrecognized arguments: stray" in capsys.readouterr().err


def test_a_missing_training_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--training", str(tmp_path / "nope.csv"), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --training ") and "cannot read the file" in error
    assert not (tmp_path / "summary.json").exists()
