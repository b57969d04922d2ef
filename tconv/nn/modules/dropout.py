"""``Dropout``: randomly zero activations while training (inverted dropout), identity in eval.

>>> import numpy as np
>>> from tconv import Tensor
>>> drop = Dropout(0.5, rng=np.random.default_rng(0))
>>> sorted(set(drop(Tensor(np.ones(100))).data.tolist()))
[0.0, 2.0]
>>> drop.eval()(Tensor(np.ones(3)))
Tensor([1., 1., 1.])
"""
from __future__ import annotations

import numbers

from .. import functional as F
from ..module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """``Dropout(p=0.5, inplace=False, *, rng=None)``: each element is zeroed with probability ``p``
    in training mode and the survivors scaled by ``1 / (1 - p)``.

    ``rng`` (a :class:`numpy.random.Generator`) gives the layer its own random stream; without
    it the masks come from the default generator (:func:`tconv.manual_seed`). ``inplace`` is
    accepted for PyTorch compatibility and ignored.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> drop = Dropout(0.25, rng=np.random.default_rng(1))
    >>> drop
    Dropout(p=0.25, inplace=False)
    >>> y = drop(Tensor(np.ones((2, 8))))                  # same shape as the input
    >>> y.shape, set(y.data.ravel().tolist()) <= {0.0, 4 / 3}
    ((2, 8), True)
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, rng=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.rng = rng

    def forward(self, input):
        return F.dropout(input, self.p, self.training, rng=self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
