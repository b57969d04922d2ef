"""``Parameter``: a tensor that a :class:`~tconv.nn.Module` registers as trainable.

Assigning a ``Parameter`` to a module attribute (``self.weight = Parameter(...)``) adds it to
``parameters()`` and ``state_dict()``; a plain :class:`~tconv.autograd.Tensor` attribute is
not registered. A ``Parameter`` requires grad by default and is a leaf, so ``backward``
leaves its gradient in ``.grad`` for the optimizer.

>>> import numpy as np
>>> w = Parameter(np.zeros((2, 3), np.float32))
>>> w.requires_grad, w.is_leaf, w.shape
(True, True, (2, 3))
"""
from __future__ import annotations

from ..autograd import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """``Parameter(data, requires_grad=True)``: wraps ``data`` (a float ndarray is shared, not copied).

    >>> import numpy as np
    >>> Parameter(np.array([1.0, 2.0]))
    Parameter containing:
    Tensor([1., 2.], requires_grad=True)
    >>> Parameter(np.zeros(2), requires_grad=False).requires_grad
    False
    """

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
