"""Paired augmentation for segmentation, with albumentations' calling convention.

One draw of the random parameters moves the image and every mask together::

    from tconv.seg.augment import Compose, HorizontalFlip, RandomRotate90, Affine, RandomBrightnessContrast
    aug = Compose([HorizontalFlip(), RandomRotate90(), Affine(rotate=(-15, 15)),
                   RandomBrightnessContrast()], seed=0)
    out = aug(image=img, mask=m)          # {"image": ..., "mask": ...}; also masks=[m1, m2]

Images are channel-first float32/float64 in [0, 1] (``(H, W)``/``(C, H, W)``; volumes
``(D, H, W)``/``(C, D, H, W)`` with ``spatial_dims=3``); masks hold integer class ids of the
image's spatial shape and only ever take ids they had (plus ``fill_mask`` in new border).

Modules: :mod:`.targets` (layouts, checks), :mod:`.core` (the base transforms),
:mod:`.composition` (Compose, OneOf), :mod:`.flips` (flips and 90-degree rotations: pixel
permutations), :mod:`.crops` (RandomCrop, PadIfNeeded), :mod:`.sampler` (pixel-centre
convention, inverse mapping, bilinear/nearest gather), :mod:`.warps` (Affine,
ElasticTransform: resampling warps), :mod:`.filters` (separable Gaussian), :mod:`.intensity`
(brightness/contrast, gamma, noise, blur, Normalize). (``spatial`` and ``geometric`` are the
deprecated old names of ``flips`` and ``warps``.) Every transform's ``repr`` shows all its
arguments, so a printed pipeline pasted back builds the same pipeline.

>>> import numpy as np
>>> img = np.random.default_rng(0).random((1, 8, 8)).astype(np.float32)
>>> mask = (img[0] > 0.5).astype(np.int64)
>>> out = Compose([HorizontalFlip(), RandomRotate90(), RandomCrop(4, 4)], seed=0)(image=img, mask=mask)
>>> out["image"].shape, out["image"].dtype, out["mask"].shape
((1, 4, 4), dtype('float32'), (4, 4))
>>> bool(np.array_equal(out["mask"], out["image"][0] > 0.5))     # the mask moved with the image
True
"""
from .composition import Compose, OneOf
from .core import BasicTransform, DualTransform, ImageOnlyTransform
from .crops import PadIfNeeded, RandomCrop
from .flips import DepthFlip, HorizontalFlip, RandomRotate90, VerticalFlip
from .intensity import GaussianBlur, GaussNoise, Normalize, RandomBrightnessContrast, RandomGamma
from .warps import Affine, ElasticTransform

__all__ = [
    "Compose", "OneOf", "BasicTransform", "DualTransform", "ImageOnlyTransform",
    "HorizontalFlip", "VerticalFlip", "DepthFlip", "RandomRotate90", "RandomCrop", "PadIfNeeded",
    "Affine", "ElasticTransform",
    "RandomBrightnessContrast", "RandomGamma", "GaussNoise", "GaussianBlur", "Normalize",
]
