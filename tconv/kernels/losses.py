"""Softmax, soft Dice and cross-entropy of class-id targets in two passes, with their gradient.

For logits ``z (N, K, S)`` (``S`` the flattened spatial size) and class ids ``t (N, S)``, with
``p = softmax(z)`` over ``K`` per pixel and ``g`` the one-hot of ``t``, per image ``n`` and class
``k`` (MONAI's ``DiceCELoss(to_onehot_y=True, softmax=True)`` with its defaults)::

    I = Σ_s p g      P = Σ_s p      G = Σ_s g
    dice[n, k] = 1 - (2 I + nr) / (P + G + dr)              dice loss = mean over n, k
    ce = -(1 / (N S)) Σ_{n,s} log p[t]                      loss = dice loss + ce

and the gradient with respect to the logits, through the softmax per pixel
(``∂L/∂z_j = p_j (a_j - Σ_k p_k a_k)`` for ``a = ∂L/∂p``)::

    a_k = -(2 g_k (P + G + dr) - (2 I + nr)) / ((P + G + dr)² N K)      (the Dice part)
    ∂L/∂z = p (a - Σ_k p_k a_k) + (p - g) / (N S)                       (plus cross-entropy's)

:func:`dice_ce_forward` makes pass 1 (softmax, the sums, the cross-entropy; ``p`` kept) and
pass 2 (the gradient) and returns the loss; the composed loss builds about twenty full-size
temporaries for the same numbers. Each kernel has a NumPy twin (``*_numpy``).

>>> z = np.zeros((1, 2, 2))                     # N=1, K=2, S=2: p = 1/2 everywhere
>>> t = np.array([[0, 1]])
>>> grad = np.empty_like(z)
>>> round(dice_ce_forward(z, t, 0.0, 0.0, grad), 6)      # dice 1 - 2*0.5/(1 + 1) = 0.5, ce log 2
1.193147
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import jit

__all__ = ["dice_ce_forward", "dice_ce_forward_numpy"]


@jit()
def dice_ce_forward(z, t, nr, dr, grad):
    """Loss (a float) of logits ``z (N, K, S)`` and class ids ``t (N, S)``; ``grad`` (like ``z``) gets ``∂L/∂z``."""
    n_batch, classes, size = z.shape
    inter = np.zeros((n_batch, classes))
    total_p = np.zeros((n_batch, classes))
    total_g = np.zeros((n_batch, classes))
    ce = 0.0
    for n in range(n_batch):
        for s in range(size):
            top = z[n, 0, s]
            for k in range(1, classes):
                if z[n, k, s] > top:
                    top = z[n, k, s]
            norm = 0.0
            for k in range(classes):
                e = math.exp(z[n, k, s] - top)
                grad[n, k, s] = e                       # p, normalised below (grad holds p until pass 2)
                norm += e
            label = t[n, s]
            for k in range(classes):
                p = grad[n, k, s] / norm
                grad[n, k, s] = p
                total_p[n, k] += p
                if k == label:
                    inter[n, k] += p
                    total_g[n, k] += 1.0
            ce -= math.log(grad[n, label, s])
    dice = 0.0
    a_pos = np.empty((n_batch, classes))              # a_k where g_k = 1 and where g_k = 0
    a_neg = np.empty((n_batch, classes))
    scale = 1.0 / (n_batch * classes)
    for n in range(n_batch):
        for k in range(classes):
            den = total_p[n, k] + total_g[n, k] + dr
            num = 2.0 * inter[n, k] + nr
            dice += 1.0 - num / den
            a_pos[n, k] = -(2.0 * den - num) / (den * den) * scale
            a_neg[n, k] = num / (den * den) * scale
    pixels = 1.0 / (n_batch * size)
    for n in range(n_batch):
        for s in range(size):
            label = t[n, s]
            mean_a = 0.0
            for k in range(classes):
                a = a_pos[n, k] if k == label else a_neg[n, k]
                mean_a += grad[n, k, s] * a
            for k in range(classes):
                p = grad[n, k, s]
                a = a_pos[n, k] if k == label else a_neg[n, k]
                target = 1.0 if k == label else 0.0
                grad[n, k, s] = p * (a - mean_a) + (p - target) * pixels
    return dice * scale + ce * pixels


def dice_ce_forward_numpy(z, t, nr, dr, grad):
    """NumPy twin of :func:`dice_ce_forward`."""
    n_batch, classes, size = z.shape
    z64 = z.astype(np.float64)
    e = np.exp(z64 - z64.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    g = (t[:, None, :] == np.arange(classes)[None, :, None]).astype(np.float64)
    inter, total_p, total_g = (p * g).sum(axis=2), p.sum(axis=2), g.sum(axis=2)
    den, num = total_p + total_g + dr, 2 * inter + nr
    scale, pixels = 1.0 / (n_batch * classes), 1.0 / (n_batch * size)
    a = np.where(g > 0, (-(2 * den - num) / den ** 2)[:, :, None], (num / den ** 2)[:, :, None]) * scale
    grad[...] = p * (a - (p * a).sum(axis=1, keepdims=True)) + (p - g) * pixels
    ce = -np.log(np.take_along_axis(p, t[:, None, :].astype(np.intp), axis=1)).sum()
    return float((1 - num / den).sum() * scale + ce * pixels)
