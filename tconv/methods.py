"""How the convolution operator is computed: the method registry and the two built-in methods.

Every method ("backend") computes the same matrix ``C`` of a convolution three ways:
``C @ x`` (the convolution), ``C.T @ y`` (the transposed convolution, and the input gradient
of the convolution) and the weight gradient. Two are defined here, both written to be read:

* ``"matrix"``: build the explicit sparse ``C`` (:mod:`tconv.matrix`) and multiply;
* ``"reference"``: the loops of :mod:`tconv.reference`.

:mod:`tconv.fast` registers ``"numba"`` (the default) and ``"numpy"``. ``method=`` on every
conv function picks one; :func:`use_method` changes the default for a block of code.
"""
from __future__ import annotations

import contextlib
from typing import Callable, NamedTuple

import numpy as np

from . import reference
from .geometry import ConvGeometry, conv_geometry
from .matrix import _build

__all__ = ["Backend", "backend", "register_method", "set_default_method", "get_default_method", "use_method",
           "available_methods"]

# method name -> Backend. Every backend computes one matrix C (image -> feature, built
# from a conv-layout weight) three ways: C @ x, C.T @ y and the weight gradient.
_METHODS: dict[str, "Backend"] = {}
_state = {"default": "matrix"}


class Backend(NamedTuple):
    """The three products every convolution layer needs, on validated batched arrays.

    * ``forward(image, weight, geometry, groups)``: ``C @ image`` -> ``(N, C_out, *feature)``;
      a convolution.
    * ``adjoint(feature, weight, geometry, groups)``: ``C.T @ feature`` -> ``(N, C_in, *image)``;
      a transposed convolution, and the input gradient of ``forward``.
    * ``weight_grad(image, feature, geometry, groups)``: ``d<feature, C @ image>/d weight``,
      i.e. ``grad_w[k] = sum over the nonzeros of C holding weight k of feature[row] * image[col]``;
      shape of the conv-layout weight.

    ``weight`` always has the conv layout ``(C_feature, C_image/groups, *k)``; a transposed
    convolution's weight ``(C_in, C_out/groups, *k)`` is exactly that for its own ``C``.

    >>> from tconv.geometry import conv_geometry
    >>> b, g = backend("matrix"), conv_geometry((4,), (3,))
    >>> b.forward(np.ones((1, 1, 4)), np.ones((1, 1, 3)), g, 1)          # C @ x
    array([[[3., 3.]]])
    >>> b.adjoint(np.ones((1, 1, 2)), np.ones((1, 1, 3)), g, 1)          # C.T @ y
    array([[[1., 2., 2., 1.]]])
    >>> b.weight_grad(np.arange(4.0)[None, None], np.ones((1, 1, 2)), g, 1)
    array([[[1., 3., 5.]]])
    """

    forward: Callable
    adjoint: Callable
    weight_grad: Callable
    #: True when ``forward(..., keep_cols=list)`` can keep its unfolded input and
    #: ``weight_grad(..., cols=list)`` reuse it (saves one unfold per training step).
    keeps_columns: bool = False


def register_method(name: str, forward: Callable, adjoint: Callable, weight_grad: Callable,
                    keeps_columns: bool = False) -> None:
    """Make ``method=name`` available (see :class:`Backend` for the three signatures).

    >>> from tconv import conv1d
    >>> m = backend("matrix")
    >>> register_method("matrix-copy", m.forward, m.adjoint, m.weight_grad)
    >>> conv1d(np.ones((1, 4)), np.ones((1, 1, 3)), method="matrix-copy")
    array([[3., 3.]])
    >>> del _METHODS["matrix-copy"]
    """
    _METHODS[name] = Backend(forward, adjoint, weight_grad, keeps_columns)


def backend(method: str | None = None) -> Backend:
    """The :class:`Backend` for ``method`` (the default method when ``None``).

    >>> backend("reference").forward.__name__
    '_reference_forward'
    """
    return _METHODS[_check_method(method or _state["default"])]


def available_methods() -> tuple[str, ...]:
    """The names ``method=`` accepts.

    >>> {"matrix", "reference", "numba", "numpy"} <= set(available_methods())
    True
    """
    return tuple(_METHODS)


def _check_method(method: str) -> str:
    if method not in _METHODS:
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
    """Temporarily change the default method.

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


# --------------------------------------------------------------------------- the two built-in methods


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


register_method("matrix", _matrix_forward, _matrix_adjoint, _matrix_weight_grad)
register_method("reference", _reference_forward, _reference_adjoint, _reference_weight_grad)
