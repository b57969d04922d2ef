r"""Winograd's minimal filtering: one more exact way of writing ``C @ x`` for 3x3, stride-1 convolutions.

The fast path of :mod:`tconv.fast` factors the convolution matrix as ``C = (W ⊗ I) · P``
(unfold, then one GEMM). For a stride-1 3-tap kernel there is a factorization with fewer
multiplications (Winograd 1980; Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural
Networks"). It is the same matrix ``C``, written per output tile as a product of three
small matrices ``Aᵀ``, ``G`` and ``Bᵀ`` that depend only on the tile size.

**F(2, 3) in one dimension.** Two outputs of a 3-tap correlation of ``d = (d0, d1, d2, d3)``
with ``g = (g0, g1, g2)`` take 6 multiplications the direct way::

    y0 = d0 g0 + d1 g1 + d2 g2
    y1 = d1 g0 + d2 g1 + d3 g2

Winograd needs 4. Write the *linear convolution* of a 2-vector ``h`` with ``g`` as the
product of the polynomials ``h(x) = h0 + h1 x`` and ``g(x) = g0 + g1 x + g2 x²``: a
degree-3 polynomial ``s(x)``, fixed by its values at 4 points. Take the points
``0, 1, -1, ∞`` (at ``∞``: the leading coefficient). Then ``s`` costs 4 multiplications,
``h(a) · g(a)`` at each point, and interpolating ``s`` back from them is a fixed matrix:
``s = L [(E₃ g) ⊙ (E₂ h)]``, with ``E_k`` the ``4 x k`` evaluation matrix (rows
``[1, a, ..., a^(k-1)]``, and ``[0, ..., 0, 1]`` for ``∞``) and ``L = E₄⁻¹``. The correlation
``y`` is the *transpose* of that map from ``h`` to ``s``: ``y = E₂ᵀ [(E₃ g) ⊙ (Lᵀ d)]``.
So ``Aᵀ = E₂ᵀ``, ``G = E₃``, ``Bᵀ = Lᵀ``, up to a diagonal scale moved from ``Bᵀ`` to ``G``.
Written out (Lavin & Gray's eq. 5)::

    m1 = (d0 - d2) g0        m2 = (d1 + d2) (g0 + g1 + g2) / 2
    m4 = (d1 - d3) g2        m3 = (d2 - d1) (g0 - g1 + g2) / 2
    y0 = m1 + m2 + m3        y1 = m2 - m3 - m4

The weight factors ``(g0 ± g1 + g2) / 2`` are computed once per weight, so 4 products
remain for 2 outputs. The rows of ``Bᵀ`` have a closed form (the Lagrange basis):
the row of a finite point ``a_i`` holds the coefficients of ``∏_{j≠i} (x - a_j)``, the row
of ``∞`` those of ``∏_j (x - a_j)``; the row of ``G`` is ``[1, a_i, a_i²] / f_i`` with
``f_i = ∏_{j≠i} (a_i - a_j)`` (and ``[0, 0, 1]`` for ``∞``); the column of ``Aᵀ`` is
``[1, a_i, ..., a_i^(m-1)]``. :func:`toom_cook` computes them with exact fractions.

**In 2-D and 3-D** the 1-D algorithm is nested, one axis at a time: an ``m x m`` output
tile of an ``α x α`` input tile ``d`` (``α = m + 2``) is
``Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A``: ``α²`` products per input/output channel pair
instead of ``9 m²``. Summed over input channels, each of the ``α²`` points is one matrix
product ``(C_out x C_in) @ (C_in x tiles)``: a batch of ``α²`` GEMMs, which is how
:func:`forward` runs it.

>>> t = toom_cook(2)
>>> t.BT.astype(int).tolist()            # rows: the points 0, 1, -1, ∞ (see toom_cook for the signs)
[[-1, 0, 1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, -1, 0, 1]]
>>> d, g = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, -1.0])
>>> t.AT @ ((t.G @ g) * (t.BT @ d))     # == [d0 - d2, d1 - d3]: the correlation, with 4 products
array([-2., -2.])
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from .geometry import ConvGeometry
from .layout import as_3d, flip_and_swap

__all__ = ["POINTS", "ToomCook", "toom_cook", "winograd_tile", "multiplications_per_output", "covers",
           "tile_sizes", "transform_weight", "TransformedTiles", "forward", "adjoint", "weight_grad"]

#: The interpolation points of each output tile size ``m`` (``∞`` is always added last).
#: Small points keep the matrices' entries small, which keeps float32 rounding small.
POINTS = {2: (0, 1, -1), 4: (0, 1, -1, 2, -2)}


class ToomCook(NamedTuple):
    """The matrices of ``F(m, r)``: ``y = AT @ ((G @ g) * (BT @ d))`` for ``d`` of length ``α = m + r - 1``.

    ``AT (m, α)``, ``G (α, r)``, ``BT (α, α)`` as float64, and the same as exact
    :class:`~fractions.Fraction` nested lists (``exact``), rows ordered as ``points + (∞,)``.
    """

    AT: np.ndarray
    G: np.ndarray
    BT: np.ndarray
    points: tuple
    exact: dict

    @property
    def m(self) -> int:
        """Outputs per tile (per axis)."""
        return self.AT.shape[0]

    @property
    def alpha(self) -> int:
        """Input tile size ``m + r - 1`` (per axis)."""
        return self.BT.shape[0]


def _poly_from_roots(roots) -> list[Fraction]:
    """Coefficients (lowest first) of ``∏ (x - a)`` over ``roots``."""
    coefficients = [Fraction(1)]
    for a in roots:
        shifted = [Fraction(0)] + coefficients               # x * p(x)
        for i, c in enumerate(coefficients):
            shifted[i] -= a * c                              # - a * p(x)
        coefficients = shifted
    return coefficients


def toom_cook(m: int, r: int = 3, points=None) -> ToomCook:
    """Derive ``F(m, r)``'s matrices ``Aᵀ``, ``G``, ``Bᵀ`` from ``m + r - 2`` finite points and ``∞``.

    With ``E_k`` the ``α x k`` evaluation matrix (a point's row ``[1, a, ..., a^(k-1)]``,
    ``∞``'s row ``[0, ..., 0, 1]``) and ``f_i = ∏_{j≠i} (a_i - a_j)``:

    * ``Aᵀ = E_mᵀ``;
    * ``G = diag(1/f_0, ..., 1/f_{α-2}, 1) · E_r``;
    * ``Bᵀ = diag(f_0, ..., 1) · (E_α⁻¹)ᵀ``: row ``i`` holds the coefficients of
      ``∏_{j≠i} (x - a_j)``, the ``∞`` row those of ``∏_j (x - a_j)`` (all integers).

    Lavin & Gray print F(4, 3) exactly so; their F(2, 3) negates two rows of ``Bᵀ``
    (the point 0's, with its ``G`` row, and ``∞``'s, with its ``Aᵀ`` column). Any such pair
    of diagonal signs/scales gives the same operator (the tests check both).

    >>> t = toom_cook(4)
    >>> t.points, t.alpha
    ((0, 1, -1, 2, -2), 6)
    >>> [str(v) for v in t.exact["G"][3]]       # the point 2: [1, 2, 4] / f with f = 2 * 1 * 3 * 4
    ['1/24', '1/12', '1/6']
    """
    if not isinstance(m, int) or m < 1 or not isinstance(r, int) or r < 1:
        raise ValueError(f"toom_cook(m={m!r}, r={r!r}): m and r must be ints >= 1")
    points = POINTS.get(m) if points is None else tuple(points)
    alpha = m + r - 1
    if points is None or len(points) != alpha - 1 or len(set(points)) != len(points):
        raise ValueError(f"F({m}, {r}) needs {alpha - 1} distinct finite points (∞ is added); got {points!r}")
    a = [Fraction(p) for p in points]

    def evaluation(k):
        return [[ai ** j for j in range(k)] for ai in a] + [[Fraction(0)] * (k - 1) + [Fraction(1)]]

    f = [np.prod([ai - aj for j, aj in enumerate(a) if j != i], initial=Fraction(1)) for i, ai in enumerate(a)]
    f.append(Fraction(1))
    AT = [list(column) for column in zip(*evaluation(m))]
    G = [[v / fi for v in row] for row, fi in zip(evaluation(r), f)]
    BT = [_poly_from_roots(a[:i] + a[i + 1:]) + [Fraction(0)] for i in range(len(a))]
    BT.append(_poly_from_roots(a))
    exact = {"AT": AT, "G": G, "BT": BT}
    as_float = {name: np.array([[float(v) for v in row] for row in rows]) for name, rows in exact.items()}
    return ToomCook(as_float["AT"], as_float["G"], as_float["BT"], tuple(points), exact)


def winograd_tile(g: np.ndarray, d: np.ndarray, m: int = 2) -> np.ndarray:
    """One output tile ``Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`` of a 2-D, single-channel 3x3 correlation.

    ``g (3, 3)``, ``d (m+2, m+2)`` -> ``(m, m)``: the same numbers as the valid correlation
    ``conv2d(d, g)``, i.e. ``conv_matrix(g) @ d.ravel()``, with ``(m+2)²`` multiplications
    instead of ``9 m²``.

    >>> d = np.arange(16.0).reshape(4, 4)
    >>> winograd_tile(np.ones((3, 3)), d)            # sums of the four 3x3 windows
    array([[45., 54.],
           [81., 90.]])
    """
    t = toom_cook(m)
    return t.AT @ ((t.G @ g @ t.G.T) * (t.BT @ d @ t.BT.T)) @ t.AT.T


def multiplications_per_output(m: int, r: int = 3, ndim: int = 2) -> float:
    """``(α / m)^ndim``, the element-wise products per output of ``F(m, r)`` per channel pair.

    The direct sum needs ``r^ndim`` (the value for ``m = 1``).

    >>> [multiplications_per_output(m) for m in (1, 2, 4)]
    [9.0, 4.0, 2.25]
    """
    return float(((m + r - 1) / m) ** ndim)


# --------------------------------------------------------------------------- the method on batches


def covers(geometry: ConvGeometry) -> bool:
    """Whether Winograd computes this geometry: 2 or 3 spatial axes, 3-tap kernel, stride 1, dilation 1.

    Any padding (also asymmetric) and any groups. Other geometries use unfold + GEMM.

    >>> from tconv.geometry import conv_geometry
    >>> covers(conv_geometry((8, 8), (3, 3), padding=1)), covers(conv_geometry((8, 8), (3, 3), stride=2))
    (True, False)
    """
    return geometry.ndim in (2, 3) and all(k == 3 and s == 1 and d == 1 for k, s, d in zip(
        geometry.kernel_size, geometry.stride, geometry.dilation))


def tile_sizes(output_size) -> tuple[int, ...]:
    """The output tile size ``m`` (2 or 4) per axis: 4 where it needs fewer transformed points.

    An axis of ``o`` outputs costs ``α * ceil(o / m)`` transformed points (``α = m + 2``).
    Axes with fewer than 8 outputs keep ``m = 2``: F(2, 3)'s matrices hold only halves, so it
    computes small-integer examples exactly in float64 (F(4, 3)'s sixths do not), and its
    float32 rounding is smaller.

    >>> tile_sizes((64, 5, 2))
    (4, 2, 2)
    """
    return tuple(4 if o >= 8 and 6 * math.ceil(o / 4) < 4 * math.ceil(o / 2) else 2 for o in output_size)


@functools.lru_cache(maxsize=None)
def _axis_matrices(m: int):
    """``(AT, G, BT)`` of one axis; ``m = 0`` stands for a missing axis (the 1 x 1 identity)."""
    if m == 0:
        one = np.ones((1, 1))
        return one, one, one
    t = toom_cook(m)
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
    u = _weight_matrix(tuple(m)) @ flat.T                              # (α^n, C_out * C_in/g)
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
        from .kernels import winograd as kernels
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
    from .kernels import batch_split

    matrices = _per_axis(m)
    tiles = _tiles(out_size, m)
    columns = math.prod(_columns(out_size, m))
    shape = (math.prod(bt.shape[0] for _, _, bt in matrices), image.shape[1], image.shape[0] * columns)
    V = batch_split.scratch("V", shape, image.dtype) if reuse else np.empty(shape, dtype=image.dtype)
    BT = _kernel_matrices(tuple(m), image.dtype)["BT"]
    kernels.tile_transform(as_3d(np.ascontiguousarray(image)), *BT, _geom(m, before, tiles), V)
    return V


#: Batch elements are processed in blocks whose transformed tiles ``V`` and GEMM results
#: ``M`` take at most this many bytes, so that ``M`` is still in cache when it is transformed back.
BLOCK_BYTES = 2 << 20


def _blocks(n: int, per_image: int) -> list[slice]:
    """The batch as consecutive blocks of at most :data:`BLOCK_BYTES` (at least one image each)."""
    step = max(1, BLOCK_BYTES // max(per_image, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _in_threads(function, blocks: list[slice]) -> list:
    """``[function(block) for block in blocks]``, consecutive runs of blocks in parallel threads."""
    from .kernels import batch_split

    runs = batch_split.split(len(blocks), batch_split.threads())
    results = batch_split.run_parts(lambda run: [function(block) for block in blocks[run]], runs)
    return [value for values in results for value in values]


def _convolve(image, weight, out_size, before, groups, kernels, keep=None):
    """The stride-1 3x3 correlation of ``image`` with ``weight``: ``(N, C_out, *out_size)``.

    ``before``: the padding before each axis (negative: a crop); reads past the image's end
    are zeros. Blocks of the batch run in parallel threads (:mod:`tconv.kernels.batch_split`).
    """
    from .kernels import batch_split

    kernels = _kernels(kernels)
    m = tile_sizes(out_size)
    U = transform_weight(weight, groups, m)                            # (α^n, g, C_out/g, C_in/g)
    n, c_out = image.shape[0], weight.shape[0]
    out = np.empty((n, c_out) + tuple(out_size), dtype=image.dtype)
    AT = _kernel_matrices(tuple(m), image.dtype)["AT"]
    geom = _geom(m, (0,) * len(m), _columns(out_size, m))
    bias = np.zeros(c_out, dtype=image.dtype)

    def run(block):
        V = _transform_input(image[block], m, before, out_size, kernels, reuse=keep is None)
        points, columns = V.shape[0], V.shape[2]
        M = batch_split.scratch("M", (points, groups, c_out // groups, columns), image.dtype)
        np.matmul(U, V.reshape(points, groups, -1, columns), out=M)      # α^n GEMMs per group
        kernels.output_transform(M.reshape(points, c_out, columns), *AT, geom, bias, as_3d(out[block]))
        return TransformedTiles(V, m, block)

    per_image = U.shape[0] * math.prod(_columns(out_size, m)) * (image.shape[1] + c_out) * image.itemsize
    tiles = _in_threads(run, _blocks(n, per_image))
    if keep is not None:
        keep.extend(tiles)
    return out


def forward(image, weight, geometry: ConvGeometry, groups: int, kernels=None, keep_cols=None):
    """``C @ image`` for a geometry :func:`covers` accepts: ``(N, C_out, *feature)``.

    ``keep_cols``, a list, receives the :class:`TransformedTiles` for :func:`weight_grad`.

    >>> from tconv.geometry import conv_geometry
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> forward(x, np.ones((1, 1, 3, 3)), conv_geometry((4, 4), (3, 3)), 1)[0, 0]
    array([[45., 54.],
           [81., 90.]])
    """
    before = tuple(b for b, _ in geometry.padding)
    return _convolve(image, weight, geometry.feature_size, before, groups, kernels, keep_cols)


def adjoint(feature, weight, geometry: ConvGeometry, groups: int, kernels=None):
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
    return _convolve(feature, flip_and_swap(weight, groups), geometry.image_size, before, groups, kernels)


def weight_grad(image, feature, geometry: ConvGeometry, groups: int, kernels=None, cols=None):
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
    from .kernels import batch_split

    kernels = _kernels(kernels)
    kept = [c for c in (cols or ()) if isinstance(c, TransformedTiles)]
    before = tuple(b for b, _ in geometry.padding)
    m = kept[0].m if kept else tile_sizes(geometry.feature_size)
    matrices = _per_axis(m)
    A = _kernel_matrices(tuple(m), feature.dtype)["A"]
    geom = _geom(m, (0,) * len(m), _columns(geometry.feature_size, m))      # zeros in the extra column
    c_f = feature.shape[1]
    points = math.prod(at.shape[1] for at, _, _ in matrices)
    per_image = points * math.prod(_columns(geometry.feature_size, m)) * (image.shape[1] + c_f) * image.itemsize
    blocks = [c.part for c in kept] or _blocks(image.shape[0], per_image)

    def run(block):
        if kept:
            V = kept[blocks.index(block)].V
        else:
            V = _transform_input(image[block], m, before, geometry.feature_size, kernels, reuse=True)
        columns = V.shape[2]
        Z = batch_split.scratch("Z", (points, c_f, columns), feature.dtype)
        kernels.tile_transform(as_3d(np.ascontiguousarray(feature[block])), *A, geom, Z)
        return np.matmul(Z.reshape(points, groups, c_f // groups, columns),
                         np.swapaxes(V.reshape(points, groups, -1, columns), 2, 3))   # (α^n, g, C_f/g, C_i/g)

    dU = sum(_in_threads(run, blocks))                   # in the blocks' order: reproducible
    grad = dU.reshape(points, -1).astype(np.float64).T @ _weight_matrix(tuple(m))    # (Gᵀ ⊗ Gᵀ) dU
    return grad.reshape((c_f, image.shape[1] // groups) + geometry.kernel_size).astype(feature.dtype)
