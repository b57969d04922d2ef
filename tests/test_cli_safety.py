"""The commands never destroy a user's file, never allocate before checking a size, and speak in flags.

Regression tests for what a tired user's inputs found: ``tconv predict --out .`` replacing the
input photo, two inputs writing one output, two runs sharing ``runs/<timestamp>``, ``--out``
replacing another run, ``--size 100000 100000`` allocating 74.5 GiB, ``--resume`` of a finished
run rewriting ``config.json``, errors naming Python arguments instead of flags, small inputs
failing deep inside a model, and masks saved as 0/255 read as 256 classes. Each test fails on
the code before the fix.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import warnings

import numpy as np
import pytest
from PIL import Image

from tconv.cli import main

TINY = ["--samples", "16", "--val-samples", "8", "--size", "16", "--base", "4", "--depth", "2", "--batch-size", "8",
        "--no-progress"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *fragments):
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def digest(folder) -> dict:
    """``{relative path: sha256}`` of every file below ``folder``."""
    return {os.path.relpath(os.path.join(root, name), folder):
            hashlib.sha256(open(os.path.join(root, name), "rb").read()).hexdigest()
            for root, _, names in os.walk(folder) for name in names}


def grey(path, size=(16, 16), value=None, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 255, size).astype(np.uint8) if value is None else \
        np.full(size, value, np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny finished run (one epoch, depth 2): its folder."""
    out = tmp_path_factory.mktemp("trained") / "run"
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------ tconv predict writes over nothing


def test_predict_into_the_inputs_folder_refuses_and_keeps_the_photo(trained, tmp_path, capsys, monkeypatch):
    photos = tmp_path / "photos"
    photos.mkdir()
    grey(photos / "scan.png")
    before = digest(photos)
    monkeypatch.chdir(photos)
    code, out, err = run(capsys, "predict", trained / "model.npz", "scan.png", "--out", ".")
    one_line_error(code, err, "scan.png", "over the input", "another --out")
    assert digest(photos) == before and out == ""


@pytest.mark.parametrize("names", [("a.png", "a.jpg"), ("x/a.png", "y/a.png")])
def test_two_inputs_with_one_name_are_refused_before_anything_is_written(trained, tmp_path, capsys, names):
    for name in names:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        grey(tmp_path / name)
    out = tmp_path / "predictions"
    code, _, err = run(capsys, "predict", trained / "model.npz", *(tmp_path / n for n in names), "--out", out)
    one_line_error(code, err, str(tmp_path / names[0]), str(tmp_path / names[1]), "both")
    assert not out.exists()


def test_an_output_that_is_a_link_to_an_input_is_refused(trained, tmp_path, capsys):
    photo = grey(tmp_path / "photo.png")
    out = tmp_path / "out"
    out.mkdir()
    os.link(photo, out / "photo_overlay.png")        # a hard link: another name of the input
    before = digest(tmp_path)
    code, _, err = run(capsys, "predict", trained / "model.npz", photo, "--out", out, "--overwrite")
    one_line_error(code, err, "over the input")
    assert digest(tmp_path) == before


def test_earlier_predictions_are_replaced_only_with_overwrite(trained, tmp_path, capsys):
    photo = grey(tmp_path / "photo.png")
    out = tmp_path / "out"
    assert run(capsys, "predict", trained / "model.npz", photo, "--out", out)[0] == 0
    (out / "photo.png").write_bytes(b"mine")
    code, _, err = run(capsys, "predict", trained / "model.npz", photo, "--out", out)
    one_line_error(code, err, "photo.png exists", "--overwrite")
    assert (out / "photo.png").read_bytes() == b"mine"
    assert run(capsys, "predict", trained / "model.npz", photo, "--out", out, "--overwrite")[0] == 0
    assert np.asarray(Image.open(out / "photo.png")).shape == (16, 16)


def test_a_huge_image_is_refused_from_its_header_with_an_estimate(trained, tmp_path, capsys, monkeypatch):
    from tconv.seg.train import inference

    big = tmp_path / "big.png"
    Image.new("L", (3000, 2000)).save(big)

    def decoded(*args, **kwargs):
        raise AssertionError("the image was decoded before its size was checked")
    monkeypatch.setattr(inference, "read_image", decoded)
    code, _, err = run(capsys, "predict", trained / "model.npz", big, "--out", tmp_path / "out", "--max-memory", "0.1")
    one_line_error(code, err, "big.png", "3000 x 2000", "needs about", "MiB", "--max-memory")
    assert not (tmp_path / "out").exists()


def test_an_image_too_small_for_the_model_names_the_file_and_the_rule(trained, tmp_path, capsys):
    small = grey(tmp_path / "small.png", size=(3, 3))
    code, _, err = run(capsys, "predict", trained / "model.npz", small, "--out", tmp_path / "out")
    one_line_error(code, err, "small.png", "at least 4 pixels per side")


# ------------------------------------------------------------------ run folders


def test_two_runs_in_the_same_second_get_two_folders(tmp_path, capsys, monkeypatch):
    import time

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda *args: "20261206-120000")
    for _ in range(2):
        assert run(capsys, "train", *TINY, "--epochs", "1")[0] == 0
    assert sorted(os.listdir(tmp_path / "runs")) == ["20261206-120000", "20261206-120000-2"]


def test_out_naming_another_run_is_refused_unless_overwrite(trained, tmp_path, capsys):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(trained, out)
    before = digest(out)
    code, _, err = run(capsys, "train", *TINY, "--epochs", "1", "--seed", "3", "--out", out)
    one_line_error(code, err, "already holds files of a run", "--resume", "--overwrite")
    assert digest(out) == before
    code, _, err = run(capsys, "train", *TINY, "--epochs", "1", "--seed", "3", "--out", out, "--overwrite")
    assert code == 0, err
    assert json.loads((out / "config.json").read_text())["seed"] == 3


def test_a_run_folder_inside_the_data_folder_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    for sub in ("images", "masks"):
        (data / sub).mkdir(parents=True)
    for i in range(2):
        grey(data / "images" / f"a{i}.png")
        Image.fromarray(np.eye(16, dtype=np.uint8)).save(data / "masks" / f"a{i}.png")
    code, _, err = run(capsys, "train", "--data", data, "--out", data / "images" / "run", "--no-progress")
    one_line_error(code, err, "inside --data")


def test_resuming_a_finished_run_changes_nothing(trained, tmp_path, capsys):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(trained, out)
    before = digest(out)
    code, printed, err = run(capsys, "train", "--resume", out / "last.npz")
    assert code == 0 and "nothing to do" in printed and "No file was changed" in printed, err
    assert digest(out) == before
    code, printed, err = run(capsys, "train", "--resume", out / "last.npz", "--epochs", "1", "--no-progress")
    assert code == 0 and "nothing to do" in printed
    assert digest(out) == before


def test_resuming_with_fewer_epochs_is_an_error_and_changes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(capsys, "train", *TINY, "--epochs", "2", "--out", out)[0] == 0
    before = digest(out)
    code, _, err = run(capsys, "train", "--resume", out / "last.npz", "--epochs", "1", "--no-progress")
    one_line_error(code, err, "has trained 2 epochs", "--epochs=1")
    assert digest(out) == before
    history = json.loads((out / "history.json").read_text())
    assert json.loads((out / "config.json").read_text())["epochs"] == len(history) == 2


def test_zero_epochs_is_refused_and_no_model_is_suggested(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "train", *TINY, "--epochs", "0")
    one_line_error(code, err, "--epochs=0", ">= 1")
    assert "None" not in out + err and "model.npz" not in out
    assert not (tmp_path / "runs").exists() or not os.listdir(tmp_path / "runs")


def test_a_run_without_a_finite_score_says_so_instead_of_suggesting_model_npz(tmp_path, capsys, monkeypatch):
    from tconv.seg.train import loop

    real = loop.evaluate

    def no_score(*args, **kwargs):
        return dict(real(*args, **kwargs), miou=float("nan"))
    monkeypatch.setattr(loop, "evaluate", no_score)
    out = tmp_path / "run"
    code, printed, err = run(capsys, "train", *TINY, "--epochs", "1", "--out", out)
    assert code == 1 and "no model.npz was written" in printed and "-1.000" not in printed, printed + err
    assert not (out / "model.npz").exists() and (out / "last.npz").exists()


def test_the_next_command_quotes_a_run_folder_with_spaces(tmp_path, capsys):
    import shlex

    out = tmp_path / "my runs" / "first"
    code, printed, _ = run(capsys, "train", *TINY, "--epochs", "1", "--out", out)
    line = next(line for line in printed.splitlines() if line.startswith("next: "))
    words = shlex.split(line[len("next: "):].split("   ")[0])
    assert code == 0 and words[:3] == ["tconv", "predict", str(out / "model.npz")], line


def test_a_run_that_diverges_in_its_first_epoch_does_not_claim_a_saved_epoch(tmp_path, capsys, monkeypatch):
    from tconv.seg.train import loop

    def diverge(*args, **kwargs):
        raise loop.TrainingDiverged("the loss became inf at batch 2")
    monkeypatch.setattr(loop, "train_one_epoch", diverge)
    out = tmp_path / "run"
    code, printed, _ = run(capsys, "train", *TINY, "--epochs", "1", "--out", out)
    assert code == 1 and "No epoch finished" in printed and "keeps the last good epoch" not in printed, printed
    assert not (out / "last.npz").exists()


# ------------------------------------------------------------------ sizes are checked before arrays are made


@pytest.mark.parametrize("argv, fragments", [
    (["--size", "100000", "100000"], ["--size=100000", "<= 8192"]),
    (["--size", "8000", "--samples", "1000"], ["needs about", "GiB", "--max-memory", "--samples"]),
    (["--size", "1024", "--batch-size", "4096", "--samples", "8"], ["one step", "--batch-size"]),
    (["--batch-size", "0"], ["--batch-size=0"]),
    (["--base", "100000"], ["--base=100000", "<= 512"]),
    (["--size", "3"], ["--size=3", ">= 4"]),
    (["--classes", "9"], ["--classes=9", "2..6"]),
    (["--lr", "1e10"], ["--lr=10000000000.0", "<= 1.0"]),
    (["--lr", "0"], ["--lr=0.0", "> 0"]),
])
def test_train_checks_every_size_first_and_names_the_flag(tmp_path, capsys, monkeypatch, argv, fragments):
    from tconv.seg.train import recipe

    def made(*args, **kwargs):
        raise AssertionError("data was made before the sizes were checked")
    monkeypatch.setattr(recipe, "InMemory", made)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", *argv, "--no-progress")
    one_line_error(code, err, *fragments)
    assert re.search(r"(?<![-\w])[a-z_]+=", err) is None, err        # no Python argument names (size=...)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("kind, flags", [
    ("conv", ["--input", "100000", "100000", "--kernel", "3"]),
    ("transposed", ["--input", "100000", "100000", "--kernel", "3"]),
    ("transposed", ["--input", "30", "30", "--kernel", "3", "--stride", "2", "--view", "equivalent"]),
    ("conv", ["--input", "10", "10", "10", "--kernel", "3"]),
])
def test_figure_refuses_large_grids_before_drawing(tmp_path, capsys, monkeypatch, kind, flags):
    from tconv.viz import grids

    def drawn(*args, **kwargs):
        raise AssertionError("frames were computed before the size was checked")
    monkeypatch.setattr(grids, "_frames", drawn)
    code, _, err = run(capsys, "figure", kind, *flags, "-o", tmp_path / "a.png")
    one_line_error(code, err, "too many to read", "at most 40")
    assert not (tmp_path / "a.png").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["unet", "--depth", "6", "--base", "512"], "at most 1024"),
    (["unet", "--size", "65"], "--size 65"),
    (["overlap", "--input", "100000"], "--input 100000"),
    (["conv", "--dpi", "100000"], "--dpi 100000"),
    (["conv", "--animate", "--fps", "0.0001"], "--fps 0.0001"),
    (["pack", "--jobs", "100000"], "--jobs 100000"),
])
def test_figure_sizes_are_bounded_and_named_as_flags(tmp_path, capsys, monkeypatch, argv, fragment):
    from tconv.seg import models

    def built(*args, **kwargs):
        raise AssertionError("the model was built before its size was checked")
    monkeypatch.setattr(models, "UNet", built)
    suffix = "out" if argv[0] == "pack" else "a.gif" if "--animate" in argv else "a.png"
    code, _, err = run(capsys, "figure", *argv, "-o", tmp_path / suffix)
    one_line_error(code, err, fragment)


def test_the_pack_does_not_write_over_a_folder_of_other_files(tmp_path, capsys):
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "index.html").write_text("my own page")
    code, _, err = run(capsys, "figure", "pack", "-o", folder)
    one_line_error(code, err, "index.html exists", "not part of an earlier tconv lecture pack")
    assert (folder / "index.html").read_text() == "my own page"


# ------------------------------------------------------------------ one vocabulary, one exit code


def test_file_system_errors_are_usage_errors_of_the_command(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, _, err = run(capsys, "train", *TINY, "--epochs", "1", "--out", blocker / "run")
    one_line_error(code, err, "tconv train: error:", "file.txt")
    code, _, err = run(capsys, "figure", "conv", "-o", blocker / "a.png")
    one_line_error(code, err, "tconv figure: error:")


def _masks_folder(root, values, n=3, size=(16, 16)):
    for sub in ("images", "masks"):
        (root / sub).mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(n):
        mask = rng.choice(values, size).astype(np.uint8)
        Image.fromarray(mask).save(root / "masks" / f"m{i}.png")
        grey(root / "images" / f"m{i}.png", size=size, seed=i)
    return root


def test_all_background_masks_say_so(tmp_path, capsys):
    data = _masks_folder(tmp_path / "data", [0])
    code, _, err = run(capsys, "train", "--data", data, "--out", tmp_path / "run", "--no-progress")
    one_line_error(code, err, "every mask in", "is class 0")
    assert "num_classes" not in err


def test_masks_of_0_and_255_are_binary_with_one_warning(tmp_path):
    from tconv.seg.data import ImageMaskFolder
    from tconv.seg.data.mask_format import MaskFormatWarning

    data = _masks_folder(tmp_path / "data", [0, 255])
    with pytest.warns(MaskFormatWarning, match="only the values 0 and 255") as caught:
        folder = ImageMaskFolder(data)
    assert len(caught) == 1 and folder.num_classes == 2 and folder.mask_format == "binary"
    raw = np.asarray(Image.open(data / "masks" / "m0.png"))
    np.testing.assert_array_equal(folder[0][1], raw // 255)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ImageMaskFolder(data, mask_format="ids").num_classes == 256


def test_voc_void_is_read_as_background_and_binary_refuses_other_values(tmp_path):
    from tconv.seg.data import ImageMaskFolder
    from tconv.seg.data.mask_format import MaskFormatWarning

    data = _masks_folder(tmp_path / "data", [0, 1, 2, 255])
    with pytest.warns(MaskFormatWarning, match="VOC"):
        folder = ImageMaskFolder(data)
    assert folder.mask_format == "void" and folder.num_classes == 3
    raw = np.asarray(Image.open(data / "masks" / "m0.png")).astype(np.int64)
    np.testing.assert_array_equal(folder[0][1], np.where(raw == 255, 0, raw))
    with pytest.raises(ValueError, match="m0.png.*0 and 255 only"):
        ImageMaskFolder(data, mask_format="binary")


def test_train_on_0_255_masks_prints_the_warning_as_one_line(tmp_path, capsys):
    data = _masks_folder(tmp_path / "data", [0, 255], n=4)
    code, _, err = run(capsys, "train", "--data", data, "--base", "2", "--depth", "1", "--epochs", "1",
                       "--out", tmp_path / "run", "--no-progress")
    assert code == 0, err
    assert err.count("tconv train: warning:") == 1 and "read as binary masks" in err and "Warning" not in err
    assert json.loads((tmp_path / "run" / "config.json").read_text())["mask_format"] == "auto"
    code, printed, err = run(capsys, "evaluate", tmp_path / "run" / "model.npz", "--data", data, "--no-hd95")
    assert code == 0 and [line.split()[0:2] for line in printed.splitlines()[1:3]] == [["class", "0"],
                                                                                       ["class", "1"]]


# ------------------------------------------------------------------ models and the channel rule


@pytest.mark.parametrize("shape, fragment", [
    ((1, 1, 4, 4), "at least 8 pixels per side"),
    ((1, 16, 16), "add the batch axis"),
    ((1, 1, 16, 16, 16), "a 3-D input does not fit a 2-D model"),
    ((1, 3, 16, 16), "in_channels=1"),
])
def test_unet_refuses_inputs_it_cannot_take_by_name(shape, fragment):
    from tconv.seg.models import UNet

    with pytest.raises(ValueError, match="UNet") as error:
        UNet(base=2, depth=3)(np.zeros(shape, np.float32))
    assert fragment in str(error.value) and "max_pool" not in str(error.value)


def test_fcn_and_vnet_state_their_minimum():
    from tconv.seg.models import FCN, VNet

    with pytest.raises(ValueError, match="FCN needs inputs of at least 8"):
        FCN(base=2)(np.zeros((1, 1, 7, 9), np.float32))
    with pytest.raises(ValueError, match="segments volumes.*2-D images needs a 2-D model"):
        VNet(base=2, depth=2)(np.zeros((1, 1, 16, 16), np.float32))


def test_predict_and_evaluate_share_the_channel_rule(trained, tmp_path, capsys):
    data = tmp_path / "data"
    for sub in ("images", "masks"):
        (data / sub).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3)).astype(np.uint8)).save(data / "images" / f"c{i}.png")
        Image.fromarray(rng.integers(0, 3, (16, 16)).astype(np.uint8)).save(data / "masks" / f"c{i}.png")
    code, printed, err = run(capsys, "evaluate", trained / "model.npz", "--data", data, "--no-hd95")
    assert code == 0, err
    assert "nan" not in printed.lower().replace("n/a", "")
    code, _, err = run(capsys, "predict", trained / "model.npz", data / "images", "--out", tmp_path / "p")
    assert code == 0, err


def test_evaluate_refuses_a_class_count_the_model_does_not_have():
    from tconv.seg.data import DataLoader, SyntheticShapes
    from tconv.seg.models import UNet
    from tconv.seg.train import evaluate

    data = DataLoader(SyntheticShapes(2, size=16, num_classes=2), batch_size=2)
    with pytest.raises(ValueError, match="num_classes=5, but the model outputs 2"):
        evaluate(UNet(num_classes=2, base=2, depth=1), data, num_classes=5)


def test_the_memory_probe_leaves_the_random_state_and_the_model_alone():
    from tconv import random as tconv_random
    from tconv.seg.models import UNet
    from tconv.seg.train.memory import bytes_per_pixel

    model = UNet(base=2, depth=1, batch_norm=True)
    weights = {k: v.copy() for k, v in model.state_dict().items()}
    tconv_random.manual_seed(5)
    expected = tconv_random.default_generator().random()
    tconv_random.manual_seed(5)
    assert bytes_per_pixel(model, training=True) > 0
    assert tconv_random.default_generator().random() == expected
    assert all(np.array_equal(weights[k], v) for k, v in model.state_dict().items())


def test_evaluate_checks_the_memory_of_a_folder_of_large_images(trained, tmp_path, capsys):
    data = tmp_path / "data"
    for sub in ("images", "masks"):
        (data / sub).mkdir(parents=True)
    Image.new("L", (2000, 1500)).save(data / "images" / "big.png")
    Image.new("L", (2000, 1500), 1).save(data / "masks" / "big.png")
    code, _, err = run(capsys, "evaluate", trained / "model.npz", "--data", data, "--max-memory", "0.05")
    one_line_error(code, err, "3,000,000 pixels", "needs about", "--max-memory")


# ------------------------------------------------------------------ what a tired user found next (QA, 2026-12-06)


def test_a_wide_model_is_refused_by_arithmetic_before_anything_is_built(tmp_path, capsys, monkeypatch):
    from tconv.seg import models

    def built(*args, **kwargs):
        raise AssertionError("a model was built before its width was checked")
    monkeypatch.setattr(models, "build_model", built)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--base", "128", "--depth", "6", "--size", "64", "--no-progress")
    one_line_error(code, err, "8192 channels", "at most 1024", "--base")
    code, _, err = run(capsys, "train", "--depth", "6", "--no-progress")
    one_line_error(code, err, "--size 32", "at least 64")


def test_overwrite_keeps_the_old_run_when_the_new_one_is_refused(trained, tmp_path, capsys):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(trained, out)
    before = digest(out)
    code, _, err = run(capsys, "train", "--data", tmp_path / "missing", "--out", out, "--overwrite", "--no-progress")
    one_line_error(code, err, "--data")
    code, _, err = run(capsys, "train", *TINY, "--out", out, "--overwrite", "--max-memory", "0.000001")
    one_line_error(code, err, "--max-memory")
    assert digest(out) == before


def test_a_run_refused_after_its_folder_was_made_leaves_nothing_to_refuse_later(tmp_path, capsys):
    data = _masks_folder(tmp_path / "data", [0, 1], n=2)
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--data", data, "--val-fraction", "0.99", "--out", out, "--no-progress")
    one_line_error(code, err, "leaves none to train on")
    assert not out.exists() or os.listdir(out) == []
    code, _, err = run(capsys, "train", "--data", data, "--base", "2", "--depth", "1", "--epochs", "1",
                       "--out", out, "--no-progress")
    assert code == 0, err


def test_resuming_into_a_new_folder_keeps_the_best_model(tmp_path, capsys, monkeypatch):
    from tconv.seg.train import loop

    out = tmp_path / "run"
    assert run(capsys, "train", *TINY, "--epochs", "1", "--out", out)[0] == 0
    real = loop.evaluate
    monkeypatch.setattr(loop, "evaluate", lambda *a, **k: dict(real(*a, **k), miou=-1.0))    # no better epoch
    fork = tmp_path / "fork"
    code, printed, err = run(capsys, "train", "--resume", out / "last.npz", "--epochs", "2", "--out", fork,
                             "--no-progress")
    assert code == 0, err
    assert (fork / "model.npz").read_bytes() == (out / "model.npz").read_bytes()
    assert f"tconv predict {fork / 'model.npz'}" in printed


def test_an_animation_too_large_for_memory_is_refused_before_drawing(tmp_path, capsys):
    code, _, err = run(capsys, "figure", "conv", "--input", "12", "12", "--kernel", "3", "--animate", "--dpi", "1200",
                       "-o", tmp_path / "x.gif")
    one_line_error(code, err, "megapixels", "lower the dpi")
    assert not (tmp_path / "x.gif").exists()


def test_predict_decodes_every_input_before_writing_any(trained, tmp_path, capsys):
    images = tmp_path / "images"
    images.mkdir()
    grey(images / "a.png")
    good = images / "b.png"
    grey(good)
    good.write_bytes(good.read_bytes()[:60])                # a valid header, truncated pixel data
    code, _, err = run(capsys, "predict", trained / "model.npz", images, "--out", tmp_path / "out")
    one_line_error(code, err, "b.png")
    assert not (tmp_path / "out").exists()


def test_predict_does_not_write_through_a_symbolic_link_in_out(trained, tmp_path, capsys):
    photo = grey(tmp_path / "photo.png")
    keep = tmp_path / "important.txt"
    keep.write_text("mine")
    out = tmp_path / "out"
    out.mkdir()
    (out / "photo_overlay.png").symlink_to(keep)
    code, _, err = run(capsys, "predict", trained / "model.npz", photo, "--out", out, "--overwrite")
    one_line_error(code, err, "symbolic link", "important.txt")
    assert keep.read_text() == "mine"


def test_masks_whose_values_are_grey_levels_warn_or_are_refused(tmp_path, capsys):
    sparse = _masks_folder(tmp_path / "sparse", [0, 7], n=3)
    code, _, err = run(capsys, "train", "--data", sparse, "--base", "2", "--depth", "1", "--epochs", "1",
                       "--out", tmp_path / "r1", "--no-progress")
    assert code == 0 and "class ids 1, 2, 3, 4, 5, 6 never occur" in err, err
    wide = tmp_path / "wide"
    for sub in ("images", "masks"):
        (wide / sub).mkdir(parents=True)
    for i in range(2):
        grey(wide / "images" / f"m{i}.png")
        Image.fromarray(np.array([[0, 1000], [1000, 0]] * 8, np.uint16).reshape(16, 2).repeat(8, 1)).save(
            wide / "masks" / f"m{i}.png")
    code, _, err = run(capsys, "train", "--data", wide, "--out", tmp_path / "r2", "--no-progress")
    one_line_error(code, err, "1001 classes", "at most 256")


def test_masks_that_disagree_on_their_format_are_refused_in_auto_mode(tmp_path, capsys):
    data = _masks_folder(tmp_path / "data", [0, 255], n=2)
    Image.fromarray(np.tile(np.array([[0, 1], [1, 0]], np.uint8), (8, 8))).save(data / "masks" / "m1.png")
    code, _, err = run(capsys, "train", "--data", data, "--out", tmp_path / "run", "--no-progress")
    one_line_error(code, err, "the masks disagree", "--mask-format")


def test_flags_a_run_would_ignore_are_refused_and_data_is_stored_absolute(tmp_path, capsys, monkeypatch):
    data = _masks_folder(tmp_path / "data", [0, 1], n=2)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--data", "data", "--samples", "50", "--no-progress")
    one_line_error(code, err, "--samples is for synthetic data")
    code, _, err = run(capsys, "train", "--model", "fcn", "--up", "resize", "--no-progress")
    one_line_error(code, err, "--up is for unet")
    assert run(capsys, "train", "--data", "data", "--base", "2", "--depth", "1", "--epochs", "1", "--out", "run",
               "--no-progress")[0] == 0
    assert json.loads((tmp_path / "run" / "config.json").read_text())["data"] == str(data)


@pytest.mark.parametrize("argv, fragment", [
    (["train", "--threads", "0"], "--threads 0 must be an int from 1"),
    (["train", "extra"], "tconv train: error: unrecognized arguments: extra"),
    (["train", "--ov"], "unrecognized arguments: --ov"),
    (["explain", "--input", "4", "--kernel", "3", "--padding", "-1"], "negative"),
    (["train", "--resume", "nowhere/last.npz"], "--resume nowhere/last.npz: no such file"),
])
def test_command_line_messages_name_what_was_typed(tmp_path, capsys, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    one_line_error(code, err, fragment)


@pytest.mark.parametrize("name, argv", [("f.png", []), ("f.svg", []), ("f.pdf", []), ("f.gif", ["--animate"])])
def test_figure_replaces_only_its_own_earlier_output(tmp_path, capsys, name, argv):
    target = tmp_path / name
    assert run(capsys, "figure", "conv", *argv, "--dpi", "40", "-o", target)[0] == 0
    assert run(capsys, "figure", "conv", *argv, "--dpi", "40", "-o", target)[0] == 0      # a re-run: replaced
    photo = tmp_path / ("photo" + target.suffix)
    photo.write_bytes(b"a user's file")
    code, _, err = run(capsys, "figure", "conv", *argv, "-o", photo)
    one_line_error(code, err, "exists and is not a figure tconv figure drew", "--overwrite")
    assert photo.read_bytes() == b"a user's file"
    assert run(capsys, "figure", "conv", *argv, "--dpi", "40", "-o", photo, "--overwrite")[0] == 0


def test_figure_does_not_replace_a_run_folders_figures(trained, tmp_path, capsys):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(trained, out)
    before = (out / "predictions.png").read_bytes()
    code, _, err = run(capsys, "figure", "training", out, "-o", out / "predictions.png")
    one_line_error(code, err, "predictions.png exists")
    assert (out / "predictions.png").read_bytes() == before
