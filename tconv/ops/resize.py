"""Nearest and (bi/tri)linear resizing, as ``torch.nn.functional.interpolate``.

Resizing is linear and separable, so along each spatial axis it is a small matrix ``A``
of shape ``(out, in)``: one 1 per row for ``"nearest"``, two weights ``(1-λ, λ)`` per row for
the linear modes. The fast path applies ``A`` along each axis with one matrix product
(BLAS), and the backward applies ``A.T``: once more, the gradient of a linear map is its
transpose. :func:`interpolate_reference` is the twin: PyTorch's gather formula written out.

Source positions (PyTorch's ``area_pixel_compute_source_index``), with
``scale = in/out`` (or ``1/scale_factor`` when a factor is given):

* nearest:                    ``src = min(floor(dst * scale), in - 1)``
* linear, align_corners=False: ``src = max((dst + 0.5) * scale - 0.5, 0)``
* linear, align_corners=True:  ``src = dst * (in - 1) / (out - 1)``
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .._checks import as_float_array, is_int, refuse_tensor
from ..methods import get_method

__all__ = ["interpolate", "interpolate_backward", "interpolate_reference", "resize_matrix",
           "interpolate_output_size"]

_MODES = {"nearest": (1, 2, 3), "linear": (1,), "bilinear": (2,), "trilinear": (3,)}


def _source_positions(n_in, n_out, mode, align_corners, scale_factor):
    """Per output index: (first source index, second source index, weight of the second)."""
    dst = np.arange(n_out)
    if mode == "nearest":
        scale = np.float32(1.0 / scale_factor) if scale_factor else np.float32(n_in) / np.float32(n_out)
        src = np.minimum(np.floor(dst.astype(np.float32) * scale).astype(np.int64), n_in - 1)
        return src, src, np.zeros(n_out)
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        real = dst * scale
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
        real = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    first = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    second = np.minimum(first + 1, n_in - 1)
    weight = np.clip(real - first, 0.0, 1.0)
    return first, second, weight


def resize_matrix(n_in, n_out, mode="nearest", align_corners=False, scale_factor=None) -> np.ndarray:
    """The ``(n_out, n_in)`` matrix that resizes one axis.

    >>> resize_matrix(2, 4, "linear")
    array([[1.  , 0.  ],
           [0.75, 0.25],
           [0.25, 0.75],
           [0.  , 1.  ]])
    """
    first, second, weight = _source_positions(n_in, n_out, mode, align_corners, scale_factor)
    matrix = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(matrix, (rows, first), 1.0 - weight)
    np.add.at(matrix, (rows, second), weight)
    return matrix


def interpolate_output_size(x_shape, size=None, scale_factor=None):
    """Validate ``size`` / ``scale_factor``; return (output spatial size, per-axis factors or Nones).

    >>> interpolate_output_size((1, 1, 3, 5), scale_factor=1.5)
    ((4, 7), (1.5, 1.5))
    """
    ndim = len(x_shape) - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate needs exactly one of size and scale_factor "
                         f"(got size={size!r}, scale_factor={scale_factor!r})")
    if size is not None:
        sizes = (size,) * ndim if is_int(size) else _sequence("size", size, ndim)
        if len(sizes) != ndim or any(not is_int(v) or v < 1 for v in sizes):
            raise ValueError(f"size={size!r} must be a positive int or {ndim} positive ints")
        return tuple(int(v) for v in sizes), (None,) * ndim
    factors = (scale_factor,) * ndim if _is_real(scale_factor) else _sequence("scale_factor", scale_factor, ndim)
    if len(factors) != ndim or not all(_is_real(f) and math.isfinite(f) and f > 0 for f in factors):
        raise ValueError(f"scale_factor={scale_factor!r} must be a finite positive number or {ndim} of them")
    out = tuple(math.floor(n * float(f)) for n, f in zip(x_shape[2:], factors))
    if min(out) < 1:
        raise ValueError(f"scale_factor={scale_factor!r} shrinks the input {x_shape[2:]} to {out}")
    return out, tuple(float(f) for f in factors)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _sequence(name, value, ndim) -> tuple:
    try:
        return tuple(value)
    except TypeError:
        raise TypeError(f"{name}={value!r} must be a number or a sequence of {ndim} numbers") from None


def _check(x, mode, align_corners):
    refuse_tensor("tconv.interpolate", "tconv.nn.functional.interpolate", x=x)
    x = as_float_array("x", x)
    if mode not in _MODES:
        raise ValueError(f"mode={mode!r} must be one of {tuple(_MODES)}")
    if x.ndim - 2 not in _MODES[mode]:
        raise ValueError(f"mode={mode!r} needs x with {[n + 2 for n in _MODES[mode]]} axes "
                         f"(N, C, *spatial); got shape {x.shape}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners can only be set with the linear modes (linear, bilinear, trilinear)")
    return x, bool(align_corners)


def _along_axes(x, matrices):
    """Apply ``matrices[i]`` (out_i, in_i) along spatial axis i, one axis at a time."""
    for axis, matrix in enumerate(matrices):
        moved = np.moveaxis(x, 2 + axis, -1)
        x = np.moveaxis(moved @ matrix.T.astype(x.dtype), -1, 2 + axis)
    return np.ascontiguousarray(x)


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, *, method=None):
    """Resize ``x (N, C, *spatial)`` (1-3 spatial axes) to ``size`` or by ``scale_factor``.

    ``method`` (see :mod:`tconv.methods`): ``"reference"`` gathers the corners as PyTorch's
    kernel does (:func:`interpolate_reference`); the others multiply by the per-axis matrices.

    >>> interpolate(np.array([[[1., 2.]]]), scale_factor=2, mode="linear")
    array([[[1.  , 1.25, 1.75, 2.  ]]])
    >>> interpolate(np.array([[[1., 2.]]]), size=4)
    array([[[1., 1., 2., 2.]]])
    """
    if get_method(method).resize == "gather":
        return interpolate_reference(x, size, scale_factor, mode, align_corners)
    x, align_corners = _check(x, mode, align_corners)
    out, factors = interpolate_output_size(x.shape, size, scale_factor)
    matrices = [resize_matrix(n, o, mode, align_corners, f) for n, o, f in zip(x.shape[2:], out, factors)]
    return _along_axes(x, matrices)


def interpolate_backward(grad_out, input_shape, size=None, scale_factor=None, mode="nearest",
                         align_corners=None):
    """Gradient of :func:`interpolate`: ``A.T`` along each axis. Returns ``input_shape``.

    >>> interpolate_backward(np.ones((1, 1, 4)), (1, 1, 2), size=4, mode="linear")
    array([[[2., 2.]]])
    """
    grad_out = as_float_array("grad_out", grad_out)
    probe = np.empty((1, 1) + tuple(input_shape[2:]), dtype=grad_out.dtype)
    _, align_corners = _check(probe, mode, align_corners)
    out, factors = interpolate_output_size(tuple(input_shape), size, scale_factor)
    if grad_out.shape != tuple(input_shape[:2]) + out:
        raise ValueError(f"grad_out has shape {grad_out.shape}, expected {tuple(input_shape[:2]) + out}")
    matrices = [resize_matrix(n, o, mode, align_corners, f).T
                for n, o, f in zip(input_shape[2:], out, factors)]
    return _along_axes(grad_out, matrices)


def interpolate_reference(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The twin of :func:`interpolate`: gather the ``2^ndim`` corners and blend them.

    Each output pixel reads ``x`` at every combination of (first, second) source index per
    axis, weighted by the product of ``(1-λ)`` or ``λ``: PyTorch's kernel formula.

    >>> interpolate_reference(np.array([[[1., 2.]]]), scale_factor=2, mode="linear")
    array([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    x, align_corners = _check(x, mode, align_corners)
    out, factors = interpolate_output_size(x.shape, size, scale_factor)
    per_axis = [_source_positions(n, o, mode, align_corners, f) for n, o, f in zip(x.shape[2:], out, factors)]
    ndim = len(out)
    result = np.zeros(x.shape[:2] + out, dtype=np.float64)
    for corner in np.ndindex(*(2,) * ndim):
        index, weight = [], 1.0
        for axis, (choice, (first, second, lam)) in enumerate(zip(corner, per_axis)):
            shape = [1] * ndim
            shape[axis] = -1
            index.append((second if choice else first).reshape(shape))
            weight = weight * (lam if choice else 1.0 - lam).reshape(shape)
        result += x[(slice(None), slice(None)) + tuple(index)] * weight
    return result.astype(x.dtype)
