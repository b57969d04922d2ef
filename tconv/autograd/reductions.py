"""Reductions: ``sum``, ``mean``, ``max``, ``min`` over all axes or some (``axis``, ``keepdims``).

The VJP of a reduction puts the removed axes back (as length 1) and broadcasts:
``sum`` hands every element the whole gradient, ``mean`` divides it by the count, and
``max``/``min`` route it to the elements that attained the extreme value.

**Ties in max/min**: the gradient is split *evenly* among all elements equal to the
maximum (what ``torch.max(x)`` / ``torch.amax`` do for a full reduction; ``torch.max(x,
dim)`` instead sends it all to the one index it returns). Ties are where max is not
differentiable; the even split is the symmetric choice and keeps ``x.max()`` and
``x.max(axis=...)`` consistent.

>>> from tconv import Tensor
>>> x = Tensor([[1.0, 5.0, 5.0], [2.0, 0.0, 1.0]], requires_grad=True)
>>> x.max(axis=1).sum().backward()
>>> x.grad
array([[0. , 0.5, 0.5],
       [1. , 0. , 0. ]])
"""
from __future__ import annotations

import numpy as np

from .function import defop
from .tensor import Tensor, register_ops

__all__ = ["sum", "mean", "max", "min"]

def _axes(axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple of ints) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    n = ndim if ndim else 1        # a 0-d tensor accepts axis 0 / -1, like PyTorch
    out = []
    for a in axes:
        if not -n <= a < n:
            raise ValueError(f"axis={axis!r} is out of range for a tensor with {ndim} axes")
        out.append(int(a) % n)
    if len(set(out)) != len(out):
        raise ValueError(f"axis={axis!r} repeats an axis")
    return tuple(sorted(out)) if ndim else ()


def _restore(grad_out: np.ndarray, shape, axes, keepdims: bool) -> np.ndarray:
    """``grad_out`` with the reduced axes put back as length 1 (broadcastable to ``shape``)."""
    if keepdims or not axes:
        return grad_out
    return np.expand_dims(grad_out, axes)


@defop
def sum(x, *, axis=None, keepdims=False):
    """Sum over ``axis``; every element gets the whole gradient of its sum.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> sum(x, axis=0)
    Tensor([4., 6.], grad_fn=<sum>)
    >>> sum(x).backward()
    >>> x.grad
    array([[1., 1.],
           [1., 1.]])
    """
    axes = _axes(axis, x.ndim)

    def vjp(grad_out):
        return (np.broadcast_to(_restore(grad_out, x.shape, axes, keepdims), x.shape),)
    return np.sum(x, axis=axes, keepdims=keepdims), vjp


@defop
def mean(x, *, axis=None, keepdims=False):
    """Mean over ``axis``; every element gets the gradient divided by the count.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> mean(x, axis=1, keepdims=True).shape
    (2, 1)
    >>> mean(x).backward()
    >>> x.grad
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    axes = _axes(axis, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes]))
    if count == 0:
        raise ValueError(f"mean over an empty axis of a tensor of shape {x.shape}")

    def vjp(grad_out):
        return (np.broadcast_to(_restore(grad_out, x.shape, axes, keepdims) / count, x.shape),)
    return np.mean(x, axis=axes, keepdims=keepdims), vjp


def _extreme(x, axis, keepdims, reduce):
    axes = _axes(axis, x.ndim)
    if x.size == 0:
        raise ValueError(f"{reduce.__name__} of an empty tensor of shape {x.shape}")
    top = reduce(x, axis=axes, keepdims=True)

    def vjp(grad_out):
        # The maximal elements win; a NaN is the maximum (NumPy and PyTorch propagate it), so where
        # the result is NaN the NaN elements win. Ties split the gradient evenly, as PyTorch's max().
        winners = ((x == top) | (np.isnan(x) & np.isnan(top))).astype(x.dtype)
        share = winners / np.sum(winners, axis=axes, keepdims=True)
        return (share * _restore(grad_out, x.shape, axes, keepdims),)
    return (top if keepdims else np.squeeze(top, axis=axes)), vjp


@defop
def max(x, *, axis=None, keepdims=False):
    """Maximum over ``axis``; the gradient goes to the maximal elements, split evenly among ties.

    A NaN is the maximum of anything (as in NumPy and PyTorch), and then receives the gradient.

    >>> x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> y = max(x)
    >>> y.backward()
    >>> y.item(), x.grad                         # a tie: each maximum gets half
    (3.0, array([0. , 0.5, 0.5]))
    """
    return _extreme(x, axis, keepdims, np.max)


@defop
def min(x, *, axis=None, keepdims=False):
    """Minimum over ``axis``; the gradient goes to the minimal elements, split evenly among ties.

    >>> min(Tensor([[2.0, 1.0], [0.0, 5.0]]), axis=0)
    Tensor([0., 1.])
    """
    return _extreme(x, axis, keepdims, np.min)


register_ops(sum=sum, mean=mean, max=max, min=min)
