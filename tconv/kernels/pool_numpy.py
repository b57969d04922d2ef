"""NumPy twins of the pooling kernels in :mod:`tconv.kernels.pool`: same names, same signatures.

They use whole-array operations instead of loops per output, import no Numba, and serve the
``"matrix"``, ``"reference"`` and ``"numpy"`` methods; the tests check them against the Numba
kernels and PyTorch. Layout: ``image (N, C, D, H, W)`` and the 15-int ``geom`` of
:mod:`tconv.kernels.pool`.

>>> image = np.array([3., 1., 4., 1., 5., 9.]).reshape(1, 1, 1, 1, 6)
>>> geom = (1, 1, 2, 1, 1, 2, 0, 0, 0, 1, 1, 1, 1, 1, 3)     # kernel 2, stride 2
>>> out, argmax = np.empty((1, 1, 1, 1, 3)), np.empty((1, 1, 1, 1, 3), np.int64)
>>> max_pool(image, geom, out, argmax); out.ravel(), argmax.ravel()
(array([3., 4., 9.]), array([0, 2, 5]))
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["max_pool", "max_pool_backward", "avg_pool", "avg_pool_backward"]


def _axis_taps(o, s, p, k, d, n):
    """Per axis: input position of (output, tap) and whether it lies inside the input."""
    pos = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d      # (o, k)
    return pos, (pos >= 0) & (pos < n)


def max_pool(image, geom, out, argmax):
    """NumPy twin of :func:`tconv.kernels.pool.max_pool`: visit the window taps in order, keep the best."""
    k, s, p, d, o = geom[0:3], geom[3:6], geom[6:9], geom[9:12], geom[12:15]
    dims = image.shape[2:]
    axes = [_axis_taps(o[i], s[i], p[i], k[i], d[i], dims[i]) for i in range(3)]
    best = np.full(out.shape, -np.inf, dtype=image.dtype)
    best_i = np.full(out.shape, -1, dtype=np.int64)
    for a, b, e in np.ndindex(*k):
        iz, iy, ix = axes[0][0][:, a], axes[1][0][:, b], axes[2][0][:, e]
        inside = (axes[0][1][:, a][:, None, None] & axes[1][1][:, b][None, :, None]
                  & axes[2][1][:, e][None, None, :])
        v = image[:, :, np.clip(iz, 0, dims[0] - 1)][:, :, :, np.clip(iy, 0, dims[1] - 1)][
            :, :, :, :, np.clip(ix, 0, dims[2] - 1)]
        flat = (iz[:, None, None] * dims[1] + iy[None, :, None]) * dims[2] + ix[None, None, :]
        take = inside & ((best_i < 0) | (v > best) | np.isnan(v))
        best = np.where(take, v, best)
        best_i = np.where(take, flat, best_i)
    out[...] = best
    argmax[...] = best_i


def max_pool_backward(grad_out, argmax, grad_image):
    """NumPy twin of :func:`tconv.kernels.pool.max_pool_backward` (``np.add.at`` sums repeated indices)."""
    n_batch, channels, _ = grad_out.shape
    nn, cc = np.meshgrid(np.arange(n_batch), np.arange(channels), indexing="ij")
    np.add.at(grad_image, (nn[:, :, None], cc[:, :, None], argmax), grad_out)


def _divisors(geom, dims, count_include_pad):
    """Per output position, the averaging divisor (outer product of per-axis counts)."""
    k, s, p, o = geom[0:3], geom[3:6], geom[6:9], geom[12:15]
    counts = []
    for i in range(3):
        start = np.arange(o[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], dims[i] + p[i])
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, dims[i]) - np.maximum(start, 0))
    return counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None, :]


def _in_window(geom, dims, axis, tap):
    """Input positions of tap ``tap`` on ``axis`` and whether they lie inside the input."""
    s, p, o = geom[3 + axis], geom[6 + axis], geom[12 + axis]
    pos = np.arange(o) * s - p + tap
    return np.clip(pos, 0, dims[axis] - 1), (pos >= 0) & (pos < dims[axis])


def avg_pool(image, geom, count_include_pad, out):
    """NumPy twin of :func:`tconv.kernels.pool.avg_pool`: sum the in-image taps, divide by PyTorch's divisor."""
    dims = image.shape[2:]
    total = np.zeros(out.shape, dtype=np.float64)
    for a, b, e in np.ndindex(*geom[0:3]):
        (iz, mz), (iy, my), (ix, mx) = (_in_window(geom, dims, i, t) for i, t in enumerate((a, b, e)))
        v = image[:, :, iz][:, :, :, iy][:, :, :, :, ix]
        total += np.where(mz[:, None, None] & my[None, :, None] & mx[None, None, :], v, 0.0)
    out[...] = total / _divisors(geom, dims, count_include_pad)


def avg_pool_backward(grad_out, geom, count_include_pad, grad_image):
    """NumPy twin of :func:`tconv.kernels.pool.avg_pool_backward`: each tap adds its share at its input position."""
    dims = grad_image.shape[2:]
    share = grad_out / _divisors(geom, dims, count_include_pad)
    flat = grad_image.reshape(grad_image.shape[:2] + (math.prod(dims),))
    for a, b, e in np.ndindex(*geom[0:3]):
        (iz, mz), (iy, my), (ix, mx) = (_in_window(geom, dims, i, t) for i, t in enumerate((a, b, e)))
        inside = mz[:, None, None] & my[None, :, None] & mx[None, None, :]
        index = (iz[:, None, None] * dims[1] + iy[None, :, None]) * dims[2] + ix[None, None, :]
        contribution = np.where(inside, share, 0.0).astype(grad_image.dtype)
        np.add.at(flat, (slice(None), slice(None), index.reshape(-1)),
                  contribution.reshape(share.shape[:2] + (-1,)))
