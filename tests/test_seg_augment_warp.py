"""The warps: sampler, Affine, ElasticTransform and the separable Gaussian, against independent references.

References: scipy.ndimage (``map_coordinates`` with ``mode="grid-constant"`` is bilinear /
nearest sampling with a constant outside; ``gaussian_filter1d`` with ``mode="mirror"`` is the
reflect-padded Gaussian), ``np.rot90``, NumPy slicing, a per-pixel loop twin, and an affine map
written here from its definition (rotation, scale, shear about the centre) and inverted with
``np.linalg.inv``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from seg_augment_cases import FILL_ID, assert_moved_together_within_half_pixel, coordinate_image, id_mask

from tconv.seg.augment import Affine, Compose, ElasticTransform, GaussianBlur
from tconv.seg.augment.filters import gaussian_kernel1d, gaussian_smooth, reflect_index
from tconv.seg.augment.sampler import sample_bilinear, sample_nearest

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=25)


# ---------------------------------------------------------------- the sampler

@few
@given(st.integers(1, 7), st.integers(1, 7), st.floats(-3, 3), seeds)
def test_bilinear_and_nearest_match_scipy(h, w, fill, seed):
    rng = np.random.default_rng(seed)
    image, mask = rng.random((h, w)), rng.integers(0, 9, (h, w))
    ys, xs = rng.uniform(-2, h + 2, (6, 5)), rng.uniform(-2, w + 2, (6, 5))
    index_coords = [ys - 0.5, xs - 0.5]            # pixel (i, j) holds its value at (i + 0.5, j + 0.5)
    expected = ndimage.map_coordinates(image, index_coords, order=1, mode="grid-constant", cval=fill)
    np.testing.assert_allclose(sample_bilinear(image, ys, xs, fill), expected, atol=1e-12)
    expected = ndimage.map_coordinates(mask, index_coords, order=0, mode="grid-constant", cval=FILL_ID)
    np.testing.assert_array_equal(sample_nearest(mask, ys, xs, FILL_ID), expected)


def test_sampling_at_pixel_centres_is_exact_and_keeps_float32():
    image = np.random.default_rng(0).random((2, 3, 4)).astype(np.float32)
    ys, xs = np.meshgrid(np.arange(3) + 0.5, np.arange(4) + 0.5, indexing="ij")
    out = sample_bilinear(image, ys, xs, np.float32(0))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, image)
    # A point on a pixel edge belongs to the pixel below/right of it; just left of it, to the pixel left.
    np.testing.assert_array_equal(sample_nearest(image, ys + 0.49, xs - 0.5, -1), image)
    shifted = sample_nearest(image, ys - 0.49, xs - 0.51, -1)
    np.testing.assert_array_equal(shifted[:, :, 1:], image[:, :, :-1])
    np.testing.assert_array_equal(shifted[:, :, 0], -1)


# ---------------------------------------------------------------- Affine

def _reference_affine(image, scale=(1.0, 1.0), rotate=0.0, shear=(0.0, 0.0), translate=(0.0, 0.0), fill=0.0):
    """The forward map from its definition, inverted numerically, sampled by scipy (x = column, y = row)."""
    h, w = image.shape[-2:]
    r, hx, hy = math.radians(rotate), math.radians(-shear[0]), math.radians(-shear[1])
    linear = (np.array([[1, math.tan(hx)], [math.tan(hy), 1]])                  # shear (albumentations' sign)
              @ np.array([[math.cos(r), math.sin(r)], [-math.sin(r), math.cos(r)]])   # counter-clockwise on screen
              @ np.diag(scale))
    centre = np.array([w / 2, h / 2])
    inverse = np.linalg.inv(linear)
    out_y, out_x = np.meshgrid(np.arange(h) + 0.5, np.arange(w) + 0.5, indexing="ij")
    offset = np.stack([out_x.ravel(), out_y.ravel()]) - (centre + np.asarray(translate))[:, None]
    src_x, src_y = inverse @ offset + centre[:, None]
    coords = [src_y.reshape(h, w) - 0.5, src_x.reshape(h, w) - 0.5]
    return ndimage.map_coordinates(image, coords, order=1, mode="grid-constant", cval=fill)


@few
@given(st.integers(3, 12), st.integers(3, 12), st.floats(0.5, 2.0), st.floats(0.5, 2.0), st.floats(-180, 180),
       st.floats(-30, 30), st.floats(-30, 30), st.integers(-3, 3), st.integers(-3, 3), seeds)
def test_affine_matches_the_definition_sampled_by_scipy(h, w, sx, sy, angle, shear_x, shear_y, tx, ty, seed):
    image = np.random.default_rng(seed).random((h, w))
    affine = Affine(scale={"x": sx, "y": sy}, rotate=angle, shear={"x": shear_x, "y": shear_y},
                    translate_px={"x": tx, "y": ty}, fill=0.25, p=1.0)
    expected = _reference_affine(image, (sx, sy), angle, (shear_x, shear_y), (tx, ty), fill=0.25)
    np.testing.assert_allclose(affine(image=image)["image"], expected, atol=1e-9)


@pytest.mark.parametrize("size", [4, 5, 8])
@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_affine_by_multiples_of_90_degrees_is_exactly_rot90(size, k):
    image = np.random.default_rng(k).random((2, size, size)).astype(np.float32)
    mask = np.random.default_rng(k).integers(0, 5, (size, size))
    out = Affine(rotate=90 * k, p=1.0)(image=image, mask=mask)
    np.testing.assert_array_equal(out["image"], np.rot90(image, k, axes=(1, 2)))
    np.testing.assert_array_equal(out["mask"], np.rot90(mask, k))
    out = Affine(rotate=90 * k - 360, p=1.0)(image=image, mask=mask)       # the same angle, spelled negative
    np.testing.assert_array_equal(out["image"], np.rot90(image, k, axes=(1, 2)))


def test_affine_identity_is_exact_and_translation_is_a_shift():
    image = np.random.default_rng(0).random((3, 5, 6))
    mask = np.random.default_rng(1).integers(0, 4, (5, 6))
    same = Affine(p=1.0)(image=image, mask=mask)
    np.testing.assert_array_equal(same["image"], image)
    np.testing.assert_array_equal(same["mask"], mask)
    moved = Affine(translate_px={"x": 2, "y": -1}, fill=7.0, fill_mask=9, p=1.0)(image=image, mask=mask)
    expected = np.full_like(image, 7.0)
    expected[:, :4, 2:] = image[:, 1:, :4]                 # content moves right by 2 and up by 1
    np.testing.assert_array_equal(moved["image"], expected)
    expected_mask = np.full_like(mask, 9)
    expected_mask[:4, 2:] = mask[1:, :4]
    np.testing.assert_array_equal(moved["mask"], expected_mask)


def test_affine_shear_sign_and_scale_about_the_centre():
    grid = coordinate_image((5, 7))                        # rows, columns, ones
    sheared = Affine(shear={"x": 45}, p=1.0)(image=grid)["image"]
    # x' = x + tan(-45) (y - 2.5): the row one below the centre (i = 3) shows the columns one to the right.
    np.testing.assert_allclose(sheared[1, 3, :6], np.arange(1, 7), atol=1e-12)
    np.testing.assert_allclose(sheared[1, 2, :], np.arange(7), atol=1e-12)       # centre row: unmoved
    zoomed = Affine(scale=2.0, p=1.0)(image=coordinate_image((4, 4)))["image"]
    # Output centre i + 0.5 comes from 2 + (i + 0.5 - 2) / 2, i.e. index coordinate 0.75 + i / 2.
    for i in range(4):
        np.testing.assert_allclose(zoomed[0, i, :], 0.75 + i / 2, atol=1e-12)


def test_affine_argument_spellings_and_draws():
    affine = Affine(scale=(0.5, 2.0), translate_percent={"y": (-0.1, 0.1)}, rotate=30, shear=5)
    assert affine.scale == {"x": (0.5, 2.0), "y": (0.5, 2.0)}
    assert affine.translate_percent == {"x": (0.0, 0.0), "y": (-0.1, 0.1)}
    assert affine.rotate == (30.0, 30.0) and affine.shear == {"x": (5.0, 5.0), "y": (5.0, 5.0)}
    ratio = Affine(scale=(0.5, 2.0), keep_ratio=True, p=1.0)
    grid = coordinate_image((9, 9))
    for seed in range(5):
        out = Compose([ratio], seed=seed)(image=grid)["image"]
        # A uniform zoom about the centre: the column step along a row equals the row step down a column.
        np.testing.assert_allclose(out[1, 4, 5] - out[1, 4, 4], out[0, 5, 4] - out[0, 4, 4], atol=1e-9)
    shifts = {int(Compose([Affine(translate_px=(-1, 1), p=1.0)], seed=s)(image=grid)["image"][1, 4, 4]) - 4
              for s in range(40)}
    assert shifts == {-1, 0, 1}                             # whole pixels, both ends included


@pytest.mark.parametrize("kwargs, message", [
    ({"mask_interpolation": "bilinear"}, "must use 'nearest'"),
    ({"interpolation": "cubic"}, "interpolation='cubic'"),
    ({"translate_percent": 0.1, "translate_px": 2}, "not both"),
    ({"translate_px": (0.5, 2)}, "whole pixels"),
    ({"scale": 0}, "must be > 0"),
    ({"scale": {"z": 1}}, "keys 'x' and/or 'y'"),
    ({"shear": 90}, "strictly between -90 and 90"),
    ({"rotate": (30, 10)}, "low <= high"),
    ({"scale": {"x": (1, 2)}, "keep_ratio": True}, "keep_ratio"),
])
def test_affine_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Affine(**kwargs)


# ---------------------------------------------------------------- ElasticTransform

def test_elastic_displacement_is_normalised_noise_smoothed_by_scipy():
    elastic = ElasticTransform(alpha=4.0, sigma=3.0)
    dy, dx = elastic.displacement(9, 11, np.random.default_rng(0))
    noise = np.random.default_rng(0).standard_normal((2, 9, 11))
    noise /= np.abs(noise).max()
    smooth = noise
    for axis in (1, 2):
        smooth = ndimage.gaussian_filter1d(smooth, 3.0, axis=axis, mode="mirror", radius=12)
    np.testing.assert_allclose(dx, 4.0 * smooth[0], atol=1e-12)
    np.testing.assert_allclose(dy, 4.0 * smooth[1], atol=1e-12)
    same = ElasticTransform(alpha=1.0, sigma=2.0, same_dxdy=True, noise_distribution="uniform")
    dy, dx = same.displacement(5, 6, np.random.default_rng(1))
    np.testing.assert_array_equal(dy, dx)


@few
@given(st.integers(4, 12), st.integers(4, 12), st.floats(0.0, 6.0), st.floats(1.0, 5.0), seeds)
def test_elastic_moves_no_pixel_further_than_alpha(h, w, alpha, sigma, seed):
    elastic = ElasticTransform(alpha=alpha, sigma=sigma, fill_mask=FILL_ID, p=1.0)
    out = Compose([elastic], seed=seed)(image=coordinate_image((h, w)), mask=id_mask((h, w)))
    inside = out["image"][2] > 1 - 1e-9
    rows, columns = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    assert np.all(np.abs(out["image"][0] - rows)[inside] <= alpha + 1e-9)
    assert np.all(np.abs(out["image"][1] - columns)[inside] <= alpha + 1e-9)
    assert_moved_together_within_half_pixel(out["image"], out["mask"], (h, w))


def test_elastic_identity_and_bad_arguments():
    image = np.random.default_rng(0).random((2, 6, 6))
    mask = np.random.default_rng(0).integers(0, 3, (6, 6))
    out = ElasticTransform(alpha=0, p=1.0)(image=image, mask=mask)
    np.testing.assert_array_equal(out["image"], image)
    np.testing.assert_array_equal(out["mask"], mask)
    with pytest.raises(ValueError, match="sigma=0.5 must be a finite number >= 1"):
        ElasticTransform(sigma=0.5)
    with pytest.raises(ValueError, match="alpha=-1"):
        ElasticTransform(alpha=-1)
    with pytest.raises(ValueError, match="noise_distribution='laplace'"):
        ElasticTransform(noise_distribution="laplace")


# ---------------------------------------------------------------- separable Gaussian (shared with GaussianBlur)

@few
@given(st.integers(1, 9), st.integers(1, 9), st.floats(0.3, 6.0), st.integers(0, 25), seeds)
def test_gaussian_smooth_matches_scipy_and_a_pad_convolve_loop(h, w, sigma, radius, seed):
    x = np.random.default_rng(seed).random((2, h, w))
    expected = x
    for axis in (1, 2):
        expected = ndimage.gaussian_filter1d(expected, sigma, axis=axis, mode="mirror", radius=radius)
    np.testing.assert_allclose(gaussian_smooth(x, sigma, radius), expected, atol=1e-12)
    # Twin: pad by mirroring (np.pad "reflect" repeats its reflection for long kernels), convolve.
    kernel = gaussian_kernel1d(sigma, radius)
    row = x[0, 0]
    padded = np.pad(row, radius, mode="reflect") if w > 1 else np.full(w + 2 * radius, row[0])
    twin = np.array([sum(kernel[t] * padded[j + t] for t in range(2 * radius + 1)) for j in range(w)])
    np.testing.assert_allclose(gaussian_smooth(row[None], sigma, radius, axes=(-1,))[0], twin, atol=1e-12)


def test_gaussian_pieces_known_values():
    kernel = gaussian_kernel1d(1.5, 4)
    assert kernel.sum() == pytest.approx(1.0) and np.array_equal(kernel, kernel[::-1])
    np.testing.assert_array_equal(reflect_index(np.arange(-4, 9), 4), np.pad(np.arange(4), (4, 5), mode="reflect"))
    np.testing.assert_array_equal(reflect_index(np.arange(-3, 4), 1), 0)
    float32 = np.ones((3, 4), np.float32)
    assert gaussian_smooth(float32, 1.0, 2).dtype == np.float32


def test_gaussian_blur_uses_the_same_smoothing():
    x = np.random.default_rng(0).random((2, 8, 9))
    out = GaussianBlur(sigma_limit=(2.0, 2.0), p=1.0)(image=x)["image"]       # size int(3.5 * 2) * 2 + 1 = 15
    expected = ndimage.gaussian_filter(x, (0, 2.0, 2.0), mode="mirror", radius=(0, 7, 7))
    np.testing.assert_allclose(out, expected, atol=1e-12)
