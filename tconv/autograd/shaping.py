"""Shape ops: ``reshape``, ``transpose`` / ``.T`` and indexing (``x[...]``).

They move numbers around without changing them, so each VJP moves the gradient back:
``reshape`` reshapes it, ``transpose`` applies the inverse permutation, and indexing
scatters it into zeros of the input's shape with ``np.add.at`` (an element picked twice
by an advanced index receives both gradients).

>>> from tconv import Tensor
>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> x[[0, 0, 2]].sum().backward()
>>> x.grad
array([2., 0., 1.])
"""
from __future__ import annotations

import numbers

import numpy as np

from .function import defop
from .tensor import Tensor, register_ops

__all__ = ["reshape", "transpose", "getitem"]


@defop
def reshape(x, *, shape):
    """``x`` with a new shape (same elements, row-major order); one entry may be -1.

    >>> x = Tensor(np.arange(6.0), requires_grad=True)
    >>> y = reshape(x, shape=(2, -1))
    >>> y.shape
    (2, 3)
    >>> (y * y).sum().backward()
    >>> x.grad.shape
    (6,)
    """
    def vjp(grad_out):
        return (grad_out.reshape(x.shape),)
    return x.reshape(shape), vjp


@defop
def transpose(x, *, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None, as ``ndarray.transpose``).

    >>> x = Tensor(np.zeros((2, 3, 4)))
    >>> transpose(x).shape, transpose(x, axes=(1, 0, 2)).shape
    ((4, 3, 2), (3, 2, 4))
    """
    if axes is not None and not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                                    and -x.ndim <= a < x.ndim for a in axes):
        raise ValueError(f"axes={axes!r} must be ints in [{-x.ndim}, {x.ndim - 1}] for a tensor of shape {x.shape}")
    order = tuple(range(x.ndim))[::-1] if axes is None else tuple(int(a) % x.ndim for a in axes)
    if sorted(order) != list(range(x.ndim)):
        raise ValueError(f"axes={axes!r} is not a permutation of the {x.ndim} axes of shape {x.shape}")
    inverse = tuple(np.argsort(order))

    def vjp(grad_out):
        return (grad_out.transpose(inverse),)
    return x.transpose(order), vjp


def _is_basic(index) -> bool:
    """True when ``index`` uses only ints, slices, None and Ellipsis (no element picked twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (numbers.Integral, slice)) or p is None or p is Ellipsis for p in parts)


@defop
def getitem(x, *, index):
    """``x[index]`` for basic (ints, slices) and advanced (int / bool arrays) indices.

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> getitem(x, index=slice(1, None)).sum().backward()     # x[1:]
    >>> x.grad
    array([0., 1., 1.])
    """
    def vjp(grad_out):
        grad_x = np.zeros_like(x)
        if _is_basic(index):
            grad_x[index] = grad_out
        else:
            np.add.at(grad_x, index, grad_out)    # repeated indices accumulate
        return (grad_x,)
    return x[index], vjp


register_ops(reshape=reshape, transpose=transpose, getitem=getitem)
