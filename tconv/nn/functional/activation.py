"""Activations: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``softmax``, ``log_softmax``.

Each forward sits next to its VJP. The softmax family subtracts the maximum first, so
``exp`` never overflows: ``softmax(x) = exp(x - m) / sum(exp(x - m))`` for ``m = max(x)``,
and ``log_softmax(x) = (x - m) - log(sum(exp(x - m)))`` (the log-sum-exp trick).

>>> from tconv import Tensor
>>> softmax(Tensor([1000.0, 1000.0]), dim=0)
Tensor([0.5, 0.5])
>>> log_softmax(Tensor([0.0, -1000.0]), dim=0)
Tensor([    0., -1000.])
"""
from __future__ import annotations

import numbers

import numpy as np

from ...autograd.function import defop

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax"]


#: Arrays with at least this many elements take the fused Numba backward (tconv.kernels.elementwise).
FUSED_RELU_MIN_SIZE = 1 << 16


@defop
def relu(x):
    """``max(x, 0)``; gradient 1 where ``x > 0``, else 0 (0 at 0, as PyTorch).

    The backward reads the output, as PyTorch's does (``out > 0`` exactly where ``x > 0``),
    so the forward keeps no mask; on large arrays it is one fused pass.

    >>> from tconv import Tensor
    >>> relu(Tensor([-1.0, 0.0, 2.0]))
    Tensor([0., 0., 2.])
    """
    out = np.maximum(x, np.zeros((), dtype=x.dtype))

    def vjp(grad_out):
        return (_relu_backward(out, grad_out),)
    return out, vjp


def _relu_backward(out: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """``grad_out`` where ``out > 0``, else 0 (dtype of ``grad_out``)."""
    result = np.empty(out.shape, dtype=grad_out.dtype)
    if out.size >= FUSED_RELU_MIN_SIZE and out.flags.c_contiguous and grad_out.flags.c_contiguous:
        import numba

        if not numba.config.DISABLE_JIT:           # as plain Python the loop would be slow
            from ...kernels.elementwise import relu_backward

            relu_backward(out, grad_out, result)
            return result
    np.multiply(grad_out, out > 0, out=result, dtype=result.dtype)
    return result


def leaky_relu(x, negative_slope=0.01):
    """``x`` where ``x > 0``, else ``negative_slope * x``; gradient 1 or ``negative_slope``.

    ``negative_slope`` may be passed by position, as in ``torch.nn.functional.leaky_relu(x, 0.2)``.

    >>> from tconv import Tensor
    >>> leaky_relu(Tensor([-2.0, 3.0]), negative_slope=0.5)
    Tensor([-1.,  3.])
    >>> leaky_relu(Tensor([-2.0, 3.0]), 0.5)
    Tensor([-1.,  3.])
    """
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real):
        raise TypeError(f"leaky_relu: negative_slope={negative_slope!r} must be a real number")
    return _leaky_relu(x, negative_slope=negative_slope)


@defop
def _leaky_relu(x, *, negative_slope):
    positive = x > 0
    slope = np.asarray(negative_slope, dtype=x.dtype)

    def vjp(grad_out):
        return (np.where(positive, grad_out, grad_out * slope),)
    return np.where(positive, x, x * slope), vjp


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^-x)`` without overflow: ``e^x / (1 + e^x)`` for negative ``x``."""
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1 + e)
    return out


@defop
def sigmoid(x):
    """``1 / (1 + exp(-x))``, computed without overflow; derivative ``s (1 - s)``.

    >>> from tconv import Tensor
    >>> sigmoid(Tensor([-1000.0, 0.0, 1000.0]))
    Tensor([0. , 0.5, 1. ])
    """
    out = _stable_sigmoid(x)

    def vjp(grad_out):
        return (grad_out * out * (1 - out),)
    return out, vjp


@defop
def tanh(x):
    """Hyperbolic tangent; derivative ``1 - tanh(x)**2``.

    >>> from tconv import Tensor
    >>> tanh(Tensor([0.0]))
    Tensor([0.])
    """
    out = np.tanh(x)

    def vjp(grad_out):
        return (grad_out * (1 - out * out),)
    return out, vjp


def _dim(dim, axis, name):
    if dim is None and axis is None:
        raise TypeError(f"{name} needs dim= (the axis that sums to one; 1 for (N, C, ...) logits)")
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"{name} got dim={dim} and axis={axis}; pass one of them")
    return dim if dim is not None else axis


@defop
def _softmax(x, *, dim):
    shifted = x - x.max(axis=dim, keepdims=True)
    e = np.exp(shifted)
    out = e / e.sum(axis=dim, keepdims=True)

    def vjp(grad_out):   # J = diag(s) - s s^T  ->  J^T g = s * (g - <g, s>)
        return (out * (grad_out - (grad_out * out).sum(axis=dim, keepdims=True)),)
    return out, vjp


@defop
def _log_softmax(x, *, dim):
    shifted = x - x.max(axis=dim, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))

    def vjp(grad_out):   # d out_i / d x_j = delta_ij - softmax_j
        return (grad_out - np.exp(out) * grad_out.sum(axis=dim, keepdims=True),)
    return out, vjp


def softmax(x, dim=None, *, axis=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (alias ``axis``), stable for any magnitude.

    VJP: ``s * (grad_out - sum(grad_out * s))`` along ``dim``, with ``s`` the output.

    >>> from tconv import Tensor
    >>> softmax(Tensor([[0.0, np.log(3.0)]]), dim=1)
    Tensor([[0.25, 0.75]])
    """
    return _softmax(x, dim=_dim(dim, axis, "softmax"))


def log_softmax(x, dim=None, *, axis=None):
    """``x - logsumexp(x)`` along ``dim`` (alias ``axis``), stable for any magnitude.

    VJP: ``grad_out - softmax(x) * sum(grad_out)`` along ``dim``.

    >>> from tconv import Tensor
    >>> np.exp(log_softmax(Tensor([[0.0, np.log(3.0)]]), dim=1).data)
    array([[0.25, 0.75]])
    """
    return _log_softmax(x, dim=_dim(dim, axis, "log_softmax"))
