"""``dropout``: zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

The mask is drawn once, in the forward pass, from ``rng`` (a ``np.random.Generator``) or
from the library's default generator (:func:`tconv.random.manual_seed` makes it
reproducible). The VJP multiplies the gradient by the same mask, so dropped units receive
no gradient. With ``training=False`` (or ``p=0``) dropout is the identity.

>>> from tconv import Tensor
>>> x = Tensor(np.ones(8), requires_grad=True)
>>> y = dropout(x, p=0.5, rng=np.random.default_rng(0))
>>> sorted(set(y.data.tolist()))          # kept units are scaled by 1/(1-p) = 2
[0.0, 2.0]
>>> y.sum().backward()
>>> bool(np.array_equal(x.grad, y.data))  # the gradient goes through the same mask
True
"""
from __future__ import annotations

import numbers

import numpy as np

from ...autograd.function import as_tensor, defop
from ...random import get_generator

__all__ = ["dropout"]


@defop
def _dropout(x, *, scaled_mask):
    def vjp(grad_out):
        return (grad_out * scaled_mask,)
    return x * scaled_mask, vjp


def dropout(x, p=0.5, training=True, *, rng=None):
    """Inverted dropout, as ``torch.nn.functional.dropout(x, p, training)``.

    ``out = x * mask / (1 - p)`` with ``mask ~ Bernoulli(1 - p)`` elementwise (all zeros for
    ``p = 1``); identity when ``training`` is False. Same shape and dtype as ``x``.

    >>> x = np.ones((2, 4))
    >>> y = dropout(x, p=0.5, rng=np.random.default_rng(0))
    >>> y.shape, sorted(set(y.data.ravel().tolist()))     # dropped: 0, kept: 1 / (1 - p) = 2
    ((2, 4), [0.0, 2.0])
    >>> bool(np.array_equal(dropout(x, p=0.5, training=False).data, x))
    True
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability p={p!r} must be a number between 0 and 1")
    x = as_tensor(x)
    if not training or p == 0:
        return x
    generator = get_generator(rng)
    if p == 1:
        scaled_mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = generator.random(x.shape) >= p
        scaled_mask = keep.astype(x.dtype) / np.asarray(1 - p, dtype=x.dtype)
    return _dropout(x, scaled_mask=scaled_mask)
