"""Shared test inputs for the augmentation tests: coordinate-encoded images and id masks.

A *coordinate image* has one channel per spatial axis holding each pixel's own index along
that axis, plus a channel of ones; an *id mask* holds each pixel's unique id (``r * W + c``
in 2-D, ``d * H * W + r * W + c`` in 3-D). After any spatial transform, the id the mask took at
a pixel says which input pixel it came from, and the image's coordinate channels say where the
image was sampled: if both moved the same way they agree (exactly for permutations, to within
half a pixel for interpolating warps). The ones channel is 1 exactly where every bilinear
neighbour came from inside the input.
"""
from __future__ import annotations

import numpy as np

FILL_ID = -1      # fill_mask used in the tests: never an id of the inputs


def coordinate_image(spatial_shape, dtype=np.float64) -> np.ndarray:
    grids = np.meshgrid(*[np.arange(n) for n in spatial_shape], indexing="ij")
    return np.stack([*grids, np.ones(spatial_shape)]).astype(dtype)


def id_mask(spatial_shape) -> np.ndarray:
    return np.arange(int(np.prod(spatial_shape)), dtype=np.int64).reshape(spatial_shape)


def assert_moved_together_exactly(image, mask, input_spatial_shape, fill=0.0):
    """Permutations (flips, rot90, crops, pads): every pixel's coordinates equal its id's."""
    spatial_dims = len(input_spatial_shape)
    assert image.shape == (spatial_dims + 1,) + mask.shape
    inside = mask != FILL_ID
    source = np.unravel_index(mask[inside], input_spatial_shape)
    for axis in range(spatial_dims):
        np.testing.assert_array_equal(image[axis][inside], source[axis])
    np.testing.assert_array_equal(image[-1][inside], 1.0)
    np.testing.assert_array_equal(image[:, ~inside], fill)          # new border: fill everywhere


def assert_moved_together_within_half_pixel(image, mask, input_spatial_shape) -> int:
    """Warps: where the mask took id (r0, c0) and the sample was fully inside, the image's
    bilinear coordinates are within half a pixel of (r0, c0) (nearest = the pixel holding the
    point). Returns how many pixels were checked."""
    rows, columns, ones = image[-3], image[-2], image[-1]
    checked = (mask != FILL_ID) & (ones > 1 - 1e-9)
    r0, c0 = np.unravel_index(mask[checked], input_spatial_shape)[-2:]
    assert np.all(np.abs(rows[checked] - r0) <= 0.5 + 1e-9)
    assert np.all(np.abs(columns[checked] - c0) <= 0.5 + 1e-9)
    return int(checked.sum())
