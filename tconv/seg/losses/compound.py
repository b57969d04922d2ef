"""Dice + cross-entropy and Dice + focal: MONAI's ``DiceCELoss`` and ``DiceFocalLoss``.

    DiceCE    = lambda_dice * Dice + lambda_ce * CE
    DiceFocal = lambda_dice * Dice + lambda_focal * Focal

Each is built from its parts, as MONAI builds it: ``DiceCELoss`` holds a :class:`~.dice.DiceLoss`
(``.dice``) and a cross-entropy term (``.cross_entropy``); ``DiceFocalLoss`` a ``DiceLoss`` and a
:class:`~.focal.FocalLoss` (``.focal``). Every part checks the settings it uses when it is
built; the compound checks only its own (the ``lambda_*`` and, for DiceCE, ``reduction``).

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
from ..._checks import check_bool, check_choice, check_number
from ._common import as_input, as_target, check_weight, class_weights
from .dice import DiceLoss
from .focal import FocalLoss

__all__ = ["DiceCELoss", "dice_ce_loss", "DiceFocalLoss", "dice_focal_loss"]


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


class CrossEntropyTerm(Module):
    """The cross-entropy term of :class:`DiceCELoss`, on logits ``x (B, C, *spatial)`` (MONAI's ``ce``/``bce``).

    ``weight`` (checked by :class:`DiceCELoss`, kept as the buffer ``weight``): class weights,
    or ``pos_weight`` for one channel; ``reduction``: ``"mean"`` or ``"sum"``. ``labels`` are
    class ids ``(B, 1, *spatial)`` or a one-hot (soft) target ``(B, C, *spatial)``.

    >>> import numpy as np
    >>> term = CrossEntropyTerm(None, "mean")
    >>> bool(np.isclose(term(np.zeros((1, 2, 3)), np.array([[[0, 1, 1]]])).item(), np.log(2)))
    True
    """

    def __init__(self, weight: np.ndarray | None, reduction: str):
        super().__init__()
        self.register_buffer("weight", weight)
        self.reduction = reduction

    def forward(self, x, labels: np.ndarray):
        x = as_input(x)
        channels = x.shape[1]
        if channels == 1:
            pos_weight = None if self.weight is None else np.broadcast_to(self.weight, (1,)).astype(x.dtype)
            return F.binary_cross_entropy_with_logits(x, labels.astype(x.dtype), pos_weight=pos_weight,
                                                      reduction=self.reduction)
        w = class_weights(self.weight, channels, x.dtype)
        if labels.shape[1] == 1:        # class ids, checked by the Dice term (to_onehot_y=True)
            return F.cross_entropy(x, labels[:, 0].astype(np.int64), weight=w, reduction=self.reduction)
        g = as_target(labels, x.shape, x.dtype, False)     # class probabilities: -sum_c w_c g_c log_softmax(x)_c
        if w is not None:
            g = g * w.reshape((1, -1) + (1,) * (x.ndim - 2))
        per_pixel = -(F.log_softmax(x, dim=1) * g).sum(axis=1)
        return per_pixel.mean() if self.reduction == "mean" else per_pixel.sum()


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
        self.reduction = check_choice("reduction", reduction, ("mean", "sum"))   # the terms' "none" shapes differ
        weight = check_weight(weight)
        self.dice = DiceLoss(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                             softmax=softmax, other_act=other_act, squared_pred=squared_pred, jaccard=jaccard,
                             reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch,
                             weight=_dice_weight(weight, include_background))
        self.cross_entropy = CrossEntropyTerm(weight, reduction)
        self.lambda_dice = check_number("lambda_dice", lambda_dice, minimum=0.0)
        self.lambda_ce = check_number("lambda_ce", lambda_ce, minimum=0.0)

    def forward(self, input, target):
        x = as_input(input)
        labels = _target_layout(x, target)
        weight = self.cross_entropy.weight
        if weight is not None and weight.ndim == 1 and weight.shape[0] != x.shape[1]:
            raise ValueError(f"weight has {weight.shape[0]} values; DiceCELoss needs one per class, C={x.shape[1]}, "
                             "background included (the cross-entropy term uses every class)")
        return self.lambda_dice * self.dice(x, labels) + self.lambda_ce * self.cross_entropy(x, labels)


def _dice_weight(weight: np.ndarray | None, include_background: bool) -> np.ndarray | None:
    """DiceCE's class weights for its Dice term: without the background's when that channel is dropped.

    One weight for a one-channel input stays (the channel is kept; Dice then ignores weights).
    """
    if weight is None or weight.ndim == 0 or include_background or weight.shape[0] == 1:
        return weight
    return weight[1:]


def dice_ce_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                 other_act=None, squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5,
                 smooth_dr=1e-5, batch=False, weight=None, lambda_dice=1.0, lambda_ce=1.0):
    """``lambda_dice * dice_loss + lambda_ce * cross-entropy`` of logits ``input (B, C, *spatial)``.

    ``target``: class ids ``(B, 1, *spatial)`` (with ``to_onehot_y=True`` when C >= 2) or
    ``(B, C, *spatial)`` in [0, 1]. ``reduction``: ``"mean"`` or ``"sum"`` only (the two terms
    have different ``"none"`` shapes). ``weight``: one value >= 0 per class, used by both terms
    (class weights of the cross-entropy, ``pos_weight`` when C = 1; the Dice term drops the
    background's weight when ``include_background=False``). The Dice arguments are
    :func:`~tconv.seg.losses.dice.dice_loss`'s; see the module docstring for the CE term. The same as
    ``DiceCELoss(...)(input, target)``.

    >>> import numpy as np
    >>> p = np.array([0.9, 0.8, 0.3, 0.1])
    >>> logits = np.log(p / (1 - p)).reshape(1, 1, 4)        # one channel: BCE
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(dice_ce_loss(logits, g, lambda_dice=0.0).item(), 6)
    0.409459
    """
    return DiceCELoss(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                      softmax=softmax, other_act=other_act, squared_pred=squared_pred, jaccard=jaccard,
                      reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch, weight=weight,
                      lambda_dice=lambda_dice, lambda_ce=lambda_ce)(input, target)


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
        self.lambda_dice = check_number("lambda_dice", lambda_dice, minimum=0.0)
        self.lambda_focal = check_number("lambda_focal", lambda_focal, minimum=0.0)
        # The target is one-hot encoded once, here; the parts receive it encoded (MONAI's order).
        self.dice = DiceLoss(include_background=include_background, to_onehot_y=False, sigmoid=sigmoid,
                             softmax=softmax, other_act=other_act, squared_pred=squared_pred, jaccard=jaccard,
                             reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch,
                             weight=weight)
        self.focal = FocalLoss(include_background=include_background, to_onehot_y=False, gamma=gamma, alpha=alpha,
                               weight=weight, reduction=reduction)
        self.to_onehot_y = check_bool("to_onehot_y", to_onehot_y)
        self.reduction = reduction                                  # checked by both parts

    def forward(self, input, target):
        x = as_input(input)
        onehot = as_target(_target_layout(x, target), x.shape, x.dtype, self.to_onehot_y)
        return self.lambda_dice * self.dice(x, onehot) + self.lambda_focal * self.focal(x, onehot)


def dice_focal_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                    other_act=None, squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5,
                    smooth_dr=1e-5, batch=False, gamma=2.0, weight=None, lambda_dice=1.0, lambda_focal=1.0,
                    alpha=None):
    """``lambda_dice * dice_loss + lambda_focal * focal_loss`` of logits ``input (B, C, *spatial)``.

    ``target`` as :func:`dice_ce_loss`. ``include_background``, ``weight`` (one value per
    remaining class) and ``reduction`` go to both terms; ``gamma`` and ``alpha`` to the
    (sigmoid) focal term, which takes the raw logits; the activation flags and the other
    arguments to the Dice term. ``reduction="none"`` adds Dice's ``(B, C', 1, ..., 1)`` to the
    focal ``(B, C', *spatial)``, broadcasting, as MONAI. The same as ``DiceFocalLoss(...)(input, target)``.

    >>> import numpy as np
    >>> p = np.array([0.9, 0.8, 0.3, 0.1])
    >>> logits = np.log(p / (1 - p)).reshape(1, 1, 4)
    >>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
    >>> round(dice_focal_loss(logits, g, lambda_dice=0.0).item(), 6)       # the focal term alone
    0.150245
    """
    return DiceFocalLoss(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                         softmax=softmax, other_act=other_act, squared_pred=squared_pred, jaccard=jaccard,
                         reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch, gamma=gamma,
                         weight=weight, lambda_dice=lambda_dice, lambda_focal=lambda_focal, alpha=alpha)(input, target)
