"""The synthetic shape datasets: determinism, ranges, geometry and difficulty.

Independent references: shapes re-rasterised by a per-pixel twin written here
(matplotlib's point-in-polygon for the polygons, scipy's Delaunay for the cube, the
definitions by distances to an axis for discs, rings, cylinders and tori), the known areas
and volumes, and a best-possible intensity-only classifier computed from histograms.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.path import Path as PolygonPath
from scipy import ndimage
from scipy.spatial import Delaunay

from tconv.seg.data.rasterise import RING_INNER_RATIO, TORUS_TUBE_RATIO, rotation_2d, rotation_3d
from tconv.seg.data.shapes import SyntheticShapes, SyntheticShapes3D

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=15, deadline=None)


def items(ds, indices=None):
    indices = range(len(ds)) if indices is None else indices
    return [ds[i] for i in indices]


# ---------------------------------------------------------------- determinism

@few
@given(seeds, st.integers(2, 6))
def test_same_seed_same_data_different_seed_different(seed, num_classes):
    a = SyntheticShapes(3, size=24, num_classes=num_classes, seed=seed)
    b = SyntheticShapes(3, size=24, num_classes=num_classes, seed=seed)
    c = SyntheticShapes(3, size=24, num_classes=num_classes, seed=(seed + 1) % 2**32)
    for (image_a, mask_a), (image_b, mask_b), (image_c, _) in zip(items(a), items(b), items(c)):
        np.testing.assert_array_equal(image_a, image_b)
        np.testing.assert_array_equal(mask_a, mask_b)
        assert not np.array_equal(image_a, image_c)


def test_items_do_not_depend_on_access_order():
    forward = items(SyntheticShapes(12, size=32, seed=5))
    ds = SyntheticShapes(12, size=32, seed=5)
    order = np.random.default_rng(0).permutation(12)
    shuffled = {int(i): ds[int(i)] for i in order}
    for i, (image, mask) in enumerate(forward):
        np.testing.assert_array_equal(shuffled[i][0], image)
        np.testing.assert_array_equal(shuffled[i][1], mask)
        np.testing.assert_array_equal(ds[i - 12][1], mask)          # negative indices like a list
    # item i alone in a dataset of a different length is the same item
    np.testing.assert_array_equal(SyntheticShapes(100, size=32, seed=5)[7][0], forward[7][0])


def test_3d_is_deterministic_and_order_independent():
    ds = SyntheticShapes3D(4, size=12, seed=3)
    backward = {i: ds[i] for i in (3, 2, 1, 0)}
    again = SyntheticShapes3D(4, size=12, seed=3)
    for i in range(4):
        np.testing.assert_array_equal(again[i][0], backward[i][0])
        np.testing.assert_array_equal(again[i][1], backward[i][1])
    assert not np.array_equal(SyntheticShapes3D(1, size=12, seed=4)[0][0], again[0][0])


# ---------------------------------------------------------------- ranges, dtypes, classes

@pytest.mark.parametrize("dataset, spatial", [(SyntheticShapes(6, size=(20, 28), num_classes=6), (20, 28)),
                                              (SyntheticShapes3D(3, size=(10, 12, 14), num_classes=5),
                                               (10, 12, 14))])
def test_shapes_dtypes_and_ranges(dataset, spatial):
    assert len(dataset) == len(items(dataset))
    for image, mask in items(dataset):
        assert image.shape == (1, *spatial) and image.dtype == np.float32
        assert mask.shape == spatial and mask.dtype == np.int64
        assert 0.0 <= image.min() and image.max() <= 1.0
        assert 0 <= mask.min() and mask.max() < dataset.num_classes
    assert dataset.in_channels == 1 and dataset.spatial_dims == len(spatial)
    assert len(dataset.class_names) == dataset.num_classes and dataset.class_names[0] == "background"


def test_class_names_follow_num_classes():
    assert SyntheticShapes(1).class_names == ("background", "disc", "square", "triangle")
    assert SyntheticShapes(1, num_classes=6).class_names[-2:] == ("ring", "cross")
    assert SyntheticShapes3D(1).class_names == ("background", "sphere", "cube")
    assert SyntheticShapes3D(1, num_classes=5).class_names[-2:] == ("cylinder", "torus")


@pytest.mark.parametrize("num_classes", [2, 3, 4, 5, 6])
def test_every_class_appears_in_a_modest_dataset(num_classes):
    masks = [mask for _, mask in items(SyntheticShapes(24, size=32, num_classes=num_classes, seed=1))]
    assert set(np.unique(np.stack(masks)).tolist()) == set(range(num_classes))


def test_every_3d_class_appears():
    masks = [mask for _, mask in items(SyntheticShapes3D(12, size=16, num_classes=5, seed=1))]
    assert set(np.unique(np.stack(masks)).tolist()) == set(range(5))


@few
@given(seeds, st.integers(0, 3), st.integers(0, 3))
def test_count_range_bounds_the_number_of_shapes(seed, low, extra):
    ds = SyntheticShapes(4, size=24, seed=seed, count_range=(low, low + extra))
    for i in range(4):
        assert low <= len(ds.shapes(i)) <= low + extra
    if low == extra == 0:
        image, mask = ds[0]
        assert not mask.any()


def test_no_noise_no_gradient_gives_a_flat_background():
    image, mask = SyntheticShapes(1, size=16, count_range=(0, 0), noise_std=0.0, gradient_max=0.0,
                                  background_range=(0.3, 0.7))[0]
    assert np.ptp(image) == 0 and 0.3 <= image[0, 0, 0] <= 0.7 and not mask.any()


# ---------------------------------------------------------------- the mask agrees with the image

def test_without_noise_the_shape_pixels_are_exactly_the_pixels_off_the_background():
    ds = SyntheticShapes(30, size=32, num_classes=6, seed=2, count_range=(1, 1), noise_std=0.0,
                         gradient_max=0.0, background_range=(0.4, 0.6))
    for image, mask in items(ds):
        background = image[0, mask == 0]
        assert np.ptp(background) == 0
        np.testing.assert_array_equal(image[0] != background[0], mask != 0)


def test_shapes_differ_from_their_surroundings_with_the_default_difficulty():
    ds = SyntheticShapes(40, size=64, num_classes=6, seed=3, count_range=(1, 1))
    differences = []
    for i, (image, mask) in enumerate(items(ds)):
        inside = mask != 0
        band = ndimage.binary_dilation(inside, iterations=3) & ~inside
        difference = image[0, inside].mean() - image[0, band].mean()
        assert np.sign(difference) == np.sign(ds.shapes(i)[0].contrast)
        differences.append(abs(difference))
    assert np.mean(differences) > 0.15


# ---------------------------------------------------------------- geometry against an independent twin

def polygon_inside(shape_hw, vertices_local, centre, rotation):
    """Pixel centres inside the polygon ``centre + R.T @ v`` (matplotlib's point-in-polygon)."""
    vertices = np.asarray(centre) + np.asarray(vertices_local) @ np.asarray(rotation)    # rows: R.T @ v
    rows, cols = np.meshgrid(np.arange(shape_hw[0]) + 0.5, np.arange(shape_hw[1]) + 0.5, indexing="ij")
    points = np.stack([rows.ravel(), cols.ravel()], axis=1)
    return PolygonPath(vertices).contains_points(points).reshape(shape_hw)


def twin_2d(shape_hw, shape):
    """The pixels of one 2-D shape, from its geometric definition, pixel by pixel or by polygon."""
    r, (cy, cx), rotation = shape.radius, shape.centre, shape.rotation
    if shape.name in ("disc", "ring"):
        inside = np.zeros(shape_hw, bool)
        for i in range(shape_hw[0]):
            for j in range(shape_hw[1]):
                distance = math.dist((i + 0.5, j + 0.5), (cy, cx))
                inside[i, j] = distance <= r and (shape.name == "disc" or distance >= RING_INNER_RATIO * r)
        return inside
    if shape.name == "square":
        h = r / math.sqrt(2)
        vertices = [(-h, -h), (-h, h), (h, h), (h, -h)]
    elif shape.name == "triangle":
        vertices = [(-r, 0.0), (r / 2, r * math.sqrt(3) / 2), (r / 2, -r * math.sqrt(3) / 2)]
    else:   # cross: 12 corners of a plus sign, arm half-length L, half-width L / 3
        L = 3 * r / math.sqrt(10)
        w = L / 3
        vertices = [(-L, -w), (-L, w), (-w, w), (-w, L), (w, L), (w, w), (L, w), (L, -w), (w, -w), (w, -L),
                    (-w, -L), (-w, -w)]
    return polygon_inside(shape_hw, vertices, (cy, cx), rotation)


def test_masks_equal_shapes_painted_in_order_by_an_independent_twin():
    ds = SyntheticShapes(24, size=40, num_classes=6, seed=4, count_range=(2, 4))
    overlaps = 0
    for i in range(len(ds)):
        expected = np.zeros((40, 40), np.int64)
        painted = np.zeros((40, 40), int)
        for shape in ds.shapes(i):
            inside = twin_2d((40, 40), shape)
            expected[inside] = shape.class_id
            painted += inside
        overlaps += int((painted > 1).sum())
        np.testing.assert_array_equal(ds[i][1], expected)
    assert overlaps > 0          # the test did exercise later shapes covering earlier ones


AREAS = {"disc": math.pi, "square": 2.0, "triangle": 3 * math.sqrt(3) / 4,
         "ring": math.pi * (1 - RING_INNER_RATIO**2), "cross": 2.0}


def test_single_shapes_have_their_known_areas_and_centres():
    ds = SyntheticShapes(60, size=64, num_classes=6, seed=5, count_range=(1, 1), radius_range=(0.12, 0.2))
    for i in range(len(ds)):
        (shape,), mask = ds.shapes(i), ds[i][1]
        area = AREAS[shape.name] * shape.radius**2
        perimeter = 2 * math.pi * shape.radius if shape.name != "cross" else 10 * shape.radius
        assert abs((mask != 0).sum() - area) < 0.25 * perimeter, shape
        centroid = np.argwhere(mask != 0).mean(axis=0) + 0.5
        if shape.name != "triangle":       # the other shapes are centrally symmetric
            np.testing.assert_allclose(centroid, shape.centre, atol=0.35)


def test_rotations_are_orthonormal_and_cover_both_directions():
    ts = np.linspace(-1, 1, 9)
    for t in ts:
        np.testing.assert_allclose(rotation_2d(t) @ rotation_2d(t).T, np.eye(2), atol=1e-15)
        np.testing.assert_allclose(rotation_2d(t), [[math.cos(2 * math.atan(t)), -math.sin(2 * math.atan(t))],
                                                    [math.sin(2 * math.atan(t)), math.cos(2 * math.atan(t))]],
                                   atol=1e-15)
    q = np.random.default_rng(0).uniform(-1, 1, 4)
    R = rotation_3d(q)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-14)
    assert np.isclose(np.linalg.det(R), 1.0)
    with pytest.raises(ValueError, match="no rotation"):
        rotation_3d((0, 0, 0, 0))


def twin_3d(shape_dhw, shape):
    r, centre, R = shape.radius, np.asarray(shape.centre), np.asarray(shape.rotation)
    grid = np.stack(np.meshgrid(*[np.arange(n) + 0.5 for n in shape_dhw], indexing="ij"), axis=-1)
    offset = grid - centre
    if shape.name == "sphere":
        return np.linalg.norm(offset, axis=-1) <= r
    if shape.name == "cube":
        h = r / math.sqrt(3)
        corners = np.array([(a, b, c) for a in (-h, h) for b in (-h, h) for c in (-h, h)]) @ R + centre
        return Delaunay(corners).find_simplex(grid.reshape(-1, 3)).reshape(shape_dhw) >= 0
    axis = R[0]               # the local z axis (local coordinates are (z, y, x) = R @ offset)
    along = offset @ axis
    across = np.linalg.norm(offset - along[..., None] * axis, axis=-1)
    if shape.name == "cylinder":
        return (across <= r / math.sqrt(2)) & (np.abs(along) <= r / math.sqrt(2))
    tube = TORUS_TUBE_RATIO * r
    return np.hypot(across - (r - tube), along) <= tube


def test_3d_masks_equal_an_independent_twin_and_known_volumes():
    ds = SyntheticShapes3D(20, size=20, num_classes=5, seed=6, count_range=(1, 1), radius_range=(0.3, 0.45))
    volumes = {"sphere": 4 / 3 * math.pi, "cube": (2 / math.sqrt(3))**3, "cylinder": math.pi / math.sqrt(2),
               "torus": 2 * math.pi**2 * (1 - TORUS_TUBE_RATIO) * TORUS_TUBE_RATIO**2}
    seen = set()
    for i in range(len(ds)):
        (shape,), mask = ds.shapes(i), ds[i][1]
        twin = twin_3d(mask.shape, shape)
        assert (twin != (mask != 0)).sum() == 0, shape
        volume = volumes[shape.name] * shape.radius**3
        assert abs(mask.astype(bool).sum() - volume) < 0.12 * volume, shape
        seen.add(shape.name)
    assert seen == set(volumes)


# ---------------------------------------------------------------- difficulty

def best_intensity_miou(dataset, bins=64):
    """mIoU of the best per-pixel rules that look only at brightness.

    (a) each brightness bin predicts its most frequent class over the whole dataset (the
    most accurate intensity-only rule), (b) for foreground vs background, the best band
    ``low <= brightness < high`` (inside or outside it) over all bin edges.
    """
    images, masks = zip(*items(dataset))
    brightness = np.minimum((np.concatenate([i.ravel() for i in images]) * bins).astype(int), bins - 1)
    labels = np.concatenate([m.ravel() for m in masks])
    k = dataset.num_classes
    counts = np.zeros((bins, k))
    np.add.at(counts, (brightness, labels), 1)
    predicted = counts.argmax(axis=1)[brightness]
    majority = np.mean([np.sum((predicted == c) & (labels == c)) / np.sum((predicted == c) | (labels == c))
                        for c in range(k)])
    foreground = np.add.reduceat(counts[:, 1:].sum(axis=1), np.arange(bins)), counts[:, 0]
    best_band = 0.0
    total_fg, total_bg = foreground[0].sum(), foreground[1].sum()
    for low in range(bins):
        for high in range(low + 1, bins + 1):
            fg_in, bg_in = foreground[0][low:high].sum(), foreground[1][low:high].sum()
            for tp, fp in ((fg_in, bg_in), (total_fg - fg_in, total_bg - bg_in)):   # band = fg, or outside = fg
                fn, tn = total_fg - tp, total_bg - fp
                miou = (tp / (tp + fp + fn) + tn / (tn + fn + fp)) / 2
                best_band = max(best_band, miou)
    return majority, best_band


@pytest.mark.parametrize("num_classes", [2, 4])
def test_brightness_alone_cannot_segment(num_classes):
    majority, band = best_intensity_miou(SyntheticShapes(48, size=64, num_classes=num_classes, seed=7))
    assert majority < 0.75 and band < 0.75


def test_the_difficulty_check_can_fail():
    # Bright shapes on a flat dark background without noise: brightness does segment them.
    easy = SyntheticShapes(16, size=48, num_classes=2, seed=7, dark_fraction=0.0, noise_std=0.0, gradient_max=0.0,
                           background_range=(0.2, 0.2), contrast_range=(0.3, 0.5))
    majority, band = best_intensity_miou(easy)
    assert majority > 0.99 and band > 0.99


# ---------------------------------------------------------------- validation and speed

@pytest.mark.parametrize("kwargs, error, words", [
    (dict(n=-1), ValueError, "n=-1"),
    (dict(n=2.5), TypeError, "n=2.5 must be an integer"),
    (dict(num_classes=1), ValueError, "num_classes=1 must be an integer >= 2"),
    (dict(num_classes=7), ValueError, "num_classes=7 must be an integer <= 6"),
    (dict(size=(8, 8, 8)), TypeError, "size must be an int or 2 ints"),
    (dict(size=8), ValueError, "at least 1 pixel"),
    (dict(radius_range=(0.1, 0.6)), ValueError, "radius_range"),
    (dict(contrast_range=(0.5, 0.2)), ValueError, "low <= high"),
    (dict(noise_std=-0.1), ValueError, "noise_std"),
    (dict(dark_fraction=1.5), ValueError, "dark_fraction"),
    (dict(count_range=(1.5, 2)), TypeError, "count_range"),
    (dict(seed=-3), ValueError, "seed=-3"),
])
def test_bad_arguments_name_the_argument(kwargs, error, words):
    arguments = dict(n=2) | kwargs
    with pytest.raises(error, match=words.replace("(", r"\(")):
        SyntheticShapes(**arguments)


def test_bad_indices():
    ds = SyntheticShapes(3, size=16)
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ds[3]
    with pytest.raises(TypeError, match="must be an integer"):
        ds[1.0]
    assert len(list(iter(ds))) == 3            # the sequence protocol stops at the IndexError


def test_generation_is_fast():
    ds = SyntheticShapes(256, 64)
    start = time.perf_counter()
    for i in range(len(ds)):
        ds[i]
    elapsed = time.perf_counter() - start
    print(f"SyntheticShapes(256, 64): all items in {elapsed:.3f} s")
    assert elapsed < 5.0           # about 0.2 s on the project's machine; generous for shared CI
