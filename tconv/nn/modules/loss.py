"""Loss layers ``CrossEntropyLoss`` and ``BCEWithLogitsLoss`` (wrappers of :mod:`tconv.nn.functional`).

As in PyTorch, the optional ``weight`` (per class) and ``pos_weight`` arrays are registered
as buffers, so they appear in ``state_dict`` when given.

>>> import numpy as np
>>> from tconv import Tensor
>>> loss = CrossEntropyLoss()
>>> logits = Tensor(np.zeros((1, 3, 2, 2)))           # (N, classes, H, W), uniform prediction
>>> round(float(loss(logits, np.zeros((1, 2, 2), np.int64)).data), 6) == round(float(np.log(3)), 6)
True
"""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["CrossEntropyLoss", "BCEWithLogitsLoss"]


class CrossEntropyLoss(Module):
    """``CrossEntropyLoss(weight=None, ignore_index=-100, reduction="mean")``: logits ``(N, C, *spatial)``,
    class-index targets ``(N, *spatial)``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> criterion = CrossEntropyLoss(weight=np.array([1.0, 3.0]))
    >>> list(criterion.state_dict())
    ['weight']
    >>> logits = Tensor(np.zeros((1, 2, 2, 2)))           # (N, C, H, W)
    >>> target = np.array([[[0, 1], [1, -100]]])           # (N, H, W); -100 is ignored
    >>> bool(np.isclose(criterion(logits, target).item(), np.log(2)))
    True
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__()
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction)


class BCEWithLogitsLoss(Module):
    """``BCEWithLogitsLoss(weight=None, reduction="mean", pos_weight=None)``: sigmoid + binary
    cross-entropy in one numerically stable step (binary segmentation).

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> criterion = BCEWithLogitsLoss(pos_weight=np.array([2.0]))
    >>> loss = criterion(Tensor(np.zeros((1, 1, 2, 2))), np.ones((1, 1, 2, 2)))   # (N, 1, H, W) mask
    >>> bool(np.isclose(loss.item(), 2 * np.log(2)))      # pos_weight * log(1 + e^0)
    True
    """

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__()
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.reduction = reduction

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.pos_weight, self.reduction)
