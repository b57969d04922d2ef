"""Unfold (im2col) and fold (col2im): the patch matrix ``P`` and its transpose.

The convolution matrix factors as ``C = (W ⊗ I) · P`` (:mod:`tconv.methods.unfold`): ``P`` is a 0/1 matrix
that copies every input pixel a kernel tap sees into a column buffer, and depends only on
the geometry. So

* convolution            = ``unfold`` (apply ``P``, a gather) then a GEMM with ``W``;
* transposed convolution = a GEMM with ``W.T`` then ``fold`` (apply ``P.T``, a scatter-add).

Every array is 3-D spatially: 1-D and 2-D problems are given leading spatial axes of
size 1 (with kernel 1, stride 1, padding 0, dilation 1 there), so one kernel serves all.

Shapes: ``image (N, C, D, H, W)``; ``cols (N, C*kd*kh*kw, od*oh*ow)``, row
``(c, a, b, e)`` (channel, then taps, row-major) and column ``(z, y, x)`` row-major.
``geom`` is the 15-tuple ``(kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow)``
(``p*`` are the *before* paddings; the after paddings only matter through ``o*``).

Each kernel has a NumPy twin with the same signature (``*_numpy``); the tests run both.

>>> image = np.arange(4.0).reshape(1, 1, 1, 1, 4)           # one 1-D signal of length 4
>>> geom = (1, 1, 2, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 3)     # kernel 2, stride 1, 3 outputs
>>> cols = np.empty((1, 2, 3)); unfold(image, geom, cols); cols[0]
array([[0., 1., 2.],
       [1., 2., 3.]])
>>> back = np.zeros_like(image); fold_numpy(cols, geom, back); back.ravel()   # P.T @ P @ x
array([0., 2., 4., 3.])

Threads: the loops are written race-free for ``prange`` over ``(n, c)``, but compiled
serial (``PARALLEL = False``). Every unfold is followed, and every fold preceded, by a
multi-threaded BLAS GEMM; OpenBLAS's threads spin for a while after a call and Numba's
OpenMP threads after a parallel region, so two thread pools fight over the cores. On the
benchmark's U-Net layers (2 cores) a serial unfold + GEMM took 4.3-7.1 ms where the
parallel unfold + GEMM took 8.0-15.9 ms. BLAS owns the threads; pooling, which runs
alone, keeps its ``prange``.
"""
from __future__ import annotations

import numpy as np

from ._jit import jit, prange

__all__ = ["unfold", "fold", "unfold_numpy", "fold_numpy", "first_last", "PARALLEL"]

#: Compile unfold/fold with ``prange`` threads (see the module docstring for why not).
PARALLEL = False


@jit()
def first_last(out_size, stride, before, tap_offset, in_size):
    """The output positions ``[lo, hi)`` whose input ``o*stride - before + tap_offset`` is inside.

    Solves ``0 <= o*s - p + t*d < n`` for ``o`` so the inner loops need no bounds test.
    """
    start = before - tap_offset                       # o*s >= start
    lo = 0 if start <= 0 else min((start + stride - 1) // stride, out_size)
    stop = in_size - 1 + before - tap_offset          # o*s <= stop
    hi = -1 if stop < 0 else stop // stride
    hi = min(hi + 1, out_size)
    return lo, max(lo, hi)


@jit()
def _zero(view):
    for i in range(view.shape[0]):
        view[i] = 0


@jit(parallel=PARALLEL)
def unfold(image, geom, cols):
    """Gather: ``cols[n, (c, tap), (z, y, x)] = image_padded[n, c, z*s + tap*d]``.

    Parallel contract: each ``(n, c)`` writes only its own rows of ``cols``, so the
    ``prange`` over ``n*C + c`` is race-free; every entry of ``cols`` is written
    (zeros where the tap falls in the padding). The innermost loops run over local
    0-based views so that LLVM vectorises them (indexing with offsets does not).
    """
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = geom
    n_batch, channels, depth, height, width = image.shape
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        for a in range(kd):
            z_lo, z_hi = first_last(od, sd, pd, a * dd, depth)
            for b in range(kh):
                y_lo, y_hi = first_last(oh, sh, ph, b * dh, height)
                for e in range(kw):
                    x_lo, x_hi = first_last(ow, sw, pw, e * dw, width)
                    count = x_hi - x_lo
                    out = cols[n, ((c * kd + a) * kh + b) * kw + e]
                    for z in range(od):
                        for y in range(oh):
                            base = (z * oh + y) * ow
                            if z < z_lo or z >= z_hi or y < y_lo or y >= y_hi or count == 0:
                                _zero(out[base:base + ow])        # the whole row sees padding
                                continue
                            _zero(out[base:base + x_lo])
                            _zero(out[base + x_hi:base + ow])
                            start = x_lo * sw - pw + e * dw
                            row = image[n, c, z * sd - pd + a * dd, y * sh - ph + b * dh]
                            dst = out[base + x_lo:base + x_hi]
                            if sw == 1:
                                src = row[start:start + count]      # contiguous: vectorised copy
                                for i in range(count):
                                    dst[i] = src[i]
                            else:
                                for i in range(count):
                                    dst[i] = row[start + i * sw]


@jit(parallel=PARALLEL)
def fold(cols, geom, image):
    """Scatter-add: ``image_padded[n, c, z*s + tap*d] += cols[n, (c, tap), (z, y, x)]``.

    ``image`` must be zero on entry (it is accumulated into). Parallel contract: the
    ``prange`` runs over ``(n, c)`` planes and each plane is written by one iteration only,
    so there is no race; the taps are visited in a fixed order, so sums are reproducible.
    """
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow = geom
    n_batch, channels, depth, height, width = image.shape
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        for a in range(kd):
            z_lo, z_hi = first_last(od, sd, pd, a * dd, depth)
            for b in range(kh):
                y_lo, y_hi = first_last(oh, sh, ph, b * dh, height)
                for e in range(kw):
                    x_lo, x_hi = first_last(ow, sw, pw, e * dw, width)
                    count = x_hi - x_lo
                    if count == 0:
                        continue
                    src_row = cols[n, ((c * kd + a) * kh + b) * kw + e]
                    start = x_lo * sw - pw + e * dw
                    for z in range(z_lo, z_hi):
                        for y in range(y_lo, y_hi):
                            base = (z * oh + y) * ow
                            src = src_row[base + x_lo:base + x_hi]
                            row = image[n, c, z * sd - pd + a * dd, y * sh - ph + b * dh]
                            if sw == 1:
                                dst = row[start:start + count]
                                for i in range(count):
                                    dst[i] += src[i]
                            else:
                                for i in range(count):
                                    row[start + i * sw] += src[i]


# --------------------------------------------------------------------------- NumPy twins

_first_last = getattr(first_last, "py_func", first_last)  # the plain function, also without JIT


def _tap_slices(geom, image_shape, tap):
    """For one tap: the output range per axis and the matching strided input slices."""
    s, p, d, o = geom[3:6], geom[6:9], geom[9:12], geom[12:15]
    out_sl, in_sl = [], []
    for axis in range(3):
        lo, hi = _first_last(o[axis], s[axis], p[axis], tap[axis] * d[axis], image_shape[axis])
        start = lo * s[axis] - p[axis] + tap[axis] * d[axis]
        out_sl.append(slice(lo, hi))
        in_sl.append(slice(start, start + (hi - lo - 1) * s[axis] + 1, s[axis]) if hi > lo else slice(0, 0))
    return tuple(out_sl), tuple(in_sl)


def unfold_numpy(image, geom, cols):
    """NumPy twin of :func:`unfold`: one strided slice copy per kernel tap."""
    k, o = geom[0:3], geom[12:15]
    n_batch, channels = image.shape[:2]
    view = cols.reshape((n_batch, channels) + tuple(k) + tuple(o))
    view[...] = 0
    for tap in np.ndindex(*k):
        out_sl, in_sl = _tap_slices(geom, image.shape[2:], tap)
        view[(slice(None), slice(None)) + tap + out_sl] = image[(slice(None), slice(None)) + in_sl]


def fold_numpy(cols, geom, image):
    """NumPy twin of :func:`fold`: one strided slice add per kernel tap."""
    k, o = geom[0:3], geom[12:15]
    n_batch, channels = image.shape[:2]
    view = cols.reshape((n_batch, channels) + tuple(k) + tuple(o))
    for tap in np.ndindex(*k):
        out_sl, in_sl = _tap_slices(geom, image.shape[2:], tap)
        image[(slice(None), slice(None)) + in_sl] += view[(slice(None), slice(None)) + tap + out_sl]
