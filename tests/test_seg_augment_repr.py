"""Every augmentation's ``repr`` shows all its arguments, so a printed pipeline pasted back rebuilds it.

albumentations builds a transform's ``repr`` from its init arguments; tconv does the same
(``BasicTransform.init_arguments``). For every transform class of ``tconv.seg.augment``, built
with arguments other than its defaults: the ``repr`` names every parameter of its ``__init__``
(but ``rng``), ``eval`` of the printed ``Compose`` gives a pipeline that prints the same, and
the two pipelines, seeded alike, give the same image and mask call after call.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tconv.seg.augment as A
from tconv.seg.augment import BasicTransform, DualTransform, ImageOnlyTransform

# One case per class (the arguments differ from the defaults wherever they can), and the sample's spatial dims.
CASES = {
    "HorizontalFlip": (lambda: A.HorizontalFlip(p=0.7), 2),
    "VerticalFlip": (lambda: A.VerticalFlip(p=0.6, spatial_dims=2), 2),
    "DepthFlip": (lambda: A.DepthFlip(p=0.8), 3),
    "RandomRotate90": (lambda: A.RandomRotate90(p=0.9), 2),
    "RandomCrop": (lambda: A.RandomCrop(6, 5, p=0.75), 2),
    "PadIfNeeded": (lambda: A.PadIfNeeded(min_height=None, min_width=12, pad_height_divisor=4, position="top_left",
                                          fill=0.25, fill_mask=7, p=0.9), 2),
    "Affine": (lambda: A.Affine(scale=(0.8, 1.2), translate_percent={"x": (-0.1, 0.1)}, rotate=20, shear=(-5, 5),
                                interpolation="nearest", fill=0.5, fill_mask=3, keep_ratio=True, p=0.8), 2),
    "ElasticTransform": (lambda: A.ElasticTransform(alpha=30, sigma=4, same_dxdy=True, noise_distribution="uniform",
                                                    fill=0.1, fill_mask=2, p=0.9), 2),
    "RandomBrightnessContrast": (lambda: A.RandomBrightnessContrast(brightness_limit=0.3, contrast_limit=(-0.1, 0.4),
                                                                    brightness_by_max=False, p=0.8), 2),
    "RandomGamma": (lambda: A.RandomGamma(gamma_limit=150, p=0.7), 2),
    "GaussNoise": (lambda: A.GaussNoise(std_range=(0.05, 0.1), mean_range=(-0.02, 0.02), per_channel=False, p=0.6), 2),
    "GaussianBlur": (lambda: A.GaussianBlur(blur_limit=(3, 5), sigma_limit=0.8, p=0.7), 2),
    "Normalize": (lambda: A.Normalize(mean=(0.4, 0.5), std=0.2, max_pixel_value=2.0, p=0.9), 2),
    "OneOf": (lambda: A.OneOf([A.HorizontalFlip(p=1.0), A.Affine(translate_px=(-2, 2), p=0.3)], p=0.8), 2),
    "Compose": (lambda: A.Compose([A.RandomRotate90(), A.GaussNoise(p=1.0)], p=0.9, seed=5), 2),
}


def transform_classes() -> set:
    bases = (BasicTransform, DualTransform, ImageOnlyTransform)
    return {name for name in A.__all__ if isinstance(getattr(A, name), type)
            and issubclass(getattr(A, name), BasicTransform) and getattr(A, name) not in bases}


def test_every_transform_class_has_a_case():
    assert set(CASES) == transform_classes()


def _sample(spatial_dims: int, seed: int):
    rng = np.random.default_rng(seed)
    shape = (10, 12) if spatial_dims == 2 else (4, 10, 12)
    return rng.random((2,) + shape), rng.integers(0, 5, shape)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_printed_pipeline_pasted_back_is_the_same_pipeline(name):
    make, spatial_dims = CASES[name]
    transform = make()
    text = repr(transform)
    shown = set(transform.init_arguments())
    expected = set(inspect.signature(type(transform).__init__).parameters) - {"self", "rng"}
    assert shown == expected and all(f"{argument}=" in text for argument in expected), text
    pipeline = A.Compose([make()], seed=11, spatial_dims=spatial_dims)
    printed = repr(pipeline)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # pasting back must not lean on a deprecated spelling
        rebuilt = eval(printed, vars(A))
    assert repr(rebuilt) == printed
    for call in range(4):                                # same draws, call after call
        image, mask = _sample(spatial_dims, call)
        ours, theirs = pipeline(image=image, mask=mask), rebuilt(image=image, mask=mask)
        np.testing.assert_array_equal(ours["image"], theirs["image"])
        np.testing.assert_array_equal(ours["mask"], theirs["mask"])


def test_a_whole_printed_pipeline_rebuilds_it():
    pipeline = A.Compose([make() for make, dims in CASES.values() if dims == 2 and make().p > 0
                          and not isinstance(make(), (A.Compose, A.RandomCrop))], seed=2)
    rebuilt = eval(repr(pipeline), vars(A))
    assert repr(rebuilt) == repr(pipeline) and len(rebuilt.transforms) == 12
    image, mask = _sample(2, 9)
    np.testing.assert_array_equal(pipeline(image=image, mask=mask)["mask"], rebuilt(image=image, mask=mask)["mask"])


def test_the_old_module_names_still_work_with_a_warning():
    from tconv.seg.augment import flips, warps

    with pytest.warns(DeprecationWarning, match="spatial.HorizontalFlip moved to tconv.seg.augment.flips"):
        from tconv.seg.augment.spatial import HorizontalFlip
    with pytest.warns(DeprecationWarning, match="geometric.affine_matrix moved to tconv.seg.augment.warps"):
        from tconv.seg.augment.geometric import affine_matrix
    assert HorizontalFlip is flips.HorizontalFlip and affine_matrix is warps.affine_matrix
