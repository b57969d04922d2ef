"""Flips and rotations by 90 degrees: they permute pixels, so they are exact on image and mask.

(This module was ``tconv.seg.augment.spatial``; that name still works, deprecated: ``tconv._moved``.)

All act on the trailing spatial axes, so the same code serves an image ``(C, H, W)``, its mask
``(H, W)`` and volumes ``(C, D, H, W)`` / ``(D, H, W)``:

* ``HorizontalFlip``: ``out[..., i, j] = x[..., i, W-1-j]`` (left-right);
* ``VerticalFlip``:   ``out[..., i, j] = x[..., H-1-i, j]`` (up-down);
* ``DepthFlip``:      ``out[..., d, :, :] = x[..., D-1-d, :, :]`` (volumes only; albumentations
  has no named depth flip);
* ``RandomRotate90``: ``np.rot90(x, k, axes=(-2, -1))`` with ``k`` drawn from {0, 1, 2, 3},
  counter-clockwise in the H-W plane (every slice of a volume turns the same way).
"""
from __future__ import annotations

import numpy as np

from .core import DualTransform

__all__ = ["HorizontalFlip", "VerticalFlip", "DepthFlip", "RandomRotate90"]


class HorizontalFlip(DualTransform):
    """Flip left-right (the last axis), with probability ``p`` (default 0.5, as albumentations).

    >>> out = HorizontalFlip(p=1.0)(image=np.array([[0.0, 1.0, 2.0]]), mask=np.array([[0, 0, 5]]))
    >>> out["image"], out["mask"]
    (array([[2., 1., 0.]]), array([[5, 0, 0]]))
    """

    def apply(self, image: np.ndarray) -> np.ndarray:
        return np.flip(image, axis=-1)


class VerticalFlip(DualTransform):
    """Flip up-down (the height axis, second to last), with probability ``p`` (default 0.5).

    >>> VerticalFlip(p=1.0)(image=np.array([[0.0], [1.0]]))["image"]
    array([[1.],
           [0.]])
    """

    def apply(self, image: np.ndarray) -> np.ndarray:
        return np.flip(image, axis=-2)


class DepthFlip(DualTransform):
    """Flip a volume front-back (the depth axis, third to last); needs ``spatial_dims=3``.

    >>> volume = np.arange(2.0).reshape(2, 1, 1)                   # (D, H, W)
    >>> DepthFlip(p=1.0, spatial_dims=3)(image=volume)["image"].ravel()
    array([1., 0.])
    """

    def check_spatial_dims(self, spatial_dims: int) -> None:
        super().check_spatial_dims(spatial_dims)
        if spatial_dims != 3:
            raise ValueError(f"DepthFlip flips the depth axis of volumes; it needs spatial_dims=3, "
                             f"got spatial_dims={spatial_dims}")

    def apply(self, image: np.ndarray) -> np.ndarray:
        return np.flip(image, axis=-3)


class RandomRotate90(DualTransform):
    """Rotate by ``k`` times 90 degrees counter-clockwise, ``k`` uniform in {0, 1, 2, 3}.

    Default ``p=1.0`` (albumentations'); ``k = 0`` leaves the input as it is, so even with
    ``p=1`` a quarter of the calls change nothing. A non-square image swaps ``H`` and ``W``
    for odd ``k``. Volumes turn in the H-W plane, every slice alike.

    >>> out = RandomRotate90()(image=np.zeros((1, 2, 3)), mask=np.zeros((2, 3), int))
    >>> out["image"].shape in [(1, 2, 3), (1, 3, 2)], out["mask"].shape == out["image"].shape[1:]
    (True, True)
    """

    def __init__(self, p: float = 1.0, *, spatial_dims: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        return {"k": int(rng.integers(0, 4))}

    def apply(self, image: np.ndarray, k: int) -> np.ndarray:
        return np.rot90(image, k, axes=(-2, -1))
