"""The fast path: the convolution matrix factored as ``C = (W ⊗ I) · P`` (unfold + GEMM).

``P`` (unfold, :mod:`tconv.kernels.im2col`) copies what each kernel tap sees into a column
buffer; ``W ⊗ I`` is then one matrix product through NumPy's BLAS. So, for one group,

* ``C @ x``      = ``W @ unfold(x)``                        (convolution)
* ``C.T @ y``    = ``fold(W.T @ y)``                        (transposed convolution, input gradient)
* ``dL/dW``      = ``sum_n grad_out[n] @ unfold(x)[n].T``   (weight gradient)

This is exactly the operator of :mod:`tconv.matrix`, which the tests check. Two geometries
skip the gather/scatter: a 1x1 kernel (``P`` is the identity) and non-overlapping tiles
(``kernel == stride``, no padding, e.g. U-Net's 2x2 stride-2 up-convolution), where ``P`` is
a pure permutation: one (de-)interleaving copy (:mod:`tconv.kernels.tiling`). Parts of the
batch run in parallel threads, each with a single-threaded BLAS (:mod:`tconv.methods.runtime`).

Stride-1 3x3 (and 3x3x3) convolutions have a second exact factorization of the same ``C``
with fewer multiplications, Winograd's (:mod:`tconv.methods.winograd`); :mod:`tconv.methods.choice`
picks one per layer.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..geometry import ConvGeometry
from ..kernels import im2col
from ..layout import as_3d, flip_and_swap, grouped, pack_geometry
from .runtime import chunks, map_blocks, scratch

__all__ = ["kernel_geometry", "unfold", "fold", "forward", "adjoint", "weight_grad", "Columns", "is_pointwise",
           "is_tiling", "adjoint_as_convolution", "NumpyKernels", "COLUMN_BUDGET_BYTES"]

#: Upper bound on the column buffer of one chunk of the batch (bytes).
COLUMN_BUDGET_BYTES = 256 << 20


def kernel_geometry(geometry: ConvGeometry) -> tuple[int, ...]:
    """The 15-int tuple the kernels take, with the spatial axes padded to three.

    >>> from tconv.geometry import conv_geometry
    >>> kernel_geometry(conv_geometry((5, 6), (3, 3), stride=2, padding=1))
    (1, 3, 3, 1, 2, 2, 0, 1, 1, 1, 1, 1, 1, 3, 3)
    """
    return pack_geometry(geometry.kernel_size, geometry.stride, tuple(b for b, _ in geometry.padding),
                         geometry.dilation, geometry.feature_size)


def is_pointwise(g: ConvGeometry) -> bool:
    """1x1 kernel, stride 1, no padding, image and feature the same size: ``P`` is the identity.

    >>> import tconv
    >>> is_pointwise(tconv.conv_geometry((4, 4), (1, 1))), is_pointwise(tconv.conv_geometry((4, 4), (3, 3)))
    (True, False)
    """
    return g.image_size == g.feature_size and all(
        k == 1 and s == 1 and p == (0, 0) for k, s, p in zip(g.kernel_size, g.stride, g.padding))


def is_tiling(g: ConvGeometry) -> bool:
    """Kernel tiles the image without overlap or gaps: ``P`` is a permutation (plus a crop).

    >>> import tconv
    >>> is_tiling(tconv.conv_geometry((6, 6), (2, 2), stride=2)), is_tiling(tconv.conv_geometry((6, 6), (3, 3)))
    (True, False)
    """
    return all((k == s and (d == 1 or k == 1)) and b == 0 and i >= f * s
               for k, s, d, (b, _), i, f in zip(g.kernel_size, g.stride, g.dilation, g.padding,
                                                g.image_size, g.feature_size))


def _kernel_3d(geometry: ConvGeometry) -> tuple[int, int, int]:
    """The kernel size with leading axes of size 1, as the 5-D kernels take it."""
    return (1,) * (3 - geometry.ndim) + tuple(geometry.kernel_size)


def _tiling(kernels):
    """The (de-)interleave kernels of a tiling: Numba's, or their NumPy twins for the twin kernels."""
    from ..kernels import tiling

    if kernels is NumpyKernels:
        return _NumpyTiling
    return tiling


def unfold(image: np.ndarray, geometry: ConvGeometry, kernels=im2col.unfold, reuse=False) -> np.ndarray:
    """The column buffer ``P @ image``: shape ``(N, C * prod(kernel), prod(feature))``.

    ``reuse=True`` writes into the thread's :func:`scratch` buffer (valid until the next call).

    >>> from tconv.geometry import conv_geometry
    >>> unfold(np.arange(4.0).reshape(1, 1, 4), conv_geometry((4,), (2,)))[0]   # rows: taps
    array([[0., 1., 2.],
           [1., 2., 3.]])
    """
    n, c = image.shape[:2]
    taps, length = math.prod(geometry.kernel_size), math.prod(geometry.feature_size)
    if is_pointwise(geometry):
        return np.ascontiguousarray(image).reshape(n, c, length)
    if is_tiling(geometry):
        crop = tuple(slice(0, f * s) for f, s in zip(geometry.feature_size, geometry.stride))
        cols = np.empty((n, c * taps, length), dtype=image.dtype)
        _tiling(kernels).deinterleave(as_3d(image[(slice(None), slice(None)) + crop]),
                                      *_kernel_3d(geometry), cols)
        return cols
    shape = (n, c * taps, length)
    cols = scratch("columns", shape, image.dtype) if reuse else np.empty(shape, dtype=image.dtype)
    kernels(as_3d(np.ascontiguousarray(image)), kernel_geometry(geometry), cols)
    return cols


def fold(cols: np.ndarray, channels: int, geometry: ConvGeometry, kernels=im2col.fold, out=None) -> np.ndarray:
    """``P.T @ cols``: scatter-add the column buffer back to ``(N, channels, *image)``.

    ``out``, when given, must be a C-contiguous array of that shape; it is overwritten.

    >>> from tconv.geometry import conv_geometry
    >>> fold(np.ones((1, 2, 3)), 1, conv_geometry((4,), (2,)))    # how often each pixel is seen
    array([[[1., 2., 2., 1.]]])
    """
    n = cols.shape[0]
    shape = (n, channels) + geometry.image_size
    if out is None:
        out = np.empty(shape, dtype=cols.dtype)
    if is_pointwise(geometry):
        out[...] = cols.reshape(shape)
    elif is_tiling(geometry):
        covered = tuple(f * s for f, s in zip(geometry.feature_size, geometry.stride))
        if covered != geometry.image_size:
            out[...] = 0                      # the uncovered bottom/right rows (output_padding)
        target = out[(slice(None), slice(None)) + tuple(slice(0, m) for m in covered)]
        # one copy straight into the interleaved positions (no sums: P is a permutation)
        _tiling(kernels).interleave(np.ascontiguousarray(cols), *_kernel_3d(geometry), as_3d(target))
    else:
        out[...] = 0
        kernels(np.ascontiguousarray(cols), kernel_geometry(geometry), as_3d(out))
    return out


class Columns(NamedTuple):
    """The column buffer ``unfold(image[part])`` that :func:`forward` keeps for :func:`weight_grad`."""

    part: slice
    cols: np.ndarray


def forward(image, weight, geometry: ConvGeometry, groups: int, kernels=im2col, keep_cols=None):
    """``C @ image``: unfold, then ``W @ cols``. Returns ``(N, C_out, *feature)``.

    ``keep_cols``, a list, receives the :class:`Columns` of each batch chunk so that
    :func:`weight_grad` can reuse them instead of unfolding the image again.

    >>> from tconv.geometry import conv_geometry
    >>> forward(np.arange(4.0).reshape(1, 1, 4), np.ones((1, 1, 2)), conv_geometry((4,), (2,)), 1)
    array([[[1., 3., 5.]]])
    """
    n = image.shape[0]
    c_out = weight.shape[0]
    length = math.prod(geometry.feature_size)
    w = grouped(weight, groups)
    out = np.empty((n, c_out, length), dtype=image.dtype)
    per_sample = image.shape[1] * math.prod(geometry.kernel_size) * length * image.itemsize

    def run(part):
        cols = unfold(image[part], geometry, kernels.unfold, reuse=keep_cols is None)
        by_group = cols.reshape(cols.shape[0], groups, w.shape[2], length)
        np.matmul(w, by_group, out=out[part].reshape(cols.shape[0], groups, w.shape[1], length))
        return Columns(part, cols)

    kept = map_blocks(run, chunks(n, per_sample, COLUMN_BUDGET_BYTES))
    if keep_cols is not None:
        keep_cols.extend(kept)
    return out.reshape((n, c_out) + geometry.feature_size)


def adjoint_as_convolution(geometry: ConvGeometry, c_feature: int, c_image: int) -> bool:
    """Whether ``C.T @ y`` is cheaper as the paper's equivalent stride-1 convolution.

    With stride 1 there is no zero insertion: ``C.T @ y`` is ``y`` convolved with the flipped,
    channel-swapped kernel and padding ``k̂-1-p``. That unfolds ``C_feature`` channels instead
    of folding ``C_image`` of them; measured faster on the U-Net layers whenever
    ``C_feature <= C_image`` and ``C_feature <= 32`` (e.g. 6.9 vs 8.4 ms at 64x64, 16 -> 16).

    >>> import tconv
    >>> g = tconv.conv_geometry((64, 64), (3, 3), padding=1)
    >>> adjoint_as_convolution(g, 16, 16), adjoint_as_convolution(g, 64, 64)
    (True, False)
    """
    return (all(s == 1 for s in geometry.stride) and c_feature <= min(c_image, 32)
            and not is_pointwise(geometry)
            and all(b <= kh - 1 and a <= kh - 1 for (b, a), kh in zip(geometry.padding, geometry.effective_kernel)))


def adjoint(feature, weight, geometry: ConvGeometry, groups: int, kernels=im2col):
    """``C.T @ feature``: ``W.T @ feature``, then fold. Returns ``(N, C_img, *image)``.

    For stride 1 with few feature channels it runs the equivalent convolution instead
    (see :func:`adjoint_as_convolution`); both are the same operator.

    >>> from tconv.geometry import conv_geometry
    >>> adjoint(np.ones((1, 1, 3)), np.ones((1, 1, 2)), conv_geometry((4,), (2,)), 1)
    array([[[1., 2., 2., 1.]]])
    """
    if adjoint_as_convolution(geometry, weight.shape[0], weight.shape[1] * groups):
        pads = tuple((kh - 1 - b, kh - 1 - a) for (b, a), kh in zip(geometry.padding, geometry.effective_kernel))
        equivalent = ConvGeometry(geometry.feature_size, geometry.image_size, geometry.kernel_size, geometry.stride,
                                  pads, geometry.dilation, (0,) * geometry.ndim)
        return forward(feature, flip_and_swap(weight, groups), equivalent, groups, kernels)
    n = feature.shape[0]
    channels = weight.shape[1] * groups
    length = math.prod(geometry.feature_size)
    w_t = np.swapaxes(grouped(weight, groups), 1, 2)               # (g, C_i/g * K, C_f/g)
    by_group = np.ascontiguousarray(feature).reshape(n, groups, weight.shape[0] // groups, length)
    out = np.empty((n, channels) + geometry.image_size, dtype=feature.dtype)
    per_sample = channels * math.prod(geometry.kernel_size) * length * feature.itemsize

    def run(part):
        m = part.stop - part.start
        cols = scratch("columns", (m, groups, w_t.shape[1], length), feature.dtype)
        np.matmul(w_t, by_group[part], out=cols)
        fold(cols.reshape(m, groups * w_t.shape[1], length), channels, geometry, kernels.fold, out=out[part])

    map_blocks(run, chunks(n, per_sample, COLUMN_BUDGET_BYTES))
    return out


def weight_grad(image, feature, geometry: ConvGeometry, groups: int, kernels=im2col, cols=None):
    """``grad_w = sum_n feature[n] @ unfold(image)[n].T``, shape ``(C_f, C_i/g, *k)``.

    ``cols``: the column buffers :func:`forward` kept (``keep_cols``), reused if given.

    >>> from tconv.geometry import conv_geometry
    >>> weight_grad(np.arange(4.0).reshape(1, 1, 4), np.ones((1, 1, 3)), conv_geometry((4,), (2,)), 1)
    array([[[3., 6.]]])
    """
    n = image.shape[0]
    c_f = feature.shape[1]
    length = math.prod(geometry.feature_size)
    by_group = np.ascontiguousarray(feature).reshape(n, groups, c_f // groups, length)
    taps = image.shape[1] // groups * math.prod(geometry.kernel_size)
    # Accumulate the transpose, unfold(x) @ grad_out.T: the same products, but OpenBLAS runs
    # this orientation 25-60% faster on the U-Net's layers (few output channels, long rows).
    per_sample = image.shape[1] * math.prod(geometry.kernel_size) * length * image.itemsize
    kept = {c.part.start: c.cols for c in (cols or ()) if isinstance(c, Columns)}
    parts = [c.part for c in (cols or ()) if isinstance(c, Columns)] or chunks(n, per_sample, COLUMN_BUDGET_BYTES)

    def run(part):
        unfolded = kept[part.start] if kept else unfold(image[part], geometry, kernels.unfold, reuse=True)
        unfolded = unfolded.reshape(part.stop - part.start, groups, taps, length)
        grad_t = np.zeros((groups, taps, c_f // groups), dtype=image.dtype)
        for i in range(unfolded.shape[0]):                 # fixed order: reproducible sums
            grad_t += np.matmul(unfolded[i], np.swapaxes(by_group[part][i], 1, 2))
        return grad_t

    grad_t = np.zeros((groups, taps, c_f // groups), dtype=image.dtype)
    for partial in map_blocks(run, parts):                       # in the chunks' order
        grad_t += partial
    grad = np.swapaxes(grad_t, 1, 2)
    return np.ascontiguousarray(grad).reshape((c_f, image.shape[1] // groups) + geometry.kernel_size)


class NumpyKernels:
    """The plain-NumPy twins of the Numba unfold and fold (``method="numpy"``).

    >>> NumpyKernels.unfold is im2col.unfold_numpy
    True
    """
    unfold = staticmethod(im2col.unfold_numpy)
    fold = staticmethod(im2col.fold_numpy)


class _NumpyTiling:
    @staticmethod
    def interleave(*args):
        from ..kernels import tiling
        tiling.interleave_numpy(*args)

    @staticmethod
    def deinterleave(*args):
        from ..kernels import tiling
        tiling.deinterleave_numpy(*args)
