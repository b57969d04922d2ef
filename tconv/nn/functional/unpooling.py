"""Differentiable max unpooling, as ``torch.nn.functional.max_unpool1d/2d/3d`` (SegNet's decoder).

Each input value goes back to the position its max pooling took it from (``indices``, from
``max_pool2d(..., return_indices=True)``), zeros elsewhere: the transpose ``S.T`` of max
pooling's selection matrix (:mod:`tconv.ops.unpool`). Its VJP reads the incoming gradient at
those positions (``S`` applied to it), exactly as max pooling's VJP applies ``S.T``: the two
are each other's gradient, as a convolution and its transpose are.

>>> import numpy as np
>>> from tconv import Tensor
>>> from tconv.nn.functional import max_pool1d
>>> x = Tensor(np.array([[[1.0, 3.0, 2.0, 5.0]]]))
>>> y, idx = max_pool1d(x, 2, return_indices=True)
>>> y.requires_grad_()
Tensor([[[3., 5.]]], requires_grad=True)
>>> up = max_unpool1d(y, idx, 2)
>>> up
Tensor([[[0., 3., 0., 5.]]], grad_fn=<max_unpool>)
>>> (up * Tensor(np.array([[[1.0, 2.0, 3.0, 4.0]]]))).sum().backward()
>>> y.grad
array([[[2., 4.]]])
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import defop
from ...autograd.tensor import Tensor
from ...ops import unpool

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


@defop
def _max_unpool(x, *, ndim, indices, kernel_size, stride, padding, output_size):
    run = (unpool.max_unpool1d, unpool.max_unpool2d, unpool.max_unpool3d)[ndim - 1]
    out = run(x, indices, kernel_size, stride, padding, output_size)
    unbatched = x.ndim == ndim + 1

    def vjp(grad_out):          # S @ grad: the gradient read at the positions written
        if unbatched:
            return (unpool.max_unpool_backward(grad_out[None], indices[None])[0],)
        return (unpool.max_unpool_backward(grad_out, indices),)
    return out, vjp


def _indices(indices):
    return np.asarray(indices.data if isinstance(indices, Tensor) else indices)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Differentiable 1-D max unpooling, ``(N, C, L)`` or ``(C, L)``; see :func:`max_unpool2d`."""
    return _max_unpool(input, ndim=1, indices=_indices(indices), kernel_size=kernel_size, stride=stride,
                       padding=padding, output_size=output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Differentiable 2-D max unpooling, as ``torch.nn.functional.max_unpool2d``.

    ``input``, ``indices`` ``(N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)``, per axis
    ``(i - 1)·s - 2p + k`` or ``output_size`` (:func:`tconv.ops.unpool.unpool_output_size`).

    >>> import numpy as np
    >>> from tconv.nn.functional import max_pool2d
    >>> y, idx = max_pool2d(np.arange(25.0).reshape(1, 1, 5, 5), 2, return_indices=True)
    >>> max_unpool2d(y, idx, 2, output_size=(5, 5)).shape          # the 5 x 5 max pooling started from
    (1, 1, 5, 5)
    """
    return _max_unpool(input, ndim=2, indices=_indices(indices), kernel_size=kernel_size, stride=stride,
                       padding=padding, output_size=output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Differentiable 3-D max unpooling, ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`max_unpool2d`."""
    return _max_unpool(input, ndim=3, indices=_indices(indices), kernel_size=kernel_size, stride=stride,
                       padding=padding, output_size=output_size)
