"""Training: the loss decreases, runs resume exactly, failures keep the last good epoch.

Small sizes and a few steps: these check the machinery, not the accuracy (the benchmarks
measure time-to-quality).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import tconv
from tconv.optim import Adam
from tconv.seg.data import DataLoader, SyntheticShapes
from tconv.seg.models import UNet
from tconv.seg.train import TrainingDiverged, evaluate, fit, predict
from tconv.seg.train import loop as loop_module
from tconv.seg.train.recipe import DEFAULTS, InMemory, check_config, make_loss
from tconv.seg.train.run import load_checkpoint, train_run

TINY = dict(samples=24, val_samples=8, size=[16], base=4, depth=2, epochs=2, batch_size=8)


def test_the_loss_decreases_on_a_small_problem():
    tconv.manual_seed(0)
    data = DataLoader(InMemory(SyntheticShapes(16, size=16, num_classes=2, seed=0)), batch_size=8, shuffle=True, seed=0)
    model = UNet(1, 2, base=4, depth=2, batch_norm=True)
    history = fit(model, data, data, loss=make_loss("dicece", 2), optimizer=Adam(model.parameters(), lr=1e-2),
                  epochs=8, num_classes=2, progress=False)
    losses = [row["train_loss"] for row in history]
    assert losses[-1] < 0.8 * losses[0], losses


def test_the_progress_bar_does_not_change_the_run(capsys):
    """tqdm.auto's bar calls iter() on what it wraps, and each iter() of a DataLoader is a new
    epoch's shuffle: the bar must not make the run train on another order than without it."""
    def run(progress):
        tconv.manual_seed(0)
        data = DataLoader(InMemory(SyntheticShapes(16, size=16, num_classes=2, seed=0)), batch_size=4, shuffle=True,
                          seed=0)
        model = UNet(1, 2, base=2, depth=1)
        history = fit(model, data, None, loss=make_loss("ce", 2), optimizer=Adam(model.parameters(), lr=1e-2),
                      epochs=2, num_classes=2, progress=progress)
        return [row["train_loss"] for row in history], data.epoch

    without_bar, with_bar = run(False), run(True)
    assert with_bar == without_bar                 # the same losses, and the loader ended at epoch 2
    assert without_bar[1] == 2


@pytest.mark.parametrize("name", ["ce", "dice", "dicece", "focal", "tversky", "fbeta", "hausdorff"])
def test_every_loss_gives_a_finite_scalar_and_gradients(name):
    model = UNet(1, 3, base=2, depth=1)
    images = np.random.default_rng(0).random((2, 1, 8, 8)).astype(np.float32)
    masks = np.random.default_rng(1).integers(0, 3, (2, 8, 8))
    loss = make_loss(name, 3)(model(tconv.Tensor(images)), masks)
    assert loss.shape == () and math.isfinite(loss.item())
    loss.backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) for p in model.parameters())


def test_evaluate_agrees_with_a_per_pixel_count():
    model = UNet(1, 3, base=2, depth=1)
    ds = SyntheticShapes(6, size=16, num_classes=3, seed=3)
    data = DataLoader(ds, batch_size=4)
    scores = evaluate(model, data, 3, hd95=True)
    images = np.stack([ds[i][0] for i in range(6)])
    masks = np.stack([ds[i][1] for i in range(6)])
    pred = predict(model, images)
    for c in range(3):
        inter, union = np.sum((pred == c) & (masks == c)), np.sum((pred == c) | (masks == c))
        expected = inter / union if union else np.nan
        np.testing.assert_allclose(scores["iou"][c], expected)
    assert scores["hd95"].shape == (2,)


def test_resumed_run_ends_with_the_same_weights(tmp_path):
    whole = train_run(dict(TINY, epochs=3), tmp_path / "whole", progress=False, log=lambda *a: None)
    # the same run, stopped after its first epoch (as Ctrl-C would), then resumed
    train_run(dict(TINY, epochs=3), tmp_path / "split", progress=False, log=lambda *a: None,
              on_epoch_end=lambda row, run: row["epoch"] == 1)
    resumed = train_run({}, tmp_path / "split", resume=tmp_path / "split" / "last.npz",
                        progress=False, log=lambda *a: None)
    a = tconv.load(tmp_path / "whole" / "last.npz")["model"]
    b = tconv.load(tmp_path / "split" / "last.npz")["model"]
    assert list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert [r["val_miou"] for r in whole["history"]] == [r["val_miou"] for r in resumed["history"]]


def test_the_run_folder_holds_what_predict_and_resume_need(tmp_path):
    result = train_run(TINY, tmp_path, progress=False, log=lambda *a: None)
    history = json.loads((tmp_path / "history.json").read_text())
    assert [sorted(row) for row in history][0] == ["elapsed_s", "epoch", "train_loss", "val_dice", "val_loss",
                                                    "val_miou"]
    assert json.loads((tmp_path / "config.json").read_text()) == check_config(TINY)
    best = load_checkpoint(tmp_path / "model.npz")
    assert best["epoch"] == result["best_epoch"] and "optimizer" not in best
    assert best["info"]["num_classes"] == DEFAULTS["classes"] and best["model_config"]["model"] == "unet"
    last = load_checkpoint(tmp_path / "last.npz")
    assert last["epoch"] == 2 and len(last["history"]) == 2 and "optimizer" in last


def test_a_nan_loss_stops_and_keeps_the_good_checkpoint(tmp_path, monkeypatch):
    train_run(dict(TINY, epochs=1), tmp_path, progress=False, log=lambda *a: None)
    good = tconv.load(tmp_path / "last.npz")
    real = loop_module.train_one_epoch

    def poisoned(model, data, loss_fn, *args, **kwargs):
        return real(model, data, lambda logits, masks: loss_fn(logits, masks) * float("nan"), *args, **kwargs)

    monkeypatch.setattr(loop_module, "train_one_epoch", poisoned)
    with pytest.raises(TrainingDiverged, match="not finite|became nan"):
        train_run(dict(epochs=3), tmp_path, resume=tmp_path / "last.npz", progress=False, log=lambda *a: None)
    after = tconv.load(tmp_path / "last.npz")
    assert after["epoch"] == good["epoch"] == 1
    assert all(np.array_equal(after["model"][k], good["model"][k]) for k in good["model"])
    assert all(np.all(np.isfinite(v)) for v in after["model"].values())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_nan_gradient_is_refused_before_the_step():
    model = UNet(1, 2, base=2, depth=1)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    data = [(np.ones((2, 1, 8, 8), np.float32), np.zeros((2, 8, 8), np.int64))]

    def loss(logits, masks):                       # the value is 0, the gradient 0 * 1/(2 sqrt 0) = nan
        return (logits * 0.0).sqrt().sum()
    with pytest.raises(TrainingDiverged, match="gradient"):
        fit(model, data, None, loss=loss, optimizer=Adam(model.parameters()), epochs=1, num_classes=2,
            progress=False)
    assert all(np.array_equal(model.state_dict()[k], before[k]) for k in before)


def test_an_interrupted_epoch_leaves_the_last_good_files(tmp_path, monkeypatch):
    train_run(dict(TINY, epochs=1), tmp_path, progress=False, log=lambda *a: None)
    history = (tmp_path / "history.json").read_text()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop_module, "train_one_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_run(dict(epochs=3), tmp_path, resume=tmp_path / "last.npz", progress=False, log=lambda *a: None)
    assert (tmp_path / "history.json").read_text() == history
    assert load_checkpoint(tmp_path / "last.npz")["epoch"] == 1


@pytest.mark.parametrize("content, match", [
    ({"model": {"w": np.ones(2)}}, "not a tconv segmentation checkpoint"),
    ({"format": "tconv.seg/1", "config": {}}, "has no 'model_config'"),
])
def test_foreign_checkpoints_are_refused(tmp_path, content, match):
    path = tmp_path / "x.npz"
    tconv.save(content, path)
    with pytest.raises(ValueError, match=match):
        load_checkpoint(path)


def test_model_npz_cannot_be_resumed(tmp_path):
    train_run(dict(TINY, epochs=1), tmp_path, progress=False, log=lambda *a: None)
    with pytest.raises(ValueError, match="resume from last.npz"):
        train_run(dict(epochs=2), tmp_path, resume=tmp_path / "model.npz", progress=False, log=lambda *a: None)


@pytest.mark.parametrize("config, error", [
    (dict(epoch=3), ValueError), (dict(loss="mse"), ValueError), (dict(lr=0), ValueError),
    (dict(batch_size=0), ValueError), (dict(size=[16, 20]), ValueError), (dict(model="resnet"), ValueError),
    (dict(batch_norm="yes"), TypeError),
])
def test_bad_configurations_name_the_key(config, error):
    with pytest.raises(error, match=next(iter(config))):
        check_config(config)
