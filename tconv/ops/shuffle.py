"""Pixel shuffle and unshuffle on NumPy arrays, as ``torch.nn.functional.pixel_shuffle``/``pixel_unshuffle``.

Sub-pixel convolution (Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution
Using an Efficient Sub-Pixel Convolutional Neural Network") upsamples by ``r`` with a stride-1
convolution that makes ``r²`` channels per output channel, then *shuffles* them into space:

``pixel_shuffle``:   ``(*, C·r², H, W) -> (*, C, H·r, W·r)``,
``out[..., c, h·r + i, w·r + j] = x[..., c·r² + i·r + j, h, w]``

and ``pixel_unshuffle`` is its inverse (space to depth). Both only move numbers, so each is a
permutation matrix and its transpose is its inverse: the gradient of a shuffle is an
unshuffle (:mod:`tconv.nn.functional.shuffle`). Channel group ``i·r + j`` of the convolution
writes output phase ``(i, j)``, the sub-kernels of :mod:`tconv.polyphase`. PyTorch defines
both for 2-D maps only, so does tconv; the leading axes ``*`` may be any number (at least one,
the channels), and any dtype is kept.

>>> x = np.arange(8.0).reshape(1, 8, 1, 1)
>>> pixel_shuffle(x, 2)[0]
array([[[0., 1.],
        [2., 3.]],
<BLANKLINE>
       [[4., 5.],
        [6., 7.]]])
>>> np.array_equal(pixel_unshuffle(pixel_shuffle(x, 2), 2), x)
True
"""
from __future__ import annotations

import numpy as np

from .._checks import is_int, refuse_tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _factor(name: str, value) -> int:
    if not is_int(value):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < 1:
        raise ValueError(f"{name}={value} must be a positive int")
    return int(value)


def _array(function: str, x) -> np.ndarray:
    refuse_tensor(f"tconv.ops.{function}", f"tconv.nn.functional.{function}", input=x)
    x = np.asarray(x)
    if x.ndim < 3:
        raise ValueError(f"{function} expects input with at least 3 axes (*, C, H, W); got shape {x.shape}")
    return x


def pixel_shuffle(input, upscale_factor: int) -> np.ndarray:
    """Depth to space: ``(*, C·r², H, W) -> (*, C, H·r, W·r)`` with ``r = upscale_factor``.

    ``out[..., c, h·r + i, w·r + j] = input[..., c·r² + i·r + j, h, w]``.

    >>> pixel_shuffle(np.zeros((2, 12, 3, 5)), 2).shape
    (2, 3, 6, 10)
    >>> pixel_shuffle(np.zeros((1, 6, 3, 5)), 2)
    Traceback (most recent call last):
    ...
    ValueError: pixel_shuffle: the channel axis (6) must be divisible by upscale_factor**2 = 4; input shape (1, 6, 3, 5)
    """
    r = _factor("upscale_factor", upscale_factor)
    x = _array("pixel_shuffle", input)
    *batch, channels, height, width = x.shape
    if channels % (r * r):
        raise ValueError(f"pixel_shuffle: the channel axis ({channels}) must be divisible by upscale_factor**2 = "
                         f"{r * r}; input shape {x.shape}")
    c = channels // (r * r)
    lead = len(batch)
    split = x.reshape(*batch, c, r, r, height, width)                  # (..., c, i, j, h, w)
    order = tuple(range(lead)) + tuple(lead + a for a in (0, 3, 1, 4, 2))  # (..., c, h, i, w, j)
    return np.ascontiguousarray(split.transpose(order)).reshape(*batch, c, height * r, width * r)


def pixel_unshuffle(input, downscale_factor: int) -> np.ndarray:
    """Space to depth: ``(*, C, H·r, W·r) -> (*, C·r², H, W)`` with ``r = downscale_factor``; undoes :func:`pixel_shuffle`.

    ``out[..., c·r² + i·r + j, h, w] = input[..., c, h·r + i, w·r + j]``.

    >>> pixel_unshuffle(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, :, 0, 0]     # the four phases of pixel (0, 0)
    array([0., 1., 4., 5.])
    >>> pixel_unshuffle(np.zeros((1, 1, 4, 5)), 2)
    Traceback (most recent call last):
    ...
    ValueError: pixel_unshuffle: height 4 and width 5 must be divisible by downscale_factor=2; input shape (1, 1, 4, 5)
    """
    r = _factor("downscale_factor", downscale_factor)
    x = _array("pixel_unshuffle", input)
    *batch, channels, height, width = x.shape
    if height % r or width % r:
        raise ValueError(f"pixel_unshuffle: height {height} and width {width} must be divisible by "
                         f"downscale_factor={r}; input shape {x.shape}")
    lead = len(batch)
    split = x.reshape(*batch, channels, height // r, r, width // r, r)  # (..., c, h, i, w, j)
    order = tuple(range(lead)) + tuple(lead + a for a in (0, 2, 4, 1, 3))  # (..., c, i, j, h, w)
    return np.ascontiguousarray(split.transpose(order)).reshape(*batch, channels * r * r, height // r, width // r)
