"""How tconv's operators are computed: one registry of methods for convolution, pooling and resizing.

Every method computes the same operators; ``method=`` on every NumPy-level op and every
differentiable op in :mod:`tconv.nn.functional` picks one by name (``None``: the default,
``"numba"``, changed by :func:`set_default_method` or, for a block, :func:`use_method`).

==============  ==========================================  ===========================  ====================
method          convolution (the matrix ``C``)              pooling                      resizing
==============  ==========================================  ===========================  ====================
``"matrix"``    the explicit sparse ``C`` (:mod:`.matrix`)  NumPy (the kernels' twins)   per-axis matrices
``"reference"`` the readable loops (:mod:`.reference`)      NumPy (the kernels' twins)   PyTorch's gather
``"numba"``     ``C = (W ⊗ I)·P``: unfold + GEMM, or        Numba kernels                per-axis matrices
                Winograd per layer (:mod:`.fast`)
``"numpy"``     the same with the NumPy twins of the        NumPy (the kernels' twins)   per-axis matrices
                kernels
``"winograd"``  Winograd (:mod:`.winograd`) wherever it     Numba kernels                per-axis matrices
                applies, else unfold + GEMM
``"unfold"``    unfold + GEMM everywhere                    Numba kernels                per-axis matrices
==============  ==========================================  ===========================  ====================

A convolution method provides three products of the matrix ``C`` (see :class:`Method`);
pooling and resizing have no matrix of their own worth building, so the methods share the
implementations above. ``"numba"``, ``"numpy"``, ``"winograd"`` and ``"unfold"``
(:mod:`tconv.fast_methods`) are loaded on first use, so ``import tconv`` does not import Numba.
"""
from __future__ import annotations

import contextlib
from typing import Callable, NamedTuple

import numpy as np

from . import reference
from .geometry import ConvGeometry, conv_geometry
from .matrix import _build

__all__ = ["Method", "PoolKernels", "get_method", "register_method", "set_default_method",
           "get_default_method", "use_method", "available_methods"]

DEFAULT_METHOD = "numba"


class PoolKernels(NamedTuple):
    """The four pooling kernels (:mod:`tconv.kernels.pool` signatures, on the 5-D layout)."""

    max_pool: Callable
    max_pool_backward: Callable
    avg_pool: Callable
    avg_pool_backward: Callable


class Method(NamedTuple):
    """One way of computing the operators, on validated batched arrays.

    Convolution, three products of one matrix ``C`` (image -> feature):

    * ``forward(image, weight, geometry, groups)``: ``C @ image`` -> ``(N, C_out, *feature)``;
      a convolution.
    * ``adjoint(feature, weight, geometry, groups)``: ``C.T @ feature`` -> ``(N, C_in, *image)``;
      a transposed convolution, and the input gradient of ``forward``.
    * ``weight_grad(image, feature, geometry, groups)``: ``d<feature, C @ image>/d weight``,
      i.e. ``grad_w[k] = sum over the nonzeros of C holding weight k of feature[row] * image[col]``;
      shape of the conv-layout weight.

    ``weight`` always has the conv layout ``(C_feature, C_image/groups, *k)``; a transposed
    convolution's weight ``(C_in, C_out/groups, *k)`` is exactly that for its own ``C``.
    ``keeps_columns``: ``forward(..., keep_cols=list)`` can keep its unfolded input for
    ``weight_grad(..., cols=list)`` (one unfold saved per training step). ``pool``: the
    pooling kernels; ``resize``: ``"matrix"`` or ``"gather"`` (see the module table).

    >>> from tconv.geometry import conv_geometry
    >>> m, g = get_method("matrix"), conv_geometry((4,), (3,))
    >>> m.forward(np.ones((1, 1, 4)), np.ones((1, 1, 3)), g, 1)          # C @ x
    array([[[3., 3.]]])
    >>> m.adjoint(np.ones((1, 1, 2)), np.ones((1, 1, 3)), g, 1)          # C.T @ y
    array([[[1., 2., 2., 1.]]])
    >>> m.weight_grad(np.arange(4.0)[None, None], np.ones((1, 1, 2)), g, 1)
    array([[[1., 3., 5.]]])
    """

    forward: Callable
    adjoint: Callable
    weight_grad: Callable
    keeps_columns: bool = False
    pool: PoolKernels | None = None
    resize: str = "matrix"


# name -> Method, or a function returning the Method (loaded on first use).
_METHODS: dict[str, "Method | Callable[[], Method]"] = {}
_state = {"default": DEFAULT_METHOD}


def register_method(name: str, forward: Callable, adjoint: Callable, weight_grad: Callable,
                    keeps_columns: bool = False, pool: PoolKernels | None = None,
                    resize: str = "matrix") -> None:
    """Make ``method=name`` available (see :class:`Method` for the signatures).

    Pooling falls back to the NumPy kernels when ``pool`` is not given.

    >>> from tconv import conv1d
    >>> m = get_method("matrix")
    >>> register_method("matrix-copy", m.forward, m.adjoint, m.weight_grad)
    >>> conv1d(np.ones((1, 4)), np.ones((1, 1, 3)), method="matrix-copy")
    array([[3., 3.]])
    >>> del _METHODS["matrix-copy"]
    """
    if resize not in ("matrix", "gather"):
        raise ValueError(f"resize={resize!r} must be 'matrix' or 'gather'")
    _METHODS[name] = Method(forward, adjoint, weight_grad, keeps_columns, pool or _numpy_pool(), resize)


def get_method(method: str | None = None) -> Method:
    """The :class:`Method` called ``method`` (the default method when ``None``).

    >>> get_method("reference").forward.__name__
    '_reference_forward'
    """
    name = _check_method(_state["default"] if method is None else method)
    entry = _METHODS[name]
    if not isinstance(entry, Method):       # a fast method, loaded on first use
        entry = _METHODS[name] = entry()
    return entry


def available_methods() -> tuple[str, ...]:
    """The names ``method=`` accepts.

    >>> available_methods()[:4]
    ('matrix', 'reference', 'numba', 'numpy')
    """
    return tuple(_METHODS)


def _check_method(method) -> str:
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method={method!r} is not one of {available_methods()}")
    return method


def set_default_method(method: str) -> None:
    """Set the method used when ``method=None`` (see also :func:`use_method`).

    >>> previous = get_default_method()
    >>> set_default_method("matrix"); get_default_method()
    'matrix'
    >>> set_default_method(previous)
    """
    _state["default"] = _check_method(method)


def get_default_method() -> str:
    """The method used when ``method=None``.

    >>> get_default_method()
    'numba'
    """
    return _state["default"]


@contextlib.contextmanager
def use_method(method: str):
    """Temporarily change the default method (for every op: convolution, pooling, resizing).

    >>> with use_method("reference"):
    ...     get_default_method()
    'reference'
    """
    previous = _state["default"]
    set_default_method(method)
    try:
        yield
    finally:
        _state["default"] = previous


# --------------------------------------------------------------------------- the built-in methods


def _numpy_pool() -> PoolKernels:
    from .kernels import pool_numpy

    return PoolKernels(pool_numpy.max_pool, pool_numpy.max_pool_backward, pool_numpy.avg_pool,
                       pool_numpy.avg_pool_backward)


def _rows(batch: np.ndarray) -> np.ndarray:
    """``(N, C, *spatial)`` as ``N`` flattened rows (also for ``N = 0``)."""
    return batch.reshape(batch.shape[0], int(np.prod(batch.shape[1:])))


def _matrix_forward(image, weight, geometry: ConvGeometry, groups):
    C = _build(weight, geometry, groups)
    flat = _rows(image) @ C.T     # rows of x times C^T == C @ each x
    return flat.reshape((image.shape[0], weight.shape[0]) + geometry.feature_size)


def _matrix_adjoint(feature, weight, geometry: ConvGeometry, groups):
    C = _build(weight, geometry, groups)
    flat = _rows(feature) @ C   # rows of y times C == C^T @ each y
    return flat.reshape((feature.shape[0], weight.shape[1] * groups) + geometry.image_size)


def _matrix_weight_grad(image, feature, geometry: ConvGeometry, groups):
    shape = (feature.shape[1], image.shape[1] // groups) + geometry.kernel_size
    C = _build(np.empty(shape, dtype=image.dtype), geometry, groups)  # only the pattern is used
    image, feature = _rows(image), _rows(feature)
    grad = np.zeros(int(np.prod(shape)), dtype=np.float64)
    for n in range(image.shape[0]):
        # grad_w[k] = sum over the nonzeros (row, col) holding weight k of feature[row] * image[col]
        grad += np.bincount(C.weight_index, weights=feature[n, C.rows] * image[n, C.cols],
                            minlength=grad.size)
    return grad.astype(image.dtype).reshape(shape)


def _reference_forward(image, weight, geometry: ConvGeometry, groups):
    out = reference.conv_direct(image, weight, None, geometry.stride, geometry.padding,
                                geometry.dilation, groups)
    # A transposed geometry with output_padding >= stride has an image whose plain convolution
    # has one more row than the geometry's feature map; C keeps only the feature rows.
    return out[(slice(None), slice(None)) + tuple(slice(0, f) for f in geometry.feature_size)]


def _reference_adjoint(feature, weight, geometry: ConvGeometry, groups):
    return reference.conv_transpose_scatter(feature, weight, None, geometry.stride, geometry.padding,
                                            geometry.restoring_output_padding(), groups, geometry.dilation)


def _reference_weight_grad(image, feature, geometry: ConvGeometry, groups):
    full = conv_geometry(image.shape[2:], geometry.kernel_size, geometry.stride, geometry.padding,
                         geometry.dilation).feature_size
    if full != geometry.feature_size:       # rows C does not have contribute nothing: pad with zeros
        grow = [(0, 0), (0, 0)] + [(0, n - f) for n, f in zip(full, geometry.feature_size)]
        feature = np.pad(feature, grow)
    return reference.conv_weight_grad(image, feature, geometry.kernel_size, geometry.stride,
                                      geometry.padding, geometry.dilation, groups)


def _fast(name: str) -> Callable[[], Method]:
    """A loader for the fast methods of :mod:`tconv.fast_methods` (imports Numba when first called)."""
    def load() -> Method:
        from . import fast_methods

        return fast_methods.method(name)
    return load


register_method("matrix", _matrix_forward, _matrix_adjoint, _matrix_weight_grad)
register_method("reference", _reference_forward, _reference_adjoint, _reference_weight_grad, resize="gather")
_METHODS["numba"] = _fast("numba")
_METHODS["numpy"] = _fast("numpy")
_METHODS["winograd"] = _fast("winograd")
_METHODS["unfold"] = _fast("unfold")
