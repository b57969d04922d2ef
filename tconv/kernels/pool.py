"""Pooling kernels: max pooling with its argmax (for the backward) and average pooling.

Arrays are 3-D spatially as in :mod:`tconv.kernels.im2col`: ``image (N, C, D, H, W)``,
pooled ``(N, C, od, oh, ow)`` and the same 15-int ``geom``
``(kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow)``. Argmax indices are flat
positions in the input's spatial plane, ``(z*H + y)*W + x``, as PyTorch's
``return_indices``. Ties keep the first maximum in row-major window order; a NaN wins
(PyTorch's ``val > max || isnan(val)``).

Parallel contract: every kernel runs ``prange`` over ``(n, c)`` planes; each plane is read
and written by one iteration only (the backward scatter-adds stay inside one plane), so
there are no races and sums are reproducible. Each kernel has a NumPy twin of the same name
in :mod:`tconv.kernels.pool_numpy`.

>>> image = np.array([3., 1., 4., 1., 5., 9.]).reshape(1, 1, 1, 1, 6)
>>> geom = (1, 1, 2, 1, 1, 2, 0, 0, 0, 1, 1, 1, 1, 1, 3)     # kernel 2, stride 2
>>> out, argmax = np.empty((1, 1, 1, 1, 3)), np.empty((1, 1, 1, 1, 3), np.int64)
>>> max_pool(image, geom, out, argmax); out.ravel(), argmax.ravel()
(array([3., 4., 9.]), array([0, 2, 5]))
"""
from __future__ import annotations

import numpy as np

from ._jit import jit, prange

#: Compile the pooling kernels with ``prange`` threads. Unlike unfold/fold (see
#: :mod:`tconv.kernels.im2col`) this measured faster inside the U-Net training step
#: (three alternating runs: median step 218-246 ms parallel, 235-301 ms serial).
PARALLEL = True

__all__ = ["max_pool", "max_pool_backward", "avg_pool", "avg_pool_backward"]


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
