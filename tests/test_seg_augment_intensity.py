"""Intensity transforms: formulas with fixed parameters, the [0, 1] rule, dtypes, masks untouched."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from tconv.seg.augment import (Compose, GaussianBlur, GaussNoise, Normalize, RandomBrightnessContrast,
                               RandomGamma)

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=25)


def _image(seed, shape=(3, 6, 7), dtype=np.float64):
    return np.random.default_rng(seed).random(shape).astype(dtype)


@few
@given(st.floats(-0.5, 0.5), st.floats(-0.9, 1.0), st.sampled_from([np.float32, np.float64]), seeds)
def test_brightness_contrast_formula(brightness, contrast, dtype, seed):
    x = _image(seed, dtype=dtype)
    fixed = RandomBrightnessContrast((brightness, brightness), (contrast, contrast), p=1.0)
    out = fixed(image=x)["image"]
    assert out.dtype == dtype
    np.testing.assert_allclose(out, np.clip((1 + contrast) * x.astype(np.float64) + brightness, 0, 1), atol=1e-6)
    by_mean = RandomBrightnessContrast((brightness, brightness), 0, brightness_by_max=False, p=1.0)
    np.testing.assert_allclose(by_mean(image=x)["image"], np.clip(x + brightness * x.mean(), 0, 1), atol=1e-6)


def test_brightness_contrast_draws_within_the_limits():
    x = np.full((4, 4), 0.5)
    t = Compose([RandomBrightnessContrast(brightness_limit=0.1, contrast_limit=0, p=1.0)], seed=0)
    shifts = np.array([t(image=x)["image"][0, 0] - 0.5 for _ in range(300)])
    assert shifts.min() >= -0.1 and shifts.max() <= 0.1 and shifts.min() < -0.08 and shifts.max() > 0.08


def test_gamma_formula_and_limits():
    x = _image(0)
    np.testing.assert_allclose(RandomGamma((150, 150), p=1.0)(image=x)["image"], x ** 1.5)
    assert RandomGamma(120).gamma_limit == (1.0, 120.0)                 # albumentations: a number v is (1, v)
    t = Compose([RandomGamma((80, 120), p=1.0)], seed=0)
    half = np.full((1, 1), 0.5)
    gammas = [np.log(t(image=half)["image"][0, 0]) / np.log(0.5) for _ in range(200)]
    assert 0.8 - 1e-9 <= min(gammas) < 0.85 and 1.15 < max(gammas) <= 1.2 + 1e-9


def test_gauss_noise_statistics_and_shared_channels():
    x = np.full((2, 64, 64), 0.5, np.float32)
    out = GaussNoise(std_range=(0.1, 0.1), mean_range=(0.05, 0.05), p=1.0, rng=np.random.default_rng(0))(image=x)
    noise = out["image"] - 0.5
    assert out["image"].dtype == np.float32
    assert abs(noise.mean() - 0.05) < 0.005 and abs(noise.std() - 0.1) < 0.005
    assert abs(np.corrcoef(noise[0].ravel(), noise[1].ravel())[0, 1]) < 0.05    # per channel: independent
    shared = GaussNoise(std_range=(0.1, 0.1), per_channel=False, p=1.0)(image=x)["image"]
    np.testing.assert_array_equal(shared[0], shared[1])
    clipped = GaussNoise(std_range=(0.5, 0.5), p=1.0)(image=x)["image"]
    assert clipped.min() == 0.0 and clipped.max() == 1.0                          # albumentations clips


@pytest.mark.parametrize("blur_limit, sigma_limit, radius, sigma", [
    (0, (1.2, 1.2), 4, 1.2),                          # size from sigma: int(3.5 * 1.2) * 2 + 1 = 9
    ((4, 4), (1.0, 1.0), 2, 1.0),                     # an even size grows by 1
    ((5, 5), 0, 2, 0.3 * (2 - 1) + 0.8),              # sigma 0: OpenCV's rule from the size
])
def test_gaussian_blur_kernel_rules(blur_limit, sigma_limit, radius, sigma):
    x = _image(1, (2, 9, 8))
    out = GaussianBlur(blur_limit=blur_limit, sigma_limit=sigma_limit, p=1.0)(image=x)["image"]
    expected = ndimage.gaussian_filter(x, (0, sigma, sigma), mode="mirror", radius=(0, radius, radius))
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_normalize_formula_and_defaults():
    rgb = _image(2)
    out = Normalize()(image=rgb)["image"]                                         # ImageNet mean/std, max 1.0
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out, (rgb - mean[:, None, None]) / std[:, None, None])
    in_255 = Normalize(mean=0.5, std=0.25, max_pixel_value=255.0)(image=rgb * 255)["image"]
    np.testing.assert_allclose(in_255, (rgb - 0.5) / 0.25)
    gray = Normalize(mean=0.5, std=0.25)(image=np.float32([[0.0, 1.0]]))["image"]
    assert gray.dtype == np.float32 and gray.tolist() == [[-2.0, 2.0]]
    with pytest.raises(ValueError, match=r"mean has 3 values .* 1 channel"):
        Normalize()(image=np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match="std"):
        Normalize(std=0)


@few
@given(st.sampled_from(["brightness", "gamma", "noise", "blur", "normalize"]), seeds)
def test_masks_pass_through_untouched_and_dtype_is_kept(name, seed):
    transform = {"brightness": RandomBrightnessContrast(p=1.0), "gamma": RandomGamma(p=1.0),
                 "noise": GaussNoise(p=1.0), "blur": GaussianBlur(p=1.0),
                 "normalize": Normalize(mean=0.4, std=0.3)}[name]
    x = _image(seed, (2, 5, 6), np.float32)
    m = np.random.default_rng(seed).integers(0, 3, (5, 6)).astype(np.uint8)
    out = Compose([transform], seed=seed)(image=x, mask=m, masks=[m])
    assert out["mask"] is m and out["masks"][0] is m
    assert out["image"].dtype == np.float32 and out["image"].shape == x.shape


@pytest.mark.parametrize("transform", [RandomBrightnessContrast(p=1.0), RandomGamma(p=1.0), GaussNoise(p=1.0)])
def test_images_outside_0_1_are_refused_not_clipped_silently(transform):
    with pytest.raises(ValueError, match=r"expects a float image in \[0, 1\].*\[0, 255\]"):
        transform(image=np.array([[0.0, 255.0]]))
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        transform(image=np.array([[-0.5, 0.5]]))
    transform(image=np.array([[0.0, 1.0 + 1e-7]]))             # interpolation round-off is tolerated


@pytest.mark.parametrize("make, message", [
    (lambda: RandomBrightnessContrast(brightness_limit=(0.3, 0.1)), "low <= high"),
    (lambda: RandomGamma(gamma_limit=(0, 120)), r"gamma_limit=\(0, 120\) gives the range"),
    (lambda: GaussNoise(std_range=(0.1, 2.0)), r"must lie in \[0, 1\]"),
    (lambda: GaussNoise(mean_range=(-2, 0)), "mean_range"),
    (lambda: GaussianBlur(blur_limit=0, sigma_limit=0), "both 0"),
    (lambda: GaussianBlur(blur_limit=(3.5, 5)), "whole kernel sizes"),
    (lambda: Normalize(max_pixel_value=0), "max_pixel_value=0"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
