"""``linear``: the fully connected layer, ``y = x Wᵀ + b``, as ``torch.nn.functional.linear``.

``x (*, in_features)``, ``weight (out_features, in_features)``, ``bias (out_features,)``.
It is a convolution whose kernel covers its whole input: FCN's first idea (Long, Shelhamer
& Darrell 2015) is that a classifier's fully connected layers *are* convolutions, so the
network can slide over an input of any size (:func:`tconv.nn.convolutionize`).
VJP: ``dx = g W``, ``dW = gᵀ x`` (summed over the leading axes), ``db = Σ g``.

>>> import numpy as np
>>> from tconv import Tensor
>>> x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
>>> w = Tensor(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), requires_grad=True)
>>> y = linear(x, w, np.array([0.0, 0.0, 1.0]))
>>> y
Tensor([[1., 3., 5.]], grad_fn=<linear>)
>>> y.sum().backward()
>>> x.grad, w.grad[2]
(array([[2., 3.]]), array([1., 2.]))
"""
from __future__ import annotations

from ...autograd.function import defop

__all__ = ["linear"]


@defop
def _linear(x, weight, bias):
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be (out_features, in_features); got shape {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} must end in in_features={weight.shape[1]} "
                         f"(the weight is {weight.shape})")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias has shape {bias.shape}, expected ({weight.shape[0]},)")
    out = x @ weight.T
    if bias is not None:
        out = out + bias

    def vjp(grad_out):
        rows = grad_out.reshape(-1, weight.shape[0])
        grad_w = rows.T @ x.reshape(-1, weight.shape[1])
        grad_b = None if bias is None else rows.sum(axis=0)
        return grad_out @ weight, grad_w, grad_b
    return out, vjp


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: ``(*, in_features) -> (*, out_features)`` (module docstring)."""
    return _linear(input, weight, bias)
