"""Dice + cross-entropy of logits and class ids as one op: softmax, both losses and the gradient in two passes.

:func:`dice_ce_with_logits` computes exactly MONAI's ``DiceCELoss(to_onehot_y=True,
softmax=True)`` (the default ``tconv train`` loss; :class:`~tconv.seg.losses.DiceCELoss` is
the composed version, which reads step by step)::

    DiceCELoss(to_onehot_y=True, softmax=True)(logits, labels[:, None])
    == dice_ce_with_logits(logits, labels)

but in one kernel (:func:`tconv.kernels.losses.dice_ce_forward`): softmax per pixel, the Dice
sums per image and class, the cross-entropy, then the gradient with respect to the logits,
which the VJP only scales. The composed loss takes about twenty full-size passes.

>>> import numpy as np
>>> from tconv import Tensor
>>> from tconv.seg.losses import DiceCELoss
>>> logits = Tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 4)), requires_grad=True)
>>> labels = np.random.default_rng(1).integers(0, 3, (2, 4, 4))
>>> fused = dice_ce_with_logits(logits, labels)
>>> composed = DiceCELoss(to_onehot_y=True, softmax=True)(logits, labels[:, None])
>>> bool(np.isclose(fused.item(), composed.item(), rtol=1e-12))
True
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import defop
from ..labels import check_class_ids

__all__ = ["dice_ce_with_logits"]


def _kernel():
    import numba

    from ...kernels import losses

    return losses.dice_ce_forward_numpy if numba.config.DISABLE_JIT else losses.dice_ce_forward


@defop
def _dice_ce(logits, *, labels, smooth_nr, smooth_dr):
    if logits.ndim < 3:
        raise ValueError(f"dice_ce_with_logits: logits must be (N, K, *spatial), got shape {logits.shape}")
    labels = np.asarray(labels)
    if labels.shape != (logits.shape[0],) + logits.shape[2:]:
        raise ValueError(f"dice_ce_with_logits: labels have shape {labels.shape}; the logits {logits.shape} need "
                         f"class ids of shape {(logits.shape[0],) + logits.shape[2:]} (N, *spatial)")
    check_class_ids("labels", labels, logits.shape[1])
    n, k = logits.shape[:2]
    z = np.ascontiguousarray(logits).reshape(n, k, -1)
    grad = np.empty(z.shape, dtype=np.float64 if logits.dtype == np.float64 else np.float32)
    loss = _kernel()(z, np.ascontiguousarray(labels).reshape(n, -1).astype(np.int64, copy=False),
                           float(smooth_nr), float(smooth_dr), grad)

    def vjp(grad_out):
        return (grad.reshape(logits.shape) * grad_out,)
    return np.asarray(loss, dtype=logits.dtype), vjp


def dice_ce_with_logits(logits, labels, smooth_nr: float = 1e-5, smooth_dr: float = 1e-5):
    """Dice + cross-entropy of ``logits (N, K, *spatial)`` and class ids ``labels (N, *spatial)`` (module docstring)."""
    return _dice_ce(logits, labels=labels, smooth_nr=smooth_nr, smooth_dr=smooth_dr)
