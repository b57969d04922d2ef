"""Losses training needs first: ``cross_entropy`` and ``binary_cross_entropy_with_logits``.

Both take raw scores (logits) and are computed in a stable form, so no ``exp`` overflows
and no ``log(0)`` appears for logits of any magnitude.

* cross-entropy, for logits ``x (N, C, *spatial)`` and class indices ``t (N, *spatial)``:
  ``loss_i = -w[t_i] log_softmax(x_i)[t_i]`` (``w`` the class weights, 0 where
  ``t_i == ignore_index``); ``"mean"`` is PyTorch's weighted mean ``sum(loss_i) / sum(w[t_i])``.
  VJP: ``w[t_i] (softmax(x_i) - onehot(t_i))`` times the incoming gradient.
* binary cross-entropy with logits, ``l = 1 + (pos_weight - 1) t``:
  ``loss = weight ((1 - t) x + l softplus(-x))`` with ``softplus(z) = max(z, 0) + log1p(e^-|z|)``;
  ``d/dx = weight ((1 - t) - l sigmoid(-x))``, ``d/dt = weight (-x + (pos_weight - 1) softplus(-x))``.

>>> from tconv import Tensor
>>> logits = Tensor([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], requires_grad=True)
>>> loss = cross_entropy(logits, np.array([0, 2]))
>>> round(loss.item(), 6)                            # (0.169846 + log 3) / 2
0.634229
>>> round(binary_cross_entropy_with_logits(Tensor([1000.0, -1000.0]), Tensor([0.0, 1.0])).item(), 3)
1000.0
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import defop
from ...autograd.tensor import Tensor

__all__ = ["cross_entropy", "binary_cross_entropy_with_logits"]

REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction={reduction!r} must be one of {REDUCTIONS}")


def _constant(name, value):
    """A non-differentiable float argument (class weights, pos_weight) as an ndarray or None."""
    if value is None:
        return None
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {array.dtype}; it must be real")
    return array


def _class_indices(target):
    """``target`` as an int64 array of class indices (a Tensor must hold whole numbers)."""
    array = np.asarray(target.data if isinstance(target, Tensor) else target)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if isinstance(target, Tensor) and np.all(array == np.round(array)):
        return array.astype(np.int64)
    raise TypeError(f"cross_entropy: target must hold integer class indices, got dtype {array.dtype} "
                    "(class probabilities are not supported)")


def _reduce(loss, reduction, denominator):
    if reduction == "none":
        return loss
    total = loss.sum()
    return total if reduction == "sum" else total / denominator


@defop
def _cross_entropy(logits, *, target, weight, ignore_index, reduction):
    unbatched = logits.ndim == 1
    x = logits[None] if unbatched else logits
    t = target[None] if unbatched else target
    if x.ndim < 2 or t.shape != (x.shape[0],) + x.shape[2:]:
        raise ValueError(f"cross_entropy: logits of shape {logits.shape} (N, C, *spatial) need a target of "
                         f"shape (N, *spatial) = {(x.shape[0],) + x.shape[2:]}; got {target.shape}")
    classes = x.shape[1]
    if weight is not None and weight.shape != (classes,):
        raise ValueError(f"cross_entropy: weight has shape {weight.shape}, expected ({classes},)")
    ignored = t == ignore_index
    bad = ~ignored & ((t < 0) | (t >= classes))
    if bad.any():
        raise ValueError(f"cross_entropy: target value {t[bad].flat[0]} is out of bounds for {classes} "
                         f"classes (valid: 0..{classes - 1}, or ignore_index={ignore_index})")
    safe = np.where(ignored, 0, t)[:, None]                  # (N, 1, *spatial)
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    w = np.ones(t.shape, x.dtype) if weight is None else weight.astype(x.dtype)[safe[:, 0]]
    w = np.where(ignored, 0, w).astype(x.dtype)
    loss = -w * np.take_along_axis(log_p, safe, axis=1)[:, 0]
    denominator = w.sum()
    with np.errstate(invalid="ignore", divide="ignore"):    # all targets ignored: nan, as PyTorch
        out = _reduce(loss, reduction, denominator)

    def vjp(grad_out):
        scale = grad_out[None] if (unbatched and reduction == "none") else grad_out
        if reduction == "mean":
            # Every target ignored: the loss is 0/0 = NaN (as PyTorch), but nothing contributed,
            # so the gradient is zero (as PyTorch), not NaN that one optimizer step spreads everywhere.
            scale = scale / denominator if denominator != 0 else np.zeros_like(scale)
        coeff = (w * scale)[:, None]                          # (N, 1, *spatial)
        grad = np.exp(log_p) * coeff
        np.put_along_axis(grad, safe, np.take_along_axis(grad, safe, axis=1) - coeff, axis=1)
        return (grad[0] if unbatched else grad,)
    if unbatched and reduction == "none":
        out = out[0]
    return np.asarray(out, dtype=x.dtype), vjp


def cross_entropy(logits, target, weight=None, ignore_index=-100, reduction="mean"):
    """Cross-entropy of logits against class indices, as ``torch.nn.functional.cross_entropy``.

    Shapes: ``logits (N, C)``, ``(N, C, *spatial)`` (segmentation: one distribution per
    pixel) or ``(C,)``; ``target`` integers of shape ``(N,)``, ``(N, *spatial)`` or ``()``;
    ``weight (C,)`` class weights (constant). Positions with ``target == ignore_index``
    contribute nothing, to the sum and to the mean's denominator. ``reduction``: ``"mean"``
    (weighted mean), ``"sum"`` or ``"none"`` (shape of ``target``).

    >>> logits = Tensor(np.zeros((2, 3, 4, 4)), requires_grad=True)     # (N, C, H, W)
    >>> target = np.zeros((2, 4, 4), np.int64)                          # (N, H, W)
    >>> loss = cross_entropy(logits, target)
    >>> bool(np.isclose(loss.item(), np.log(3)))                        # uniform over 3 classes
    True
    >>> cross_entropy(logits, target, reduction="none").shape
    (2, 4, 4)
    """
    _check_reduction(reduction)
    return _cross_entropy(logits, target=_class_indices(target), weight=_constant("weight", weight),
                          ignore_index=ignore_index, reduction=reduction)


def _softplus(z):
    """``log(1 + e^z)`` without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


@defop
def _bce_with_logits(x, t, *, weight, pos_weight, reduction):
    try:
        shape = np.broadcast_shapes(x.shape, t.shape, *(a.shape for a in (weight, pos_weight) if a is not None))
    except ValueError:
        shape = None
    if x.shape != t.shape or shape != x.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {t.shape} must equal the logits' "
                         f"shape {x.shape}, and weight / pos_weight must broadcast to it")
    t = t.astype(x.dtype, copy=False)
    weight = None if weight is None else weight.astype(x.dtype)
    pos_weight = None if pos_weight is None else pos_weight.astype(x.dtype)
    sp = _softplus(-x)
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
    loss = (1 - t) * x + log_weight * sp
    if weight is not None:
        loss = loss * weight
    out = _reduce(loss, reduction, loss.size)

    def vjp(grad_out):
        scale = grad_out / loss.size if reduction == "mean" else grad_out
        if weight is not None:
            scale = scale * weight
        sigmoid_neg = np.exp(-_softplus(x))                   # sigmoid(-x) = 1 / (1 + e^x)
        grad_x = scale * ((1 - t) - log_weight * sigmoid_neg)
        grad_t = scale * (-x if pos_weight is None else -x + (pos_weight - 1) * sp)
        return np.broadcast_to(grad_x, x.shape), np.broadcast_to(grad_t, t.shape)
    return np.asarray(out, dtype=loss.dtype), vjp


def binary_cross_entropy_with_logits(logits, target, weight=None, pos_weight=None, reduction="mean"):
    """Sigmoid + binary cross-entropy in one stable step, as PyTorch's function of that name.

    ``logits`` and ``target`` (probabilities in [0, 1], differentiable) have the same shape;
    ``weight`` (broadcast to it) rescales each element; ``pos_weight`` (broadcast against
    the class axis, e.g. ``(C, 1, 1)`` for ``(N, C, H, W)``) weights the positive term.
    ``weight`` and ``pos_weight`` are constants. ``reduction``: ``"mean"``, ``"sum"``, ``"none"``.

    >>> logits = Tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)     # (N, 1, H, W)
    >>> loss = binary_cross_entropy_with_logits(logits, np.ones((1, 1, 2, 2)))
    >>> bool(np.isclose(loss.item(), np.log(2)))                        # sigmoid(0) = 1/2
    True
    >>> loss.backward()
    >>> logits.grad[0, 0]                                               # (sigmoid(x) - t) / 4
    array([[-0.125, -0.125],
           [-0.125, -0.125]])
    """
    _check_reduction(reduction)
    return _bce_with_logits(logits, target, weight=_constant("weight", weight),
                            pos_weight=_constant("pos_weight", pos_weight), reduction=reduction)
