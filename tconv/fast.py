"""The fast path: the convolution matrix factored as ``C = (W ⊗ I) · P``.

``P`` (unfold, :mod:`tconv.kernels.im2col`) copies what each kernel tap sees into a column
buffer; ``W ⊗ I`` is then one matrix product through NumPy's BLAS. So, for one group,

* ``C @ x``      = ``W @ unfold(x)``                        (convolution)
* ``C.T @ y``    = ``fold(W.T @ y)``                        (transposed convolution, input gradient)
* ``dL/dW``      = ``sum_n grad_out[n] @ unfold(x)[n].T``   (weight gradient)

This is exactly the operator of :mod:`tconv.matrix`, which the tests check. Two geometries
skip the gather/scatter: a 1x1 kernel (``P`` is the identity) and non-overlapping tiles
(``kernel == stride``, no padding, e.g. U-Net's 2x2 stride-2 up-convolution), where ``P`` is
a pure permutation: one (de-)interleaving copy (:mod:`tconv.kernels.tiling`). Parts of the
batch run in parallel threads, each with a single-threaded BLAS (:mod:`tconv.kernels.batch_split`).

Stride-1 3x3 (and 3x3x3) convolutions have a second exact factorization of the same ``C``
with fewer multiplications, Winograd's (:mod:`tconv.winograd`). :func:`factorization`
says, per layer, which one runs (the rule is :func:`winograd_pays`, derived from
measurements on this project's benchmark layers).

:func:`method` gives the methods of :mod:`tconv.methods` built here: ``"numba"`` (JIT
kernels, the default: picks unfold + GEMM or Winograd per layer), ``"numpy"`` (the same
with the NumPy twins of the kernels), ``"winograd"`` (Winograd wherever it applies) and
``"unfold"`` (unfold + GEMM everywhere). Building one asks glibc to keep freed big blocks
for reuse (:func:`tconv.kernels.batch_split.keep_freed_memory`; ``TCONV_KEEP_FREED_MEMORY=0``
opts out): fresh pages cost as much as the work.
"""
from __future__ import annotations

import math
import threading
from typing import NamedTuple

import numpy as np

from . import winograd, winograd_batch
from .geometry import ConvGeometry
from .kernels import im2col
from .layout import as_3d, flip_and_swap, grouped, pack_geometry

__all__ = ["kernel_geometry", "unfold", "fold", "forward", "adjoint", "weight_grad", "method", "Columns",
           "winograd_pays", "factorization"]

#: Upper bound on the column buffer of one chunk of the batch (bytes).
COLUMN_BUDGET_BYTES = 256 << 20


_scratch_space = threading.local()


def scratch(shape, dtype) -> np.ndarray:
    """A reusable buffer for temporaries (column buffers), one per thread and dtype.

    Large ``np.empty`` calls map fresh pages from the OS every time, and touching them
    costs as much as the copy itself; reusing one grown buffer avoids that. The buffer is
    overwritten by the next call: never return it to a caller.

    >>> a = scratch((2, 3), np.float32); b = scratch((3,), np.float32)
    >>> np.shares_memory(a, b)
    True
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    pool = _scratch_space.__dict__.setdefault("buffers", {})
    buffer = pool.get(dtype)
    if buffer is None or buffer.size < size:
        buffer = pool[dtype] = np.empty(size, dtype=dtype)
    return buffer[:size].reshape(shape)


def kernel_geometry(geometry: ConvGeometry) -> tuple[int, ...]:
    """The 15-int tuple the kernels take, with the spatial axes padded to three.

    >>> from tconv.geometry import conv_geometry
    >>> kernel_geometry(conv_geometry((5, 6), (3, 3), stride=2, padding=1))
    (1, 3, 3, 1, 2, 2, 0, 1, 1, 1, 1, 1, 1, 3, 3)
    """
    return pack_geometry(geometry.kernel_size, geometry.stride, tuple(b for b, _ in geometry.padding),
                         geometry.dilation, geometry.feature_size)


def _is_pointwise(g: ConvGeometry) -> bool:
    """1x1 kernel, stride 1, no padding, image and feature the same size: ``P`` is the identity."""
    return g.image_size == g.feature_size and all(
        k == 1 and s == 1 and p == (0, 0) for k, s, p in zip(g.kernel_size, g.stride, g.padding))


def _is_tiling(g: ConvGeometry) -> bool:
    """Kernel tiles the image without overlap or gaps: ``P`` is a permutation (plus a crop)."""
    return all((k == s and (d == 1 or k == 1)) and b == 0 and i >= f * s
               for k, s, d, (b, _), i, f in zip(g.kernel_size, g.stride, g.dilation, g.padding,
                                                g.image_size, g.feature_size))


def _kernel_3d(geometry: ConvGeometry) -> tuple[int, int, int]:
    """The kernel size with leading axes of size 1, as the 5-D kernels take it."""
    return (1,) * (3 - geometry.ndim) + tuple(geometry.kernel_size)


def _tiling(kernels):
    """The (de-)interleave kernels of a tiling: Numba's, or their NumPy twins for the twin kernels."""
    from .kernels import tiling

    if kernels is _NumpyKernels:
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
    if _is_pointwise(geometry):
        return np.ascontiguousarray(image).reshape(n, c, length)
    if _is_tiling(geometry):
        crop = tuple(slice(0, f * s) for f, s in zip(geometry.feature_size, geometry.stride))
        cols = np.empty((n, c * taps, length), dtype=image.dtype)
        _tiling(kernels).deinterleave(as_3d(image[(slice(None), slice(None)) + crop]),
                                      *_kernel_3d(geometry), cols)
        return cols
    shape = (n, c * taps, length)
    cols = scratch(shape, image.dtype) if reuse else np.empty(shape, dtype=image.dtype)
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
    if _is_pointwise(geometry):
        out[...] = cols.reshape(shape)
    elif _is_tiling(geometry):
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


def _chunks(n: int, per_sample_bytes: int) -> list[slice]:
    """Slices of the batch: its parts for parallel threads, each cut under :data:`COLUMN_BUDGET_BYTES`.

    The parts run in parallel (:func:`_in_threads`): each thread unfolds its own samples and
    runs its own GEMMs with a single-threaded BLAS (:mod:`tconv.kernels.batch_split` says
    why: BLAS's and Numba's spinning worker threads fight over the cores otherwise).
    """
    from .kernels import batch_split

    step = max(1, COLUMN_BUDGET_BYTES // max(per_sample_bytes, 1))
    return [slice(i, min(i + step, part.stop)) for part in batch_split.split(n, batch_split.threads())
            for i in range(part.start, part.stop, step)]


def _in_threads(function, chunks: list[slice]) -> list:
    """``[function(chunk) for chunk in chunks]``, consecutive runs of chunks in parallel threads."""
    from .kernels import batch_split

    return batch_split.map_blocks(function, chunks)


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

    kept = _in_threads(run, _chunks(n, per_sample))
    if keep_cols is not None:
        keep_cols.extend(kept)
    return out.reshape((n, c_out) + geometry.feature_size)


def _adjoint_as_convolution(geometry: ConvGeometry, c_feature: int, c_image: int) -> bool:
    """Whether ``C.T @ y`` is cheaper as the paper's equivalent stride-1 convolution.

    With stride 1 there is no zero insertion: ``C.T @ y`` is ``y`` convolved with the flipped,
    channel-swapped kernel and padding ``k̂-1-p``. That unfolds ``C_feature`` channels instead
    of folding ``C_image`` of them; measured faster on the U-Net layers whenever
    ``C_feature <= C_image`` and ``C_feature <= 32`` (e.g. 6.9 vs 8.4 ms at 64x64, 16 -> 16).
    """
    return (all(s == 1 for s in geometry.stride) and c_feature <= min(c_image, 32)
            and not _is_pointwise(geometry)
            and all(b <= kh - 1 and a <= kh - 1 for (b, a), kh in zip(geometry.padding, geometry.effective_kernel)))


def adjoint(feature, weight, geometry: ConvGeometry, groups: int, kernels=im2col):
    """``C.T @ feature``: ``W.T @ feature``, then fold. Returns ``(N, C_img, *image)``.

    For stride 1 with few feature channels it runs the equivalent convolution instead
    (see :func:`_adjoint_as_convolution`); both are the same operator.

    >>> from tconv.geometry import conv_geometry
    >>> adjoint(np.ones((1, 1, 3)), np.ones((1, 1, 2)), conv_geometry((4,), (2,)), 1)
    array([[[1., 2., 2., 1.]]])
    """
    if _adjoint_as_convolution(geometry, weight.shape[0], weight.shape[1] * groups):
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
        cols = scratch((m, groups, w_t.shape[1], length), feature.dtype)
        np.matmul(w_t, by_group[part], out=cols)
        fold(cols.reshape(m, groups * w_t.shape[1], length), channels, geometry, kernels.fold, out=out[part])

    _in_threads(run, _chunks(n, per_sample))
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
    chunks = [c.part for c in (cols or ()) if isinstance(c, Columns)] or _chunks(n, per_sample)

    def run(part):
        unfolded = kept[part.start] if kept else unfold(image[part], geometry, kernels.unfold, reuse=True)
        unfolded = unfolded.reshape(part.stop - part.start, groups, taps, length)
        grad_t = np.zeros((groups, taps, c_f // groups), dtype=image.dtype)
        for i in range(unfolded.shape[0]):                 # fixed order: reproducible sums
            grad_t += np.matmul(unfolded[i], np.swapaxes(by_group[part][i], 1, 2))
        return grad_t

    grad_t = np.zeros((groups, taps, c_f // groups), dtype=image.dtype)
    for partial in _in_threads(run, chunks):                       # in the chunks' order
        grad_t += partial
    grad = np.swapaxes(grad_t, 1, 2)
    return np.ascontiguousarray(grad).reshape((c_f, image.shape[1] // groups) + geometry.kernel_size)


def winograd_pays(geometry: ConvGeometry, c_in: int, c_out: int, groups: int) -> bool:
    """Whether the default method runs the convolution ``c_in -> c_out`` on ``geometry`` with Winograd.

    ``c_in``/``c_out`` are the channels of the convolution actually computed (for an adjoint:
    ``C_feature -> C_image``). The rule, from the benchmark layers (docs/benchmarks.md, one
    thread, forward and forward + backward): Winograd when it applies
    (:func:`tconv.winograd.covers`), each group has at least 4 input and 4 output channels
    (fewer make the GEMMs degenerate and the transforms dominate) and the output has at
    least 1024 points per image. Measured: 10-25% faster than unfold + GEMM at 32x32 and
    64x64 (16-32 channels), 2x on the 32³ 3-D layer, a tie at 16x16 (32-64 channels).

    >>> from tconv.geometry import conv_geometry
    >>> g = conv_geometry((64, 64), (3, 3), padding=1)
    >>> winograd_pays(g, 16, 16, 1), winograd_pays(g, 1, 16, 1)
    (True, False)
    >>> winograd_pays(conv_geometry((16, 16), (3, 3), padding=1), 64, 64, 1)
    False
    """
    return (winograd.covers(geometry) and min(c_in, c_out) // groups >= 4
            and math.prod(geometry.feature_size) >= 1024)


def factorization(geometry: ConvGeometry, c_image: int, c_feature: int, groups: int = 1,
                  method: str = "numba") -> dict[str, str]:
    """Which factorization of ``C`` each product runs with a fast method, and why it is the same operator.

    Keys ``"forward"`` (``C @ x``), ``"adjoint"`` (``C.T @ y``) and ``"weight_grad"``;
    ``c_image``/``c_feature`` are the channels on the image and feature sides of ``C``.

    >>> from tconv.geometry import conv_geometry
    >>> factorization(conv_geometry((64, 64), (3, 3), padding=1), 16, 16)["forward"]
    'Winograd F(4x4, 3x3): C = per tile Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, 36 GEMMs'
    >>> factorization(conv_geometry((64, 64), (3, 3), stride=2, padding=1), 16, 16)["forward"]
    'unfold + GEMM: C = (W ⊗ I)·P'
    """
    policy = _POLICY.get(method)
    if policy is None:
        raise ValueError(f"method={method!r}: factorization describes {tuple(_POLICY)}")

    def winograd_text(size):
        m = winograd.tile_sizes(size)
        tile = "x".join(str(v) for v in m)
        points = math.prod(v + 2 for v in m)
        return (f"Winograd F({tile}, {'x'.join('3' * len(m))}): C = per tile Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, "
                f"{points} GEMMs")

    unfold_text = "unfold + GEMM: C = (W ⊗ I)·P"
    if _is_pointwise(geometry):
        unfold_text = "GEMM: 1x1 kernel, P = I"
    elif _is_tiling(geometry):
        unfold_text = "GEMM + reshape: kernel == stride, P is a permutation"
    forward_wino = _use_winograd(policy, geometry, c_image, c_feature, groups)
    adjoint_wino = _use_winograd(policy, geometry, c_feature, c_image, groups)
    adjoint_unfold = ("fold(Wᵀ @ y): C.T = Pᵀ·(Wᵀ ⊗ I)" if not _adjoint_as_convolution(geometry, c_feature, c_image)
                      else "unfold + GEMM of the flipped kernel (stride 1: C.T is a convolution)")
    return {"forward": winograd_text(geometry.feature_size) if forward_wino else unfold_text,
            "adjoint": (winograd_text(geometry.image_size) + " of the flipped kernel" if adjoint_wino
                        else adjoint_unfold if not _is_pointwise(geometry) and not _is_tiling(geometry)
                        else unfold_text),
            "weight_grad": ("Winograd: Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ V]G, reusing the forward's tiles V" if forward_wino
                            else "GEMM with the forward's columns: dW = Σ_n dY[n] @ unfold(x)[n].T")}


#: How each fast method uses Winograd: only where it pays (the default), always, or never.
_POLICY = {"numba": "auto", "numpy": "auto", "winograd": "always", "unfold": "never"}


def _use_winograd(policy: str, geometry: ConvGeometry, c_in: int, c_out: int, groups: int) -> bool:
    if policy == "always":
        return winograd.covers(geometry)
    return policy == "auto" and winograd_pays(geometry, c_in, c_out, groups)


class _NumpyKernels:
    unfold = staticmethod(im2col.unfold_numpy)
    fold = staticmethod(im2col.fold_numpy)


class _NumpyTiling:
    @staticmethod
    def interleave(*args):
        from .kernels import tiling
        tiling.interleave_numpy(*args)

    @staticmethod
    def deinterleave(*args):
        from .kernels import tiling
        tiling.deinterleave_numpy(*args)


def _dispatching(policy: str, kernels, winograd_kernels):
    """``(forward, adjoint, weight_grad)`` picking Winograd or unfold + GEMM per call (:func:`_use_winograd`)."""

    def forward_(image, weight, geometry, groups, keep_cols=None):
        if _use_winograd(policy, geometry, image.shape[1], weight.shape[0], groups):
            return winograd_batch.forward(image, weight, geometry, groups, winograd_kernels, keep_cols)
        return forward(image, weight, geometry, groups, kernels, keep_cols)

    def adjoint_(feature, weight, geometry, groups):
        if _use_winograd(policy, geometry, weight.shape[0], weight.shape[1] * groups, groups):
            return winograd_batch.adjoint(feature, weight, geometry, groups, winograd_kernels)
        return adjoint(feature, weight, geometry, groups, kernels)

    def weight_grad_(image, feature, geometry, groups, cols=None):
        if _use_winograd(policy, geometry, image.shape[1], feature.shape[1], groups):
            return winograd_batch.weight_grad(image, feature, geometry, groups, winograd_kernels, cols)
        return weight_grad(image, feature, geometry, groups, kernels, cols)

    return forward_, adjoint_, weight_grad_


def method(name: str):
    """The :class:`tconv.methods.Method` ``"numba"``, ``"numpy"``, ``"winograd"`` or ``"unfold"`` (module docstring).

    >>> method("numpy").keeps_columns
    True
    """
    from .kernels import batch_split
    from .methods import Method, PoolKernels

    if name not in _POLICY:
        raise ValueError(f"tconv.fast builds the methods {tuple(_POLICY)}, not {name!r}")
    batch_split.keep_freed_memory()             # reuse freed big blocks: fresh pages cost as much as the work
    if name == "numpy":
        from .kernels import pool_numpy as pool
        from .kernels import winograd as transforms

        class _NumpyTransforms:
            tile_transform = staticmethod(transforms.tile_transform_numpy)
            output_transform = staticmethod(transforms.output_transform_numpy)

        kernels, winograd_kernels = _NumpyKernels, _NumpyTransforms
    else:
        from .kernels import pool
        from .kernels import winograd as winograd_kernels

        kernels = im2col
    pooling = PoolKernels(pool.max_pool, pool.max_pool_backward, pool.avg_pool, pool.avg_pool_backward)
    return Method(*_dispatching(_POLICY[name], kernels, winograd_kernels), True, pooling, "matrix")
