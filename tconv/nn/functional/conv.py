"""Differentiable convolutions: the backward pass of a convolution *is* a transposed convolution.

A convolution is a matrix ``C`` acting on the flattened input: ``y = C @ x``. Its three
gradients are

* ``grad_x = C.T @ grad_out``: a **transposed convolution** of ``grad_out`` with the same
  weight and geometry (``Method.adjoint``);
* ``grad_w[k] = sum over the entries of C holding weight k of grad_out[row] * x[col]``,
  the unfold product ``grad_out @ unfold(x).T`` (``Method.weight_grad``);
* ``grad_b = grad_out`` summed over the batch and spatial axes.

A transposed convolution is ``x' = C.T @ y`` for the convolution ``C`` that maps its output
size back to its input size, so its input gradient is ``C @ grad_out``: a **convolution**.
The two ops are each other's gradient; the tests check this against ``tconv.conv_transpose*d``
and against the explicit matrix ``tconv.conv_matrix(...).T``.

Arguments and shapes are those of the NumPy versions in :mod:`tconv.ops.conv` (and of
``torch.nn.functional``); ``method=`` picks the method of :mod:`tconv.methods` (the default when None).
"""
from __future__ import annotations

from ...autograd.function import defop
from ...methods import get_method
from ...ops.conv import prepare_conv, prepare_conv_transpose

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _bias_shape(ndim: int) -> tuple:
    return (1, -1) + (1,) * ndim


@defop
def _conv(x, weight, bias, *, ndim, stride, padding, dilation, groups, method, needs_input_grad):
    """``y = C @ x (+ bias)``; its VJP: ``C.T @ grad_out`` (a transposed conv), the unfold product, a sum."""
    xb, weight, bias, geometry, groups, unbatched = prepare_conv(
        x, weight, bias, stride, padding, dilation, groups, ndim, f"conv{ndim}d")
    ops = get_method(method)
    # The fast methods can keep the unfolded input for the weight gradient (one unfold saved).
    kept = {"keep_cols": []} if ops.keeps_columns and needs_input_grad[1] else {}
    out = ops.forward(xb, weight, geometry, groups, **kept)
    if bias is not None:
        out += bias.reshape(_bias_shape(ndim))          # out is a fresh array: add in place

    def vjp(grad_out):
        grad_out = grad_out[None] if unbatched else grad_out
        grad_x = grad_w = grad_b = None
        if needs_input_grad[0]:
            grad_x = ops.adjoint(grad_out, weight, geometry, groups)      # a transposed convolution
            grad_x = grad_x[0] if unbatched else grad_x
        if needs_input_grad[1]:
            reuse = {"cols": kept["keep_cols"]} if kept else {}
            grad_w = ops.weight_grad(xb, grad_out, geometry, groups, **reuse)
        if needs_input_grad[2]:
            grad_b = grad_out.sum(axis=(0,) + tuple(range(2, grad_out.ndim)))
        return grad_x, grad_w, grad_b
    return (out[0] if unbatched else out), vjp


@defop
def _conv_transpose(x, weight, bias, *, ndim, stride, padding, output_padding, groups, dilation,
                    output_size, method, needs_input_grad):
    """``x' = C.T @ x (+ bias)``; its VJP: ``C @ grad_out`` (a convolution), the unfold product, a sum."""
    xb, weight, bias, geometry, groups, unbatched = prepare_conv_transpose(
        x, weight, bias, stride, padding, output_padding, groups, dilation, output_size, ndim,
        f"conv_transpose{ndim}d")
    ops = get_method(method)
    out = ops.adjoint(xb, weight, geometry, groups)
    if bias is not None:
        out += bias.reshape(_bias_shape(ndim))

    def vjp(grad_out):
        grad_out = grad_out[None] if unbatched else grad_out
        grad_x = grad_w = grad_b = None
        if needs_input_grad[0]:
            grad_x = ops.forward(grad_out, weight, geometry, groups)      # a convolution
            grad_x = grad_x[0] if unbatched else grad_x
        if needs_input_grad[1]:
            # the output plays the image, the input plays the feature map of the same C
            grad_w = ops.weight_grad(grad_out, xb, geometry, groups)
        if needs_input_grad[2]:
            grad_b = grad_out.sum(axis=(0,) + tuple(range(2, grad_out.ndim)))
        return grad_x, grad_w, grad_b
    return (out[0] if unbatched else out), vjp


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method=None):
    """Differentiable 1-D convolution, as ``torch.nn.functional.conv1d``; see :func:`conv2d`.

    Shapes: ``x (N, C_in, L)`` or ``(C_in, L)``, ``weight (C_out, C_in/groups, k)``, ``bias (C_out,)``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> conv1d(Tensor([[1.0, 2.0, 3.0, 4.0]]), Tensor([[[1.0, 0.0, -1.0]]]))
    Tensor([[-2., -2.]])
    """
    return _conv(x, weight, bias, ndim=1, stride=stride, padding=padding, dilation=dilation,
                 groups=groups, method=method)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method=None):
    """Differentiable 2-D convolution, as ``torch.nn.functional.conv2d``.

    Shapes: ``x (N, C_in, H, W)`` or ``(C_in, H, W)``; ``weight (C_out, C_in/groups, kh, kw)``;
    ``bias (C_out,)``; output ``(N, C_out, H_out, W_out)`` with, per axis,
    ``o = floor((i + 2p - d(k-1) - 1)/s) + 1`` (Dumoulin & Visin 2016). ``padding``: an int, a
    tuple, per-axis ``(before, after)`` pairs, ``"valid"``, ``"same"`` or ``"full"``.

    Backward: ``grad_x = conv_transpose2d(grad_out, weight, same stride/padding/dilation/groups)``
    (with the ``output_padding`` that restores ``x``'s size): the gradient of a convolution with
    respect to its input is a transposed convolution.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    >>> w = Tensor(np.ones((1, 1, 3, 3)))
    >>> conv2d(x, w).sum().backward()
    >>> x.grad[0, 0]          # how many 3x3 windows cover each pixel: C.T @ ones
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]])
    """
    return _conv(x, weight, bias, ndim=2, stride=stride, padding=padding, dilation=dilation,
                 groups=groups, method=method)


def conv3d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method=None):
    """Differentiable 3-D convolution, as ``torch.nn.functional.conv3d``; see :func:`conv2d`.

    Shapes: ``x (N, C_in, D, H, W)`` or ``(C_in, D, H, W)``, ``weight (C_out, C_in/groups, kd, kh, kw)``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> conv3d(Tensor(np.ones((1, 3, 3, 3))), Tensor(np.ones((2, 1, 2, 2, 2))), padding=1).shape
    (2, 4, 4, 4)
    """
    return _conv(x, weight, bias, ndim=3, stride=stride, padding=padding, dilation=dilation,
                 groups=groups, method=method)


def conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     output_size=None, *, method=None):
    """Differentiable 1-D transposed convolution; see :func:`conv_transpose2d`.

    Shapes: ``x (N, C_in, L)`` or ``(C_in, L)``, ``weight (C_in, C_out/groups, k)``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> y = conv_transpose1d(Tensor([[1.0, 2.0]]), Tensor([[[1.0, 1.0, 1.0]]]), stride=2)
    >>> y
    Tensor([[1., 1., 3., 2., 2.]])
    """
    return _conv_transpose(x, weight, bias, ndim=1, stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, dilation=dilation,
                           output_size=output_size, method=method)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     output_size=None, *, method=None):
    """Differentiable 2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    Shapes: ``x (N, C_in, H, W)`` or ``(C_in, H, W)``; ``weight (C_in, C_out/groups, kh, kw)``;
    output per axis ``o' = (i-1)s - 2p + d(k-1) + 1 + output_padding``; ``output_size`` may
    replace ``output_padding``. The forward is ``C.T @ x``.

    Backward: ``grad_x = conv2d(grad_out, weight, same stride/padding/dilation/groups)``, a
    convolution; ``grad_w`` is the convolution's weight gradient with the roles of input and
    output swapped.

    d2l's example (``X = K = [[0, 1], [2, 3]]``) and its input gradient:

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> X = Tensor([[[[0.0, 1.0], [2.0, 3.0]]]], requires_grad=True)
    >>> Y = conv_transpose2d(X, Tensor([[[[0.0, 1.0], [2.0, 3.0]]]]))
    >>> Y.data[0, 0]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    >>> Y.sum().backward()
    >>> X.grad[0, 0]          # conv2d(ones(3, 3), K): every weight is used once per input pixel
    array([[6., 6.],
           [6., 6.]])
    """
    return _conv_transpose(x, weight, bias, ndim=2, stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, dilation=dilation,
                           output_size=output_size, method=method)


def conv_transpose3d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
                     output_size=None, *, method=None):
    """Differentiable 3-D transposed convolution; see :func:`conv_transpose2d`.

    Shapes: ``x (N, C_in, D, H, W)`` or ``(C_in, D, H, W)``, ``weight (C_in, C_out/groups, kd, kh, kw)``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> conv_transpose3d(Tensor(np.ones((4, 2, 2, 2))), Tensor(np.ones((4, 1, 2, 2, 2))), stride=2,
    ...                  groups=2).shape
    (2, 4, 4, 4)
    """
    return _conv_transpose(x, weight, bias, ndim=3, stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, dilation=dilation,
                           output_size=output_size, method=method)
