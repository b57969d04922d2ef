"""ImageMaskFolder: folders written with Pillow into tmp_path, exact round trips, every error.

References: the arrays the test wrote (exact for lossless files), Pillow's own decoding of
a JPEG, NumPy's ``repeat`` for nearest-neighbour upscaling, and PyTorch's antialiased
bilinear ``interpolate`` (which matches Pillow) as an optional oracle.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tconv.seg.data.folder import ImageMaskFolder

RNG = np.random.default_rng(0)


def make_root(tmp_path: Path) -> Path:
    for sub in ("images", "masks"):
        (tmp_path / sub).mkdir()
    return tmp_path


def save(array, path: Path, mode: str | None = None, **options) -> np.ndarray:
    picture = Image.fromarray(array)
    if mode is not None:
        picture = picture.convert(mode)
    picture.save(path, **options)
    return array


def grey8(h=6, w=5):
    return RNG.integers(0, 256, (h, w), dtype=np.uint8)


def palette_mask(classes: np.ndarray, path: Path):
    """A 'P' mode PNG whose palette indices are ``classes`` (colours deliberately not grey)."""
    picture = Image.fromarray(classes.astype(np.uint8), mode="L").convert("P")
    picture = Image.frombytes("P", picture.size, classes.astype(np.uint8).tobytes())
    picture.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0] + [0] * (256 * 3 - 12))
    picture.save(path)


def names_file(path: Path):
    """A pytest.raises match for a message that names ``path``'s file."""
    return re.escape(path.name)


# ---------------------------------------------------------------- round trips

def test_grey_png_and_grey_masks_round_trip_exactly(tmp_path):
    root = make_root(tmp_path)
    image = save(grey8(), root / "images" / "b.png")
    mask = save(RNG.integers(0, 3, (6, 5), dtype=np.uint8), root / "masks" / "b.png")
    image2 = save(grey8(), root / "images" / "a.PNG")
    mask2 = save(np.full((6, 5), 4, np.uint8), root / "masks" / "a.png")
    ds = ImageMaskFolder(root)
    assert ds.names == ("a", "b") and len(ds) == 2
    assert ds.in_channels == 1 and ds.num_classes == 5 and ds.spatial_dims == 2
    assert ds.class_names == tuple(f"class {k}" for k in range(5))
    got_image, got_mask = ds[1]
    assert got_image.dtype == np.float32 and got_mask.dtype == np.int64
    np.testing.assert_array_equal(got_image, (image / np.float32(255))[None].astype(np.float32))
    np.testing.assert_array_equal(got_mask, mask)
    np.testing.assert_array_equal(ds[0][0][0] * 255, image2.astype(np.float32))
    np.testing.assert_array_equal(ds[-2][1], mask2)


def test_colour_images_and_mixed_folders(tmp_path):
    root = make_root(tmp_path)
    rgb = RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    save(rgb, root / "images" / "colour.png")
    rgba = np.concatenate([rgb, np.full((8, 8, 1), 7, np.uint8)], axis=2)
    save(rgba, root / "images" / "alpha.png")
    grey = save(grey8(8, 8), root / "images" / "grey.png")
    la = save(np.stack([grey, np.zeros_like(grey)], axis=2), root / "images" / "greyalpha.png")
    smooth = np.add.outer(np.arange(8), np.arange(8)).astype(np.uint8)[..., None] * np.array([10, 12, 5], np.uint8)
    save(smooth, root / "images" / "photo.jpg", quality=95)
    for name in ("colour", "alpha", "grey", "greyalpha", "photo"):
        save(np.zeros((8, 8), np.uint8), root / "masks" / f"{name}.png")
    ds = ImageMaskFolder(root)
    assert ds.in_channels == 3 and ds.num_classes == 1
    by_name = {name: ds[i][0] for i, name in enumerate(ds.names)}
    expected_rgb = np.moveaxis(rgb, -1, 0) / np.float32(255)
    np.testing.assert_array_equal(by_name["colour"], expected_rgb)
    np.testing.assert_array_equal(by_name["alpha"], expected_rgb)            # alpha dropped
    np.testing.assert_array_equal(by_name["grey"], np.repeat(grey[None] / np.float32(255), 3, axis=0))
    np.testing.assert_array_equal(by_name["greyalpha"], by_name["grey"])
    assert la.shape == (8, 8, 2)
    decoded = np.asarray(Image.open(root / "images" / "photo.jpg").convert("RGB"))   # Pillow's own decoding
    np.testing.assert_array_equal(by_name["photo"], np.moveaxis(decoded, -1, 0) / np.float32(255))
    assert np.abs(by_name["photo"] * 255 - np.moveaxis(smooth, -1, 0)).mean() < 3          # JPEG is close
    assert all(image.dtype == np.float32 and image.shape == (3, 8, 8) for image in by_name.values())


def test_palette_images_become_rgb(tmp_path):
    root = make_root(tmp_path)
    indices = RNG.integers(0, 4, (4, 6))
    palette_mask(indices, root / "images" / "p.png")
    save(np.zeros((4, 6), np.uint8), root / "masks" / "p.png")
    colours = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]])
    image, _ = ImageMaskFolder(root)[0]
    np.testing.assert_array_equal(image, np.moveaxis(colours[indices], -1, 0) / np.float32(255))


@pytest.mark.parametrize("suffix", [".tif", ".png"])
def test_16_bit_images_are_scaled_by_their_maximum(tmp_path, suffix):
    root = make_root(tmp_path)
    values = RNG.integers(0, 4096, (5, 7), dtype=np.uint16)          # a 12-bit camera in a 16-bit file
    values[0, 0] = 4000
    save(values, root / "images" / f"deep{suffix}")
    save(np.zeros((5, 7), np.uint8), root / "masks" / "deep.png")
    image, _ = ImageMaskFolder(root)[0]
    assert Image.open(root / "images" / f"deep{suffix}").mode.startswith("I;16")
    np.testing.assert_allclose(image[0], values / values.max(), rtol=1e-7)
    assert image.max() == 1.0


def test_32_bit_and_all_zero_images(tmp_path):
    root = make_root(tmp_path)
    save(np.array([[0, 100000], [50000, 25000]], np.int32), root / "images" / "wide.tif")
    save(np.zeros((2, 2), np.uint16), root / "images" / "zero.tif")
    for name in ("wide", "zero"):
        save(np.zeros((2, 2), np.uint8), root / "masks" / f"{name}.png")
    ds = ImageMaskFolder(root)
    np.testing.assert_array_equal(ds[0][0][0], [[0.0, 1.0], [0.5, 0.25]])
    np.testing.assert_array_equal(ds[1][0][0], np.zeros((2, 2)))


def test_mask_kinds(tmp_path):
    root = make_root(tmp_path)
    for name in ("grey16", "palette", "bilevel"):
        save(grey8(4, 6), root / "images" / f"{name}.png")
    deep = save(np.array([[0, 300, 2, 0, 0, 1]] * 4, np.uint16), root / "masks" / "grey16.png")
    indices = RNG.integers(0, 4, (4, 6))
    palette_mask(indices, root / "masks" / "palette.png")
    bits = RNG.integers(0, 2, (4, 6)).astype(bool)
    save(bits, root / "masks" / "bilevel.png")
    ds = ImageMaskFolder(root)
    assert ds.num_classes == 301
    np.testing.assert_array_equal(ds[ds.names.index("grey16")][1], deep)
    np.testing.assert_array_equal(ds[ds.names.index("palette")][1], indices)
    np.testing.assert_array_equal(ds[ds.names.index("bilevel")][1], bits.astype(np.int64))


@pytest.mark.parametrize("as_list", [False, True])
def test_rgb_masks_through_a_palette(tmp_path, as_list):
    root = make_root(tmp_path)
    colours = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (0, 0, 128)]
    classes = RNG.integers(0, 3, (5, 4))                      # class 3 is in the palette, not in the masks
    save(grey8(5, 4), root / "images" / "a.png")
    save(np.array(colours, np.uint8)[classes], root / "masks" / "a.png")
    save(grey8(5, 4), root / "images" / "b.png")
    rgba = np.concatenate([np.array(colours, np.uint8)[classes[::-1]], np.full((5, 4, 1), 9, np.uint8)], axis=2)
    save(rgba, root / "masks" / "b.png")
    palette = colours if as_list else {colour: k for k, colour in enumerate(colours)}
    ds = ImageMaskFolder(root, palette=palette)
    assert ds.num_classes == 4                                 # the palette's largest id + 1
    np.testing.assert_array_equal(ds[0][1], classes)
    np.testing.assert_array_equal(ds[1][1], classes[::-1])
    named = ImageMaskFolder(root, palette=["#000000", "#800000", "#008000", "#000080"], num_classes=5,
                            class_names=["bg", "r", "g", "b", "unused"])
    np.testing.assert_array_equal(named[0][1], classes)
    assert named.num_classes == 5 and named.class_names[1] == "r"


def test_hidden_and_other_files_are_ignored(tmp_path):
    root = make_root(tmp_path)
    save(grey8(), root / "images" / "a.jpeg")
    save(np.zeros((6, 5), np.uint8), root / "masks" / "a.tiff")
    for junk in ("images/.DS_Store", "images/._a.png", "images/notes.txt", "masks/labels.json",
                 "masks/.hidden.png", "images/Thumbs.db"):
        (root / junk).write_bytes(b"not an image")
    (root / "images" / "sub").mkdir()
    save(grey8(), root / "images" / "sub" / "b.png")
    assert ImageMaskFolder(root).names == ("a",)


def test_resizing_to_a_common_size(tmp_path):
    root = make_root(tmp_path)
    save(np.full((4, 6), 200, np.uint8), root / "images" / "flat.png")
    blocks = np.array([[0, 1, 2], [3, 2, 1]], np.uint8)
    save(np.repeat(np.repeat(blocks, 2, axis=0), 2, axis=1), root / "masks" / "flat.png")
    save(grey8(2, 3), root / "images" / "small.png")
    save(blocks, root / "masks" / "small.png")
    down = ImageMaskFolder(root, size=(2, 3))
    np.testing.assert_allclose(down[0][0], np.full((1, 2, 3), 200 / 255), rtol=1e-6)   # flat stays flat
    np.testing.assert_array_equal(down[0][1], blocks)           # 2x2 blocks shrink to one pixel each
    up = ImageMaskFolder(root, size=(4, 6))
    np.testing.assert_array_equal(up[1][1], np.repeat(np.repeat(blocks, 2, axis=0), 2, axis=1))
    assert up[1][0].shape == (1, 4, 6) and up[1][0].dtype == np.float32
    square = ImageMaskFolder(root, size=5)
    assert square[0][0].shape == (1, 5, 5) and square[1][1].shape == (5, 5)


@pytest.mark.torch
def test_bilinear_resize_matches_pytorch_antialiased_interpolate(tmp_path):
    import torch
    root = make_root(tmp_path)
    rgb = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)
    save(rgb, root / "images" / "a.png")
    save(np.zeros((12, 10), np.uint8), root / "masks" / "a.png")
    source = torch.tensor(np.moveaxis(rgb, -1, 0)[None] / 255.0)
    for size in ((5, 4), (20, 17)):
        got = ImageMaskFolder(root, size=size)[0][0]
        expected = torch.nn.functional.interpolate(source, size=size, mode="bilinear", antialias=True,
                                                   align_corners=False)[0].numpy()
        np.testing.assert_allclose(got, np.clip(expected, 0, 1), atol=1e-5)


# ---------------------------------------------------------------- errors, each naming the file

def test_missing_folders(tmp_path):
    with pytest.raises(ValueError, match="root is not a folder"):
        ImageMaskFolder(tmp_path / "nowhere")
    (tmp_path / "images").mkdir()
    with pytest.raises(ValueError, match=r"masks: the masks folder is missing"):
        ImageMaskFolder(tmp_path)


def test_empty_folders(tmp_path):
    root = make_root(tmp_path)
    (root / "images" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match=r"images: the images folder has no \.png"):
        ImageMaskFolder(root)


def test_images_without_masks_and_masks_without_images(tmp_path):
    root = make_root(tmp_path)
    for k in range(8):
        save(grey8(), root / "images" / f"img{k}.png")
    for k in range(2):
        save(np.zeros((6, 5), np.uint8), root / "masks" / f"img{k}.png")
    with pytest.raises(ValueError, match=r"img2, img3, img4, img5, img6 and 1 more have no file of the same name"):
        ImageMaskFolder(root)
    for k in range(2, 8):
        save(np.zeros((6, 5), np.uint8), root / "masks" / f"img{k}.png")
    save(np.zeros((6, 5), np.uint8), root / "masks" / "orphan.png")
    with pytest.raises(ValueError, match=r"masks: orphan have no file of the same name in .*images"):
        ImageMaskFolder(root)


def test_duplicate_stems(tmp_path):
    root = make_root(tmp_path)
    save(grey8(), root / "images" / "a.png")
    save(grey8(), root / "images" / "a.jpg")
    save(np.zeros((6, 5), np.uint8), root / "masks" / "a.png")
    with pytest.raises(ValueError, match=r"a\.png and .*a\.jpg: two images with the stem 'a'"):
        ImageMaskFolder(root)


def test_size_mismatch(tmp_path):
    root = make_root(tmp_path)
    save(grey8(6, 5), root / "images" / "a.png")
    save(np.zeros((5, 6), np.uint8), root / "masks" / "a.png")
    with pytest.raises(ValueError, match=r"a\.png is 5x6 \(HxW\) but .*a\.png is 6x5"):
        ImageMaskFolder(root, size=4)              # resizing does not excuse a mismatched pair


def test_unreadable_and_corrupt_files(tmp_path):
    root = make_root(tmp_path)
    save(grey8(40, 40), root / "images" / "a.png")
    save(np.zeros((40, 40), np.uint8), root / "masks" / "a.png")
    (root / "images" / "b.png").write_bytes(b"this is not a PNG")
    save(np.zeros((40, 40), np.uint8), root / "masks" / "b.png")
    with pytest.raises(ValueError, match=r"b\.png: cannot read it as an image"):
        ImageMaskFolder(root)
    save(RNG.integers(0, 256, (40, 40), dtype=np.uint8), root / "images" / "b.png")
    data = (root / "images" / "b.png").read_bytes()
    (root / "images" / "b.png").write_bytes(data[: len(data) // 2])          # header fine, pixels cut off
    ds = ImageMaskFolder(root)
    with pytest.raises(ValueError, match=r"b\.png: the file is corrupt or truncated"):
        ds[1]
    mask_data = (root / "masks" / "a.png").read_bytes()
    (root / "masks" / "a.png").write_bytes(mask_data[:40])
    with pytest.raises(ValueError, match=r"masks.a\.png"):
        ImageMaskFolder(root)


def test_masks_without_integer_class_ids(tmp_path):
    root = make_root(tmp_path)
    save(grey8(3, 3), root / "images" / "a.png")
    colours = np.zeros((3, 3, 3), np.uint8)
    colours[0, 0] = (10, 20, 30)
    colours[1, 1] = (200, 0, 0)
    save(colours, root / "masks" / "a.png")
    with pytest.raises(ValueError, match=r"a\.png: an RGB colour mask holds colours, not class ids: give palette='auto'"):
        ImageMaskFolder(root)
    with pytest.raises(ValueError, match=r"a\.png: colours \(10, 20, 30\) are not in the palette"):
        ImageMaskFolder(root, palette=[(0, 0, 0), (200, 0, 0)])
    save(np.stack([grey8(3, 3)] * 3, axis=2), root / "masks" / "a.png")
    with pytest.raises(ValueError, match="three channels are equal"):
        ImageMaskFolder(root)
    (root / "masks" / "a.png").unlink()
    save(np.zeros((3, 3), np.float32), root / "masks" / "a.tif")
    with pytest.raises(ValueError, match=r"a\.tif: mask mode 'F' cannot hold integer class ids"):
        ImageMaskFolder(root)
    (root / "masks" / "a.tif").unlink()
    save(np.zeros((3, 3), np.uint8), root / "masks" / "a.jpg")
    with pytest.raises(ValueError, match=r"a\.jpg: masks must be lossless"):
        ImageMaskFolder(root)


def test_class_ids_must_be_below_num_classes(tmp_path):
    root = make_root(tmp_path)
    save(grey8(2, 3), root / "images" / "a.png")
    save(np.array([[0, 1, 7], [1, 0, 0]], np.uint8), root / "masks" / "a.png")
    with pytest.raises(ValueError, match=r"a\.png: the mask has values \{7\}; num_classes=3 allows 0\.\.2"):
        ImageMaskFolder(root, num_classes=3)
    assert ImageMaskFolder(root).num_classes == 8


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(size=0), ValueError, "size"),
    (dict(size=(2, 3, 4)), TypeError, "size must be an int or 2 ints"),
    (dict(num_classes=0), ValueError, "num_classes=0"),
    (dict(palette="red"), TypeError, "palette must be a dict"),
    (dict(palette=[(0, 0, 0), (0, 0, 0)]), ValueError, "twice"),
    (dict(palette={(0, 0, 0): -1}), ValueError, "class ids must be integers >= 0"),
    (dict(palette=["nocolour"]), ValueError, "not a colour Pillow knows"),
    (dict(class_names=["one", "two"]), ValueError, "class_names has 2 names; num_classes=1"),
])
def test_bad_arguments(tmp_path, kwargs, error, words):
    root = make_root(tmp_path)
    save(grey8(2, 3), root / "images" / "a.png")
    save(np.zeros((2, 3), np.uint8), root / "masks" / "a.png")
    with pytest.raises(error, match=words):
        ImageMaskFolder(root, **kwargs)
