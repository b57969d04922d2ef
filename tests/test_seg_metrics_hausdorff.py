"""Mask boundaries and the Hausdorff distance against independent references.

References: ``scipy.ndimage.binary_erosion`` for the boundaries; brute force over the boundary
coordinates (scaled by the spacing) with ``scipy.spatial.distance.directed_hausdorff``,
``cdist`` and ``np.percentile``; scipy's documented example (2.23607 and 3.0); two 3x3
squares 3 pixels apart (3.0) and (3, 3) apart (4.242641).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from scipy.spatial.distance import cdist, directed_hausdorff

from tconv.seg.metrics import (HausdorffDistanceMetric, binary_erosion, compute_hausdorff_distance,
                               get_mask_edges, get_surface_distance, prepare_spacing)

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=25)

SCIPY_U = [(1, 0), (0, 1), (-1, 0), (0, -1)]          # scipy.spatial.distance.directed_hausdorff docs
SCIPY_V = [(2, 0), (0, 2), (-2, 0), (0, -4)]


def boundary_points(mask, spacing):
    """The coordinates (scaled by ``spacing``) of mask XOR scipy's erosion of it."""
    edges = mask ^ ndimage.binary_erosion(mask)
    return np.argwhere(edges) * np.asarray(spacing, float)


def brute_force(mask_pred, mask_gt, spacing, percentile=None, directed=False, metric="euclidean"):
    """Hausdorff distance from all pairwise distances between the two boundaries."""
    a, b = boundary_points(mask_pred, spacing), boundary_points(mask_gt, spacing)
    if len(a) == 0 and len(b) == 0:
        return math.nan
    if len(a) == 0 or len(b) == 0:
        return math.inf
    pairwise = cdist(a, b, metric)
    directions = [pairwise.min(axis=1)] + ([] if directed else [pairwise.min(axis=0)])
    if percentile is None:
        return max(d.max() for d in directions)
    return max(np.percentile(d, percentile) for d in directions)


@st.composite
def blob_masks(draw, spatial):
    """One random mask pair of ``spatial`` axes: smoothed noise thresholded (blobs, some holes)."""
    size = (draw(st.integers(4, 12)),) * spatial if spatial == 2 else (draw(st.integers(3, 6)),) * 3
    rng = np.random.default_rng(draw(seeds))
    field = ndimage.gaussian_filter(rng.standard_normal((2,) + size), sigma=(0,) + (1.0,) * spatial)
    level = draw(st.sampled_from([-0.3, 0.0, 0.2]))
    return field[0] > level, field[1] > level


# --------------------------------------------------------------------------- boundaries

@few
@given(st.sampled_from([(7,), (5, 6), (1, 5), (4, 3, 5)]), seeds, st.sampled_from([0.3, 0.6, 0.9, 1.0]))
def test_binary_erosion_equals_scipy(shape, seed, density):
    mask = np.random.default_rng(seed).random(shape) < density
    np.testing.assert_array_equal(binary_erosion(mask), ndimage.binary_erosion(mask))


@few
@given(st.sampled_from([2, 3]).flatmap(blob_masks))
def test_mask_edges_equal_scipy_edges_in_the_cropped_box(masks):
    pred, gt = masks
    uncropped = get_mask_edges(pred, gt, crop=False)
    for mine, mask in zip(uncropped, (pred, gt)):
        np.testing.assert_array_equal(mine, mask ^ ndimage.binary_erosion(mask))
    cropped = get_mask_edges(pred, gt)
    union = pred | gt
    if not union.any():
        assert cropped[0].shape == pred.shape and not cropped[0].any() and not cropped[1].any()
        return
    start = np.argwhere(union).min(axis=0)
    for mine, mask in zip(cropped, (pred, gt)):
        origin = np.maximum(start - 1, 0)                       # one pixel of margin, clipped to the image
        np.testing.assert_array_equal(np.argwhere(mine) + origin, np.argwhere(mask ^ ndimage.binary_erosion(mask)))


def test_mask_edges_of_label_maps():
    labels = np.zeros((5, 5), int); labels[1:4, 1:4] = 2
    edges, _ = get_mask_edges(labels, labels, label_idx=2, crop=False)
    assert edges.sum() == 8 and not edges[2, 2]


# --------------------------------------------------------------------------- known values

def test_scipy_documented_example_on_boundaries():
    """Isolated pixels are their own boundary, so scipy's point sets work as masks."""
    centre = 5
    u = np.zeros((1, 1, 11, 11), bool); v = np.zeros((1, 1, 11, 11), bool)
    for (r, c) in SCIPY_U:
        u[0, 0, centre + r, centre + c] = True
    for (r, c) in SCIPY_V:
        v[0, 0, centre + r, centre + c] = True
    # The references agree first: scipy and the brute-force helper.
    assert directed_hausdorff(np.array(SCIPY_U, float), np.array(SCIPY_V, float))[0] == pytest.approx(2.23607, abs=1e-5)
    assert brute_force(u[0, 0], v[0, 0], (1, 1), directed=True) == pytest.approx(2.23607, abs=1e-5)
    assert brute_force(v[0, 0], u[0, 0], (1, 1), directed=True) == pytest.approx(3.0)
    kw = dict(include_background=True)
    assert compute_hausdorff_distance(u, v, directed=True, **kw)[0, 0] == pytest.approx(2.23607, abs=1e-5)
    assert compute_hausdorff_distance(v, u, directed=True, **kw)[0, 0] == pytest.approx(3.0)
    assert compute_hausdorff_distance(u, v, **kw)[0, 0] == pytest.approx(3.0)


@pytest.mark.parametrize("shift, expected", [((0, 3), 3.0), ((3, 0), 3.0), ((3, 3), 4.242641)])
def test_squares_shifted(shift, expected):
    gt = np.zeros((1, 1, 10, 10)); gt[0, 0, 1:4, 1:4] = 1
    pred = np.roll(gt, shift, axis=(2, 3))
    for kw in ({}, {"directed": True}, {"percentile": 100}):
        assert compute_hausdorff_distance(pred, gt, include_background=True, **kw)[0, 0] == pytest.approx(
            expected, abs=1e-6), kw
    # HD95 forgives the farthest pixels: equal for the straight shift, less for the diagonal one
    # (only the corners are 4.24 apart).
    hd95 = compute_hausdorff_distance(pred, gt, include_background=True, percentile=95)[0, 0]
    assert hd95 == pytest.approx(brute_force(pred[0, 0] > 0, gt[0, 0] > 0, (1, 1), 95), rel=1e-12)
    assert (hd95 == expected) if 0 in shift else (hd95 < expected)
    assert compute_hausdorff_distance(pred, gt, include_background=True, distance_metric="chessboard")[0, 0] == 3
    assert compute_hausdorff_distance(pred, gt, include_background=True, distance_metric="taxicab")[0, 0] == sum(shift)


# --------------------------------------------------------------------------- random masks against brute force

@few
@given(st.sampled_from([2, 3]).flatmap(blob_masks), st.data())
def test_hausdorff_matches_directed_hausdorff(masks, data):
    pred, gt = masks
    spatial = pred.ndim
    spacing = tuple(data.draw(st.sampled_from([1.0, 0.5, 2.5])) for _ in range(spatial))
    got = compute_hausdorff_distance(pred[None, None], gt[None, None], include_background=True, spacing=spacing)
    got_directed = compute_hausdorff_distance(pred[None, None], gt[None, None], include_background=True,
                                              spacing=spacing, directed=True)
    a, b = boundary_points(pred, spacing), boundary_points(gt, spacing)
    if len(a) and len(b):
        forward, backward = directed_hausdorff(a, b)[0], directed_hausdorff(b, a)[0]
        assert got[0, 0] == pytest.approx(max(forward, backward), rel=1e-12)
        assert got_directed[0, 0] == pytest.approx(forward, rel=1e-12)
    else:
        expected = math.nan if len(a) == len(b) == 0 else math.inf
        np.testing.assert_array_equal(got, [[expected]])
        np.testing.assert_array_equal(got_directed, [[expected]])


@few
@given(st.sampled_from([2, 3]).flatmap(blob_masks), st.sampled_from([0, 50, 95, 99.5, 100]), st.booleans())
def test_percentiles_match_np_percentile_of_all_distances(masks, percentile, directed):
    pred, gt = masks
    spacing = (0.7,) + (1.3,) * (pred.ndim - 1)
    got = compute_hausdorff_distance(pred[None, None], gt[None, None], include_background=True,
                                     percentile=percentile, directed=directed, spacing=spacing)[0, 0]
    expected = brute_force(pred, gt, spacing, percentile, directed)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@few
@given(st.sampled_from([2, 3]).flatmap(blob_masks), st.sampled_from(["chessboard", "taxicab"]))
def test_chessboard_and_taxicab_match_cdist(masks, metric):
    pred, gt = masks
    got = compute_hausdorff_distance(pred[None, None], gt[None, None], include_background=True,
                                     distance_metric=metric)[0, 0]
    expected = brute_force(pred, gt, (1,) * pred.ndim, metric={"chessboard": "chebyshev",
                                                               "taxicab": "cityblock"}[metric])
    np.testing.assert_array_equal(got, expected)


def test_batches_channels_and_spacing_per_image():
    rng = np.random.default_rng(4)
    field = ndimage.gaussian_filter(rng.standard_normal((2, 2, 3, 9, 9)), sigma=(0, 0, 0, 1, 1))
    y_pred, y = field[0] > 0, field[1] > 0                      # (B=2, C=3, 9, 9)
    spacing = [(1.0, 2.0), (0.5, 0.5)]
    got = compute_hausdorff_distance(y_pred, y, spacing=spacing)  # background dropped: (2, 2)
    assert got.shape == (2, 2)
    for b in range(2):
        for c in range(1, 3):
            assert got[b, c - 1] == pytest.approx(brute_force(y_pred[b, c], y[b, c], spacing[b]), rel=1e-12)
    with_background = compute_hausdorff_distance(y_pred, y, include_background=True, spacing=0.5)
    np.testing.assert_allclose(with_background[1, 1:], got[1])


def test_dtype_and_the_accumulator():
    gt = np.zeros((2, 2, 9, 9), np.float32); gt[:, 1, 1:4, 1:4] = 1; gt[:, 0] = 1 - gt[:, 1]
    pred = np.roll(gt, 3, axis=3)
    assert compute_hausdorff_distance(pred, gt).dtype == np.float32
    assert compute_hausdorff_distance(pred.astype(bool), gt.astype(bool)).dtype == np.float64
    metric = HausdorffDistanceMetric(get_not_nans=True)
    metric(pred, gt)
    metric(pred[:1], np.zeros_like(gt[:1]))                     # ground truth empty: +inf, counted
    value, not_nans = metric.aggregate()
    assert value == math.inf and not_nans == 3
    np.testing.assert_allclose(metric.aggregate("none")[0][:, 0], [3.0, 3.0, math.inf])


# --------------------------------------------------------------------------- surface distances and errors

def test_get_surface_distance_conventions():
    a = np.zeros((3, 4), bool); a[0, 0] = a[2, 3] = True
    b = np.zeros((3, 4), bool); b[0, 3] = True
    np.testing.assert_allclose(get_surface_distance(a, b), [3.0, 2.0])
    np.testing.assert_allclose(get_surface_distance(a, b, "taxicab"), [3.0, 2.0])
    np.testing.assert_allclose(get_surface_distance(a, b, spacing=2.0), [6.0, 4.0])
    np.testing.assert_array_equal(get_surface_distance(a, np.zeros_like(b)), [np.inf, np.inf])   # one per a pixel
    np.testing.assert_array_equal(get_surface_distance(np.zeros_like(a), b), [np.inf])           # one per b pixel
    assert get_surface_distance(np.zeros_like(a), np.zeros_like(b)).size == 0


MASKS = np.zeros((2, 2, 4, 4)), np.zeros((2, 2, 4, 4))


@pytest.mark.parametrize("kw, error, match", [
    ({"distance_metric": "manhattan"}, ValueError, r"distance_metric='manhattan' must be one of \('euclidean'"),
    ({"percentile": -1}, ValueError, r"percentile=-1 must be between 0 and 100"),
    ({"percentile": True}, TypeError, "percentile must be None or a number"),
    ({"percentile": "95"}, TypeError, "percentile must be None or a number"),
    ({"directed": 1}, TypeError, "directed=.* must be True or False"),
    ({"spacing": (1.0, 2.0, 3.0)}, ValueError, r"spacing=\(1.0, 2.0, 3.0\) has 3 numbers; the images have 2"),
    ({"spacing": [(1.0, 1.0)] * 3}, ValueError, r"spacing has shape \(3, 2\); one row per image needs \(2, 2\)"),
    ({"spacing": [(1.0, 1.0), (1.0,)]}, ValueError, "spacing=.* must be a positive number"),
    ({"spacing": 0.0}, ValueError, "spacing=0.0 must be positive and finite"),
    ({"spacing": "1"}, TypeError, "spacing='1' must be a positive number"),
    ({"spacing": 2.0, "distance_metric": "taxicab"}, ValueError,
     r"spacing=2.0 needs distance_metric='euclidean'.*MONAI silently ignores it"),
])
def test_hausdorff_argument_errors(kw, error, match):
    with pytest.raises(error, match=match):
        compute_hausdorff_distance(*MASKS, **kw)


def test_prepare_spacing_forms():
    np.testing.assert_array_equal(prepare_spacing(None, 2, 3), np.ones((2, 3)))
    np.testing.assert_array_equal(prepare_spacing(2, 1, 2), [[2.0, 2.0]])
    np.testing.assert_array_equal(prepare_spacing(np.array([[1, 2], [3, 4]]), 2, 2), [[1, 2], [3, 4]])
    # A unit spacing is allowed with the chamfer metrics (it changes nothing).
    compute_hausdorff_distance(*MASKS, distance_metric="chessboard", spacing=1.0)
