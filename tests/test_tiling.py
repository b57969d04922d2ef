"""The overlap-tile strategy is seamless: tiled predictions equal whole-image predictions.

* padded networks (U-Net with each decoder and an ASPP bottom, FCN): tiled logits == the whole
  image's, in float64 to 1e-12, for tiles that start on the pooling grid and overlap by the reach;
  with margins one grid step too small the equality fails (so the test can fail);
* the paper's valid U-Net: tiled == the network on the whole mirrored image;
* the plan along one axis keeps every pixel exactly once, from a tile that holds its whole reach;
* ``tconv predict`` tiles an image that does not fit (or with ``--tile``), with the same labels.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tconv.seg.models import FCN, UNet, model_alignment, valid_input_sizes
from tconv.seg.train import tiling
from tconv.seg.train.tiling import choose_tile, margins, predict_tiled, tile_plan, valid_border


def _float64(model, seed=0):
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data = rng.standard_normal(p.shape) * 0.4
    return model.eval()


MODELS = [lambda: UNet(base=2, depth=2), lambda: UNet(base=2, depth=2, up="bilinear"),
          lambda: UNet(base=2, depth=2, up="resize", bottleneck="aspp"), lambda: UNet(base=2, depth=3),
          lambda: FCN(base=2)]


@pytest.mark.parametrize("make", MODELS, ids=["unet", "bilinear", "resize+aspp", "depth3", "fcn"])
def test_tiled_logits_equal_the_whole_image(make):
    model = _float64(make())
    tile = sum(margins(model)) + 2 * model_alignment(model)         # keeps two grid steps per tile: many seams
    # ragged sizes for the U-Nets; the FCN pads its upsampled scores around a ragged image (a shift of up to a
    # pixel of the whole image's own), so it is seamless on sizes of whole grid steps
    extra = (40, 24) if isinstance(model, FCN) else (35, 22)
    x = np.random.default_rng(1).standard_normal((1, 1, tile + extra[0], tile + extra[1]))
    assert len(tiling.tiles(model, x.shape[2:], tile)) > 4
    np.testing.assert_allclose(predict_tiled(model, x, tile), model(x).data, atol=1e-12)


def test_margins_one_step_short_leave_seams(monkeypatch):
    model = _float64(UNet(base=2, depth=2))
    x = np.random.default_rng(2).standard_normal((1, 1, 64, 64))
    before, after = margins(model)
    step = model_alignment(model)
    monkeypatch.setattr(tiling, "margins", lambda m: (before - step, after - step))
    tiled = predict_tiled(model, x, before + after)
    assert np.abs(tiled - model(x).data).max() > 1e-6


def test_valid_unet_tiles_equal_the_network_on_the_mirrored_image():
    model = _float64(UNet(base=2, depth=2, padding="valid"), seed=3)
    b = valid_border(model)
    assert b == 20                                                   # 44 -> 4: 20 pixels per side
    x = np.random.default_rng(4).standard_normal((1, 1, 50, 37))
    tiled = predict_tiled(model, x, tile=20)
    assert tiled.shape == (1, 2, 50, 37)
    size = [valid_input_sizes(2, n + 2 * b + 40, n + 2 * b + 200)[0] for n in x.shape[2:]]
    mirrored = np.pad(x, [(0, 0), (0, 0), (b, size[0] - 50 - b), (b, size[1] - 37 - b)], mode="reflect")
    np.testing.assert_allclose(tiled, model(mirrored).data[:, :, :50, :37], atol=1e-12)


@given(st.integers(1, 300), st.integers(1, 8), st.integers(0, 6), st.integers(0, 6), st.sampled_from([2, 4, 8]))
def test_the_plan_keeps_every_pixel_once_with_its_margins(length, core_steps, before_steps, after_steps, step):
    before, after = before_steps * step, after_steps * step
    tile = before + after + core_steps * step
    plan = tile_plan(length, tile, before, after, step)
    kept = np.zeros(length, int)
    for t in plan:
        kept[t.keep_start:t.keep_stop] += 1
        assert t.start % step == 0 and 0 <= t.start <= t.keep_start < t.keep_stop <= t.stop <= length
        assert t.keep_start - t.start >= min(before, t.keep_start)            # its reach before, or the image's start
        assert t.stop - t.keep_stop >= min(after, length - t.keep_stop)       # its reach after, or the image's end
        assert t.stop - t.start <= max(tile, 0) or len(plan) == 1
    assert (kept == 1).all()


def test_choose_tile_fits_the_budget_and_refuses_what_cannot_be_seamless():
    model = UNet(base=2, depth=3)
    assert choose_tile(model, (500, 500), budget=500 * 500 * 100, bytes_per_pixel=100) is None
    tile = choose_tile(model, (500, 500), budget=200 * 200 * 100, bytes_per_pixel=100)
    assert tile % 8 == 0 and tile <= 200 < tile + 8
    with pytest.raises(ValueError, match="smallest seamless tile"):
        choose_tile(model, (500, 500), budget=100 * 100 * 100, bytes_per_pixel=100)
    with pytest.raises(ValueError, match="multiple of 8"):
        choose_tile(model, (500, 500), budget=1e12, bytes_per_pixel=100, tile=130)
    with pytest.raises(ValueError, match="no output size"):
        choose_tile(UNet(base=1, depth=4, padding="valid"), (900, 900), 1e12, 100, tile=390)
    assert choose_tile(UNet(base=1, depth=4, padding="valid"), (900, 900), 1e12, 100, tile=388) == 388


@pytest.fixture(scope="module")
def checkpoint_run(tmp_path_factory):
    from tconv.cli import main

    out = tmp_path_factory.mktemp("tiled") / "run"
    assert main(["train", "--samples", "8", "--val-samples", "4", "--size", "16", "--base", "4", "--depth", "2",
                 "--batch-size", "4", "--no-progress", "--epochs", "1", "--out", str(out)]) == 0
    return out


def test_predict_file_in_tiles_gives_the_same_labels(checkpoint_run, tmp_path):
    from tconv.seg.train.inference import load_model, predict_file

    model, checkpoint = load_model(checkpoint_run / "model.npz")
    rng = np.random.default_rng(5)
    for p in model.parameters():                       # weights that paint several classes
        p.data = (rng.standard_normal(p.shape) * 0.5).astype(p.dtype)
    path = tmp_path / "scan.png"
    Image.fromarray((rng.random((90, 75)) * 255).astype(np.uint8)).save(path)
    _, whole = predict_file(model, checkpoint, path)
    _, tiled = predict_file(model, checkpoint, path, tile=56)
    assert len(np.unique(whole)) > 1
    np.testing.assert_array_equal(tiled, whole)


def test_tconv_predict_tiles_what_does_not_fit(checkpoint_run, tmp_path, capsys, monkeypatch):
    from tconv.cli import main
    from tconv.seg.train import inference

    path = tmp_path / "large.png"
    Image.fromarray((np.random.default_rng(6).random((600, 800)) * 255).astype(np.uint8)).save(path)
    calls = []
    original = inference.predict_tiled
    monkeypatch.setattr(inference, "predict_tiled", lambda *a, **k: calls.append(a[2]) or original(*a, **k))
    assert main(["predict", str(checkpoint_run / "model.npz"), str(path), "--out", str(tmp_path / "a")]) == 0
    assert calls == []                                             # it fits: one pass
    assert main(["predict", str(checkpoint_run / "model.npz"), str(path), "--out", str(tmp_path / "b"),
                 "--max-memory", "0.06"]) == 0
    assert len(calls) == 1 and calls[0] < 800                      # it does not: the largest tile that fits
    same = [np.asarray(Image.open(tmp_path / d / "large.png")) for d in "ab"]
    np.testing.assert_array_equal(same[0], same[1])
    capsys.readouterr()
    assert main(["predict", str(checkpoint_run / "model.npz"), str(path), "--out", str(tmp_path / "c"),
                 "--tile", "30"]) == 2
    err = capsys.readouterr().err
    assert "--tile 30 must be a multiple of 4" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "c").exists()
