"""``MaxUnpool1d/2d/3d``: SegNet's decoder, with PyTorch's arguments and semantics.

``MaxUnpool2d(kernel_size, stride=None, padding=0)`` and ``forward(input, indices,
output_size=None)``: each value goes back to the position its ``MaxPool2d(...,
return_indices=True)`` took it from, zeros elsewhere (:func:`tconv.nn.functional.max_unpool2d`).

>>> import numpy as np
>>> from tconv.nn import MaxPool2d
>>> pool, unpool = MaxPool2d(2, return_indices=True), MaxUnpool2d(2)
>>> unpool
MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
>>> y, idx = pool(np.arange(16.0).reshape(1, 1, 4, 4))
>>> unpool(y, idx).data[0, 0]
array([[ 0.,  0.,  0.,  0.],
       [ 0.,  5.,  0.,  7.],
       [ 0.,  0.,  0.,  0.],
       [ 0., 13.,  0., 15.]])
"""
from __future__ import annotations

from ...geometry import as_tuple
from .. import functional as F
from ..module import Module

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _MaxUnpoolNd(Module):
    _ndim = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self._ndim                         # tuples, as PyTorch's _single/_pair/_triple
        self.kernel_size = as_tuple("kernel_size", kernel_size, n, minimum=1)
        self.stride = as_tuple("stride", stride if stride is not None else kernel_size, n, minimum=1)
        self.padding = as_tuple("padding", padding, n, minimum=0)

    def forward(self, input, indices, output_size=None):
        unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self._ndim - 1]
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``MaxUnpool1d(kernel_size, stride=None, padding=0)``: ``(N, C, L)`` -> ``(N, C, L_out)``."""

    _ndim = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """``MaxUnpool2d(kernel_size, stride=None, padding=0)``: ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)``."""

    _ndim = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """``MaxUnpool3d(kernel_size, stride=None, padding=0)``: ``(N, C, D, H, W)`` -> ``(N, C, D_out, H_out, W_out)``."""

    _ndim = 3
