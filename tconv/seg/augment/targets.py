"""The targets an augmentation moves together: one image and any number of masks.

Layouts are channel-first, as in PyTorch, and ``spatial_dims`` says which axes are spatial
(``(C, H, W)`` and ``(D, H, W)`` look alike, so the caller must say):

============  ==========================  ======================
spatial_dims  image                       mask
============  ==========================  ======================
2             ``(H, W)`` or ``(C, H, W)``     ``(H, W)``
3             ``(D, H, W)`` or ``(C, D, H, W)``  ``(D, H, W)``
============  ==========================  ======================

Images are float32 or float64 and keep their dtype (integer images such as uint8 are
refused: convert them once, e.g. ``image.astype(np.float32) / 255``). Masks hold class ids:
any integer or boolean dtype, kept as given; a float mask is refused, because interpolating
it would invent class ids.

The calling convention is albumentations': ``aug(image=img, mask=m)`` or
``aug(image=img, masks=[m1, m2])`` (or both, or the image alone) returns a dict with the same
keys. :func:`read_targets` checks the dict once and gathers every mask into one list;
:func:`write_targets` puts the results back under the caller's keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..._checks import FLOAT_DTYPES

__all__ = ["Sample", "check_image", "check_mask", "read_targets", "write_targets", "TARGET_KEYS"]

TARGET_KEYS = ("image", "mask", "masks")


@dataclass
class Sample:
    """One image and its masks (the ``mask`` target first, then the ``masks`` list), checked.

    ``image`` is ``(*channels, *spatial)``; each mask is ``spatial``, the image's last
    ``spatial_dims`` sizes.

    >>> Sample(np.zeros((2, 3, 4, 5)), [], spatial_dims=3).spatial_shape
    (3, 4, 5)
    """

    image: np.ndarray
    masks: list = field(default_factory=list)
    spatial_dims: int = 2

    @property
    def spatial_shape(self) -> tuple:
        return self.image.shape[-self.spatial_dims:]


def _layout(spatial_dims: int) -> str:
    return "(H, W) or (C, H, W)" if spatial_dims == 2 else "(D, H, W) or (C, D, H, W)"


def check_image(image, spatial_dims: int) -> np.ndarray:
    """``image`` if it is a float32/float64 array of an allowed layout, else a clear error.

    >>> check_image(np.zeros((3, 4, 4), np.uint8), 2)
    Traceback (most recent call last):
    ...
    TypeError: image has dtype uint8; augmentations take float32 or float64 images (convert once, e.g. image.astype(np.float32) / 255)
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.dtype not in FLOAT_DTYPES:
        raise TypeError(f"image has dtype {image.dtype}; augmentations take float32 or float64 images "
                        "(convert once, e.g. image.astype(np.float32) / 255)")
    if image.ndim not in (spatial_dims, spatial_dims + 1):
        raise ValueError(f"image has shape {image.shape}; with spatial_dims={spatial_dims} an image is "
                         f"{_layout(spatial_dims)} (pass spatial_dims=3 for volumes)")
    if 0 in image.shape:
        raise ValueError(f"image has shape {image.shape}; every size must be at least 1")
    return image


def check_mask(name: str, mask, image: np.ndarray, spatial_dims: int) -> np.ndarray:
    """``mask`` if it is an integer/bool array of the image's spatial shape, else a clear error.

    >>> check_mask("mask", np.zeros((4, 4)), np.zeros((1, 4, 4)), 2)
    Traceback (most recent call last):
    ...
    TypeError: mask has dtype float64; a mask holds integer class ids (e.g. mask.astype(np.int64)), never floats
    """
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(mask).__name__}")
    if mask.dtype.kind not in "biu":
        raise TypeError(f"{name} has dtype {mask.dtype}; a mask holds integer class ids "
                        f"(e.g. {name.split('[')[0]}.astype(np.int64)), never floats")
    spatial = image.shape[-spatial_dims:]
    if mask.shape != spatial:
        raise ValueError(f"{name} has shape {mask.shape} but the image has shape {image.shape}, whose "
                         f"spatial shape (spatial_dims={spatial_dims}) is {spatial}; they must be equal")
    return mask


def read_targets(data: dict, spatial_dims: int) -> Sample:
    """Check the keyword targets once and gather them into a :class:`Sample`.

    >>> s = read_targets({"image": np.zeros((1, 4, 5)), "mask": np.zeros((4, 5), int)}, 2)
    >>> s.spatial_shape, len(s.masks)
    ((4, 5), 1)
    >>> read_targets({"image": np.zeros((1, 4, 5)), "mask": np.zeros((5, 4), int)}, 2)
    Traceback (most recent call last):
    ...
    ValueError: mask has shape (5, 4) but the image has shape (1, 4, 5), whose spatial shape (spatial_dims=2) is (4, 5); they must be equal
    """
    unknown = [key for key in data if key not in TARGET_KEYS]
    if unknown:
        raise TypeError(f"unknown target(s) {unknown}; the targets are {TARGET_KEYS} "
                        "(an unknown key would be passed through untransformed)")
    if "image" not in data:
        raise TypeError("an image is required: call aug(image=img, mask=m)")
    image = check_image(data["image"], spatial_dims)
    masks = []
    if "mask" in data:
        masks.append(check_mask("mask", data["mask"], image, spatial_dims))
    if "masks" in data:
        given = data["masks"]
        if isinstance(given, np.ndarray):
            if given.ndim != spatial_dims + 1:
                raise ValueError(f"masks has shape {given.shape}; as an array it stacks masks on axis 0: "
                                 f"(N, *spatial) with {spatial_dims} spatial axes")
            given = list(given)
        elif not isinstance(given, (list, tuple)):
            raise TypeError(f"masks must be a list of arrays, got {type(given).__name__}")
        masks.extend(check_mask(f"masks[{i}]", m, image, spatial_dims) for i, m in enumerate(given))
    return Sample(image, masks, spatial_dims)


def write_targets(data: dict, sample: Sample) -> dict:
    """The results under the caller's keys (``masks`` as a list, or stacked if it came stacked).

    Arrays come back C-contiguous (a flip's view is copied), like albumentations' outputs.

    >>> m = np.arange(6).reshape(2, 3)
    >>> out = write_targets({"image": None, "masks": [m, m]}, Sample(np.zeros((2, 3)), [m, m + 1]))
    >>> sorted(out), out["masks"][1][0, 0]
    (['image', 'masks'], np.int64(1))
    """
    out = {}
    first_of_list = 0
    masks = [np.ascontiguousarray(mask) for mask in sample.masks]
    for key in data:
        if key == "image":
            out["image"] = np.ascontiguousarray(sample.image)
        elif key == "mask":
            out["mask"] = masks[0]
            first_of_list = 1
    if "masks" in data:
        rest = masks[first_of_list:]
        if isinstance(data["masks"], np.ndarray):
            empty = np.empty((0, *sample.spatial_shape), data["masks"].dtype)
            out["masks"] = np.stack(rest) if rest else empty
        else:
            out["masks"] = list(rest)
    return {key: out[key] for key in data}
