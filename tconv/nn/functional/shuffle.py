"""Differentiable ``pixel_shuffle`` and ``pixel_unshuffle`` (sub-pixel convolution, Shi et al. 2016).

A shuffle only moves numbers: it is a permutation matrix ``P``, so its VJP is ``P.T``, which
for a permutation is its inverse. The gradient of a pixel shuffle is the pixel unshuffle of the
incoming gradient, and the other way round. The NumPy forms are :mod:`tconv.ops.shuffle`.

>>> import numpy as np
>>> from tconv import Tensor
>>> x = Tensor(np.arange(8.0).reshape(1, 8, 1, 1), requires_grad=True)
>>> y = pixel_shuffle(x, 2)
>>> y.shape
(1, 2, 2, 2)
>>> (y * Tensor(np.arange(8.0).reshape(1, 2, 2, 2))).sum().backward()
>>> x.grad.ravel()                         # each input's gradient is the weight at its new place
array([0., 1., 2., 3., 4., 5., 6., 7.])
"""
from __future__ import annotations

from ...autograd.function import defop
from ...ops import shuffle

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


@defop
def _pixel_shuffle(x, *, upscale_factor):
    def vjp(grad_out):              # P.T = P^-1: unshuffle the gradient
        return (shuffle.pixel_unshuffle(grad_out, upscale_factor),)
    return shuffle.pixel_shuffle(x, upscale_factor), vjp


@defop
def _pixel_unshuffle(x, *, downscale_factor):
    def vjp(grad_out):
        return (shuffle.pixel_shuffle(grad_out, downscale_factor),)
    return shuffle.pixel_unshuffle(x, downscale_factor), vjp


def pixel_shuffle(input, upscale_factor: int):
    """Depth to space, as ``torch.nn.functional.pixel_shuffle``: ``(*, C·r², H, W) -> (*, C, H·r, W·r)``.

    ``out[..., c, h·r + i, w·r + j] = input[..., c·r² + i·r + j, h, w]`` (:func:`tconv.ops.pixel_shuffle`).

    >>> import numpy as np
    >>> pixel_shuffle(np.zeros((1, 9, 2, 2)), 3).shape
    (1, 1, 6, 6)
    """
    return _pixel_shuffle(input, upscale_factor=upscale_factor)


def pixel_unshuffle(input, downscale_factor: int):
    """Space to depth, as ``torch.nn.functional.pixel_unshuffle``: ``(*, C, H·r, W·r) -> (*, C·r², H, W)``.

    >>> import numpy as np
    >>> pixel_unshuffle(np.zeros((1, 1, 6, 6)), 3).shape
    (1, 9, 2, 2)
    """
    return _pixel_unshuffle(input, downscale_factor=downscale_factor)
