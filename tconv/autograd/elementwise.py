"""Elementwise functions: ``exp``, ``log``, ``sqrt``, ``abs``, ``clip`` and ``astype``.

Each VJP multiplies the incoming gradient by the derivative at each element:
``exp' = exp``, ``log' = 1/x``, ``sqrt' = 1/(2 sqrt x)``, ``abs' = sign(x)`` (0 at 0,
as PyTorch), ``clip' = 1`` where ``low <= x <= high`` (inclusive, as ``torch.clamp``) and 0
elsewhere.

>>> from tconv import Tensor
>>> x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
>>> x.clip(0.0, 1.0).sum().backward()
>>> x.grad
array([0., 1., 0.])
"""
from __future__ import annotations

import numpy as np

from .function import defop
from .tensor import Tensor, register_ops

__all__ = ["exp", "log", "sqrt", "abs", "clip", "astype"]


@defop
def exp(x):
    """``e**x``.

    >>> x = Tensor([0.0], requires_grad=True)
    >>> y = exp(x)
    >>> y.backward()
    >>> y.data, x.grad                           # e**0 = 1, and exp' = exp
    (array([1.]), array([1.]))
    """
    out = np.exp(x)

    def vjp(grad_out):
        return (grad_out * out,)
    return out, vjp


@defop
def log(x):
    """Natural logarithm (``-inf`` at 0, ``nan`` below, as NumPy).

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> log(x).sum().backward()
    >>> x.grad                                   # 1 / x
    array([1. , 0.5])
    """
    def vjp(grad_out):
        return (grad_out / x,)
    return np.log(x), vjp


@defop
def sqrt(x):
    """Square root.

    >>> x = Tensor([4.0, 9.0], requires_grad=True)
    >>> y = sqrt(x)
    >>> y
    Tensor([2., 3.], grad_fn=<sqrt>)
    >>> y.sum().backward()
    >>> bool(np.allclose(x.grad, [1 / 4, 1 / 6]))   # 1 / (2 sqrt x)
    True
    """
    out = np.sqrt(x)

    def vjp(grad_out):
        return (grad_out / (2 * out),)
    return out, vjp


@defop
def abs(x):
    """``|x|``; the gradient at 0 is 0.

    >>> x = Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> abs(x).sum().backward()
    >>> x.grad
    array([-1.,  0.,  1.])
    """
    def vjp(grad_out):
        return (grad_out * np.sign(x),)
    return np.abs(x), vjp


@defop
def clip(x, *, low=None, high=None):
    """``x`` limited to ``[low, high]`` (either may be None); gradient 1 inside, 0 outside.

    >>> clip(Tensor([-2.0, 0.5, 3.0]), low=0.0, high=1.0)
    Tensor([0. , 0.5, 1. ])
    """
    if low is None and high is None:
        raise ValueError("clip needs low or high (or both)")
    inside = np.ones(x.shape, dtype=bool)
    if low is not None:
        inside &= x >= low
    if high is not None:
        inside &= x <= high

    def vjp(grad_out):
        return (grad_out * inside,)
    return np.clip(x, low, high).astype(x.dtype, copy=False), vjp


@defop
def astype(x, *, dtype):
    """``x`` converted to float32 or float64; the gradient is converted back.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = astype(x, dtype=np.float32)
    >>> y.sum().backward()
    >>> y.dtype, x.grad.dtype
    (dtype('float32'), dtype('float64'))
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"astype({dtype}): tensors hold float32 or float64")

    def vjp(grad_out):
        return (grad_out.astype(x.dtype),)
    return x.astype(dtype), vjp


register_ops(exp=exp, log=log, sqrt=sqrt, abs=abs, clip=clip, astype=astype)
