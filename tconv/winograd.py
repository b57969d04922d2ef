r"""Winograd's minimal filtering: one more exact way of writing ``C @ x`` for 3x3, stride-1 convolutions.

The fast path of :mod:`tconv.methods.unfold` factors the convolution matrix as ``C = (W ⊗ I) · P``
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
instead of ``9 m²`` (4 instead of 9 per output for F(2x2, 3x3), 2.25 for F(4x4, 3x3)).

**The matrix view.** On one tile, flattening ``d`` and ``Y`` row-major, that formula is a
product of three matrices: ``(Aᵀ ⊗ Aᵀ) · diag(vec(G g Gᵀ)) · (Bᵀ ⊗ Bᵀ)``, which *is* the
convolution matrix ``C`` of the tile (``tconv.conv_matrix``), just as ``C = (W ⊗ I)·P`` is
for unfold + GEMM. The tiles partition the output rows, so the whole ``C`` is these blocks
placed at each tile's rows and input columns. With channels, ``diag(vec(G g Gᵀ))`` becomes
one ``C_out x C_in`` matrix per point ``ξ`` of the transformed tile: summed over input
channels, the whole layer is a batch of ``α²`` GEMMs ``(C_out x C_in) @ (C_in x tiles)``
between two cheap transforms, which is how :mod:`tconv.methods.winograd` runs it.

>>> t = toom_cook(2)
>>> t.BT.astype(int).tolist()            # rows: the points 0, 1, -1, ∞ (see toom_cook for the signs)
[[-1, 0, 1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, -1, 0, 1]]
>>> d, g = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, -1.0])
>>> t.AT @ ((t.G @ g) * (t.BT @ d))     # == [d0 - d2, d1 - d3]: the correlation, with 4 products
array([-2., -2.])
>>> from tconv import conv_matrix
>>> g = np.arange(9.0).reshape(3, 3)
>>> C = conv_matrix(g[None, None], (1, 4, 4)).toarray()       # one 4x4 tile -> its 2x2 outputs
>>> W = np.kron(t.AT, t.AT) @ np.diag((t.G @ g @ t.G.T).ravel()) @ np.kron(t.BT, t.BT)
>>> W.shape, bool(np.allclose(W, C))
((4, 16), True)

On batches (:mod:`tconv.methods.winograd`: ``forward``, ``adjoint``, ``weight_grad``): the input transform
and the output transform are Numba kernels (:mod:`tconv.kernels.winograd`, with NumPy
twins), the ``α²`` GEMMs one ``np.matmul`` on stacked operands; blocks of the batch run in
parallel threads (:mod:`tconv.methods.runtime`). The input gradient of a stride-1
convolution is a stride-1 convolution too (flipped kernel), so it runs the same way, and
the weight gradient reuses the forward's transformed tiles. In float32, F(2, 3) is as
accurate as unfold + GEMM (about 2e-7 of the output's scale); F(4, 3)'s larger entries give
about 3e-6 in 2-D and 1.2e-5 in 3-D (docs/benchmarks.md).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from .geometry import ConvGeometry

__all__ = ["POINTS", "ToomCook", "toom_cook", "winograd_tile", "multiplications_per_output", "covers",
           "tile_sizes"]

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
        hint = (f" (tconv has default points for m = 2 and 4 only: pass points=, e.g. "
                f"{tuple([0, 1, -1, 2, -2, 3, -3][:alpha - 1])})" if points is None else "")
        raise ValueError(f"F({m}, {r}) needs {alpha - 1} distinct finite points (∞ is added); got {points!r}{hint}")
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


# --------------------------------------------------------------------------- where it applies


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
