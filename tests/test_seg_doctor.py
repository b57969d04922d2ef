"""The data doctor (tconv.seg.data.inspect, tconv doctor) on the folders users bring.

Every folder is made here (tests/data_folders.py) from tconv's synthetic shapes, so the class ids
the doctor should find are known before any tconv reader runs: pixel counts are checked against
``np.bincount`` of those arrays, the median-frequency weights against the formula written out.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tconv.cli import main
from tconv.seg.data import ImageMaskFolder, inspect
from tconv.seg.data.doctor import suggested_size
from tconv.seg.data.doctor_text import recommended_command, report_lines

import data_folders as folders


def _pixels(masks, num_classes):
    return np.bincount(np.concatenate([m.ravel() for m in masks]), minlength=num_classes)


def _median_frequency(masks, num_classes):
    """Eigen & Fergus 2015, written out: freq_c over the images holding c, weight median / freq."""
    freq = []
    for c in range(num_classes):
        holding = [m for m in masks if np.any(m == c)]
        freq.append(sum(np.sum(m == c) for m in holding) / sum(m.size for m in holding) if holding else 0.0)
    freq = np.array(freq)
    median = np.median(freq[freq > 0])
    return np.where(freq > 0, median / np.where(freq > 0, freq, 1), 0.0)


@pytest.mark.parametrize("maker, mask_format, flag", [
    ("ids_folder", "ids", None),
    ("binary_folder", "binary", "--mask-format binary"),
    ("palette_folder", "void", "--mask-format void"),
    ("rgb_folder", "colours", "--mask-colors '#000000,#0080ff,#ff0000'"),
])
def test_each_mask_format_is_found_and_converted(tmp_path, maker, mask_format, flag):
    root, masks = getattr(folders, maker)(tmp_path / maker)
    report = inspect(root)
    assert report.ready, report.problems
    assert report.mask_format == mask_format
    assert report.num_classes == max(m.max() for m in masks) + 1
    np.testing.assert_array_equal(report.class_pixels, _pixels(masks, report.num_classes))
    np.testing.assert_allclose(report.weights, _median_frequency(masks, report.num_classes))
    command = recommended_command(report)
    assert command.startswith(f"tconv train --data {root}")
    assert (flag in command) if flag else ("--mask" not in command)


def test_palette_pngs_are_named_and_rgb_tables_printed(tmp_path):
    root, _ = folders.palette_folder(tmp_path / "voc")
    text = "\n".join(report_lines(inspect(root)))
    assert "palette index is the class id" in text and "void" in text
    root, _ = folders.rgb_folder(tmp_path / "rgb")
    report = inspect(root)
    assert report.colour_table == folders.COLOURS
    assert "0 = #000000 (0, 0, 0), 1 = #0080ff (0, 128, 255), 2 = #ff0000 (255, 0, 0)" in "\n".join(report_lines(report))


def test_a_given_colour_table_fixes_the_ids_and_names_colours_it_lacks(tmp_path):
    root, masks = folders.rgb_folder(tmp_path / "rgb")
    table = [(0, 0, 0), (255, 0, 0), (0, 128, 255)]             # red is class 1 now
    report = inspect(root, palette=table)
    swapped = [np.array([0, 2, 1])[m] for m in masks]
    np.testing.assert_array_equal(report.class_pixels, _pixels(swapped, 3))
    report = inspect(root, palette=[(0, 0, 0), (255, 0, 0)])
    assert not report.ready and "(0, 128, 255)" in report.problems[0]


def test_the_imbalanced_folder_is_called_imbalanced_with_its_weights(tmp_path):
    root, masks = folders.imbalanced_folder(tmp_path / "tiny")
    report = inspect(root)
    share = _pixels(masks, 2)[1] / sum(m.size for m in masks)
    assert share < 0.02 and report.balance["imbalanced"] and report.balance["rarest"] == 1
    assert report.weights[1] > 10 * report.weights[0]
    assert "--class-weights" not in recommended_command(report)      # dicece, the default, counts classes equally
    assert "--loss ce, weigh the classes (--class-weights auto)" in "\n".join(report_lines(report))
    text = "\n".join(report_lines(report))
    assert f"scores {100 * (1 - share):.1f}% on it" in text                   # the pixel-accuracy trap, in words


def test_a_mismatched_folder_lists_every_problem_and_keeps_the_good_pairs(tmp_path):
    root, masks = folders.mismatched_folder(tmp_path / "messy")
    report = inspect(root)
    assert not report.ready
    problems = "\n".join(report.problems)
    for fragment in ("jpeg.jpg: a JPEG mask", "no mask of the same name", "lonely", "orphan",
                     "wrong_size.png is 20x24", "must have the same size"):
        assert fragment in problems
    assert report.names == ["item00", "item01", "item02"] and report.ignored == ["notes.txt"]
    np.testing.assert_array_equal(report.class_pixels, _pixels(masks, 3))
    assert "Problems (4), fix these first:" in report_lines(report)


def test_sizes_too_small_mixed_or_large_get_a_size(tmp_path):
    root = tmp_path / "sizes"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for name, (h, w) in {"a": (300, 400), "b": (240, 320), "c": (6, 40)}.items():
        Image.fromarray(np.zeros((h, w), np.uint8)).save(root / "images" / f"{name}.png")
        mask = np.zeros((h, w), np.uint8)
        mask[: h // 2] = 1
        Image.fromarray(mask).save(root / "masks" / f"{name}.png")
    report = inspect(root, depth=3)
    assert any("below 8 pixels" in p and "c" in p for p in report.problems)
    size = suggested_size(report)
    assert all(side % 8 == 0 and 8 <= side <= 256 for side in size)
    assert any("not multiples of 8" in note for note in report.notes)


def test_masks_that_are_not_masks(tmp_path):
    root = tmp_path / "photos"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(root / "images" / "a.png")
    Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(root / "masks" / "a.png")
    assert "different values" in inspect(root).problems[-1]
    root = tmp_path / "empty"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(root / "images" / "a.png")
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(root / "masks" / "a.png")
    assert "every mask" in inspect(root).problems[0] and "is class 0" in inspect(root).problems[0]


@pytest.mark.parametrize("fmt", ["npy", "tif", "nii.gz"])
def test_volumes_are_inspected_and_read(tmp_path, fmt):
    if fmt == "nii.gz":
        pytest.importorskip("nibabel", reason="NIfTI needs nibabel (pip install 'tconv[nifti]')")
    root, masks = folders.volume_folder(tmp_path / fmt.replace(".", ""), fmt)
    report = inspect(root, depth=2)
    assert report.ready and report.spatial_dims == 3
    np.testing.assert_array_equal(report.class_pixels, _pixels(masks, 3))
    assert "--model vnet" in recommended_command(report)
    data = ImageMaskFolder(root)
    assert data.spatial_dims == 3 and data.image_sizes == ((16, 16, 16),) * 4
    for i, mask in enumerate(masks):
        image, read = data[i]
        np.testing.assert_array_equal(read, mask)
        assert image.shape == (1, 16, 16, 16) and image.dtype == np.float32
        stored = _stored(root / "images" / f"vol{i}.{fmt}")
        if stored.dtype == np.uint8:
            expected = stored / 255                                           # 8-bit: divided by 255
        else:
            expected = (stored - stored.min()) / (stored.max() - stored.min())   # else: its own min and max
        np.testing.assert_allclose(image[0], expected, atol=1e-6)
    small = ImageMaskFolder(root, size=(8, 12, 8))
    image, mask = small[0]
    assert image.shape == (1, 8, 12, 8) and set(np.unique(mask)) <= set(np.unique(masks[0]))


def _stored(path):
    """The values a volume file holds, read by numpy, Pillow or nibabel themselves."""
    if path.suffix == ".npy":
        return np.load(path)
    if path.suffix == ".tif":
        picture = Image.open(path)
        pages = []
        for k in range(picture.n_frames):
            picture.seek(k)
            pages.append(np.asarray(picture))
        return np.stack(pages).astype(np.float64)
    import nibabel

    return np.asarray(nibabel.load(path).get_fdata())


def test_an_rgb_folder_reads_with_the_automatic_colour_table(tmp_path):
    root, masks = folders.rgb_folder(tmp_path / "rgb")
    data = ImageMaskFolder(root, palette="auto")
    assert data.colour_table == folders.COLOURS and data.num_classes == 3
    for i, mask in enumerate(masks):
        np.testing.assert_array_equal(data[i][1], mask)
        assert data.mask_counts[i] == dict(zip(*np.unique(mask, return_counts=True)))
    with pytest.raises(ValueError, match="palette="):
        ImageMaskFolder(root)                                          # without a table RGB masks are refused


def test_blurred_colour_masks_are_refused_with_the_reason(tmp_path):
    root, _ = folders.rgb_folder(tmp_path / "rgb")
    path = root / "masks" / "c0.png"
    rgb = np.asarray(Image.open(path)).copy()
    rgb[:, :, 1] = (np.arange(32)[None, :] * 8 + np.arange(32)[:, None]) % 256    # a blur: 256 greens
    Image.fromarray(rgb).save(path)
    with pytest.raises(ValueError, match="blurred"):
        ImageMaskFolder(root, palette="auto")
    assert "blurred" in inspect(root).problems[0]


# --------------------------------------------------------------------------- tconv doctor


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tconv_doctor_prints_the_report_and_draws_it(tmp_path, capsys, monkeypatch):
    root, _ = folders.rgb_folder(tmp_path / "rgb")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "doctor", str(root))
    assert code == 0 and "Ready to train:" in out and "figure: doctor.png" in out
    first = (tmp_path / "doctor.png").read_bytes()
    assert first[:4] == b"\x89PNG"
    imbalanced, _ = folders.imbalanced_folder(tmp_path / "tiny")
    code, out, err = run(capsys, "doctor", str(imbalanced))                  # the data fixed, the doctor again
    assert code == 0 and "figure: doctor.png" in out and (tmp_path / "doctor.png").read_bytes() != first
    (tmp_path / "doctor.png").write_bytes(b"my own")                         # a user's file of that name
    code, out, err = run(capsys, "doctor", str(root))
    assert code == 0 and "doctor.png exists and was kept" in out
    assert (tmp_path / "doctor.png").read_bytes() == b"my own"
    root, _ = folders.mismatched_folder(tmp_path / "messy")
    code, out, err = run(capsys, "doctor", str(root), "--no-figure")
    assert code == 1 and "fix these first" in out and "figure" not in out


@pytest.mark.parametrize("argv, fragment", [
    (["{root}", "--figure", "{tmp}/taken.png"], "--figure {tmp}/taken.png exists"),
    (["{root}", "--figure", "{root}/images/x.png"], "inside"),
    (["{root}", "--figure", "{tmp}/x.gif"], ".png, .svg or .pdf"),
    (["{tmp}/nowhere"], "not a folder"),
    (["{root}", "--depth", "9"], "--depth 9"),
    (["{root}", "--mask-colors", "#000000"], "--mask-colors"),
])
def test_tconv_doctor_usage_errors_are_one_line(tmp_path, capsys, argv, fragment):
    root, _ = folders.ids_folder(tmp_path / "data")
    (tmp_path / "taken.png").write_bytes(b"mine")
    code, out, err = run(capsys, "doctor", *[a.format(root=root, tmp=tmp_path) for a in argv])
    assert code == 2 and fragment.format(tmp=tmp_path) in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "taken.png").read_bytes() == b"mine"


def test_a_huge_volume_is_refused_from_its_header(tmp_path):
    from tconv.seg.data.volumeio import MAX_VOXELS, read_volume, read_volume_mask

    path = tmp_path / "huge.npy"
    np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(520, 520, 520))   # sparse on disk
    assert 520 ** 3 > MAX_VOXELS
    for read in (read_volume, read_volume_mask):
        with pytest.raises(ValueError, match="520 x 520 x 520 voxels"):
            read(path)


def test_the_learning_rate_command_tconv_doctor_prints_runs_on_the_folder(tmp_path, capsys, monkeypatch):
    import shlex

    root, _ = folders.rgb_folder(tmp_path / "rgb", n=6)
    folders.rgb_folder(tmp_path / "other", n=1, size=40)
    (tmp_path / "other" / "images" / "c0.png").rename(root / "images" / "wide.png")   # a second size: --size
    (tmp_path / "other" / "masks" / "c0.png").rename(root / "masks" / "wide.png")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "doctor", str(root), "--no-figure")
    assert code == 0, out
    hint = out.split("the learning rate: ")[1].rsplit(")", 1)[0]
    train = out.split("Ready to train:\n")[1].splitlines()[0].strip()
    assert shlex.split(hint)[2:] == shlex.split(train)[2:] and "--mask-colors" in hint and "--size" in hint
    code, out, err = run(capsys, *shlex.split(hint)[1:], "--base", "2", "--depth", "2", "--batch-size", "2",
                         "--steps", "3", "--figure", str(tmp_path / "lr.png"))
    assert code == 0 and "suggested learning rate" in out, err

