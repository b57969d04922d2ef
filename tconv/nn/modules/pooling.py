"""Pooling layers ``MaxPool1d/2d/3d`` and ``AvgPool1d/2d/3d`` (arguments and reprs as PyTorch).

``stride`` defaults to ``kernel_size`` (non-overlapping windows, U-Net's 2x2 down-sampling).
Output size per axis: ``floor((i + 2p - d(k-1) - 1) / s) + 1`` (``ceil`` with ``ceil_mode``).

>>> import numpy as np
>>> from tconv import Tensor
>>> pool = MaxPool2d(2)
>>> pool
MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
>>> pool(Tensor(np.arange(16.0).reshape(1, 1, 4, 4))).data[0, 0]
array([[ 5.,  7.],
       [13., 15.]])
"""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d"]


def _single(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class _MaxPoolNd(Module):
    _ndim = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        convert = _single if self._ndim == 1 else (lambda v: v)
        self.kernel_size = convert(kernel_size)
        self.stride = convert(stride if stride is not None else kernel_size)
        self.padding = convert(padding)
        self.dilation = convert(dilation)
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        pool = getattr(F, f"max_pool{self._ndim}d")
        return pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                    ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class _AvgPoolNd(Module):
    _ndim = 2

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        convert = _single if self._ndim == 1 else (lambda v: v)
        self.kernel_size = convert(kernel_size)
        self.stride = convert(stride if stride is not None else kernel_size)
        self.padding = convert(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        pool = getattr(F, f"avg_pool{self._ndim}d")
        return pool(input, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode,
                    count_include_pad=self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_MaxPoolNd):
    """Max over windows of an ``(N, C, L)`` input.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> MaxPool1d(2)(Tensor(np.array([[[1.0, 3.0, 2.0, 5.0]]])))    # (1, 1, 4) -> (1, 1, 2)
    Tensor([[[3., 5.]]])
    """

    _ndim = 1


class MaxPool2d(_MaxPoolNd):
    """Max over windows of an ``(N, C, H, W)`` input; padding counts as ``-inf``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> out, idx = MaxPool2d(2, return_indices=True)(Tensor(np.arange(16.0).reshape(1, 1, 4, 4)))
    >>> idx[0, 0]                                    # flat positions h * W + w of each window's max
    array([[ 5,  7],
           [13, 15]])
    """

    _ndim = 2


class MaxPool3d(_MaxPoolNd):
    """Max over windows of an ``(N, C, D, H, W)`` input.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> MaxPool3d(2)(Tensor(np.zeros((1, 1, 4, 4, 4)))).shape
    (1, 1, 2, 2, 2)
    """

    _ndim = 3


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of an ``(N, C, L)`` input.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> pool = AvgPool1d(2)
    >>> pool
    AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    >>> pool(Tensor(np.array([[[1.0, 3.0, 2.0, 6.0]]])))
    Tensor([[[2., 4.]]])
    """

    _ndim = 1


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of an ``(N, C, H, W)`` input (``count_include_pad`` as in PyTorch).

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> AvgPool2d(2)(Tensor(np.arange(16.0).reshape(1, 1, 4, 4))).data[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """

    _ndim = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over windows of an ``(N, C, D, H, W)`` input.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> AvgPool3d(2)(Tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2)))
    Tensor([[[[[3.5]]]]])
    """

    _ndim = 3
