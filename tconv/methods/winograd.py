"""Winograd's factorization (:mod:`tconv.winograd`) on batches: the method's three products of ``C``.

* :func:`forward` (``C @ x``): transform the input tiles (``V = Bᵀ d B``, a Numba kernel),
  one ``np.matmul`` of the transformed weight ``U = G g Gᵀ`` with ``V`` per point ``ξ`` of
  the transformed tile, transform back (``Aᵀ M A``, a Numba kernel);
* :func:`adjoint` (``C.T @ y``): with stride 1 a convolution of ``y`` with the flipped,
  channel-swapped kernel: a :func:`forward` of its own;
* :func:`weight_grad`: ``Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G``, one GEMM per ``ξ``, reusing the
  ``V`` the forward kept (as unfold + GEMM reuses its columns).

Shapes follow :class:`tconv.methods.Method`. The batch is cut into one part per thread, and
each part into blocks whose ``V`` and ``M`` fit in cache (:data:`BLOCK_BYTES`,
:func:`tconv.methods.runtime.chunks`); the parts run in parallel threads. ``kernels`` is the
module of the transforms (:mod:`tconv.kernels.winograd`, default) or an object with their
NumPy twins. ``tiles`` (the output tile size ``m`` per axis) defaults to
:func:`tconv.winograd.tile_sizes`; the fast methods pass the measured choice of
:func:`tconv.methods.choice.winograd_tiles`. The theory (the Toom-Cook matrices, the link to
``C``) is :mod:`tconv.winograd`.

>>> from tconv.geometry import conv_geometry
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> forward(x, np.ones((1, 1, 3, 3)), conv_geometry((4, 4), (3, 3)), 1)[0, 0]    # 3x3 window sums
array([[45., 54.],
       [81., 90.]])
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from .. import winograd as theory
from ..geometry import ConvGeometry
from ..layout import as_3d, flip_and_swap
from .runtime import chunks, map_blocks, scratch, single_threaded_blas

__all__ = ["transform_weight", "TransformedTiles", "forward", "adjoint", "weight_grad", "BLOCK_BYTES"]


@functools.lru_cache(maxsize=None)
def _axis_matrices(m: int):
    """``(AT, G, BT)`` of one axis; ``m = 0`` stands for a missing axis (the 1 x 1 identity)."""
    if m == 0:
        one = np.ones((1, 1))
        return one, one, one
    t = theory.toom_cook(m)
    return t.AT, t.G, t.BT


def _per_axis(m: tuple[int, ...]):
    """The per-axis matrices of the 5-D layout (2-D problems get the identity on z)."""
    return [_axis_matrices(mi) for mi in (0,) * (3 - len(m)) + tuple(m)]


@functools.lru_cache(maxsize=None)
def _kernel_matrices(m: tuple[int, ...], dtype) -> dict:
    """The kernels' per-axis matrices in ``dtype``: ``AT`` (output), ``BT`` (input), ``A`` (output gradient)."""
    matrices = _per_axis(m)
    return {name: [np.ascontiguousarray(matrix[index] if name != "A" else matrix[0].T, dtype=dtype)
                   for matrix in matrices]
            for name, index in (("AT", 0), ("BT", 2), ("A", 0))}


@functools.lru_cache(maxsize=None)
def _weight_matrix(m: tuple[int, ...]) -> np.ndarray:
    """``G ⊗ G (⊗ G)``: ``(α^n, 3^n)``, taking a flattened kernel to its transformed tile."""
    matrix = np.ones((1, 1))
    for _, g, _ in _per_axis(m):
        matrix = np.kron(matrix, g)
    return matrix


def transform_weight(weight: np.ndarray, groups: int, m: tuple[int, ...]) -> np.ndarray:
    """``U = (G ⊗ G ⊗ G) g``: the weight ``(C_out, C_in/g, 3, 3[, 3])`` as ``(α^n, g, C_out/g, C_in/g)``.

    One small product with the Kronecker matrix ``G ⊗ G``, in float64, rounded once to the
    weight's dtype. It is recomputed on every call (about 0.1 ms for 64 x 64 channels), so an
    optimizer changing the weight in place can never leave a stale transform behind.

    >>> transform_weight(np.ones((1, 1, 3, 3)), 1, (2, 2))[:, 0, 0, 0].reshape(4, 4)[1]   # (G 1 Gᵀ)[1]
    array([-1.5 ,  2.25,  0.75,  1.5 ])
    """
    c_out, c_in_group = weight.shape[:2]
    flat = weight.reshape(c_out * c_in_group, -1).astype(np.float64)
    with single_threaded_blas():                           # small: no BLAS threads woken
        u = _weight_matrix(tuple(m)) @ flat.T                          # (α^n, C_out * C_in/g)
    return u.reshape(-1, groups, c_out // groups, c_in_group).astype(weight.dtype)


class TransformedTiles(NamedTuple):
    """Input tiles the forward transformed, kept for the weight gradient.

    ``V (α^n, C_in, n_part * tiles)`` for the batch elements ``part``, with tile sizes ``m``.
    """

    V: np.ndarray
    m: tuple
    part: slice


def _geom(steps, before, tiles) -> np.ndarray:
    lead = 3 - len(steps)
    return np.array((1,) * lead + tuple(steps) + (0,) * lead + tuple(before) + (1,) * lead + tuple(tiles),
                    dtype=np.int64)


def _kernels(kernels):
    if kernels is None:
        from ..kernels import winograd as kernels
    return kernels


def _tiles(out_size, m) -> tuple[int, ...]:
    return tuple(math.ceil(o / mi) for o, mi in zip(out_size, m))


def _columns(out_size, m) -> tuple[int, ...]:
    """Tiles per axis as the transformed layout stores them: one extra (unused) tile column.

    The input transform's last stage writes whole rows of phase positions
    (:func:`tconv.kernels.winograd.padded_tiles`); the GEMMs carry that column along, the
    output transform crops it and the output gradient's transform puts zeros there.
    """
    tiles = _tiles(out_size, m)
    return tiles[:-1] + (tiles[-1] + 1,)


def _transform_input(image, m, before, out_size, kernels, reuse=False):
    """``V = (Bᵀ ⊗ Bᵀ ⊗ Bᵀ) d`` for every ``(m+2)``-tile of ``image (N, C, *in)``: ``(α^n, C, N * tiles)``.

    ``reuse=True``: written into this thread's scratch buffer (valid until the next call).
    """
    matrices = _per_axis(m)
    tiles = _tiles(out_size, m)
    columns = math.prod(_columns(out_size, m))
    shape = (math.prod(bt.shape[0] for _, _, bt in matrices), image.shape[1], image.shape[0] * columns)
    V = scratch("V", shape, image.dtype) if reuse else np.empty(shape, dtype=image.dtype)
    BT = _kernel_matrices(tuple(m), image.dtype)["BT"]
    kernels.tile_transform(as_3d(np.ascontiguousarray(image)), *BT, _geom(m, before, tiles), V)
    return V


#: Batch elements are processed in blocks whose transformed tiles ``V`` and GEMM results
#: ``M`` take at most this many bytes, so that ``M`` is still in cache when it is transformed back.
BLOCK_BYTES = 2 << 20


def _convolve(image, weight, out_size, before, groups, kernels, keep=None, tiles=None):
    """The stride-1 3x3 correlation of ``image`` with ``weight``: ``(N, C_out, *out_size)``.

    ``before``: the padding before each axis (negative: a crop); reads past the image's end
    are zeros. Blocks of the batch run in parallel threads (:mod:`tconv.methods.runtime`).
    """
    kernels = _kernels(kernels)
    m = tuple(tiles) if tiles is not None else theory.tile_sizes(out_size)
    U = transform_weight(weight, groups, m)                            # (α^n, g, C_out/g, C_in/g)
    n, c_out = image.shape[0], weight.shape[0]
    out = np.empty((n, c_out) + tuple(out_size), dtype=image.dtype)
    AT = _kernel_matrices(tuple(m), image.dtype)["AT"]
    geom = _geom(m, (0,) * len(m), _columns(out_size, m))
    bias = np.zeros(c_out, dtype=image.dtype)

    def run(block):
        V = _transform_input(image[block], m, before, out_size, kernels, reuse=keep is None)
        points, columns = V.shape[0], V.shape[2]
        M = scratch("M", (points, groups, c_out // groups, columns), image.dtype)
        np.matmul(U, V.reshape(points, groups, -1, columns), out=M)      # α^n GEMMs per group
        kernels.output_transform(M.reshape(points, c_out, columns), *AT, geom, bias, as_3d(out[block]))
        return TransformedTiles(V, m, block)

    per_image = U.shape[0] * math.prod(_columns(out_size, m)) * (image.shape[1] + c_out) * image.itemsize
    tiles = map_blocks(run, chunks(n, per_image, BLOCK_BYTES))
    if keep is not None:
        keep.extend(tiles)
    return out


def forward(image, weight, geometry: ConvGeometry, groups: int, kernels=None, keep_cols=None, tiles=None):
    """``C @ image`` for a geometry :func:`tconv.winograd.covers` accepts: ``(N, C_out, *feature)``.

    ``keep_cols``, a list, receives the :class:`TransformedTiles` for :func:`weight_grad`.

    >>> from tconv.geometry import conv_geometry
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> forward(x, np.ones((1, 1, 3, 3)), conv_geometry((4, 4), (3, 3)), 1)[0, 0]
    array([[45., 54.],
           [81., 90.]])
    """
    before = tuple(b for b, _ in geometry.padding)
    return _convolve(image, weight, geometry.feature_size, before, groups, kernels, keep_cols, tiles)


def adjoint(feature, weight, geometry: ConvGeometry, groups: int, kernels=None, tiles=None):
    """``C.T @ feature``: the stride-1 correlation with the flipped, channel-swapped kernel.

    With stride 1, ``C.T @ y`` pads ``y`` by ``k - 1 - p_before`` before each axis (negative:
    crops) and convolves with the kernel rotated 180° (in/out channels swapped per group): a
    Winograd forward of its own. Returns ``(N, C_image, *image)``.

    >>> from tconv.geometry import conv_geometry
    >>> adjoint(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), conv_geometry((4, 4), (3, 3)), 1)[0, 0]
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]])
    """
    before = tuple(2 - b for b, _ in geometry.padding)
    return _convolve(feature, flip_and_swap(weight, groups), geometry.image_size, before, groups, kernels,
                     tiles=tiles)


def weight_grad(image, feature, geometry: ConvGeometry, groups: int, kernels=None, cols=None, tiles=None):
    """``dL/dW = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G`` per channel pair: ``(C_f, C_i/g, 3, 3[, 3])``.

    ``feature`` is ``dL/dY`` (``(N, C_f, *feature)``); ``V`` are the transformed input tiles,
    taken from ``cols`` (what :func:`forward` kept) when given. The sum over tiles is one
    GEMM per transformed point: ``Z[ξ] @ V[ξ].T`` with ``Z = (A ⊗ A) dY`` per tile.

    >>> from tconv.geometry import conv_geometry
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> weight_grad(x, np.ones((1, 1, 2, 2)), conv_geometry((4, 4), (3, 3)), 1)[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    kernels = _kernels(kernels)
    kept = [c for c in (cols or ()) if isinstance(c, TransformedTiles)]
    before = tuple(b for b, _ in geometry.padding)
    m = kept[0].m if kept else tuple(tiles) if tiles is not None else theory.tile_sizes(geometry.feature_size)
    matrices = _per_axis(m)
    A = _kernel_matrices(tuple(m), feature.dtype)["A"]
    geom = _geom(m, (0,) * len(m), _columns(geometry.feature_size, m))      # zeros in the extra column
    c_f = feature.shape[1]
    points = math.prod(at.shape[1] for at, _, _ in matrices)
    per_image = points * math.prod(_columns(geometry.feature_size, m)) * (image.shape[1] + c_f) * image.itemsize
    blocks = [c.part for c in kept] or chunks(image.shape[0], per_image, BLOCK_BYTES)

    def run(block):
        if kept:
            V = kept[blocks.index(block)].V
        else:
            V = _transform_input(image[block], m, before, geometry.feature_size, kernels, reuse=True)
        columns = V.shape[2]
        Z = scratch("Z", (points, c_f, columns), feature.dtype)
        kernels.tile_transform(as_3d(np.ascontiguousarray(feature[block])), *A, geom, Z)
        return np.matmul(Z.reshape(points, groups, c_f // groups, columns),
                         np.swapaxes(V.reshape(points, groups, -1, columns), 2, 3))   # (α^n, g, C_f/g, C_i/g)

    dU = np.zeros((points, groups, c_f // groups, image.shape[1] // groups), dtype=feature.dtype)
    for partial in map_blocks(run, blocks):            # in the blocks' order: reproducible
        dU += partial
    with single_threaded_blas():
        grad = dU.reshape(points, -1).astype(np.float64).T @ _weight_matrix(tuple(m))    # (Gᵀ ⊗ Gᵀ) dU
    return grad.reshape((c_f, image.shape[1] // groups) + geometry.kernel_size).astype(feature.dtype)
