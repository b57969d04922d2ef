"""``tconv train``, ``tconv predict`` and ``tconv evaluate`` as a user runs them (tiny sizes, one or two epochs)."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

from tconv.cli import main

TINY = ["--samples", "16", "--val-samples", "8", "--size", "16", "--base", "4", "--depth", "2", "--batch-size", "8",
        "--no-progress"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _folder(root, n=6, size=(12, 10), rgb=False, classes=3):
    """A user's folder: images/NAME.png (grey or RGB) and masks/NAME.png (class ids)."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(n):
        mask = rng.integers(0, classes, size).astype(np.uint8)
        mask[0, 0] = classes - 1                       # every class present somewhere
        image = (mask * 60 + rng.integers(0, 30, size)).astype(np.uint8)
        if rgb:
            image = np.stack([image] * 3, axis=-1)
        Image.fromarray(image).save(root / "images" / f"item{i}.png")
        Image.fromarray(mask).save(root / "masks" / f"item{i}.png")
    return root


def test_the_help_defaults_are_the_recipe_defaults(capsys):
    from tconv.seg.train.recipe import DEFAULTS, DIM_DEFAULTS, MODEL_DEFAULTS

    _, printed, _ = run(capsys, "train", "--help")
    printed = " ".join(printed.split())
    for key, flag in (("loss", "--loss"), ("epochs", "--epochs"), ("batch_size", "--batch-size"), ("lr", "--lr"),
                      ("val_samples", "--val-samples"), ("val_fraction", "--val-fraction")):
        assert re.search(rf"{flag} \S+ .*?\(default {DEFAULTS[key]}[;)]", printed), flag
    unet, vnet = MODEL_DEFAULTS["unet"], MODEL_DEFAULTS["vnet"]
    assert f"(default {unet['base']}; vnet {vnet['base']})" in printed
    assert f"(default {unet['depth']}; vnet {vnet['depth']})" in printed
    assert f"(default {DIM_DEFAULTS[2]['size']}; vnet {DIM_DEFAULTS[3]['size']})" in printed
    assert f"(default {DIM_DEFAULTS[2]['samples']}; vnet {DIM_DEFAULTS[3]['samples']} volumes)" in printed


def test_train_writes_the_run_folder_and_predict_reproduces_it(tmp_path, capsys):
    out = tmp_path / "run"
    code, printed, err = run(capsys, "train", *TINY, "--epochs", "2", "--out", str(out))
    assert code == 0, err
    assert "epoch 2/2" in printed and "best val mIoU" in printed
    for name in ("config.json", "history.json", "model.npz", "last.npz", "curves.png", "predictions.png"):
        assert (out / name).is_file(), name
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    # predict from files equals predict in memory
    from tconv.seg.train import predict
    from tconv.seg.train.inference import load_model
    from tconv.seg.train.recipe import check_config, make_datasets

    config = json.loads((out / "config.json").read_text())
    _, val, _ = make_datasets(check_config(config))
    images = np.stack([val[i][0] for i in range(3)])
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(np.round(image[0] * 255).astype(np.uint8)).save(inputs / f"v{i}.png")
    model, _ = load_model(out / "model.npz")
    quantised = np.stack([np.asarray(Image.open(inputs / f"v{i}.png"), np.float32)[None] / 255 for i in range(3)])
    expected = predict(model, quantised)
    code, printed, err = run(capsys, "predict", str(out / "model.npz"), str(inputs), "--out", str(tmp_path / "pred"))
    assert code == 0, err
    for i in range(3):
        written = np.asarray(Image.open(tmp_path / "pred" / f"v{i}.png"))
        assert written.dtype == np.uint8 and written.shape == (16, 16)
        np.testing.assert_array_equal(written, expected[i])
        overlay = np.asarray(Image.open(tmp_path / "pred" / f"v{i}_overlay.png"))
        assert overlay.shape == (16, 16, 3)


def test_train_on_a_folder_then_evaluate(tmp_path, capsys):
    data = _folder(tmp_path / "data", rgb=True)
    out = tmp_path / "run"
    code, printed, err = run(capsys, "train", "--data", str(data), "--base", "2", "--depth", "1", "--epochs", "1",
                             "--batch-size", "2", "--no-progress", "--out", str(out))
    assert code == 0, err
    config = json.loads((out / "config.json").read_text())
    assert config["data"] == str(data)
    code, printed, err = run(capsys, "evaluate", str(out / "model.npz"), "--data", str(data))
    assert code == 0, err
    assert "mIoU (foreground)" in printed and "HD95" in printed
    rows = [line for line in printed.splitlines() if line.startswith("class ") and line[6].isdigit()]
    assert len(rows) == 3                                         # one row per class (class 0..2)


def test_a_broken_folder_is_one_line(tmp_path, capsys):
    data = _folder(tmp_path / "data")
    (data / "masks" / "item3.png").unlink()
    code, out, err = run(capsys, "train", "--data", str(data), "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 2 and "item3" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("make, match", [
    (lambda p: p.write_bytes(b"not a zip"), "not an .npz archive"),
    (lambda p: np.savez(p, w=np.ones(2)), "not a tconv segmentation checkpoint"),
])
def test_foreign_files_are_refused_by_predict_and_resume(tmp_path, capsys, make, match):
    bad = tmp_path / "model.npz"
    make(bad)
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(image)
    code, _, err = run(capsys, "predict", str(bad), str(image), "--out", str(tmp_path / "p"))
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "train", "--resume", str(bad), "--no-progress")
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, fragment", [
    (["train", "--loss", "mse"], "--loss"),
    (["train", "--epochs", "-1"], "epochs"),
    (["train", "--lr", "0"], "lr"),
    (["train", "--resume", "x.npz", "--lr", "0.1"], "--resume continues"),
    (["train", "--threads", "0"], "--threads"),
    (["predict", "missing.npz", "a.png", "--out", "o"], "missing.npz"),
    (["evaluate", "missing.npz", "--data", "d"], "missing.npz"),
])
def test_usage_errors_are_one_line(tmp_path, capsys, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_resume_from_the_cli_finishes_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(capsys, "train", *TINY, "--epochs", "1", "--out", str(out))[0] == 0
    code, printed, err = run(capsys, "train", "--resume", str(out / "last.npz"), "--epochs", "2", "--no-progress")
    assert code == 0, err
    assert [row["epoch"] for row in json.loads((out / "history.json").read_text())] == [1, 2]


def test_ctrl_c_keeps_the_last_epoch_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    from tconv.seg.train import loop

    out = tmp_path / "run"
    assert run(capsys, "train", *TINY, "--epochs", "1", "--out", str(out))[0] == 0

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(loop, "train_one_epoch", interrupted)
    code, printed, _ = run(capsys, "train", "--resume", str(out / "last.npz"), "--epochs", "3", "--no-progress")
    assert code == 130 and f"tconv train --resume {out / 'last.npz'}" in printed
