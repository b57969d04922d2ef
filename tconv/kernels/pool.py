"""Pooling kernels: max pooling with its argmax (for the backward) and average pooling.

Arrays are 3-D spatially as in :mod:`tconv.kernels.im2col`: ``image (N, C, D, H, W)``,
pooled ``(N, C, od, oh, ow)`` and the same 15-int ``geom``
``(kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow)``. Argmax indices are flat
positions in the input's spatial plane, ``(z*H + y)*W + x``, as PyTorch's
``return_indices``. Ties keep the first maximum in row-major window order; a NaN wins
(PyTorch's ``val > max || isnan(val)``).

Parallel contract: every kernel runs ``prange`` over ``(n, c)`` planes; each plane is read
and written by one iteration only (the backward scatter-adds stay inside one plane), so
there are no races and sums are reproducible. Each kernel has a NumPy twin (``*_numpy``).

>>> image = np.array([3., 1., 4., 1., 5., 9.]).reshape(1, 1, 1, 1, 6)
>>> geom = (1, 1, 2, 1, 1, 2, 0, 0, 0, 1, 1, 1, 1, 1, 3)     # kernel 2, stride 2
>>> out, argmax = np.empty((1, 1, 1, 1, 3)), np.empty((1, 1, 1, 1, 3), np.int64)
>>> max_pool(image, geom, out, argmax); out.ravel(), argmax.ravel()
(array([3., 4., 9.]), array([0, 2, 5]))
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import jit, prange

#: Compile the pooling kernels with ``prange`` threads. Unlike unfold/fold (see
#: :mod:`tconv.kernels.im2col`) this measured faster inside the U-Net training step
#: (three alternating runs: median step 218-246 ms parallel, 235-301 ms serial).
PARALLEL = True

__all__ = ["max_pool", "max_pool_backward", "avg_pool", "avg_pool_backward",
           "max_pool_numpy", "max_pool_backward_numpy", "avg_pool_numpy", "avg_pool_backward_numpy"]


@jit(parallel=PARALLEL)
def max_pool(image, geom, out, argmax):
    """``out = max over each window``; ``argmax`` = its flat input position (int64)."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = geom
    n_batch, channels, depth, height, width = image.shape
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        for z in range(od):
            for y in range(oh):
                for x in range(ow):
                    best = -np.inf
                    best_i = -1
                    for a in range(kd):
                        iz = z * sd - pd + a * dd
                        if iz < 0 or iz >= depth:
                            continue
                        for b in range(kh):
                            iy = y * sh - ph + b * dh
                            if iy < 0 or iy >= height:
                                continue
                            for e in range(kw):
                                ix = x * sw - pw + e * dw
                                if ix < 0 or ix >= width:
                                    continue
                                v = image[n, c, iz, iy, ix]
                                if best_i < 0 or v > best or np.isnan(v):
                                    best = v
                                    best_i = (iz * height + iy) * width + ix
                    out[n, c, z, y, x] = best
                    argmax[n, c, z, y, x] = best_i


@jit(parallel=PARALLEL)
def max_pool_backward(grad_out, argmax, grad_image):
    """``grad_image[n, c, argmax] += grad_out``; ``grad_image`` is ``(N, C, D*H*W)``, zero on entry."""
    n_batch, channels, length = grad_out.shape
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        for i in range(length):
            grad_image[n, c, argmax[n, c, i]] += grad_out[n, c, i]


@jit()
def _window(o, s, p, k, n):
    """Window ``[start, end)`` clipped to the input, and its size clipped to the padded input."""
    start = o * s - p
    end = min(start + k, n + p)
    padded = end - start
    return max(start, 0), min(end, n), padded


@jit(parallel=PARALLEL)
def avg_pool(image, geom, count_include_pad, out):
    """``out = mean over each window`` (PyTorch's divisor rules; dilation must be 1)."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = geom
    n_batch, channels, depth, height, width = image.shape
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        for z in range(od):
            z0, z1, pz = _window(z, sd, pd, kd, depth)
            for y in range(oh):
                y0, y1, py = _window(y, sh, ph, kh, height)
                for x in range(ow):
                    x0, x1, px = _window(x, sw, pw, kw, width)
                    total = 0.0
                    for iz in range(z0, z1):
                        for iy in range(y0, y1):
                            for ix in range(x0, x1):
                                total += image[n, c, iz, iy, ix]
                    count = pz * py * px if count_include_pad else (z1 - z0) * (y1 - y0) * (x1 - x0)
                    out[n, c, z, y, x] = total / count


@jit(parallel=PARALLEL)
def avg_pool_backward(grad_out, geom, count_include_pad, grad_image):
    """Spread each output's gradient evenly over its window; ``grad_image`` zero on entry."""
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = geom
    n_batch, channels, depth, height, width = grad_image.shape
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        for z in range(od):
            z0, z1, pz = _window(z, sd, pd, kd, depth)
            for y in range(oh):
                y0, y1, py = _window(y, sh, ph, kh, height)
                for x in range(ow):
                    x0, x1, px = _window(x, sw, pw, kw, width)
                    count = pz * py * px if count_include_pad else (z1 - z0) * (y1 - y0) * (x1 - x0)
                    share = grad_out[n, c, z, y, x] / count
                    for iz in range(z0, z1):
                        for iy in range(y0, y1):
                            for ix in range(x0, x1):
                                grad_image[n, c, iz, iy, ix] += share


# --------------------------------------------------------------------------- NumPy twins


def _axis_taps(o, s, p, k, d, n):
    """Per axis: input position of (output, tap) and whether it lies inside the input."""
    pos = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d      # (o, k)
    return pos, (pos >= 0) & (pos < n)


def max_pool_numpy(image, geom, out, argmax):
    """NumPy twin of :func:`max_pool`: visit the window taps in order, keep the best."""
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


def max_pool_backward_numpy(grad_out, argmax, grad_image):
    """NumPy twin of :func:`max_pool_backward` (``np.add.at`` sums repeated indices)."""
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


def avg_pool_numpy(image, geom, count_include_pad, out):
    """NumPy twin of :func:`avg_pool`: sum the in-image taps, divide by PyTorch's divisor."""
    dims = image.shape[2:]
    total = np.zeros(out.shape, dtype=np.float64)
    for a, b, e in np.ndindex(*geom[0:3]):
        (iz, mz), (iy, my), (ix, mx) = (_in_window(geom, dims, i, t) for i, t in enumerate((a, b, e)))
        v = image[:, :, iz][:, :, :, iy][:, :, :, :, ix]
        total += np.where(mz[:, None, None] & my[None, :, None] & mx[None, None, :], v, 0.0)
    out[...] = total / _divisors(geom, dims, count_include_pad)


def avg_pool_backward_numpy(grad_out, geom, count_include_pad, grad_image):
    """NumPy twin of :func:`avg_pool_backward`: each tap adds its share at its input position."""
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
