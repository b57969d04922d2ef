"""The synthetic shapes made rare: one small disc per image, about 1% of the pixels.

Most real segmentation data is unbalanced (a lesion in a scan, a crack in a wall, a cell in a
field of view), and then pixel accuracy flatters: a network that paints every pixel background
scores 99% and finds nothing. :func:`imbalanced_shapes` is :class:`~tconv.seg.data.SyntheticShapes`
with the knobs of :data:`IMBALANCED`, to show that trap (tutorial 7) and its remedies: the
per-class IoU instead of pixel accuracy, class weights (:mod:`tconv.seg.data.balance`), an
overlap loss (Dice).

>>> data = imbalanced_shapes(20, size=48, seed=0)
>>> masks = np.stack([data[i][1] for i in range(len(data))])
>>> data.class_names, round(float((masks == 1).mean()), 3)
(('background', 'disc'), 0.012)
"""
from __future__ import annotations

import numpy as np

from .shapes import SyntheticShapes

__all__ = ["IMBALANCED", "imbalanced_shapes"]

#: One disc of radius 4-8% of the side per image, as bright or dark against the background as the
#: default shapes: about 1% of the pixels are the object.
IMBALANCED = dict(shapes=("disc",), count_range=(1, 1), radius_range=(0.04, 0.08), contrast_range=(0.25, 0.5),
                  noise_std=0.04)


def imbalanced_shapes(n: int, size: int = 48, seed: int = 0, **knobs) -> SyntheticShapes:
    """``n`` seeded ``size x size`` images with one small disc each (:data:`IMBALANCED`; ``knobs`` override it)."""
    return SyntheticShapes(n, size=size, seed=seed, **{**IMBALANCED, **knobs})
