"""Focal loss (Lin et al. 2017), as MONAI's ``FocalLoss``: cross-entropy that down-weights easy pixels.

With ``p_t`` the probability given to the true label (``p`` where ``g = 1``, ``1 - p`` where
``g = 0``), the focal loss of one element is

    FL = -(1 - p_t)^gamma log(p_t)        (times alpha_t = alpha g + (1 - alpha)(1 - g) if alpha is set)

``gamma = 0`` gives the binary cross-entropy. The input is always *logits*, and everything is
computed from them in log space so no ``exp`` overflows and no ``log(0)`` appears:

* sigmoid (default): ``-log(p_t)`` is ``binary_cross_entropy_with_logits(x, g)``, and
  ``(1 - p_t)^gamma = exp(gamma log sigmoid(-x (2 g - 1)))`` (MONAI's ``sigmoid_focal_loss``);
* ``use_softmax=True``: with ``log p = log_softmax(x)`` over the channels,
  ``FL = -sum over channels of g (1 - p)^gamma log p`` elementwise (MONAI's ``softmax_focal_loss``;
  ``alpha`` weighs channel 0 by ``1 - alpha`` and the others by ``alpha``).

Followed: monai/losses/focal_loss.py. Unlike MONAI, the input's dtype is kept (MONAI casts to
float32), and ``alpha`` with ``use_softmax=True`` and ``include_background=False`` is refused
(MONAI warns and drops ``alpha``).

>>> import numpy as np
>>> p = np.array([0.9, 0.8, 0.3, 0.1])
>>> logits = np.log(p / (1 - p)).reshape(1, 1, 4)                  # (B, C, W)
>>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
>>> round(focal_loss(logits, g, gamma=2.0).item(), 6)
0.150245
>>> round(focal_loss(logits, g, gamma=2.0, alpha=0.25).item(), 6)
0.037693
"""
from __future__ import annotations

import numpy as np

from ...nn import functional as F
from ..._checks import check_bool, check_number
from ._common import SegmentationLoss, as_input, as_target, check_weight, class_weights

__all__ = ["FocalLoss", "focal_loss"]


def _log_sigmoid(z):
    """``log(sigmoid(z)) = -softplus(-z)``, stable: ``binary_cross_entropy_with_logits(z, 1)`` is ``softplus(-z)``."""
    return -F.binary_cross_entropy_with_logits(z, np.ones(z.shape, z.dtype), reduction="none")


class FocalLoss(SegmentationLoss):
    """``FocalLoss(include_background=True, to_onehot_y=False, gamma=2.0, alpha=None, weight=None,
    reduction="mean", use_softmax=False)``: MONAI's focal loss layer, for logits; see :func:`focal_loss`.

    ``weight`` is kept as the buffer ``class_weight`` (MONAI's name).

    >>> import numpy as np
    >>> criterion = FocalLoss(to_onehot_y=True, use_softmax=True, gamma=0.0)
    >>> logits = np.zeros((1, 2, 2))                             # uniform: p = 1/2
    >>> bool(np.isclose(criterion(logits, np.array([[[0, 1]]])).item(), np.log(2) / 2))   # mean over C too
    True
    >>> FocalLoss(alpha=1.5)
    Traceback (most recent call last):
    ...
    ValueError: alpha=1.5 must be a finite number >= 0.0 and <= 1.0
    """

    def __init__(self, include_background=True, to_onehot_y=False, gamma=2.0, alpha=None, weight=None,
                 reduction="mean", use_softmax=False):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, reduction=reduction)
        self.gamma = check_number("gamma", gamma, minimum=0.0)
        self.alpha = None if alpha is None else check_number("alpha", alpha, minimum=0.0, maximum=1.0)
        self.use_softmax = check_bool("use_softmax", use_softmax)
        if self.use_softmax and self.alpha is not None and not self.include_background:
            raise ValueError(f"alpha={alpha} with use_softmax=True weighs the background channel by 1 - alpha, "
                             "but include_background=False drops it: pass alpha=None or include_background=True "
                             "(MONAI warns and ignores alpha here)")
        self.register_buffer("class_weight", check_weight(weight))

    def forward(self, input, target):
        x = as_input(input)
        g = as_target(target, x.shape, x.dtype, self.to_onehot_y)
        if not self.include_background and x.shape[1] > 1:
            x, g = x[:, 1:], g[:, 1:]
        n_spatial = x.ndim - 2
        gamma, alpha = self.gamma, self.alpha
        if self.use_softmax:
            if x.shape[1] == 1:
                raise ValueError("use_softmax=True needs at least 2 channels after include_background; there is 1 "
                                 "(a softmax over one channel is always 1, so the loss would be 0)")
            log_p = F.log_softmax(x, dim=1)
            loss = -((1.0 - log_p.exp()) ** gamma) * log_p * g
            if alpha is not None:
                channel_alpha = np.array([1.0 - alpha] + [alpha] * (x.shape[1] - 1), dtype=x.dtype)
                loss = loss * channel_alpha.reshape((-1,) + (1,) * n_spatial)
        else:
            bce = F.binary_cross_entropy_with_logits(x, g, reduction="none")      # -log p_t
            log_one_minus_pt = _log_sigmoid(-x * (2.0 * g - 1.0))
            loss = (log_one_minus_pt * gamma).exp() * bce
            if alpha is not None:
                loss = loss * (g * alpha + (1.0 - g) * (1.0 - alpha))
        w = class_weights(self.class_weight, g.shape[1], x.dtype)
        if w is not None:
            loss = loss * w.reshape((-1,) + (1,) * n_spatial)
        if self.reduction == "sum":
            return loss.mean(axis=tuple(range(2, x.ndim))).sum()
        if self.reduction == "mean":
            return loss.mean()
        return loss


def focal_loss(input, target, include_background=True, to_onehot_y=False, gamma=2.0, alpha=None, weight=None,
               reduction="mean", use_softmax=False):
    """Focal loss of logits ``input (B, C, *spatial)`` against ``target``, elementwise then reduced.

    ``target``: ``(B, C, *spatial)`` in [0, 1], or class ids ``(B, 1, *spatial)`` with
    ``to_onehot_y=True``. ``gamma >= 0``; ``alpha`` in [0, 1] or None; ``weight``: a number or
    one value >= 0 per remaining class, multiplying that channel's loss (ignored when one class
    remains, as MONAI). ``reduction``: ``"none"`` gives ``(B, C', *spatial)``; ``"mean"`` the
    mean of all elements; ``"sum"`` is MONAI's: the spatial *mean* of each image and channel,
    summed over batch and channels. The same as ``FocalLoss(...)(input, target)``.

    >>> import numpy as np
    >>> x = np.zeros((1, 2, 3))                                  # p = 1/2 everywhere
    >>> g = np.array([[[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]])
    >>> bool(np.isclose(focal_loss(x, g, gamma=0.0).item(), np.log(2)))         # gamma = 0: BCE
    True
    >>> bool(np.isclose(focal_loss(x, g, gamma=2.0).item(), np.log(2) / 4))     # (1 - 1/2)^2 log 2
    True
    >>> focal_loss(x, g, reduction="none").shape
    (1, 2, 3)
    """
    return FocalLoss(include_background=include_background, to_onehot_y=to_onehot_y, gamma=gamma, alpha=alpha,
                     weight=weight, reduction=reduction, use_softmax=use_softmax)(input, target)
