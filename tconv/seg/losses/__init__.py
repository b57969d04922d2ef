"""Differentiable segmentation losses with MONAI's names, arguments, defaults and numbers.

Each loss is a :class:`tconv.nn.Module` (``DiceLoss(...)(input, target)``) whose constructor
checks its settings once and keeps them under MONAI's names, and a function
(``dice_loss(input, target, ...)``: the layer built and called once). ``forward`` is built from
tconv's differentiable Tensor ops, so the autograd gives the gradient with respect to ``input``.
The compound losses are made of the single ones, as MONAI makes them (``DiceCELoss().dice`` is
a ``DiceLoss``). Layout: ``input (B, C, *spatial)`` (probabilities, or logits with
``sigmoid=True`` / ``softmax=True``; the focal and cross-entropy terms always take logits),
``target`` one-hot ``(B, C, *spatial)`` or class ids ``(B, 1, *spatial)`` with
``to_onehot_y=True``. The shared settings and steps (the base classes ``SegmentationLoss`` and
``ProbabilityLoss``) and the cases where tconv refuses what MONAI only warns about are in
:mod:`tconv.seg.losses._common`.

* ``dice.py``: ``DiceLoss`` (``1 - 2 tp / (sum p + sum g)``, or Jaccard), ``GeneralizedDiceLoss``
  (classes pooled with ``1 / volume^2`` weights);
* ``tversky.py``: ``TverskyLoss`` (``1 - tp / (tp + alpha fp + beta fn)``), ``FBetaLoss``
  (``1 - (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)``);
* ``focal.py``: ``FocalLoss`` (``-(1 - p_t)^gamma log p_t``);
* ``compound.py``: ``DiceCELoss``, ``DiceFocalLoss`` (lambda-weighted sums);
* ``hausdorff.py``: ``HausdorffDTLoss`` (``mean((p - q)^2 (d_p^alpha + d_q^alpha))``);
* ``weight_map.py``: U-Net's border weight map ``w_c + w0·exp(-(d1 + d2)²/2σ²)`` and a
  pixel-weighted cross-entropy;
* ``fused.py``: ``dice_ce_with_logits``, ``DiceCELoss(to_onehot_y=True, softmax=True)`` of class
  ids as one op (one kernel for the loss and its gradient; the planned training step uses it).

>>> import numpy as np
>>> from tconv import Tensor
>>> from tconv.seg.losses import DiceCELoss
>>> logits = Tensor(np.zeros((2, 3, 8, 8)), requires_grad=True)     # (B, C, H, W)
>>> labels = np.zeros((2, 1, 8, 8), np.int64)                       # (B, 1, H, W) class ids
>>> loss = DiceCELoss(to_onehot_y=True, softmax=True)(logits, labels)
>>> loss.backward()
>>> logits.grad.shape
(2, 3, 8, 8)
"""
from .compound import DiceCELoss, DiceFocalLoss, dice_ce_loss, dice_focal_loss
from .dice import DiceLoss, GeneralizedDiceLoss, dice_loss, generalized_dice_loss
from .focal import FocalLoss, focal_loss
from .fused import dice_ce_with_logits
from .hausdorff import HausdorffDTLoss, distance_field, hausdorff_dt_loss
from .tversky import FBetaLoss, TverskyLoss, fbeta_loss, tversky_loss
from .weight_map import class_balance_weights, unet_weight_map, weighted_cross_entropy

__all__ = [
    "DiceLoss", "dice_loss", "GeneralizedDiceLoss", "generalized_dice_loss",
    "TverskyLoss", "tversky_loss", "FBetaLoss", "fbeta_loss",
    "FocalLoss", "focal_loss",
    "DiceCELoss", "dice_ce_loss", "DiceFocalLoss", "dice_focal_loss",
    "HausdorffDTLoss", "hausdorff_dt_loss", "distance_field", "dice_ce_with_logits",
    "unet_weight_map", "class_balance_weights", "weighted_cross_entropy",
]
