"""Your own data from the command line: colour masks, class weights, volumes, diagnostics, sanity tools.

Tiny sizes and one or two epochs: what is checked is what reaches the disk and the terminal (the
colour table in config.json, the weights the loss gets, predictions in the input's format and at
its affine, the diagnostic files, the verdicts), against values computed by the test.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from tconv.cli import main
from tconv.seg.train.run import RUN_FILES

import data_folders as folders

SMALL = ["--base", "2", "--depth", "2", "--batch-size", "2", "--no-progress"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_rgb_masks_train_with_the_automatic_table_and_evaluate_with_it(tmp_path, capsys):
    data, masks = folders.rgb_folder(tmp_path / "rgb")
    code, out, err = run(capsys, "train", "--data", data, "--mask-colors", "auto", "--epochs", "1", *SMALL,
                         "--out", tmp_path / "run")
    assert code == 0, err
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["mask_colors"] == [list(c) for c in folders.COLOURS]
    for name in RUN_FILES:
        assert (tmp_path / "run" / name).is_file(), name
    table = (tmp_path / "run" / "per_class.txt").read_text()
    assert table.splitlines()[0].split()[:3] == ["class", "IoU", "Dice"]
    code, out, err = run(capsys, "evaluate", tmp_path / "run" / "model.npz", "--data", data, "--no-hd95",
                         "--out", tmp_path / "eval")
    assert code == 0, err
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    pixels = np.bincount(np.concatenate([m.ravel() for m in masks]), minlength=3)
    assert [row["pixels"] for row in metrics["classes"]] == pixels.tolist()     # the same table read the masks


def test_an_explicit_colour_table_file_sets_the_ids(tmp_path, capsys):
    data, masks = folders.rgb_folder(tmp_path / "rgb")
    table = tmp_path / "colours.json"
    table.write_text(json.dumps(["#000000", "#ff0000", [0, 128, 255]]))           # red first this time
    code, out, err = run(capsys, "train", "--data", data, "--mask-colors", table, "--epochs", "1", *SMALL,
                         "--out", tmp_path / "run")
    assert code == 0, err
    assert json.loads((tmp_path / "run" / "config.json").read_text())["mask_colors"][1] == [255, 0, 0]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [row["name"] for row in metrics["classes"]] == ["#000000", "#ff0000", "#0080ff"]    # named by colour


def test_class_weights_auto_are_the_median_frequency_of_the_training_part(tmp_path, capsys):
    from tconv.seg.data import ImageMaskFolder, random_split

    data, _ = folders.imbalanced_folder(tmp_path / "tiny")
    code, out, err = run(capsys, "train", "--data", data, "--class-weights", "auto", "--epochs", "1", *SMALL,
                         "--out", tmp_path / "run")
    assert code == 0, err
    weights = json.loads((tmp_path / "run" / "config.json").read_text())["class_weights"]
    train, _ = random_split(ImageMaskFolder(data), [6, 2], seed=0)
    masks = [train[i][1] for i in range(len(train))]
    freq = np.array([np.sum([np.sum(m == c) for m in masks]) / sum(m.size for m in masks if np.any(m == c))
                     for c in (0, 1)])
    assert weights == pytest.approx(list(np.median(freq) / freq), rel=1e-5)
    assert weights[1] > 10 * weights[0]


@pytest.mark.filterwarnings("ignore:.*mask_format=:UserWarning")      # 0/255 and void masks: read as told
@pytest.mark.parametrize("maker, flags", [
    ("binary_folder", []), ("palette_folder", []), ("rgb_folder", ["--mask-colors", "auto"]),
    ("imbalanced_folder", ["--class-weights", "auto"]),
])
def test_every_folder_kind_gets_its_diagnostics(tmp_path, capsys, maker, flags):
    """The run folder's per-class pixels are the held-out masks' own, as the test made them."""
    from tconv.seg.data import ImageMaskFolder, random_split

    data, masks = getattr(folders, maker)(tmp_path / maker)
    code, out, err = run(capsys, "train", "--data", data, *flags, "--epochs", "1", *SMALL, "--out", tmp_path / "run")
    assert code == 0, err
    n_val = max(1, round(0.2 * len(masks)))
    _, val = random_split(ImageMaskFolder(data, palette="auto" if flags[:1] == ["--mask-colors"] else None),
                          [len(masks) - n_val, n_val], seed=0)
    held_out = np.concatenate([masks[i].ravel() for i in val.indices])
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    expected = np.bincount(held_out, minlength=len(metrics["classes"]))
    assert [row["pixels"] for row in metrics["classes"]] == expected.tolist()
    assert np.sum(metrics["confusion"]) == held_out.size
    assert "pixel accuracy" in (tmp_path / "run" / "per_class.txt").read_text()


def test_a_mismatched_folder_is_refused_in_one_line_naming_a_file(tmp_path, capsys):
    data, _ = folders.mismatched_folder(tmp_path / "messy")
    code, out, err = run(capsys, "train", "--data", data, "--epochs", "1", *SMALL, "--out", tmp_path / "run")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 2 and len(errors) == 1 and ("jpeg.jpg" in errors[0] or "lonely" in errors[0])
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["--class-weights", "auto", "--loss", "tversky"], "--class-weights: the tversky loss takes no class weights"),
    (["--class-weights", "1,x"], "--class-weights 1,x"),
    (["--class-weights", "1,2,3"], "--class-weights lists 3 weights; the data has 2 classes"),
    (["--mask-colors", "#000000,#000000"], "listed twice"),
    (["--overfit-batch", "--out", "{tmp}/x"], "--overfit-batch writes nothing; drop --out"),
])
def test_own_data_flags_fail_in_one_line(tmp_path, capsys, argv, fragment):
    data, _ = folders.binary_folder(tmp_path / "bin")
    code, out, err = run(capsys, "train", "--data", data, "--epochs", "1", *SMALL,
                         *[a.format(tmp=tmp_path) for a in argv])
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 2 and len(errors) == 1 and fragment in errors[0] and "Traceback" not in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("fmt", ["npy", "tif", "nii.gz"])
def test_volumes_end_to_end(tmp_path, capsys, fmt):
    if fmt == "nii.gz":
        pytest.importorskip("nibabel", reason="NIfTI needs nibabel (pip install 'tconv[nifti]')")
    data, masks = folders.volume_folder(tmp_path / "vols", fmt)
    code, out, err = run(capsys, "train", "--data", data, "--model", "vnet", "--base", "2", "--depth", "1",
                         "--epochs", "1", "--batch-size", "2", "--no-progress", "--out", tmp_path / "run")
    assert code == 0, err
    assert f"tconv predict {tmp_path / 'run' / 'model.npz'} VOLUME.nii.gz" in out
    assert (tmp_path / "run" / "worst.png").is_file()
    model = tmp_path / "run" / "model.npz"
    source = data / "images" / f"vol0.{fmt}"
    code, out, err = run(capsys, "predict", model, source, "--out", tmp_path / "pred")
    assert code == 0, err
    written = tmp_path / "pred" / f"vol0.{fmt}"
    assert (tmp_path / "pred" / "vol0_overlay.png").is_file()
    from tconv.seg.data.volumeio import read_volume_mask
    from tconv.seg.train.inference import load_model, predict_file

    labels = read_volume_mask(written)
    model_object, checkpoint = load_model(model)
    np.testing.assert_array_equal(labels, predict_file(model_object, checkpoint, source)[1])
    if fmt == "nii.gz":
        import nibabel

        np.testing.assert_array_equal(nibabel.load(written).affine, nibabel.load(source).affine)
    code, out, err = run(capsys, "evaluate", model, "--data", data, "--no-hd95")
    assert code == 0 and "mIoU (foreground)" in out


def test_images_and_volumes_do_not_mix(tmp_path, capsys):
    images, _ = folders.ids_folder(tmp_path / "images", n=3)
    volumes, _ = folders.volume_folder(tmp_path / "volumes", "npy", n=2)
    code, out, err = run(capsys, "train", "--data", volumes, "--model", "vnet", "--base", "2", "--depth", "1",
                         "--epochs", "1", "--no-progress", "--out", tmp_path / "run")
    assert code == 0, err
    code, out, err = run(capsys, "predict", tmp_path / "run" / "model.npz", images / "images" / "item00.png",
                         "--out", tmp_path / "pred")
    assert code == 2 and "a 2-D image, but this model segments volumes" in err
    code, out, err = run(capsys, "evaluate", tmp_path / "run" / "model.npz", "--data", images)
    assert code == 2 and "holds 2-D images, but this model segments volumes" in err
    np.save(images / "images" / "extra.npy", np.zeros((4, 4, 4), np.uint8))
    np.save(images / "masks" / "extra.npy", np.zeros((4, 4, 4), np.uint8))
    code, out, err = run(capsys, "train", "--data", images, "--epochs", "1", *SMALL, "--out", tmp_path / "mixed")
    assert code == 2 and "a folder holds images or volumes, not both" in err


def test_evaluate_out_never_writes_over_or_into_the_data(tmp_path, capsys):
    data, _ = folders.ids_folder(tmp_path / "data", n=4)
    code, out, err = run(capsys, "train", "--data", data, "--epochs", "1", *SMALL, "--out", tmp_path / "run")
    assert code == 0, err
    model = tmp_path / "run" / "model.npz"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "confusion.png").write_bytes(b"my figure")
    code, out, err = run(capsys, "evaluate", model, "--data", data, "--out", tmp_path / "mine")
    assert code == 2 and "already holds confusion.png" in err
    assert (tmp_path / "mine" / "confusion.png").read_bytes() == b"my figure"
    code, out, err = run(capsys, "evaluate", model, "--data", data, "--out", data / "diagnostics")
    assert code == 2 and "inside --data" in err and not (data / "diagnostics").exists()
    code, out, err = run(capsys, "evaluate", model, "--data", data, "--no-hd95", "--out", tmp_path / "mine",
                         "--overwrite")
    assert code == 0 and (tmp_path / "mine" / "confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_overfit_batch_passes_and_fails_with_what_to_check(capsys):
    tiny = ["--size", "16", "--base", "4", "--depth", "2", "--batch-size", "4", "--no-progress"]
    code, out, err = run(capsys, "train", "--overfit-batch", "200", "--lr", "0.01", *tiny)
    assert code == 0 and "PASS: the network memorised the batch" in out
    code, out, err = run(capsys, "train", "--overfit-batch", "5", "--lr", "1e-9", *tiny)
    assert code == 1 and "FAIL: after 5 steps" in out and "the loss barely moved" in out and "tconv doctor" in out


def test_lr_find_plots_and_suggests(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tiny = ["--samples", "32", "--size", "16", "--base", "4", "--depth", "2", "--batch-size", "4"]
    code, out, err = run(capsys, "lr-find", *tiny, "--steps", "30", "--start", "1e-5", "--end", "1")
    assert code == 0, err
    assert "suggested learning rate:" in out and (tmp_path / "lr_find.png").read_bytes()[:4] == b"\x89PNG"
    suggested = float(out.split("suggested learning rate: ")[1].split()[0])
    assert 1e-6 <= suggested <= 0.1                                   # a tenth of a rate inside the range
    code, out, err = run(capsys, "lr-find", *tiny, "--steps", "30")
    assert code == 2 and "--figure lr_find.png exists" in err
    code, out, err = run(capsys, "lr-find", "--start", "1", "--end", "0.1")
    assert code == 2 and "0 < start < end" in err


def test_the_range_test_reads_a_ragged_loss():
    from tconv.seg.train.sanity import instability

    found, alarms = 0, 0
    for seed in range(50):                     # a steady fall with 1% noise, then 30% noise from step 60
        rng = np.random.default_rng(seed)
        calm = np.linspace(2.0, 1.0, 60) * (1 + 0.01 * rng.standard_normal(60))
        ragged = np.linspace(1.0, 0.9, 20) * (1 + 0.3 * rng.standard_normal(20))
        at = instability(np.concatenate([calm, ragged]))
        found += at is not None and 58 <= at <= 66
        alarms += instability(calm) is not None
    assert found >= 45 and alarms <= 3


@pytest.mark.parametrize("command", ["train", "lr-find", "evaluate"])
def test_data_that_is_not_the_folder_of_images_and_masks_is_named_in_one_line(tmp_path, capsys, command):
    data, _ = folders.rgb_folder(tmp_path / "rgb")
    (tmp_path / "notes.txt").write_text("mine")
    model = tmp_path / "trained" / "model.npz"
    if command == "evaluate":                         # evaluate reads its checkpoint before the folder
        code, out, err = run(capsys, "train", "--data", data, "--mask-colors", "auto", *SMALL, "--epochs", "1",
                             "--out", model.parent)
        assert code == 0, err
    around = {"train": (["train"], [*SMALL, "--epochs", "1", "--out", tmp_path / "run"]),
              "lr-find": (["lr-find"], ["--steps", "3", "--figure", tmp_path / "run.png"]),
              "evaluate": (["evaluate", model], ["--out", tmp_path / "run"])}[command]
    cases = [(tmp_path / "nowhere", "no such folder"), (tmp_path / "notes.txt", "is a file, not a folder")]
    if command != "evaluate":                         # evaluate reads the checkpoint before the folder
        cases += [(data / "images", f"is itself the images folder: give the folder above it, {data}"),
                  (data, "an RGB colour mask holds colours, not class ids: give --mask-colors 'auto'")]
    for folder, fragment in cases:
        code, out, err = run(capsys, *around[0], "--data", folder, *around[1])
        errors = [line for line in err.splitlines() if ": error: " in line]
        assert code == 2 and len(errors) == 1 and fragment in errors[0] and "Traceback" not in err, (folder, err)
    assert (tmp_path / "notes.txt").read_text() == "mine" and not list(tmp_path.glob("run*"))


def test_lr_find_suggests_the_train_command_with_the_flags_it_was_given(tmp_path, capsys, monkeypatch):
    import shlex

    from tconv.cli import build_parser

    data, _ = folders.rgb_folder(tmp_path / "rgb", n=8)
    monkeypatch.chdir(tmp_path)
    given = ["--data", str(data), "--mask-colors", "auto", "--size", "24", "32", "--base", "2", "--depth", "2",
             "--batch-size", "4", "--no-batch-norm", "--loss", "ce"]
    code, out, err = run(capsys, "lr-find", *given, "--steps", "6", "--start", "1e-4", "--end", "0.1")
    assert code == 0, err
    suggested = float(out.split("suggested learning rate: ")[1].split()[0])
    line = next(line for line in out.splitlines() if line.startswith("next: "))
    words = shlex.split(line[len("next: "):])
    assert words[:2] == ["tconv", "train"]
    meant = build_parser().parse_args(["train", *given, "--lr", str(suggested)])
    told = build_parser().parse_args(words[1:])
    assert vars(told) == vars(meant)                   # the same data, network, loss and the suggested rate


def test_predictions_never_go_into_a_data_folders_masks(tmp_path, capsys):
    data, _ = folders.rgb_folder(tmp_path / "rgb")
    code, out, err = run(capsys, "train", "--data", data, "--mask-colors", "auto", *SMALL, "--epochs", "1",
                         "--out", tmp_path / "run")
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in (data / "masks").iterdir()}
    code, out, err = run(capsys, "predict", tmp_path / "run" / "model.npz", data / "images", "--out", data / "masks",
                         "--overwrite")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 2 and len(errors) == 1 and "is the masks folder of" in errors[0]
    assert {p.name: p.read_bytes() for p in (data / "masks").iterdir()} == before
