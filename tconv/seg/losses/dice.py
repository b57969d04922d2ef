"""Soft Dice (and soft Jaccard) and the generalised Dice loss, as MONAI's ``DiceLoss`` and ``GeneralizedDiceLoss``.

For probabilities ``p`` and a target ``g`` of one image and class (after the shared steps of
:class:`~tconv.seg.losses._common.ProbabilityLoss`), summed over the reduction axes:

    tp = sum(p g)        Dice loss = 1 - (2 tp + smooth_nr) / (sum(p) + sum(g) + smooth_dr)

``squared_pred=True`` puts ``sum(p^2) + sum(g^2)`` in the denominator (V-Net, Milletari et al.
2016); ``jaccard=True`` divides ``2 tp + smooth_nr`` by twice the soft union,
``2 (sum(p) + sum(g) - tp) + smooth_dr`` (so the loss is ``1 - IoU`` without smoothing).
The gradients come from the autograd: the loss is built from Tensor sums, products and a division.

Followed: monai/losses/dice.py (``DiceLoss``, ``GeneralizedDiceLoss``) and
monai/losses/utils.py (``compute_tp_fp_fn``). Not supported: MONAI's ``soft_label`` option.

>>> import numpy as np
>>> from tconv import Tensor
>>> p = Tensor([[[0.9, 0.8, 0.3, 0.1]]], requires_grad=True)      # (B, C, W) = (1, 1, 4)
>>> g = np.array([[[1.0, 1.0, 1.0, 0.0]]])
>>> loss = dice_loss(p, g, smooth_nr=0.0, smooth_dr=0.0)            # 1 - 4 / 5.1
>>> round(loss.item(), 6)
0.215686
>>> loss.backward()                 # d/dp_i = -(2 g_i (sum p + sum g) - 2 tp) / (sum p + sum g)^2
>>> np.round(p.grad, 4)
array([[[-0.2384, -0.2384, -0.2384,  0.1538]]])
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_bool, check_choice, check_number
from ._common import ProbabilityLoss, check_weight, class_weights, reduce, reduction_axes

__all__ = ["DiceLoss", "dice_loss", "GeneralizedDiceLoss", "generalized_dice_loss"]

W_TYPES = ("square", "simple", "uniform")


class DiceLoss(ProbabilityLoss):
    """``DiceLoss(include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
    squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False,
    weight=None)``: MONAI's Dice loss layer; see :func:`dice_loss` for shapes and the formula.

    The settings are checked here, at construction; ``weight`` is kept as the buffer
    ``class_weight`` (MONAI's name).

    >>> import numpy as np
    >>> criterion = DiceLoss(sigmoid=True, smooth_nr=0.0, smooth_dr=0.0)
    >>> mask = np.array([[[[1.0, 0.0]]]])                        # (B, 1, H, W) binary mask
    >>> float(criterion(np.zeros((1, 1, 1, 2)), mask).item())   # 1 - 2 (1/2) / (1 + 1)
    0.5
    >>> DiceLoss(sigmoid=True, softmax=True)
    Traceback (most recent call last):
    ...
    ValueError: sigmoid=True and softmax=True: choose at most one activation (sigmoid, softmax, other_act)
    """

    def __init__(self, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
                 squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False,
                 weight=None):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                         softmax=softmax, other_act=other_act, reduction=reduction, batch=batch)
        self.squared_pred = check_bool("squared_pred", squared_pred)
        self.jaccard = check_bool("jaccard", jaccard)
        self.smooth_nr = check_number("smooth_nr", smooth_nr, minimum=0.0)
        self.smooth_dr = check_number("smooth_dr", smooth_dr, minimum=0.0)
        self.register_buffer("class_weight", check_weight(weight))

    def forward(self, input, target):
        p, g = self.prepare(input, target)
        axes = reduction_axes(p.ndim, self.batch)
        tp = (p * g).sum(axis=axes)
        if self.squared_pred:
            pred_o, ground_o = (p * p).sum(axis=axes), (g * g).sum(axis=axes)
        else:
            pred_o, ground_o = p.sum(axis=axes), g.sum(axis=axes)
        denominator = pred_o + ground_o                  # = 2 tp + fp + fn
        if self.jaccard:
            denominator = 2.0 * (denominator - tp)       # = 2 (tp + fp + fn), twice the soft union
        f = 1.0 - (2.0 * tp + self.smooth_nr) / (denominator + self.smooth_dr)
        w = class_weights(self.class_weight, g.shape[1], p.dtype)
        if w is not None:
            f = f * w
        return reduce(f, self.reduction, none_ndim=p.ndim)


def dice_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
              other_act=None, squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5,
              smooth_dr=1e-5, batch=False, weight=None):
    """Soft Dice loss ``1 - (2 tp + smooth_nr) / (sum p + sum g + smooth_dr)`` per image and class.

    ``input (B, C, *spatial)``: probabilities, or logits with ``sigmoid``/``softmax``/``other_act``.
    ``target``: one-hot or mask ``(B, C, *spatial)`` in [0, 1], or class ids ``(B, 1, *spatial)``
    with ``to_onehot_y=True``. ``weight``: a number or one value >= 0 per remaining class,
    multiplying each class's loss (``f_c * w_c``; ignored when one class remains, as MONAI).
    ``batch=True`` sums over the batch too (one score per class). ``reduction``: ``"mean"`` or
    ``"sum"`` over the scores, or ``"none"``: shape ``(B, C', 1, ..., 1)`` (``(C', 1, ..., 1)``
    with ``batch=True``: MONAI's ``f.shape[:2] + (1,) * n_spatial``). See the module docstring
    for ``squared_pred`` and ``jaccard``. The same as ``DiceLoss(...)(input, target)``.

    >>> import numpy as np
    >>> logits = np.zeros((2, 3, 4, 4))                          # uniform softmax: p = 1/3
    >>> labels = np.zeros((2, 1, 4, 4), np.int64)                # every pixel is class 0
    >>> loss = dice_loss(logits, labels, softmax=True, to_onehot_y=True, reduction="none",
    ...                  smooth_nr=0.0, smooth_dr=1e-12)
    >>> loss.shape                                               # (B, C, 1, 1)
    (2, 3, 1, 1)
    >>> np.round(loss.data[0, :, 0, 0], 4)                       # 1 - 2 (16/3) / (16/3 + 16), then empty classes
    array([0.5, 1. , 1. ])
    """
    return DiceLoss(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                    softmax=softmax, other_act=other_act, squared_pred=squared_pred, jaccard=jaccard,
                    reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch,
                    weight=weight)(input, target)


def _generalized_weights(ground_o: np.ndarray, w_type: str, batch: bool) -> np.ndarray:
    """Sudre et al.'s class weights from the target volumes ``ground_o`` (``(B, C)``, or ``(C,)`` with batch).

    ``"square"``: ``1 / volume^2``; ``"simple"``: ``1 / volume``; ``"uniform"``: 1. An empty class
    (infinite weight) gets the largest finite weight of its image (of the batch when ``batch``),
    as MONAI; 0 if every class is empty.
    """
    with np.errstate(divide="ignore"):
        if w_type == "square":
            w = 1.0 / (ground_o * ground_o)
        elif w_type == "simple":
            w = 1.0 / ground_o
        else:
            w = np.ones_like(ground_o)
    empty = np.isinf(w)
    w[empty] = 0.0
    largest = w.max() if batch else w.max(axis=1, keepdims=True)
    return w + empty * largest


class GeneralizedDiceLoss(ProbabilityLoss):
    """``GeneralizedDiceLoss(include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
    other_act=None, w_type="square", reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False)``:
    MONAI's generalised Dice loss layer; see :func:`generalized_dice_loss`.

    >>> import numpy as np
    >>> criterion = GeneralizedDiceLoss(softmax=True, to_onehot_y=True)
    >>> logits = np.zeros((1, 2, 2, 2))
    >>> labels = np.array([[[[0, 1], [1, 1]]]])                  # (B, 1, H, W) class ids
    >>> loss = criterion(logits, labels)
    >>> 0.0 < loss.item() < 1.0
    True
    >>> GeneralizedDiceLoss(w_type="cubic")
    Traceback (most recent call last):
    ...
    ValueError: w_type='cubic' must be one of ('square', 'simple', 'uniform')
    """

    def __init__(self, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, other_act=None,
                 w_type="square", reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                         softmax=softmax, other_act=other_act, reduction=reduction, batch=batch)
        self.w_type = check_choice("w_type", w_type, W_TYPES)
        self.smooth_nr = check_number("smooth_nr", smooth_nr, minimum=0.0)
        self.smooth_dr = check_number("smooth_dr", smooth_dr, minimum=0.0)

    def forward(self, input, target):
        p, g = self.prepare(input, target)
        axes = reduction_axes(p.ndim, self.batch)
        tp = (p * g).sum(axis=axes)
        ground_o = g.sum(axis=axes)
        denominator = p.sum(axis=axes) + ground_o
        w = _generalized_weights(ground_o, self.w_type, self.batch)
        class_axis = 0 if self.batch else 1
        numerator = 2.0 * (tp * w).sum(axis=class_axis, keepdims=True) + self.smooth_nr
        f = 1.0 - numerator / ((denominator * w).sum(axis=class_axis, keepdims=True) + self.smooth_dr)
        return reduce(f, self.reduction, none_ndim=p.ndim)


def generalized_dice_loss(input, target, include_background=True, to_onehot_y=False, sigmoid=False,
                          softmax=False, other_act=None, w_type="square", reduction="mean", smooth_nr=1e-5,
                          smooth_dr=1e-5, batch=False):
    """Generalised Dice loss (Sudre et al. 2017): the classes pooled with weights ``w_c`` from the target.

    Per image (or for the whole batch when ``batch=True``), with ``tp_c``, ``sum p_c``,
    ``sum g_c`` summed over the reduction axes and ``w_c`` from ``w_type`` (``"square"``:
    ``1 / (sum g_c)^2``, ``"simple"``: ``1 / sum g_c``, ``"uniform"``: 1; an empty class takes
    the largest weight of the others):

        loss = 1 - (2 sum_c w_c tp_c + smooth_nr) / (sum_c w_c (sum p_c + sum g_c) + smooth_dr)

    Shapes and the other arguments as :func:`dice_loss`; ``reduction="none"`` gives
    ``(B, 1, 1, ..., 1)`` (``(1, 1, ..., 1)`` with ``batch=True``, input's number of axes - 1). The same as
    ``GeneralizedDiceLoss(...)(input, target)``.

    >>> import numpy as np
    >>> p = np.array([[[0.9, 0.1], [0.1, 0.9]]])       # (B, C, W): each class predicted at 0.9
    >>> g = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    >>> round(generalized_dice_loss(p, g, smooth_nr=0.0, smooth_dr=0.0).item(), 6)   # 1 - 2 (0.9 + 0.9) / (2 + 2)
    0.1
    """
    return GeneralizedDiceLoss(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                               softmax=softmax, other_act=other_act, w_type=w_type, reduction=reduction,
                               smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch)(input, target)
