"""The convolution matrix: a convolution is a sparse matrix acting on the flattened input.

For one channel, a 4x4 image and a 3x3 kernel, ``C`` is the 4x16 matrix whose rows are
the kernel "rearranged" into the stretched image (Dumoulin & Visin 2016, section 4.1):

* convolution:            ``y = C @ x.reshape(-1)``
* transposed convolution: ``x' = C.T @ y.reshape(-1)``  (same weights, the matrix transposed)

With channels and groups, row ``(c_out, *o)`` and column ``(c_in, *j)`` (both flattened
row-major) hold weight ``w[c_out, c_in - group_start, *t]`` exactly when
``j = o*stride - padding_before + t*dilation`` on every axis and ``c_in`` lies in
``c_out``'s group. This module builds that pattern with NumPy index arithmetic (no Python
loop per nonzero) and keeps it as coordinate lists.
"""
from __future__ import annotations

import numpy as np

import math

from ._checks import as_float_array, check_groups, refuse_tensor
from .geometry import ConvGeometry, conv_geometry, conv_transpose_geometry

__all__ = ["ConvMatrix", "conv_matrix", "conv_transpose_matrix", "build_matrix", "axis_nonzeros", "count_nonzeros",
           "LECTURE_M", "LECTURE_K", "LECTURE_Y", "LECTURE_CONV", "LECTURE_TRANSPOSED"]

#: ``toarray()`` refuses to allocate more than this many bytes unless told otherwise.
DENSE_LIMIT_BYTES = 1 << 30
#: Building the pattern (three index arrays, plus temporaries) refuses more than this many bytes.
PATTERN_LIMIT_BYTES = 2 << 30
#: Bytes per nonzero while the pattern is built (three int64 coordinate lists and their copies).
_BYTES_PER_NONZERO = 48
#: :func:`axis_nonzeros` counts by looping over the shorter of the output positions and the taps.
_MAX_COUNT_LOOP = 10**6


#: The lecture notes' example (Dumoulin & Visin 2016, section 4.1): image ``M``, kernel ``K``, the vector
#: ``y`` the transposed convolution takes back up, and the printed results ``C @ vec(M)`` and ``C.T @ y``.
LECTURE_M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
LECTURE_K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
LECTURE_Y = np.array([2.0, 1.0, 4.0, 4.0])
LECTURE_CONV = np.array([[122, 148], [126, 134]], dtype=float)
LECTURE_TRANSPOSED = np.array([[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]], dtype=float)


def axis_nonzeros(image: int, feature: int, k: int, s: int, before: int, d: int) -> int:
    """How many (feature position ``m``, tap ``t``) pairs land inside the image on one axis.

    The pairs with ``0 <= m*s - before + t*d < image``, ``0 <= m < feature``, ``0 <= t < k``:
    the nonzeros of one axis' pattern. Counted exactly with Python integers and no arrays
    (any size), looping over the shorter of ``feature`` and ``k``.

    >>> axis_nonzeros(4, 2, 3, 1, 0, 1)            # the notes' 4 -> 2 with a 3-tap kernel: 2 * 3
    6
    >>> axis_nonzeros(10**30, 10**30 - 2, 3, 1, 0, 1)
    2999999999999999999999999999994
    """
    def count(lo, hi, n):            # how many integers q in [0, n) satisfy lo <= q <= hi
        return max(0, min(hi, n - 1) - max(lo, 0) + 1)

    if min(feature, k) > _MAX_COUNT_LOOP:
        raise ValueError(f"cannot count the nonzeros of an axis with {feature} output positions and a "
                         f"{k}-tap kernel (both above {_MAX_COUNT_LOOP:,})")
    if k <= feature:   # for each tap t: the m with before - t*d <= m*s <= image - 1 + before - t*d
        return sum(count(-((t * d - before) // s), (image - 1 + before - t * d) // s, feature)
                   for t in range(k))
    # for each position m: the t with before - m*s <= t*d <= image - 1 + before - m*s
    return sum(count(-((m * s - before) // d), (image - 1 + before - m * s) // d, k) for m in range(feature))


def count_nonzeros(geometry: ConvGeometry, c_feature: int, c_image: int, groups: int = 1) -> int:
    """The nonzeros of the matrix of ``geometry`` without building it.

    ``C_feature * C_image/groups`` weight pairs times the product of :func:`axis_nonzeros`
    over the axes (a Python int, exact for any size).

    >>> count_nonzeros(conv_geometry((4, 4), (3, 3)), 1, 1)
    36
    """
    total = c_feature * (c_image // groups)
    for i, f, k, s, (b, _), d in zip(geometry.image_size, geometry.feature_size, geometry.kernel_size,
                                     geometry.stride, geometry.padding, geometry.dilation):
        total *= axis_nonzeros(i, f, k, s, b, d)
    return total


def _axis_pattern(image: int, feature: int, k: int, s: int, before: int, d: int):
    """(feature position m, tap t, image position j) for every in-range pair on one axis."""
    m, t = np.meshgrid(np.arange(feature), np.arange(k), indexing="ij")
    j = m * s - before + t * d
    keep = (j >= 0) & (j < image)
    return m[keep], t[keep], j[keep]


def _index_dtype(*extents: int):
    return np.int32 if max(extents) < np.iinfo(np.int32).max else np.int64


class ConvMatrix:
    """A convolution's sparse matrix, kept as coordinate lists (row, col, weight entry).

    Attributes:

    * ``shape``: ``(C_out * prod(out), C_in * prod(in))`` for a convolution, the reverse
      for its transpose;
    * ``rows``, ``cols``: the coordinates of the nonzeros (int arrays of length ``nnz``);
    * ``weight_index``: flat index into ``weight.reshape(-1)`` held by each nonzero;
    * ``values``: ``weight.reshape(-1)[weight_index]``;
    * ``geometry``: the :class:`~tconv.geometry.ConvGeometry` it was built from.

    ``C @ v`` multiplies a flattened vector ``(n,)`` or the columns of ``(n, B)``;
    ``X @ C.T`` multiplies a batch of flattened rows ``(B, n)``.

    >>> C = conv_matrix(np.ones((1, 1, 2)), (1, 3))
    >>> C
    ConvMatrix(convolution, shape=(2, 3), nnz=4, density=0.6667, dtype=float64)
    >>> C.toarray()
    array([[1., 1., 0.],
           [0., 1., 1.]])
    >>> C.T @ np.array([1., 1.])            # the transposed convolution
    array([1., 2., 1.])
    >>> np.ones((4, 3)) @ C.T               # four flattened inputs at once
    array([[2., 2.],
           [2., 2.],
           [2., 2.],
           [2., 2.]])
    """

    # Tell NumPy to defer ``ndarray @ ConvMatrix`` to our __rmatmul__.
    __array_ufunc__ = None

    def __init__(self, rows, cols, weight_index, weight, shape, geometry, in_channels, out_channels):
        self.rows = rows
        self.cols = cols
        self.weight_index = weight_index
        self.weight = weight
        self.shape = shape
        self.geometry = geometry
        self.in_channels = in_channels
        self.out_channels = out_channels

    # -- description
    @property
    def nnz(self) -> int:
        """Number of stored nonzeros (structural: a zero weight still counts)."""
        return int(self.rows.size)

    @property
    def dtype(self):
        return self.weight.dtype

    @property
    def values(self) -> np.ndarray:
        """The weight value held by each nonzero."""
        return self.weight.reshape(-1)[self.weight_index]

    @property
    def density(self) -> float:
        """``nnz / (rows * cols)``; sparsity is ``1 - density``."""
        return self.nnz / float(self.shape[0] * self.shape[1])

    def pattern(self) -> dict:
        """Each nonzero's row, column and weight entry ``(c_out, c_in, *tap)``.

        For a transposed matrix ``c_out``/``c_in`` still name the convolution's axes of the
        weight (its first and second dimension), so entries can be looked up in ``weight``.

        >>> w = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> p = conv_matrix(w, (1, 4, 4)).pattern()
        >>> p["row"][:3], p["col"][:3], p["tap"][:3]
        (array([0, 0, 0]), array([0, 1, 2]), array([[0, 0, 0, 0],
               [0, 0, 0, 1],
               [0, 0, 0, 2]]))
        """
        taps = np.stack(np.unravel_index(self.weight_index, self.weight.shape), axis=1)
        return {"row": self.rows.astype(np.int64), "col": self.cols.astype(np.int64), "tap": taps}

    def __repr__(self) -> str:
        kind = "transposed convolution" if self.geometry.transposed else "convolution"
        return (f"ConvMatrix({kind}, shape={self.shape}, nnz={self.nnz}, "
                f"density={self.density:.4g}, dtype={self.dtype})")

    # -- algebra
    @property
    def T(self) -> "ConvMatrix":
        """The transposed matrix: the transposed convolution with the same weight."""
        return ConvMatrix(self.cols, self.rows, self.weight_index, self.weight,
                          (self.shape[1], self.shape[0]), self.geometry.transpose(),
                          self.out_channels, self.in_channels)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(C)``: the dense matrix (refused above ``DENSE_LIMIT_BYTES``, as :meth:`toarray`)."""
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype, copy=False)

    def toarray(self, max_bytes: int = DENSE_LIMIT_BYTES) -> np.ndarray:
        """The dense matrix; raises ``ValueError`` instead of allocating more than ``max_bytes``."""
        need = self.shape[0] * self.shape[1] * self.weight.dtype.itemsize
        if need > max_bytes:
            raise ValueError(f"toarray() of a {self.shape[0]} x {self.shape[1]} matrix needs "
                             f"{need / 2**20:.1f} MiB, more than max_bytes={max_bytes} "
                             f"({max_bytes / 2**20:.0f} MiB); use the sparse form (C @ x, .pattern()) "
                             "or pass a larger max_bytes")
        dense = np.zeros(self.shape, dtype=self.weight.dtype)
        # One nonzero per (row, col): a (row, col) pair never repeats, so plain assignment is exact.
        dense[self.rows, self.cols] = self.values
        return dense

    def to_scipy(self):
        """A ``scipy.sparse.csr_matrix`` with the same entries (needs scipy)."""
        from scipy import sparse

        return sparse.csr_matrix((self.values, (self.rows, self.cols)), shape=self.shape)

    def _apply(self, batch: np.ndarray) -> np.ndarray:
        """``batch @ self.T`` for rows ``(B, n)``: gather, multiply, sum per output row."""
        out = np.empty((batch.shape[0], self.shape[0]), dtype=np.result_type(batch, self.weight))
        values = self.values
        for b in range(batch.shape[0]):
            # bincount sums in index order, so the result is reproducible.
            out[b] = np.bincount(self.rows, weights=batch[b, self.cols] * values, minlength=self.shape[0])
        return out

    def __matmul__(self, other):
        other = np.asarray(other)
        if other.ndim not in (1, 2) or other.shape[0] != self.shape[1]:
            raise ValueError(f"C @ v needs v of shape ({self.shape[1]},) or ({self.shape[1]}, B); "
                             f"got {other.shape}")
        if other.ndim == 1:
            return self._apply(other[None, :])[0]
        return self._apply(other.T).T

    def __rmatmul__(self, other):
        other = np.asarray(other)
        if other.ndim not in (1, 2) or other.shape[-1] != self.shape[0]:
            raise ValueError(f"v @ C needs v of shape ({self.shape[0]},) or (B, {self.shape[0]}); "
                             f"got {other.shape}")
        return self.T.__matmul__(other.T).T


def build_matrix(weight: np.ndarray, geometry: ConvGeometry, groups: int,
                 max_bytes: int = PATTERN_LIMIT_BYTES) -> ConvMatrix:
    """The convolution matrix (image -> feature) of ``weight`` laid out as a conv weight.

    Refuses (``ValueError``, before allocating) a pattern that would need more than
    ``max_bytes``: the fast path computes such convolutions without the explicit matrix.
    """
    c_out, c_in_per_group = weight.shape[:2]
    nnz = count_nonzeros(geometry, c_out, c_in_per_group * groups, groups)
    if nnz * _BYTES_PER_NONZERO > max_bytes:
        raise ValueError(f"the explicit convolution matrix of this geometry has {nnz:,} nonzeros and would need "
                         f"about {nnz * _BYTES_PER_NONZERO / 2**30:,.1f} GiB to build (limit max_bytes="
                         f"{max_bytes / 2**30:g} GiB); compute it with the fast path (method='numba', the "
                         "default) or explain a smaller geometry")
    c_in = c_in_per_group * groups
    out_per_group = c_out // groups
    n_feature = math.prod(geometry.feature_size)
    n_image = math.prod(geometry.image_size)
    n_taps = math.prod(geometry.kernel_size)

    # Spatial pattern: the Cartesian product of each axis' in-range (m, t, j) triples.
    axes = [_axis_pattern(i, f, k, s, b, d) for i, f, k, s, (b, _), d in
            zip(geometry.image_size, geometry.feature_size, geometry.kernel_size,
                geometry.stride, geometry.padding, geometry.dilation)]
    grids = np.meshgrid(*[np.arange(len(m)) for m, _, _ in axes], indexing="ij")
    picks = [g.reshape(-1) for g in grids]
    sp_row = np.ravel_multi_index([m[p] for (m, _, _), p in zip(axes, picks)], geometry.feature_size)
    sp_tap = np.ravel_multi_index([t[p] for (_, t, _), p in zip(axes, picks)], geometry.kernel_size)
    sp_col = np.ravel_multi_index([j[p] for (_, _, j), p in zip(axes, picks)], geometry.image_size)

    # Channel pattern: output channel co sees input channels of its own group only.
    co = np.arange(c_out)[:, None]
    ci_local = np.arange(c_in_per_group)[None, :]
    ci = (co // out_per_group) * c_in_per_group + ci_local
    dtype = _index_dtype(c_out * n_feature, c_in * n_image, weight.size)
    rows = (co * n_feature)[:, :, None] + sp_row[None, None, :]
    cols = (ci * n_image)[:, :, None] + sp_col[None, None, :]
    widx = ((co * c_in_per_group + ci_local) * n_taps)[:, :, None] + sp_tap[None, None, :]
    rows, cols, widx = (a.reshape(-1).astype(dtype) for a in np.broadcast_arrays(rows, cols, widx))
    return ConvMatrix(rows, cols, widx, weight,
                      (c_out * n_feature, c_in * n_image), geometry, c_in, c_out)


def _check_weight(weight, function, name="weight"):
    refuse_tensor(f"tconv.{function}", None, **{name: weight})
    weight = as_float_array(name, weight)
    if weight.ndim not in (3, 4, 5):
        raise ValueError(f"{name} must have shape (C_out, C_in/groups, *kernel) with 1-3 spatial axes; "
                         f"got shape {weight.shape}")
    return weight


def conv_matrix(weight, input_shape, stride=1, padding=0, dilation=1, groups=1, *,
                max_bytes: int = PATTERN_LIMIT_BYTES) -> ConvMatrix:
    """The sparse matrix ``C`` of a convolution, so that ``conv(x) = C @ x.reshape(-1)``.

    ``weight`` has PyTorch's conv layout ``(C_out, C_in/groups, *kernel)`` and
    ``input_shape`` is ``(C_in, *spatial)`` (1, 2 or 3 spatial axes). The result has
    shape ``(C_out * prod(out), C_in * prod(in))``. Its transpose ``C.T`` is the matrix of
    the transposed convolution with the same weight.

    The lecture notes' example (4x4 input, 3x3 kernel): row 0 of the 4x16 matrix is the
    kernel rearranged into the stretched image, rows 1-3 are it shifted by 1, 4 and 5.

    >>> K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
    >>> C = conv_matrix(K[None, None], (1, 4, 4))
    >>> C.shape, C.nnz
    ((4, 16), 36)
    >>> C.toarray()[0].astype(int).tolist()
    [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]
    >>> M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
    >>> (C @ M.reshape(-1)).reshape(2, 2)
    array([[122., 148.],
           [126., 134.]])
    >>> (C.T @ np.array([2., 1., 4., 4.])).reshape(4, 4)[1]
    array([ 6., 29., 30.,  7.])
    """
    weight = _check_weight(weight, "conv_matrix")
    groups = check_groups(groups)
    ndim = weight.ndim - 2
    input_shape = tuple(input_shape)
    if len(input_shape) != ndim + 1:
        raise ValueError(f"input_shape={input_shape} must be (C_in, *spatial) with {ndim} spatial axes "
                         f"to match weight of shape {weight.shape}")
    c_in = input_shape[0]
    if weight.shape[0] % groups:
        raise ValueError(f"groups={groups}: out channels {weight.shape[0]} (weight.shape[0]) must be "
                         "divisible by groups")
    if c_in != weight.shape[1] * groups:
        raise ValueError(f"input_shape={input_shape} has {c_in} channels but weight of shape {weight.shape} "
                         f"with groups={groups} expects C_in = weight.shape[1] * groups = "
                         f"{weight.shape[1] * groups}")
    geometry = conv_geometry(input_shape[1:], weight.shape[2:], stride, padding, dilation)
    return build_matrix(weight, geometry, groups, max_bytes)


def conv_transpose_matrix(weight, input_shape, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1, output_size=None, *, max_bytes: int = PATTERN_LIMIT_BYTES) -> ConvMatrix:
    """The matrix of a transposed convolution: ``conv_transpose(y) = M @ y.reshape(-1)``.

    ``weight`` has PyTorch's transposed layout ``(C_in, C_out/groups, *kernel)`` and
    ``input_shape`` is ``(C_in, *spatial)``. ``M`` is exactly ``C.T`` for the convolution
    ``C`` that maps the output size back to the input size with the same weight. (When
    ``output_padding >= stride``, legal if it is below the dilation, that convolution has
    extra output rows beyond the input's size; ``M`` is the transpose of ``C`` without them.)

    >>> X = np.array([[0., 1.], [2., 3.]])
    >>> M = conv_transpose_matrix(X[None, None], (1, 2, 2))  # d2l: X = K
    >>> (M @ X.reshape(-1)).reshape(3, 3)
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    weight = _check_weight(weight, "conv_transpose_matrix")
    groups = check_groups(groups)
    ndim = weight.ndim - 2
    input_shape = tuple(input_shape)
    if len(input_shape) != ndim + 1:
        raise ValueError(f"input_shape={input_shape} must be (C_in, *spatial) with {ndim} spatial axes "
                         f"to match weight of shape {weight.shape}")
    if weight.shape[0] % groups:
        raise ValueError(f"groups={groups}: in channels {weight.shape[0]} (weight.shape[0]) must be "
                         "divisible by groups")
    if input_shape[0] != weight.shape[0]:
        raise ValueError(f"input_shape={input_shape} has {input_shape[0]} channels but a transposed conv "
                         f"weight of shape {weight.shape} expects weight.shape[0] = {weight.shape[0]}")
    geometry = conv_transpose_geometry(input_shape[1:], weight.shape[2:], stride, padding,
                                       output_padding, dilation, output_size)
    return build_matrix(weight, geometry.transpose(), groups, max_bytes).T
