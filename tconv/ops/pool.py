"""Max and average pooling on NumPy arrays, with PyTorch's semantics (1-, 2- and 3-D).

Per axis the output size is ``floor((i + 2p - d(k-1) - 1) / s) + 1`` (``ceil`` with
``ceil_mode``, dropping a last window that would start in the right padding), exactly
as ``torch.nn.functional.max_pool2d``. ``stride`` defaults to ``kernel_size``.

Besides ``max_pool1d/2d/3d`` and ``avg_pool1d/2d/3d``, the backward products the autograd
needs are here: :func:`max_pool_backward` (scatter the gradient to the argmax) and
:func:`avg_pool_backward` (spread it evenly over the window). ``method=`` picks the kernels
from the registry of :mod:`tconv.methods` (``"numba"`` by default; the others use the
kernels' NumPy twins), so ``use_method`` applies here as to the convolutions.
"""
from __future__ import annotations

import math

import numpy as np

from .._checks import as_float_array, refuse_tensor
from ..geometry import as_tuple
from ..layout import pack_geometry
from ..methods import get_method

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "pool_output_size", "max_pool_backward", "avg_pool_backward"]

def pool_output_size(i: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> int:
    """Pooled length along one axis (PyTorch's ``pooling_output_shape``).

    >>> pool_output_size(5, 2, 2, 0), pool_output_size(5, 2, 2, 0, ceil_mode=True)
    (2, 3)
    """
    span = i + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = span // s + 1
    if ceil_mode and (o - 1) * s >= i + p:
        o -= 1                      # the last window would start inside the right padding
    return o


def _kernels(method):
    """The pooling kernels of ``method`` (see :mod:`tconv.methods`)."""
    return get_method(method).pool


def _prepare(x, ndim, kernel_size, stride, padding, dilation, ceil_mode, what, pad_rule):
    """Validate; return batched 5-D view, the kernels' geom tuple, output spatial size, unbatched."""
    refuse_tensor(f"tconv.{what}", f"tconv.nn.functional.{what}", x=x)
    x = as_float_array("x", x)
    if x.ndim not in (ndim + 1, ndim + 2):
        raise ValueError(f"{what} expects x with {ndim + 2} axes (N, C, *spatial) or {ndim + 1} "
                         f"(C, *spatial); got shape {x.shape}")
    unbatched = x.ndim == ndim + 1
    if unbatched:
        x = x[None]
    if 0 in x.shape[1:]:
        raise ValueError(f"{what}: x of shape {x.shape} has an empty channel or spatial axis")
    k = as_tuple("kernel_size", kernel_size, ndim, minimum=1)
    s = k if stride is None or stride == () else as_tuple("stride", stride, ndim, minimum=1)
    p = as_tuple("padding", padding, ndim, minimum=0)
    d = as_tuple("dilation", dilation, ndim, minimum=1)
    for axis in range(ndim):
        limit = pad_rule(k[axis], d[axis])
        if p[axis] > limit:
            raise ValueError(f"{what}: padding={padding!r} must be at most half the (effective) kernel "
                             f"size; axis {axis} allows at most {limit}")
    out = tuple(pool_output_size(i, kk, ss, pp, dd, ceil_mode) for i, kk, ss, pp, dd in
                zip(x.shape[2:], k, s, p, d))
    if min(out) < 1:
        raise ValueError(f"{what}: kernel_size={kernel_size!r} with dilation={dilation!r} does not fit the "
                         f"input of spatial size {x.shape[2:]} (output size would be {out})")
    for axis in range(ndim):
        taps = np.arange(out[axis])[:, None] * s[axis] - p[axis] + np.arange(k[axis])[None, :] * d[axis]
        if not ((taps >= 0) & (taps < x.shape[2 + axis])).any(axis=1).all():
            raise ValueError(f"{what}: with dilation={dilation!r} and padding={padding!r} some window on axis "
                             f"{axis} sees only padding (its taps jump over the input of size "
                             f"{x.shape[2 + axis]}); use a smaller dilation or padding")
    geom = pack_geometry(k, s, p, d, out)
    x5 = np.ascontiguousarray(x).reshape(x.shape[:2] + (1,) * (3 - ndim) + x.shape[2:])
    return x5, geom, out, unbatched


def _max_pool(ndim, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method):
    what = f"max_pool{ndim}d"
    x5, geom, out_size, unbatched = _prepare(x, ndim, kernel_size, stride, padding, dilation, ceil_mode,
                                             what, lambda k, d: k // 2)
    out = np.empty(x5.shape[:2] + geom[12:15], dtype=x5.dtype)
    argmax = np.empty(out.shape, dtype=np.int64)
    _kernels(method).max_pool(x5, geom, out, argmax)
    shape = x5.shape[:2] + out_size
    out, argmax = out.reshape(shape), argmax.reshape(shape)
    if unbatched:
        out, argmax = out[0], argmax[0]
    return (out, argmax) if return_indices else out


def _avg_pool(ndim, x, kernel_size, stride, padding, ceil_mode, count_include_pad, method):
    what = f"avg_pool{ndim}d"
    x5, geom, out_size, unbatched = _prepare(x, ndim, kernel_size, stride, padding, 1, ceil_mode,
                                             what, lambda k, d: k // 2)
    if ndim == 3 and any(i < k for i, k in zip(x5.shape[2:], geom[0:3])):
        raise ValueError(f"avg_pool3d: the input of spatial size {x5.shape[2:]} is smaller than "
                         f"kernel_size={kernel_size!r}; like PyTorch's avg_pool3d, every axis needs input >= kernel")
    out = np.empty(x5.shape[:2] + geom[12:15], dtype=x5.dtype)
    _kernels(method).avg_pool(x5, geom, bool(count_include_pad), out)
    out = out.reshape(x5.shape[:2] + out_size)
    return out[0] if unbatched else out


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
               *, method=None):
    """1-D max pooling. ``x (N, C, L)`` or ``(C, L)``; see :func:`max_pool2d`.

    >>> max_pool1d(np.array([[1., 3., 2., 5., 4.]]), 2)
    array([[3., 5.]])
    """
    return _max_pool(1, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
               *, method=None):
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Shapes: ``x (N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)``, per axis
    ``o = floor((i + 2p - d(k-1) - 1)/s) + 1``. Padding counts as ``-inf``. With
    ``return_indices`` also returns the argmax as flat positions ``h*W + w`` in the input.

    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> out, idx = max_pool2d(x, 2, return_indices=True)
    >>> out[0], idx[0]
    (array([[ 5.,  7.],
           [13., 15.]]), array([[ 5,  7],
           [13, 15]]))
    """
    return _max_pool(2, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method)


def max_pool3d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
               *, method=None):
    """3-D max pooling. ``x (N, C, D, H, W)`` or ``(C, D, H, W)``; argmax is ``(z*H + y)*W + x``.

    >>> max_pool3d(np.arange(8.0).reshape(1, 2, 2, 2), 2).ravel()
    array([7.])
    """
    return _max_pool(3, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method)


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               *, method=None):
    """1-D average pooling. ``x (N, C, L)`` or ``(C, L)``; see :func:`avg_pool2d`.

    >>> avg_pool1d(np.array([[1., 3., 2., 6.]]), 2)
    array([[2., 4.]])
    """
    return _avg_pool(1, x, kernel_size, stride, padding, ceil_mode, count_include_pad, method)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               *, method=None):
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    The divisor is the window size clipped to the padded input (``count_include_pad=True``)
    or the number of input pixels in the window (``False``).

    >>> avg_pool2d(np.ones((1, 3, 3)), 2, stride=1, padding=1, count_include_pad=False)[0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    return _avg_pool(2, x, kernel_size, stride, padding, ceil_mode, count_include_pad, method)


def avg_pool3d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               *, method=None):
    """3-D average pooling. ``x (N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> avg_pool3d(np.arange(8.0).reshape(1, 2, 2, 2), 2).ravel()
    array([3.5])
    """
    return _avg_pool(3, x, kernel_size, stride, padding, ceil_mode, count_include_pad, method)


def max_pool_backward(grad_out, indices, input_shape, *, method=None):
    """Gradient of max pooling: each output's gradient goes to its argmax.

    ``grad_out`` and ``indices`` are ``(N, C, *out)`` (from ``return_indices=True``) and
    ``input_shape`` is ``(N, C, *in)``; returns ``(N, C, *in)``.

    >>> x = np.array([[[1., 3., 2., 5.]]])
    >>> _, idx = max_pool1d(x, 2, return_indices=True)
    >>> max_pool_backward(np.ones((1, 1, 2)), idx, x.shape)
    array([[[0., 1., 0., 1.]]])
    """
    grad_out = as_float_array("grad_out", grad_out)
    indices = np.asarray(indices)
    size = math.prod(input_shape[2:])
    if indices.shape != grad_out.shape or indices.size and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"indices must have grad_out's shape {grad_out.shape} and lie in [0, {size}); "
                         f"got shape {indices.shape}")
    n, c = grad_out.shape[:2]
    pooled = math.prod(grad_out.shape[2:])            # explicit sizes: a batch of 0 has no -1 to infer
    grad = np.zeros((n, c, size), dtype=grad_out.dtype)
    _kernels(method).max_pool_backward(np.ascontiguousarray(grad_out).reshape(n, c, pooled),
                                       np.ascontiguousarray(indices, dtype=np.int64).reshape(n, c, pooled), grad)
    return grad.reshape(tuple(input_shape))


def avg_pool_backward(grad_out, input_shape, kernel_size, stride=None, padding=0, ceil_mode=False,
                      count_include_pad=True, *, method=None):
    """Gradient of average pooling: spread each output's gradient evenly over its window.

    ``grad_out (N, C, *out)``, ``input_shape (N, C, *in)`` -> ``(N, C, *in)``.

    >>> avg_pool_backward(np.ones((1, 1, 2)), (1, 1, 4), 2)
    array([[[0.5, 0.5, 0.5, 0.5]]])
    """
    grad_out = as_float_array("grad_out", grad_out)
    ndim = len(input_shape) - 2
    probe = np.empty((1, 1) + tuple(input_shape[2:]), dtype=grad_out.dtype)
    x5, geom, out_size, _ = _prepare(probe, ndim, kernel_size, stride, padding, 1, ceil_mode,
                                     f"avg_pool{ndim}d", lambda k, d: k // 2)
    if grad_out.shape != tuple(input_shape[:2]) + out_size:
        raise ValueError(f"grad_out has shape {grad_out.shape}, expected {tuple(input_shape[:2]) + out_size}")
    grad = np.zeros(tuple(input_shape[:2]) + x5.shape[2:], dtype=grad_out.dtype)
    _kernels(method).avg_pool_backward(np.ascontiguousarray(grad_out).reshape(grad.shape[:2] + geom[12:15]), geom,
                        bool(count_include_pad), grad)
    return grad.reshape(tuple(input_shape))
