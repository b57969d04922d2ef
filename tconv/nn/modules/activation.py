"""Activation layers: ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``, ``Identity``.

Each forwards to :mod:`tconv.nn.functional`. ``inplace=`` is accepted for compatibility with
PyTorch code and has no effect (tconv never modifies a tensor in place).

>>> from tconv import Tensor
>>> ReLU()(Tensor([-1.0, 2.0]))
Tensor([0., 2.])
>>> LeakyReLU(0.1)
LeakyReLU(negative_slope=0.1)
"""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Identity"]


class ReLU(Module):
    """``max(x, 0)`` elementwise.

    Any shape in, the same shape out.

    >>> from tconv import Tensor
    >>> ReLU()(Tensor([[-1.0, 2.0], [3.0, -4.0]]))
    Tensor([[0., 2.],
            [3., 0.]])
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for ``x > 0``, else ``negative_slope * x``.

    >>> from tconv import Tensor
    >>> LeakyReLU(0.1)(Tensor([-10.0, 2.0]))
    Tensor([-1.,  2.])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, computed without overflow.

    >>> from tconv import Tensor
    >>> Sigmoid()(Tensor([0.0, 1000.0, -1000.0]))
    Tensor([0.5, 1. , 0. ])
    """

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh(x)``.

    >>> from tconv import Tensor
    >>> Tanh()(Tensor([0.0, 1000.0]))
    Tensor([0., 1.])
    """

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """Softmax along ``dim`` (the class axis, 1, for segmentation logits ``(N, K, H, W)``).

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> Softmax(dim=1)(Tensor(np.zeros((1, 4, 2, 2)))).data[0, :, 0, 0]   # sums to 1 over K
    array([0.25, 0.25, 0.25, 0.25])
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim``, computed with the log-sum-exp trick.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> y = LogSoftmax(dim=0)(Tensor([1.0, 1.0]))
    >>> bool(np.allclose(y.data, np.log(0.5)))
    True
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for an optional skip connection).

    Constructor arguments are accepted and ignored, as in PyTorch.

    >>> from tconv import Tensor
    >>> x = Tensor([1.0])
    >>> Identity(54, unused=True)(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
