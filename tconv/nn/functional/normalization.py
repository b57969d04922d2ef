"""``batch_norm``: normalise each channel by its batch statistics (training) or running ones (eval).

Per channel ``c``, over the batch and spatial axes (``n`` values):

* forward: ``x̂ = (x - μ) / sqrt(σ² + eps)``, ``out = γ x̂ + β``; in training ``μ, σ²`` are
  the batch mean and *biased* variance, and the running buffers are updated in place,
  ``running = (1 - momentum) running + momentum * batch`` with the *unbiased* variance
  ``σ² n/(n-1)`` (as PyTorch); in eval ``μ, σ²`` are the running buffers (constants);
* VJP (training; ``g = grad_out γ``):
  ``grad_x = (g - mean(g) - x̂ mean(g x̂)) / sqrt(σ² + eps)`` (the batch statistics depend
  on ``x`` too), ``grad_γ = sum(grad_out x̂)``, ``grad_β = sum(grad_out)``;
  in eval ``grad_x = g / sqrt(σ² + eps)``.

>>> from tconv import Tensor
>>> x = Tensor(np.array([[1.0], [3.0]]))             # (N=2, C=1)
>>> mean, var = np.zeros(1), np.ones(1)
>>> batch_norm(x, mean, var, training=True, eps=0.0)
Tensor([[-1.],
        [ 1.]])
>>> mean, var                                         # 0.9*0 + 0.1*2, 0.9*1 + 0.1*2 (unbiased)
(array([0.2]), array([1.1]))
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import defop
from ...autograd.tensor import Tensor

__all__ = ["batch_norm"]


def _buffer(name, value, channels):
    """A running buffer as the ndarray to update in place (or None)."""
    if value is None:
        return None
    array = value.data if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise TypeError(f"batch_norm: {name} must be a float ndarray or Tensor (updated in place), "
                        f"got {type(value).__name__}")
    if array.shape != (channels,):
        raise ValueError(f"batch_norm: {name} has shape {array.shape}, expected ({channels},)")
    return array


@defop
def _batch_norm(x, weight, bias, *, running_mean, running_var, training, momentum, eps):
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects x of shape (N, C, *spatial), got shape {x.shape}")
    channels = x.shape[1]
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != (channels,):
            raise ValueError(f"batch_norm: {name} has shape {value.shape}, expected ({channels},)")
    running_mean = _buffer("running_mean", running_mean, channels)
    running_var = _buffer("running_var", running_var, channels)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, channels) + (1,) * (x.ndim - 2)
    n = x.size // channels
    if training:
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += momentum * var * (n / (n - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm in eval mode (training=False) needs running_mean and running_var")
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    inv_std = (1 / np.sqrt(var + eps)).astype(x.dtype).reshape(shape)
    x_hat = (x - mean.reshape(shape)) * inv_std
    out = x_hat if weight is None else x_hat * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)

    def vjp(grad_out):
        g = grad_out if weight is None else grad_out * weight.reshape(shape)
        if training:
            grad_x = inv_std * (g - g.mean(axis=axes, keepdims=True)
                                - x_hat * (g * x_hat).mean(axis=axes, keepdims=True))
        else:
            grad_x = g * inv_std
        grad_w = None if weight is None else (grad_out * x_hat).sum(axis=axes)
        grad_b = None if bias is None else grad_out.sum(axis=axes)
        return grad_x, grad_w, grad_b
    return out, vjp


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalisation, as ``torch.nn.functional.batch_norm`` (same argument order).

    ``x (N, C, *spatial)``; ``running_mean``, ``running_var``, ``weight`` (γ), ``bias`` (β):
    ``(C,)``. The running buffers (float ndarrays or Tensors) are updated in place when
    ``training``; they may be None in training. Gradients flow to ``x``, ``weight`` and
    ``bias``.

    >>> x = Tensor(np.arange(8.0).reshape(2, 2, 2), requires_grad=True)   # (N=2, C=2, L=2)
    >>> y = batch_norm(x, None, None, training=True)
    >>> y.shape, bool(np.allclose(y.data.mean(axis=(0, 2)), 0))
    ((2, 2, 2), True)
    >>> batch_norm(Tensor([[3.0]]), np.array([1.0]), np.array([4.0]), eps=0.0)   # eval: (3 - 1) / sqrt(4)
    Tensor([[1.]])
    """
    return _batch_norm(x, weight, bias, running_mean=running_mean, running_var=running_var,
                       training=bool(training), momentum=momentum, eps=eps)
