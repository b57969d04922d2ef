"""Dice + cross-entropy and Dice + focal: MONAI's ``DiceCELoss`` and ``DiceFocalLoss``.

    DiceCE    = lambda_dice * Dice + lambda_ce * CE
    DiceFocal = lambda_dice * Dice + lambda_focal * Focal

The activation flags (``sigmoid``, ``softmax``, ``other_act``) apply to the Dice term only; the
cross-entropy and focal terms always take the raw logits. The cross-entropy term, as MONAI:

* one input channel: ``binary_cross_entropy_with_logits`` with ``pos_weight=weight``;
* ``C >= 2`` channels and class ids ``(B, 1, *spatial)``: ``cross_entropy`` with class ``weight``;
* ``C >= 2`` channels and a one-hot (or soft) target ``(B, C, *spatial)``: PyTorch's
  cross-entropy with class *probabilities*, ``-sum_c w_c g_c log_softmax(x)_c`` per pixel, whose
  ``"mean"`` divides by the number of pixels (not by the summed weights, as with class ids).
  :func:`tconv.nn.functional.cross_entropy` takes class ids only, so this case is written here
  from ``log_softmax``.

Followed: monai/losses/dice.py (``DiceCELoss``, ``DiceFocalLoss``). Not supported: MONAI's
``label_smoothing`` (``cross_entropy`` has none).

>>> import numpy as np
>>> logits = np.zeros((1, 2, 2, 2))                       # (B, C, H, W): p = 1/2 everywhere
>>> labels = np.array([[[[0, 1], [1, 1]]]])               # (B, 1, H, W) class ids
>>> loss = dice_ce_loss(logits, labels, to_onehot_y=True, softmax=True, lambda_dice=0.0)
>>> bool(np.isclose(loss.item(), np.log(2)))              # the cross-entropy alone
True
"""
from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor
from ...nn import functional as F
from ...nn.module import Module
from ..._checks import check_number
from ._common import as_input, as_target, check_reduction, check_weight, class_weights
from .dice import dice_loss, store_dice_settings
from .focal import check_focal_settings, focal_loss

__all__ = ["dice_ce_loss", "DiceCELoss", "dice_focal_loss", "DiceFocalLoss"]


def _target_layout(x, target) -> np.ndarray:
    """MONAI's checks of the compound losses: same number of axes, and 1 or C target channels."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.ndim != x.ndim:
        hint = "; add the channel axis: target[:, None]" if labels.shape == x.shape[:1] + x.shape[2:] else ""
        raise ValueError(f"target has shape {labels.shape} and input {x.shape}: they need the same number of "
                         f"axes (class ids as (B, 1, *spatial), or one-hot as (B, C, *spatial){hint})")
    if labels.shape[1] not in (1, x.shape[1]):
        raise ValueError(f"target has {labels.shape[1]} channels; the input has C={x.shape[1]}, so the target "
                         "needs 1 (class ids) or C (one-hot) channels")
    return labels


def _probability_cross_entropy(x, g, weight, reduction):
    """Cross-entropy with class probabilities ``g (B, C, *spatial)``: ``-sum_c w_c g_c log_softmax(x)_c``."""
    if weight is not None:
        g = g * weight.reshape((1, -1) + (1,) * (x.ndim - 2))
    per_pixel = -(F.log_softmax(x, dim=1) * g).sum(axis=1)
    return per_pixel.mean() if reduction == "mean" else per_pixel.sum()


def _check_lambdas(**lambdas):
    for name, value in lambdas.items():
        check_number(name, value, minimum=0.0)


def dice_ce_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                 other_act=None, squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5,
                 smooth_dr=1e-5, batch=False, weight=None, lambda_dice=1.0, lambda_ce=1.0):
    """``lambda_dice * dice_loss + lambda_ce * cross-entropy`` of logits ``input (B, C, *spatial)``.

    ``target``: class ids ``(B, 1, *spatial)`` (with ``to_onehot_y=True`` when C >= 2) or
    ``(B, C, *spatial)`` in [0, 1]. ``reduction``: ``"mean"`` or ``"sum"`` only (the two terms
    have different ``"none"`` shapes). ``weight``: one value >= 0 per class, used by both terms
    (class weights of the cross-entropy, ``pos_weight`` when C = 1; the Dice term drops the
    background's weight when ``include_background=False``). The Dice arguments are
    :func:`~tconv.seg.losses.dice.dice_loss`'s; see the module docstring for the CE term.

    >>> import numpy as np
    >>> p = np.array([0.9, 0.8, 0.3, 0.1])
    >>> logits = np.log(p / (1 - p)).reshape(1, 1, 4)        # one channel: BCE
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(dice_ce_loss(logits, g, lambda_dice=0.0).item(), 6)
    0.409459
    """
    check_reduction(reduction, ("mean", "sum"))
    _check_lambdas(lambda_dice=lambda_dice, lambda_ce=lambda_ce)
    weight = check_weight(weight)
    x = as_input(input)
    labels = _target_layout(x, target)
    channels = x.shape[1]
    if weight is not None and weight.ndim == 1 and weight.shape[0] != channels:
        raise ValueError(f"weight has {weight.shape[0]} values; DiceCELoss needs one per class, C={channels}, "
                         "background included (the cross-entropy term uses every class)")
    dice_weight = weight
    if weight is not None and weight.ndim == 1 and not include_background and channels > 1:
        dice_weight = weight[1:]                     # the Dice term has no background channel
    dice = dice_loss(x, labels, include_background, to_onehot_y, sigmoid, softmax, other_act, squared_pred,
                     jaccard, reduction, smooth_nr, smooth_dr, batch, dice_weight)
    if channels == 1:
        pos_weight = None if weight is None else np.broadcast_to(weight, (1,)).astype(x.dtype)
        ce = F.binary_cross_entropy_with_logits(x, labels.astype(x.dtype), pos_weight=pos_weight,
                                                reduction=reduction)
    else:
        w = class_weights(weight, channels, x.dtype)
        if labels.shape[1] == 1:        # class ids, already checked by dice_loss (to_onehot_y=True)
            ce = F.cross_entropy(x, labels[:, 0].astype(np.int64), weight=w, reduction=reduction)
        else:
            ce = _probability_cross_entropy(x, as_target(labels, x.shape, x.dtype, False), w, reduction)
    return lambda_dice * dice + lambda_ce * ce


class DiceCELoss(Module):
    """``DiceCELoss(include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
    squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False,
    weight=None, lambda_dice=1.0, lambda_ce=1.0)``: MONAI's Dice + cross-entropy layer; see :func:`dice_ce_loss`.

    >>> import numpy as np
    >>> criterion = DiceCELoss(to_onehot_y=True, softmax=True)
    >>> loss = criterion(np.zeros((2, 3, 4, 4)), np.zeros((2, 1, 4, 4), np.int64))
    >>> loss.shape
    ()
    >>> DiceCELoss(reduction="none")
    Traceback (most recent call last):
    ...
    ValueError: reduction='none' must be one of ('mean', 'sum')
    """

    def __init__(self, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
                 squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False,
                 weight=None, lambda_dice=1.0, lambda_ce=1.0):
        super().__init__()
        check_reduction(reduction, ("mean", "sum"))
        _check_lambdas(lambda_dice=lambda_dice, lambda_ce=lambda_ce)
        store_dice_settings(self, include_background, to_onehot_y, sigmoid, softmax, other_act, squared_pred, jaccard,
                            reduction, smooth_nr, smooth_dr, batch)
        self.lambda_dice = float(lambda_dice)
        self.lambda_ce = float(lambda_ce)
        self.register_buffer("weight", check_weight(weight))

    def forward(self, input, target):
        return dice_ce_loss(input, target, self.include_background, self.to_onehot_y, self.sigmoid, self.softmax,
                            self.other_act, self.squared_pred, self.jaccard, self.reduction, self.smooth_nr,
                            self.smooth_dr, self.batch, self.weight, self.lambda_dice, self.lambda_ce)


def dice_focal_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                    other_act=None, squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5,
                    smooth_dr=1e-5, batch=False, gamma=2.0, weight=None, lambda_dice=1.0, lambda_focal=1.0,
                    alpha=None):
    """``lambda_dice * dice_loss + lambda_focal * focal_loss`` of logits ``input (B, C, *spatial)``.

    ``target`` as :func:`dice_ce_loss`. ``include_background``, ``weight`` (one value per
    remaining class) and ``reduction`` go to both terms; ``gamma`` and ``alpha`` to the
    (sigmoid) focal term, which takes the raw logits; the activation flags and the other
    arguments to the Dice term. ``reduction="none"`` adds Dice's ``(B, C', 1, ..., 1)`` to the
    focal ``(B, C', *spatial)``, broadcasting, as MONAI.

    >>> import numpy as np
    >>> p = np.array([0.9, 0.8, 0.3, 0.1])
    >>> logits = np.log(p / (1 - p)).reshape(1, 1, 4)
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(dice_focal_loss(logits, g, lambda_dice=0.0).item(), 6)       # the focal term alone
    0.150245
    """
    check_reduction(reduction)
    _check_lambdas(lambda_dice=lambda_dice, lambda_focal=lambda_focal)
    x = as_input(input)
    labels = _target_layout(x, target)
    onehot = as_target(labels, x.shape, x.dtype, to_onehot_y)
    dice = dice_loss(x, onehot, include_background, False, sigmoid, softmax, other_act, squared_pred, jaccard,
                     reduction, smooth_nr, smooth_dr, batch, weight)
    focal = focal_loss(x, onehot, include_background, False, gamma, alpha, weight, reduction)
    return lambda_dice * dice + lambda_focal * focal


class DiceFocalLoss(Module):
    """``DiceFocalLoss(include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
    squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False, gamma=2.0,
    weight=None, lambda_dice=1.0, lambda_focal=1.0, alpha=None)``: MONAI's Dice + focal layer; see
    :func:`dice_focal_loss`.

    >>> import numpy as np
    >>> criterion = DiceFocalLoss(to_onehot_y=True, softmax=True, lambda_focal=0.5)
    >>> float(criterion(np.zeros((1, 2, 4)), np.array([[[0, 0, 1, 1]]])).item()) > 0
    True
    >>> DiceFocalLoss(lambda_focal=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: lambda_focal=-1.0 must be a finite number >= 0.0
    """

    def __init__(self, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
                 squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False,
                 gamma=2.0, weight=None, lambda_dice=1.0, lambda_focal=1.0, alpha=None):
        super().__init__()
        _check_lambdas(lambda_dice=lambda_dice, lambda_focal=lambda_focal)
        store_dice_settings(self, include_background, to_onehot_y, sigmoid, softmax, other_act, squared_pred, jaccard,
                            reduction, smooth_nr, smooth_dr, batch)
        check_focal_settings(include_background, to_onehot_y, gamma, alpha, reduction, False)
        self.gamma = float(gamma)
        self.lambda_dice = float(lambda_dice)
        self.lambda_focal = float(lambda_focal)
        self.alpha = None if alpha is None else float(alpha)
        self.register_buffer("class_weight", check_weight(weight))

    def forward(self, input, target):
        return dice_focal_loss(input, target, self.include_background, self.to_onehot_y, self.sigmoid, self.softmax,
                               self.other_act, self.squared_pred, self.jaccard, self.reduction, self.smooth_nr,
                               self.smooth_dr, self.batch, self.gamma, self.class_weight, self.lambda_dice,
                               self.lambda_focal, self.alpha)
