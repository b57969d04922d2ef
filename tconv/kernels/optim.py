"""Adam's update of one parameter in one pass (Kingma & Ba 2015; AdamW, Loshchilov & Hutter 2019).

The unfused NumPy update (:class:`tconv.optim.Adam`'s reference loop) reads and writes the
parameter, its gradient and both moments through about ten temporary arrays; the kernel
reads each once and writes each once. Per element, at step ``t``, as ``torch.optim.Adam``::

    g = -g if maximize
    p = p * (1 - lr * weight_decay)           if decoupled (AdamW)
    g = g + weight_decay * p                  otherwise (L2 penalty), when weight_decay != 0
    m = m + (1 - beta1) * (g - m)
    v = beta2 * v + (1 - beta2) * g * g
    v_max = max(v_max, v); u = v_max          if amsgrad, else u = v
    p = p - lr / (1 - beta1**t) * m / (sqrt(u) / sqrt(1 - beta2**t) + eps)

Arrays are 1-D and C-contiguous (a parameter's ``.reshape(-1)``); ``v_max`` may be empty when
not ``amsgrad``. Arithmetic is in the arrays' dtype (as ``torch.optim.Adam`` on float32 parameters).

>>> p, g = np.array([1.0, -1.0]), np.array([3.0, -0.5])
>>> m, v = np.zeros(2), np.zeros(2)
>>> adam_update(p, g, m, v, np.empty(0), 1, 0.1, 0.9, 0.999, 1e-8, 0.0, False, False, False)
>>> p.round(6)
array([ 0.9, -0.9])

Parallel contract: none (one pass, memory-bound; each parameter is small).
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import jit

__all__ = ["adam_update", "adam_update_numpy"]


@jit()
def adam_update(p, g, m, v, v_max, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize):
    """One Adam (or AdamW) step of ``p`` in place; ``m``, ``v`` (and ``v_max``) updated in place.

    The common case (no weight decay, no amsgrad, no maximize) is one branch-free loop in the
    arrays' dtype, which LLVM vectorises; the others take the general loop.
    """
    real = p.dtype.type
    one = real(1.0)
    step_size = real(lr / (1.0 - beta1 ** step))
    inv_bias2_sqrt = real(1.0 / math.sqrt(1.0 - beta2 ** step))
    b1, b2, c1, c2, tiny = real(beta1), real(beta2), one - real(beta1), one - real(beta2), real(eps)
    if weight_decay == 0.0 and not amsgrad and not maximize:
        for i in range(p.shape[0]):
            grad = g[i]
            mi = m[i] + c1 * (grad - m[i])
            vi = b2 * v[i] + c2 * grad * grad
            m[i] = mi
            v[i] = vi
            p[i] = p[i] - step_size * mi / (np.sqrt(vi) * inv_bias2_sqrt + tiny)
        return
    shrink, decay = real(1.0 - lr * weight_decay), real(weight_decay)
    for i in range(p.shape[0]):
        grad = -g[i] if maximize else g[i]
        value = p[i]
        if weight_decay != 0.0:
            if decoupled:
                value = value * shrink
            else:
                grad = grad + decay * value
        mi = m[i] + c1 * (grad - m[i])
        vi = b2 * v[i] + c2 * grad * grad
        m[i] = mi
        v[i] = vi
        u = vi
        if amsgrad:
            if vi > v_max[i]:
                v_max[i] = vi
            u = v_max[i]
        p[i] = value - step_size * mi / (np.sqrt(u) * inv_bias2_sqrt + tiny)


def adam_update_numpy(p, g, m, v, v_max, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize):
    """NumPy twin of :func:`adam_update` (the same formulas on whole arrays, in the arrays' dtype)."""
    real = p.dtype.type
    grad = -g if maximize else g
    value = p
    if weight_decay != 0.0:
        if decoupled:
            value = value * real(1.0 - lr * weight_decay)
        else:
            grad = grad + real(weight_decay) * value
    m[...] = m + (real(1.0) - real(beta1)) * (grad - m)
    v[...] = real(beta2) * v + (real(1.0) - real(beta2)) * grad * grad
    u = v
    if amsgrad:
        np.maximum(v_max, v, out=v_max)
        u = v_max
    step_size = real(lr / (1.0 - beta1 ** step))
    p[...] = value - step_size * m / (np.sqrt(u) * real(1.0 / math.sqrt(1.0 - beta2 ** step)) + real(eps))
