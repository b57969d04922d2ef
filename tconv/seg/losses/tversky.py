"""Tversky loss (MONAI's ``TverskyLoss``) and the F-beta loss (``segmentation_models``' ``f_score``).

With ``tp = sum(p g)``, ``fp = sum(p (1 - g))``, ``fn = sum((1 - p) g)`` over the reduction axes:

    Tversky score = tp / (tp + alpha fp + beta fn)          (alpha weighs false positives)
    F-beta score  = (1 + beta^2) tp / ((1 + beta^2) tp + beta^2 fn + fp)

Both are Dice's generalisation: alpha = beta = 1/2 (Tversky) and beta = 1 (F-beta) give Dice.
Dividing the F-beta score through by ``1 + beta^2`` shows it *is* a Tversky score, with
``alpha = 1 / (1 + beta^2)`` and ``beta_T = beta^2 / (1 + beta^2)``; the tests check that.

Followed: monai/losses/tversky.py (``TverskyLoss``) and, for F-beta, which MONAI lacks,
qubvel/segmentation_models segmentation_models/base/functional.py (``f_score``: one
``smooth`` added to numerator and denominator, class weights multiplying the score), with
MONAI's input handling.

>>> import numpy as np
>>> p = np.array([[[0.9, 0.8, 0.3, 0.1]]])          # (B, C, W): tp = 2, fp = 0.1, fn = 1
>>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
>>> round(1 - tversky_loss(p, g, alpha=0.3, beta=0.7, smooth_nr=0.0, smooth_dr=0.0).item(), 6)
0.732601
>>> round(1 - fbeta_loss(p, g, beta=2.0, smooth=0.0).item(), 6)    # 10 / (10 + 4 + 0.1)
0.70922
"""
from __future__ import annotations

from ..._checks import check_number
from ._common import ProbabilityLoss, check_weight, class_weights, reduce, reduction_axes

__all__ = ["TverskyLoss", "tversky_loss", "FBetaLoss", "fbeta_loss"]


class TverskyLoss(ProbabilityLoss):
    """``TverskyLoss(include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
    alpha=0.5, beta=0.5, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False)``: MONAI's
    Tversky loss layer; see :func:`tversky_loss`.

    >>> import numpy as np
    >>> criterion = TverskyLoss(alpha=0.3, beta=0.7, smooth_nr=0.0, smooth_dr=0.0)
    >>> round(criterion(np.array([[[0.9, 0.8, 0.3, 0.1]]]), np.array([[[1.0, 1.0, 1.0, 0.0]]])).item(), 6)
    0.267399
    >>> TverskyLoss(alpha=-0.1)
    Traceback (most recent call last):
    ...
    ValueError: alpha=-0.1 must be a finite number >= 0.0
    """

    def __init__(self, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
                 alpha=0.5, beta=0.5, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                         softmax=softmax, other_act=other_act, reduction=reduction, batch=batch)
        self.alpha = check_number("alpha", alpha, minimum=0.0)
        self.beta = check_number("beta", beta, minimum=0.0)
        self.smooth_nr = check_number("smooth_nr", smooth_nr, minimum=0.0)
        self.smooth_dr = check_number("smooth_dr", smooth_dr, minimum=0.0)

    def forward(self, input, target):
        p, g = self.prepare(input, target)
        axes = reduction_axes(p.ndim, self.batch)
        tp = (p * g).sum(axis=axes)
        fp = (p * (1.0 - g)).sum(axis=axes)
        fn = ((1.0 - p) * g).sum(axis=axes)
        score = (tp + self.smooth_nr) / (tp + self.alpha * fp + self.beta * fn + self.smooth_dr)
        return reduce(1.0 - score, self.reduction)


def tversky_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                 other_act=None, alpha=0.5, beta=0.5, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5,
                 batch=False):
    """Tversky loss ``1 - (tp + smooth_nr) / (tp + alpha fp + beta fn + smooth_dr)`` per image and class.

    ``alpha`` (>= 0) weighs false positives, ``beta`` (>= 0) false negatives (Salehi et al. 2017).
    Inputs, targets, activations and ``batch`` as :func:`~tconv.seg.losses.dice.dice_loss`.
    ``reduction="none"`` returns MONAI's ``(B, C')`` (``(C',)`` with ``batch=True``). The same as
    ``TverskyLoss(...)(input, target)``.

    >>> import numpy as np
    >>> p = np.array([[[0.9, 0.8, 0.3, 0.1]]])
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(tversky_loss(p, g, alpha=0.7, beta=0.3, smooth_nr=0.0, smooth_dr=0.0).item(), 6)  # 1 - 2 / 2.37
    0.156118
    >>> tversky_loss(np.ones((2, 3, 4)), np.ones((2, 3, 4)), reduction="none").shape
    (2, 3)
    """
    return TverskyLoss(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                       softmax=softmax, other_act=other_act, alpha=alpha, beta=beta, reduction=reduction,
                       smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch)(input, target)


class FBetaLoss(ProbabilityLoss):
    """``FBetaLoss(beta=1.0, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
    other_act=None, reduction="mean", smooth=1e-5, batch=False, weight=None)``: see :func:`fbeta_loss`
    (``segmentation_models``' F-score convention with MONAI-style input handling).

    >>> import numpy as np
    >>> criterion = FBetaLoss(beta=2.0, sigmoid=True, smooth=0.0)
    >>> round(criterion(np.zeros((1, 1, 2)), np.array([[[1.0, 0.0]]])).item(), 6)   # 1 - 2.5 / (2.5 + 2 + 0.5)
    0.5
    """

    def __init__(self, beta=1.0, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                 other_act=None, reduction="mean", smooth=1e-5, batch=False, weight=None):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                         softmax=softmax, other_act=other_act, reduction=reduction, batch=batch)
        self.beta = check_number("beta", beta, minimum=0.0)
        self.smooth = check_number("smooth", smooth, minimum=0.0)
        self.register_buffer("class_weight", check_weight(weight))

    def forward(self, input, target):
        p, g = self.prepare(input, target)
        axes = reduction_axes(p.ndim, self.batch)
        tp = (p * g).sum(axis=axes)
        fp = p.sum(axis=axes) - tp
        fn = g.sum(axis=axes) - tp
        b2 = self.beta * self.beta
        score = ((1.0 + b2) * tp + self.smooth) / ((1.0 + b2) * tp + b2 * fn + fp + self.smooth)
        w = class_weights(self.class_weight, g.shape[1], p.dtype, skip_one_class=False)   # segmentation_models
        if w is not None:
            score = score * w
        return reduce(1.0 - score, self.reduction, none_ndim=p.ndim)


def fbeta_loss(input, target, beta=1.0, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
               other_act=None, reduction="mean", smooth=1e-5, batch=False, weight=None):
    """F-beta loss ``1 - w_c ((1 + b^2) tp + smooth) / ((1 + b^2) tp + b^2 fn + fp + smooth)`` per image and class.

    MONAI has no F-beta loss; the formula, the single ``smooth`` (default ``1e-5``) and the
    class weights follow ``segmentation_models``' ``f_score``, where the weights multiply the
    *score* (``1 - w_c F_c``; MONAI's Dice multiplies the loss, ``w_c (1 - F_c)``), even when
    only one class remains (MONAI's losses skip the weight then). ``beta``
    (>= 0) weighs recall: ``beta > 1`` penalises false negatives more, ``beta = 1`` is Dice,
    ``beta = 0`` is precision. The input handling (activation flags, ``to_onehot_y``,
    ``include_background``, ``batch``, ``reduction``) is MONAI's, as in
    :func:`~tconv.seg.losses.dice.dice_loss`, and ``reduction="none"`` has Dice's shape
    ``(B, C', 1, ..., 1)``. ``segmentation_models``' default ``per_image=False`` is ``batch=True``. The same as
    ``FBetaLoss(...)(input, target)``.

    >>> import numpy as np
    >>> p = np.array([[[0.9, 0.8, 0.3, 0.1]]])
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(1 - fbeta_loss(p, g, beta=0.5, smooth=0.0).item(), 6)     # 2.5 / (2.5 + 0.25 + 0.1)
    0.877193
    """
    return FBetaLoss(beta=beta, include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                     softmax=softmax, other_act=other_act, reduction=reduction, smooth=smooth, batch=batch,
                     weight=weight)(input, target)
