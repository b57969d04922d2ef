"""``Linear`` and ``Flatten``: a classifier's head, with PyTorch's names, layouts and initialisation.

``Linear(in_features, out_features, bias=True)``: weight ``(out_features, in_features)``,
bias ``(out_features,)``, both from U(-1/sqrt(in_features), 1/sqrt(in_features)) as PyTorch
(``kaiming_uniform_(a=sqrt(5))``). ``Flatten(start_dim=1, end_dim=-1)`` joins axes.
A classifier ``conv -> Flatten -> Linear`` only takes one input size; FCN rewrites each
``Linear`` as a convolution (:func:`tconv.nn.convolutionize`) so that it takes any.

>>> import numpy as np
>>> from tconv.nn import Sequential
>>> head = Sequential(Flatten(), Linear(3 * 2 * 2, 5))
>>> head
Sequential(
  (0): Flatten(start_dim=1, end_dim=-1)
  (1): Linear(in_features=12, out_features=5, bias=True)
)
>>> head(np.zeros((4, 3, 2, 2), np.float32)).shape
(4, 5)
"""
from __future__ import annotations

import math

import numpy as np

from ..._checks import check_int
from ...autograd.function import as_tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["Linear", "Flatten"]


class Linear(Module):
    """``Linear(in_features, out_features, bias=True, *, dtype=None, rng=None)``: ``(*, in) -> (*, out)``."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, dtype=None, rng=None):
        super().__init__()
        self.in_features = check_int("in_features", in_features, minimum=1)
        self.out_features = check_int("out_features", out_features, minimum=1)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype)) if bias else None
        self.reset_parameters(rng)

    def reset_parameters(self, rng=None) -> None:
        """PyTorch's default: ``kaiming_uniform_(weight, a=sqrt(5))`` and the bias from U(-1/sqrt(in), 1/sqrt(in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """``Flatten(start_dim=1, end_dim=-1)``: axes ``start_dim`` to ``end_dim`` joined into one.

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4, 5))).shape, Flatten(0, 1)(np.zeros((2, 3, 4))).shape
    ((2, 60), (6, 4))
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = check_int("start_dim", start_dim)
        self.end_dim = check_int("end_dim", end_dim)

    def forward(self, input):
        x = as_tensor(input)
        ndim = x.ndim
        start, end = self.start_dim % ndim if ndim else 0, self.end_dim % ndim if ndim else 0
        if not (-ndim <= self.start_dim < ndim and -ndim <= self.end_dim < ndim) or start > end:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) does not fit an input "
                             f"with {ndim} axes (shape {x.shape})")
        shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
        return x.reshape(shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
