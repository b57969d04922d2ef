"""Separable Gaussian smoothing with reflect padding (shared by GaussianBlur and ElasticTransform).

The 1-D kernel, for a standard deviation ``sigma`` and a ``radius`` ``r``:

    k[t] = exp(-t^2 / (2 sigma^2)) / Z,   t = -r..r,   Z = sum_t exp(-t^2 / (2 sigma^2))

Smoothing one axis of length ``n`` is the convolution ``out[i] = sum_t k[t] x[reflect(i + t)]``:
pad with the mirror image that does not repeat the edge (``dcb|abcd|cba``: NumPy's
``np.pad(mode="reflect")``, OpenCV's ``BORDER_REFLECT_101``, scipy's ``mode="mirror"``; it
bounces again when ``r >= n``), then convolve. Like the resizing in :mod:`tconv.ops.resize`, that
is a linear map, an ``(n, n)`` matrix ``S`` with ``S[i, reflect(i + t)] += k[t]``; smoothing an
axis is one matrix product, and a 2-D Gaussian is ``S_H @ x @ S_W.T`` (separability: the 2-D
kernel is the outer product ``k k^T``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["gaussian_kernel1d", "reflect_index", "smoothing_matrix", "gaussian_smooth"]


def gaussian_kernel1d(sigma: float, radius: int) -> np.ndarray:
    """The normalised 1-D Gaussian kernel of length ``2 * radius + 1`` (sums to 1).

    >>> gaussian_kernel1d(1.0, 1).round(4)
    array([0.2741, 0.4519, 0.2741])
    """
    if not sigma > 0:
        raise ValueError(f"sigma={sigma!r} must be > 0")
    if radius < 0:
        raise ValueError(f"radius={radius!r} must be >= 0")
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (t / sigma) ** 2)
    return kernel / kernel.sum()


def reflect_index(index: np.ndarray, size: int) -> np.ndarray:
    """Map any integer positions into ``0..size-1`` by mirroring without repeating the edge.

    The pattern repeats every ``2 (size - 1)`` positions: ``..., 2, 1, | 0, 1, ..., size-1, | size-2, ...``.

    >>> reflect_index(np.arange(-3, 7), 4)
    array([3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
    """
    index = np.asarray(index)
    if size == 1:
        return np.zeros_like(index)
    period = 2 * (size - 1)
    index = np.abs(index) % period
    return np.where(index >= size, period - index, index)


@lru_cache(maxsize=128)
def smoothing_matrix(size: int, sigma: float, radius: int) -> np.ndarray:
    """The ``(size, size)`` matrix of the Gaussian convolution with reflect padding along one axis.

    >>> smoothing_matrix(3, 1.0, 1).round(3)          # rows sum to 1; the edges fold back
    array([[0.452, 0.548, 0.   ],
           [0.274, 0.452, 0.274],
           [0.   , 0.548, 0.452]])
    """
    kernel = gaussian_kernel1d(sigma, radius)
    rows = np.arange(size)[:, None]
    taps = np.arange(-radius, radius + 1)[None, :]
    columns = reflect_index(rows + taps, size)
    # Sum the taps that land on the same column (they do near the edges): a weighted histogram.
    flat = (rows * size + columns).ravel()
    weights = np.broadcast_to(kernel, columns.shape).ravel()
    matrix = np.bincount(flat, weights=weights, minlength=size * size).reshape(size, size)
    matrix.setflags(write=False)
    return matrix


def gaussian_smooth(array: np.ndarray, sigma: float, radius: int, axes=(-2, -1)) -> np.ndarray:
    """Smooth ``array`` along each of ``axes`` with the Gaussian of ``sigma`` (reflect padding).

    Float32 stays float32. Works on any number of leading (channel, depth) axes.

    >>> x = np.zeros((1, 5)); x[0, 2] = 1.0
    >>> gaussian_smooth(x, 1.0, 1, axes=(-1,)).round(4)
    array([[0.    , 0.2741, 0.4519, 0.2741, 0.    ]])
    """
    out = array
    for axis in axes:
        matrix = smoothing_matrix(array.shape[axis], float(sigma), int(radius)).astype(array.dtype, copy=False)
        moved = np.moveaxis(out, axis, -1)
        out = np.moveaxis(moved @ matrix.T, -1, axis)
    return out
