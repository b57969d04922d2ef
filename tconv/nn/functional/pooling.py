"""Differentiable pooling and resizing, wrapping the NumPy ops of :mod:`tconv.ops.pool` and :mod:`tconv.ops.resize`.

* max pooling: the forward records each window's argmax; the VJP sends each output's
  gradient to that one input position (:func:`tconv.ops.pool.max_pool_backward`);
* average pooling: the VJP spreads each output's gradient evenly over its window
  (:func:`tconv.ops.pool.avg_pool_backward`);
* ``interpolate``: resizing applies a matrix ``A`` along each axis, so the VJP applies
  ``A.T`` (:func:`tconv.ops.resize.interpolate_backward`): the gradient of a linear map is its
  transpose, as for convolutions.

Arguments are those of ``torch.nn.functional`` (``stride`` defaults to ``kernel_size``).

>>> import numpy as np
>>> from tconv import Tensor
>>> x = Tensor(np.array([[[1.0, 3.0, 2.0, 5.0]]]), requires_grad=True)
>>> max_pool1d(x, 2).sum().backward()
>>> x.grad
array([[[0., 1., 0., 1.]]])
"""
from __future__ import annotations

from ...ops import pool, resize
from ...autograd.function import defop

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "interpolate"]


@defop
def _max_pool(x, *, ndim, kernel_size, stride, padding, dilation, ceil_mode, method, indices_out=None):
    run = (pool.max_pool1d, pool.max_pool2d, pool.max_pool3d)[ndim - 1]
    out, indices = run(x, kernel_size, stride, padding, dilation, ceil_mode, True, method=method)
    if indices_out is not None:                  # return_indices: the caller's list receives them
        indices_out.append(indices)
    unbatched = x.ndim == ndim + 1

    def vjp(grad_out):
        if unbatched:
            return (pool.max_pool_backward(grad_out[None], indices[None], (1,) + x.shape, method=method)[0],)
        return (pool.max_pool_backward(grad_out, indices, x.shape, method=method),)
    return out, vjp


@defop
def _avg_pool(x, *, ndim, kernel_size, stride, padding, ceil_mode, count_include_pad, method):
    run = (pool.avg_pool1d, pool.avg_pool2d, pool.avg_pool3d)[ndim - 1]
    out = run(x, kernel_size, stride, padding, ceil_mode, count_include_pad, method=method)
    unbatched = x.ndim == ndim + 1

    def vjp(grad_out):
        g = grad_out[None] if unbatched else grad_out
        shape = (1,) + x.shape if unbatched else x.shape
        grad_x = pool.avg_pool_backward(g, shape, kernel_size, stride, padding, ceil_mode,
                                        count_include_pad, method=method)
        return (grad_x[0] if unbatched else grad_x,)
    return out, vjp


def _max(ndim, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method):
    indices = [] if return_indices else None
    out = _max_pool(x, ndim=ndim, kernel_size=kernel_size, stride=stride, padding=padding,
                    dilation=dilation, ceil_mode=ceil_mode, method=method, indices_out=indices)
    return (out, indices[0]) if return_indices else out


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
               *, method=None):
    """Differentiable 1-D max pooling, ``x (N, C, L)`` or ``(C, L)``; see :func:`max_pool2d`.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> max_pool1d(Tensor(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]])), 2)   # (1, 1, 5) -> (1, 1, 2)
    Tensor([[[3., 5.]]])
    """
    return _max(1, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
               *, method=None):
    """Differentiable 2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    ``x (N, C, H, W)`` or ``(C, H, W)``; per axis ``o = floor((i + 2p - d(k-1) - 1)/s) + 1``.
    With ``return_indices`` also returns the argmax (an int ndarray of flat positions
    ``h*W + w``). The gradient of each output goes to its argmax only.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> max_pool2d(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2).data[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return _max(2, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method)


def max_pool3d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
               *, method=None):
    """Differentiable 3-D max pooling, ``x (N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`max_pool2d`.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> max_pool3d(Tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2)), 2)
    Tensor([[[[[7.]]]]])
    """
    return _max(3, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, method)


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               *, method=None):
    """Differentiable 1-D average pooling; see :func:`avg_pool2d`.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> avg_pool1d(Tensor(np.array([[[1.0, 3.0, 2.0, 6.0]]])), 2)      # x (N, C, L)
    Tensor([[[2., 4.]]])
    """
    return _avg_pool(x, ndim=1, kernel_size=kernel_size, stride=stride, padding=padding,
                     ceil_mode=ceil_mode, count_include_pad=count_include_pad, method=method)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               *, method=None):
    """Differentiable 2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    ``x (N, C, H, W)`` or ``(C, H, W)``. Each input pixel's gradient is the sum over the
    windows containing it of the output gradient divided by that window's divisor.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    >>> avg_pool2d(x, 2).sum().backward()
    >>> x.grad[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return _avg_pool(x, ndim=2, kernel_size=kernel_size, stride=stride, padding=padding,
                     ceil_mode=ceil_mode, count_include_pad=count_include_pad, method=method)


def avg_pool3d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               *, method=None):
    """Differentiable 3-D average pooling; see :func:`avg_pool2d`.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> avg_pool3d(Tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2)), 2)   # x (N, C, D, H, W)
    Tensor([[[[[3.5]]]]])
    """
    return _avg_pool(x, ndim=3, kernel_size=kernel_size, stride=stride, padding=padding,
                     ceil_mode=ceil_mode, count_include_pad=count_include_pad, method=method)


@defop
def _interpolate(x, *, size, scale_factor, mode, align_corners, method):
    out = resize.interpolate(x, size, scale_factor, mode, align_corners, method=method)

    def vjp(grad_out):        # A.T along each axis
        return (resize.interpolate_backward(grad_out, x.shape, size, scale_factor, mode, align_corners),)
    return out, vjp


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, *, method=None):
    """Differentiable resize of ``x (N, C, *spatial)``, as ``torch.nn.functional.interpolate``.

    ``mode``: ``"nearest"``, ``"linear"`` (1-D), ``"bilinear"`` (2-D), ``"trilinear"`` (3-D);
    exactly one of ``size`` and ``scale_factor``; ``align_corners`` for the linear modes.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> x = Tensor(np.array([[[1.0, 2.0]]]), requires_grad=True)
    >>> y = interpolate(x, scale_factor=2, mode="linear")
    >>> y
    Tensor([[[1.  , 1.25, 1.75, 2.  ]]], grad_fn=<interpolate>)
    >>> y.sum().backward()
    >>> x.grad
    array([[[2., 2.]]])
    """
    return _interpolate(x, size=size, scale_factor=scale_factor, mode=mode, align_corners=align_corners,
                        method=method)
