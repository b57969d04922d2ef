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

from ...nn.module import Module
from ..._checks import check_bool, check_number
from ._common import (check_activation, check_reduction, check_weight, class_weights, prepare, reduce, reduction_axes)

__all__ = ["tversky_loss", "TverskyLoss", "fbeta_loss", "FBetaLoss"]


def _check_tversky(include_background, to_onehot_y, sigmoid, softmax, other_act, alpha, beta, reduction, smooth_nr,
                   smooth_dr, batch):
    check_bool("include_background", include_background)
    check_bool("to_onehot_y", to_onehot_y)
    check_activation(sigmoid, softmax, other_act)
    check_number("alpha", alpha, minimum=0.0)
    check_number("beta", beta, minimum=0.0)
    check_reduction(reduction)
    check_number("smooth_nr", smooth_nr, minimum=0.0)
    check_number("smooth_dr", smooth_dr, minimum=0.0)
    check_bool("batch", batch)


def tversky_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                 other_act=None, alpha=0.5, beta=0.5, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5,
                 batch=False):
    """Tversky loss ``1 - (tp + smooth_nr) / (tp + alpha fp + beta fn + smooth_dr)`` per image and class.

    ``alpha`` (>= 0) weighs false positives, ``beta`` (>= 0) false negatives (Salehi et al. 2017).
    Inputs, targets, activations and ``batch`` as :func:`~tconv.seg.losses.dice.dice_loss`.
    ``reduction="none"`` returns MONAI's ``(B, C')`` (``(C',)`` with ``batch=True``).

    >>> import numpy as np
    >>> p = np.array([[[0.9, 0.8, 0.3, 0.1]]])
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(tversky_loss(p, g, alpha=0.7, beta=0.3, smooth_nr=0.0, smooth_dr=0.0).item(), 6)  # 1 - 2 / 2.37
    0.156118
    >>> tversky_loss(np.ones((2, 3, 4)), np.ones((2, 3, 4)), reduction="none").shape
    (2, 3)
    """
    _check_tversky(include_background, to_onehot_y, sigmoid, softmax, other_act, alpha, beta, reduction, smooth_nr,
                   smooth_dr, batch)
    p, g = prepare(input, target, sigmoid=sigmoid, softmax=softmax, other_act=other_act,
                   to_onehot_y=to_onehot_y, include_background=include_background)
    axes = reduction_axes(p.ndim, batch)
    tp = (p * g).sum(axis=axes)
    fp = (p * (1.0 - g)).sum(axis=axes)
    fn = ((1.0 - p) * g).sum(axis=axes)
    score = (tp + smooth_nr) / (tp + alpha * fp + beta * fn + smooth_dr)
    return reduce(1.0 - score, reduction)


class TverskyLoss(Module):
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
        super().__init__()
        _check_tversky(include_background, to_onehot_y, sigmoid, softmax, other_act, alpha, beta, reduction,
                       smooth_nr, smooth_dr, batch)
        self.include_background = include_background
        self.to_onehot_y = to_onehot_y
        self.sigmoid = sigmoid
        self.softmax = softmax
        self.other_act = other_act
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.reduction = reduction
        self.smooth_nr = float(smooth_nr)
        self.smooth_dr = float(smooth_dr)
        self.batch = batch

    def forward(self, input, target):
        return tversky_loss(input, target, self.include_background, self.to_onehot_y, self.sigmoid, self.softmax,
                            self.other_act, self.alpha, self.beta, self.reduction, self.smooth_nr, self.smooth_dr,
                            self.batch)


def _check_fbeta(beta, include_background, to_onehot_y, sigmoid, softmax, other_act, reduction, smooth, batch):
    check_number("beta", beta, minimum=0.0)
    check_bool("include_background", include_background)
    check_bool("to_onehot_y", to_onehot_y)
    check_activation(sigmoid, softmax, other_act)
    check_reduction(reduction)
    check_number("smooth", smooth, minimum=0.0)
    check_bool("batch", batch)


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
    ``(B, C', 1, ..., 1)``. ``segmentation_models``' default ``per_image=False`` is ``batch=True``.

    >>> import numpy as np
    >>> p = np.array([[[0.9, 0.8, 0.3, 0.1]]])
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(1 - fbeta_loss(p, g, beta=0.5, smooth=0.0).item(), 6)     # 2.5 / (2.5 + 0.25 + 0.1)
    0.877193
    """
    _check_fbeta(beta, include_background, to_onehot_y, sigmoid, softmax, other_act, reduction, smooth, batch)
    weight = check_weight(weight)
    p, g = prepare(input, target, sigmoid=sigmoid, softmax=softmax, other_act=other_act,
                   to_onehot_y=to_onehot_y, include_background=include_background)
    axes = reduction_axes(p.ndim, batch)
    tp = (p * g).sum(axis=axes)
    fp = p.sum(axis=axes) - tp
    fn = g.sum(axis=axes) - tp
    b2 = beta * beta
    score = ((1.0 + b2) * tp + smooth) / ((1.0 + b2) * tp + b2 * fn + fp + smooth)
    w = class_weights(weight, g.shape[1], p.dtype, skip_one_class=False)    # segmentation_models: always
    if w is not None:
        score = score * w
    return reduce(1.0 - score, reduction, none_ndim=p.ndim)


class FBetaLoss(Module):
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
        super().__init__()
        _check_fbeta(beta, include_background, to_onehot_y, sigmoid, softmax, other_act, reduction, smooth, batch)
        self.beta = float(beta)
        self.include_background = include_background
        self.to_onehot_y = to_onehot_y
        self.sigmoid = sigmoid
        self.softmax = softmax
        self.other_act = other_act
        self.reduction = reduction
        self.smooth = float(smooth)
        self.batch = batch
        self.register_buffer("class_weight", check_weight(weight))

    def forward(self, input, target):
        return fbeta_loss(input, target, self.beta, self.include_background, self.to_onehot_y, self.sigmoid,
                          self.softmax, self.other_act, self.reduction, self.smooth, self.batch, self.class_weight)
