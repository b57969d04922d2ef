"""Assembling tensors: ``pad`` (constant), ``cat`` and ``stack``.

U-Net pads an upsampled map to its skip connection's size and concatenates the two along
the channel axis; these ops only move numbers, so each VJP slices the gradient back apart.

>>> from tconv import Tensor
>>> a = Tensor(np.ones((1, 2, 2)), requires_grad=True)
>>> b = Tensor(np.zeros((1, 3, 2)))
>>> cat([a, b], dim=1).shape
(1, 5, 2)
"""
from __future__ import annotations

import numbers

import numpy as np

from ...autograd.function import defop

__all__ = ["pad", "cat", "stack"]


def _pad_pairs(pad, shape):
    """Torch's flat pad tuple (last axis first) as per-axis ``(before, after)`` pairs."""
    try:
        pad = tuple(pad)
    except TypeError:
        raise TypeError(f"pad={pad!r} must be a tuple of ints (left, right, top, bottom, ...)") from None
    if len(pad) % 2 or len(pad) // 2 > len(shape) or not all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad={pad!r} must hold an even number of ints, at most 2 per axis of the "
                         f"{len(shape)}-D input (last axis first, as torch.nn.functional.pad)")
    pairs = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        pairs[len(shape) - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return pairs


@defop
def _pad(x, *, pad, value):
    pairs = _pad_pairs(pad, x.shape)
    src, dst, out_shape = [], [], []
    for axis, (n, (before, after)) in enumerate(zip(x.shape, pairs)):
        size = n + before + after
        if size < 0:
            raise ValueError(f"pad={pad!r} crops axis {axis} of size {n} to a negative size {size}")
        start = max(-before, 0)                         # negative padding crops
        length = max(0, n - max(-after, 0) - start)
        src.append(slice(start, start + length))
        dst.append(slice(max(before, 0), max(before, 0) + length))
        out_shape.append(size)
    src, dst = tuple(src), tuple(dst)
    out = np.full(out_shape, value, dtype=x.dtype)
    out[dst] = x[src]

    def vjp(grad_out):
        grad_x = np.zeros_like(x)
        grad_x[src] = grad_out[dst]
        return (grad_x,)
    return out, vjp


def pad(x, pad, mode="constant", value=0.0):
    """Pad with a constant, as ``torch.nn.functional.pad(x, pad)``: ``pad`` lists
    ``(before, after)`` for the last axis first, then the second-to-last, ...; negative
    entries crop. The VJP crops the gradient back (padded entries are constants).

    >>> from tconv import Tensor
    >>> pad(Tensor([[1.0, 2.0]]), (1, 0, 0, 1))    # left 1 on the last axis, bottom 1 on the first
    Tensor([[0., 1., 2.],
            [0., 0., 0.]])
    """
    if mode != "constant":
        raise ValueError(f"pad(mode={mode!r}): only 'constant' padding is implemented")
    return _pad(x, pad=pad, value=value)


def _check_list(tensors, name):
    if isinstance(tensors, np.ndarray) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{name} needs a non-empty list or tuple of tensors")
    return tensors


@defop
def _cat(*xs, dim):
    out = np.concatenate(xs, axis=dim)
    axis = dim % out.ndim
    ends = np.cumsum([x.shape[axis] for x in xs])[:-1]

    def vjp(grad_out):
        return tuple(np.split(grad_out, ends, axis=axis))
    return out, vjp


def cat(tensors, dim=0):
    """Concatenate along the existing axis ``dim``; the VJP splits the gradient at the seams.

    >>> from tconv import Tensor
    >>> cat([Tensor([1.0]), Tensor([2.0, 3.0])])
    Tensor([1., 2., 3.])
    """
    return _cat(*_check_list(tensors, "cat"), dim=dim)


@defop
def _stack(*xs, dim):
    out = np.stack(xs, axis=dim)
    axis = dim % out.ndim

    def vjp(grad_out):
        return tuple(np.take(grad_out, i, axis=axis) for i in range(len(xs)))
    return out, vjp


def stack(tensors, dim=0):
    """Stack equal-shaped tensors along a new axis ``dim``; the VJP takes the slices apart.

    >>> from tconv import Tensor
    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], dim=1)
    Tensor([[1., 3.],
            [2., 4.]])
    """
    return _stack(*_check_list(tensors, "stack"), dim=dim)
