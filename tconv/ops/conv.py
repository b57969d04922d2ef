"""Convolution and transposed convolution on NumPy arrays, with PyTorch's semantics.

``conv1d/2d/3d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`` and
``conv_transpose1d/2d/3d(x, weight, bias=None, stride=1, padding=0, output_padding=0,
groups=1, dilation=1, output_size=None)`` take the same arguments, in the same order, as
``torch.nn.functional``, plus a keyword ``method=`` choosing how the operator is computed:

* ``"matrix"``: multiply by the explicit sparse convolution matrix ``C`` (or ``C.T``);
* ``"reference"``: the readable loops of :mod:`tconv.reference`;
* ``"numba"`` (the default) and ``"numpy"``: the factored matrix of :mod:`tconv.methods.unfold`
  (or Winograd's, :mod:`tconv.methods.winograd`, chosen per layer).

All methods compute the same operator; the tests prove it. The registry lives in
:mod:`tconv.methods` (re-exported here); ``set_default_method`` and the ``use_method``
context manager change the default.

These functions take NumPy arrays and record no gradient; given a :class:`tconv.Tensor`
they raise a ``TypeError`` naming the differentiable twin in :mod:`tconv.nn.functional`.
"""
from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_groups, refuse_tensor, same_dtype
from ..geometry import conv_geometry, conv_transpose_geometry
from ..methods import (Method, available_methods, get_default_method, get_method, register_method,
                      set_default_method, use_method)

__all__ = [
    "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "Method", "get_method", "register_method", "set_default_method", "get_default_method", "use_method",
    "available_methods",
    "prepare_conv", "prepare_conv_transpose",
]

_LAYOUT = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}

# --------------------------------------------------------------------------- validation


def _batched(name: str, x: np.ndarray, ndim: int, what: str) -> tuple[np.ndarray, bool]:
    if x.ndim == ndim + 2:
        return x, False
    if x.ndim == ndim + 1:
        return x[None], True
    layout = _LAYOUT[ndim]
    raise ValueError(f"{what} expects {name} of shape {layout} or {layout.replace('N, ', '')}; "
                     f"got shape {x.shape}")


def _check_common(x, weight, bias, groups, ndim, what):
    refuse_tensor(f"tconv.{what}", f"tconv.nn.functional.{what}", x=x, weight=weight, bias=bias)
    x = as_float_array("x", x)
    weight = as_float_array("weight", weight)
    bias = None if bias is None else as_float_array("bias", bias)
    same_dtype("x", x, weight=weight, bias=bias)
    x, unbatched = _batched("x", x, ndim, what)
    if weight.ndim != ndim + 2 or 0 in weight.shape:
        raise ValueError(f"{what} expects weight with {ndim + 2} non-empty axes (channels, channels, "
                         f"{ndim} kernel sizes); got shape {weight.shape}")
    groups = check_groups(groups)
    if 0 in x.shape[1:]:
        raise ValueError(f"{what}: x of shape {x.shape} has an empty channel or spatial axis")
    return x, weight, bias, groups, unbatched


def _check_bias(bias, channels, what):
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"{what}: bias has shape {bias.shape}, expected ({channels},) (one per output channel)")


def prepare_conv(x, weight, bias, stride, padding, dilation, groups, ndim, what="conv"):
    """Validate a convolution call; return ``(x, weight, bias, geometry, groups, unbatched)``.

    ``x`` comes back batched ``(N, C_in, *in)``; every rule is checked here, once, so the
    kernels never see an input that could make them index out of bounds.

    >>> x, w, b, g, groups, unbatched = prepare_conv(np.ones((2, 5, 5)), np.ones((3, 2, 3, 3)), None,
    ...                                              2, 1, 1, 1, ndim=2)
    >>> x.shape, g.output_size, unbatched
    ((1, 2, 5, 5), (3, 3), True)
    """
    x, weight, bias, groups, unbatched = _check_common(x, weight, bias, groups, ndim, what)
    c_out, c_in_group = weight.shape[:2]
    if c_out % groups:
        raise ValueError(f"{what}: groups={groups} must divide the output channels, "
                         f"weight.shape[0] = {c_out}")
    if x.shape[1] != c_in_group * groups:
        raise ValueError(f"{what}: x has {x.shape[1]} channels but weight of shape {weight.shape} with "
                         f"groups={groups} expects weight.shape[1] * groups = {c_in_group * groups}")
    _check_bias(bias, c_out, what)
    geometry = conv_geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    return x, weight, bias, geometry, groups, unbatched


def prepare_conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation,
                           output_size, ndim, what="conv_transpose"):
    """Validate a transposed convolution call (see :func:`prepare_conv`).

    >>> out = prepare_conv_transpose(np.ones((1, 2, 3, 3)), np.ones((2, 4, 3, 3)), None, 2, 1, 1, 1, 1,
    ...                              None, ndim=2)
    >>> out[3].output_size
    (6, 6)
    """
    x, weight, bias, groups, unbatched = _check_common(x, weight, bias, groups, ndim, what)
    c_in, c_out_group = weight.shape[:2]
    if c_in % groups:
        raise ValueError(f"{what}: groups={groups} must divide the input channels, "
                         f"weight.shape[0] = {c_in}")
    if x.shape[1] != c_in:
        raise ValueError(f"{what}: x has {x.shape[1]} channels but the transposed conv weight of shape "
                         f"{weight.shape} expects weight.shape[0] = {c_in}")
    _check_bias(bias, c_out_group * groups, what)
    geometry = conv_transpose_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding,
                                       dilation, output_size)
    return x, weight, bias, geometry, groups, unbatched



def _add_bias(out, bias):
    if bias is not None:
        out += bias.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out


# --------------------------------------------------------------------------- public functions


def _conv(ndim, x, weight, bias, stride, padding, dilation, groups, method):
    what = f"conv{ndim}d"
    x, weight, bias, geometry, groups, unbatched = prepare_conv(x, weight, bias, stride, padding,
                                                                dilation, groups, ndim, what)
    out = _add_bias(get_method(method).forward(x, weight, geometry, groups), bias)
    return out[0] if unbatched else out


def _conv_transpose(ndim, x, weight, bias, stride, padding, output_padding, groups, dilation,
                    output_size, method):
    what = f"conv_transpose{ndim}d"
    x, weight, bias, geometry, groups, unbatched = prepare_conv_transpose(
        x, weight, bias, stride, padding, output_padding, groups, dilation, output_size, ndim, what)
    # The transposed convolution is C.T of the convolution that maps its output back to x.
    out = _add_bias(get_method(method).adjoint(x, weight, geometry, groups), bias)
    return out[0] if unbatched else out


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method=None):
    """1-D convolution (cross-correlation), as ``torch.nn.functional.conv1d``.

    Shapes: ``x (N, C_in, L)`` or ``(C_in, L)``; ``weight (C_out, C_in/groups, k)``;
    ``bias (C_out,)``; output ``(N, C_out, L_out)`` with
    ``L_out = floor((L + p_before + p_after - d(k-1) - 1) / s) + 1``.
    ``padding``: int, ``(before, after)`` pair in a 1-tuple, ``"valid"``, ``"same"``, ``"full"``.

    >>> conv1d(np.array([[1., 2., 3., 4.]]), np.array([[[1., 0., -1.]]]))
    array([[-2., -2.]])
    """
    return _conv(1, x, weight, bias, stride, padding, dilation, groups, method)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method=None):
    """2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    Shapes: ``x (N, C_in, H, W)`` or ``(C_in, H, W)``; ``weight (C_out, C_in/groups, kh, kw)``;
    output ``(N, C_out, H_out, W_out)``, per axis ``o = floor((i + 2p - d(k-1) - 1)/s) + 1``
    (Dumoulin & Visin 2016). Computed as ``C @ x.reshape(-1)`` by default.

    The lecture notes' example:

    >>> M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
    >>> K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
    >>> conv2d(M[None], K[None, None])
    array([[[122., 148.],
            [126., 134.]]])
    """
    return _conv(2, x, weight, bias, stride, padding, dilation, groups, method)


def conv3d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method=None):
    """3-D convolution (cross-correlation), as ``torch.nn.functional.conv3d``.

    Shapes: ``x (N, C_in, D, H, W)`` or ``(C_in, D, H, W)``; ``weight (C_out, C_in/groups, kd, kh, kw)``;
    output ``(N, C_out, D_out, H_out, W_out)``, per axis ``o = floor((i + 2p - d(k-1) - 1)/s) + 1``.

    >>> conv3d(np.ones((1, 3, 3, 3)), np.ones((2, 1, 2, 2, 2)), padding=1).shape
    (2, 4, 4, 4)
    """
    return _conv(3, x, weight, bias, stride, padding, dilation, groups, method)


def conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     output_size=None, *, method=None):
    """1-D transposed convolution, as ``torch.nn.functional.conv_transpose1d``.

    Shapes: ``x (N, C_in, L)`` or ``(C_in, L)``; ``weight (C_in, C_out/groups, k)``;
    output ``(N, C_out, L_out)`` with ``L_out = (L-1)s - 2p + d(k-1) + 1 + output_padding``.
    It is ``C.T @ x``, where ``C`` is the convolution taking ``L_out`` back to ``L``.

    FCN's bilinear kernel (k=4, s=2, p=1) doubles a signal:

    >>> w = np.array([[[0.25, 0.75, 0.75, 0.25]]])
    >>> conv_transpose1d(np.array([[1., 2., 4., 8.]]), w, stride=2, padding=1)
    array([[0.75, 1.25, 1.75, 2.5 , 3.5 , 5.  , 7.  , 6.  ]])
    """
    return _conv_transpose(1, x, weight, bias, stride, padding, output_padding, groups, dilation,
                           output_size, method)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     output_size=None, *, method=None):
    """2-D transposed convolution ("deconvolution", a misnomer), as ``torch.nn.functional.conv_transpose2d``.

    Shapes: ``x (N, C_in, H, W)`` or ``(C_in, H, W)``; ``weight (C_in, C_out/groups, kh, kw)``;
    output ``(N, C_out, H_out, W_out)``, per axis ``o' = (i-1)s - 2p + d(k-1) + 1 + a``
    (Dumoulin & Visin 2016). ``output_size`` may replace ``output_padding``.

    d2l's example, with ``X = K = [[0, 1], [2, 3]]``:

    >>> X = np.array([[[0., 1.], [2., 3.]]])
    >>> conv_transpose2d(X, X[None])
    array([[[ 0.,  0.,  1.],
            [ 0.,  4.,  6.],
            [ 4., 12.,  9.]]])
    """
    return _conv_transpose(2, x, weight, bias, stride, padding, output_padding, groups, dilation,
                           output_size, method)


def conv_transpose3d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     output_size=None, *, method=None):
    """3-D transposed convolution, as ``torch.nn.functional.conv_transpose3d``.

    Shapes: ``x (N, C_in, D, H, W)`` or ``(C_in, D, H, W)``; ``weight (C_in, C_out/groups, kd, kh, kw)``;
    output per axis ``o' = (i-1)s - 2p + d(k-1) + 1 + a``.

    >>> conv_transpose3d(np.ones((4, 2, 2, 2)), np.ones((4, 1, 2, 2, 2)), stride=2, groups=2).shape
    (2, 4, 4, 4)
    """
    return _conv_transpose(3, x, weight, bias, stride, padding, output_padding, groups, dilation,
                           output_size, method)
