"""Graders of tutorial 5, autograd from scratch.

* 05.1: ``softplus`` as a ``defop``: its values against ``log(1 + e^x)`` and its gradient,
  under a random upstream gradient, against ``grad_out * sigmoid(x)``;
* 05.2: the Jacobian of ``conv_transpose2d(·, K)``, 2x2 -> 4x4 (it is ``C.T``);
* 05.3: ``p.grad`` after two ``backward`` calls on ``sum(p * p)``.
"""
from __future__ import annotations

import numpy as np

from ..matrix import conv_matrix
from .compare import same_array
from .core import exercise, not_yet, right
from .tutorial01 import NOTES_KERNEL

__all__ = []


@exercise("05.1", "softplus as a defop", answer="your softplus (a function made with @defop)")
def softplus_op(answer):
    from ..autograd import Tensor

    if not callable(answer):
        return not_yet(f"Pass the function itself (softplus, not softplus(x)); got a {type(answer).__name__}.")
    rng = np.random.default_rng(20)
    x = rng.standard_normal((3, 4)) * 3
    upstream = rng.standard_normal((3, 4))
    t = Tensor(x.copy(), requires_grad=True)
    try:
        y = answer(t)
    except Exception as error:
        return not_yet(f"Calling softplus(x) on a Tensor raised {type(error).__name__}: {error}. Is it decorated "
                       "with @defop, with every ... of the stub filled in?")
    data = getattr(y, "data", None)
    if not isinstance(data, np.ndarray) or not hasattr(y, "backward"):
        return not_yet(f"softplus(x) returned a {type(y).__name__}, not a Tensor: decorate it with @defop and "
                       "return (value, vjp).")
    if data.dtype == object:
        return not_yet("softplus still returns ... : fill in the value (and the gradient in the vjp).")
    if data.shape != x.shape:
        return not_yet(f"softplus(x) has the shape {data.shape}; an elementwise op keeps x's shape {x.shape}.")
    if not np.allclose(data, np.logaddexp(0.0, x), rtol=1e-7, atol=1e-10):
        return not_yet("The values are not log(1 + exp(x)).")
    try:
        (y * Tensor(upstream)).sum().backward()
    except Exception as error:
        return not_yet(f"backward through softplus raised {type(error).__name__}: {error}. (The vjp returns a "
                       "tuple with one gradient per input: (gradient,).)")
    grad = t.grad
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    if grad is None:
        return not_yet("No gradient reached x: does softplus's vjp return a tuple with one gradient?")
    grad = np.asarray(grad)
    if grad.shape == x.shape and np.allclose(grad, sigmoid):
        return not_yet("The values are right, and so is the local derivative, but the vjp must multiply it by "
                       "grad_out (section 6's bug).")
    if grad.shape == x.shape and np.allclose(grad, upstream * (1 - sigmoid)):
        return not_yet("The gradient is grad_out * sigmoid(-x): the derivative of log(1 + e^x) is "
                       "e^x / (1 + e^x).")
    if grad.shape != x.shape or not np.allclose(grad, upstream * sigmoid, rtol=1e-7, atol=1e-10):
        return not_yet("The values are right, the gradient is not: the vjp should return grad_out times the "
                       "derivative of softplus.")
    return right()


@exercise("05.2", "the Jacobian of a transposed convolution", answer="the Jacobian, one row per output pixel")
def transposed_jacobian(answer):
    expected = conv_matrix(NOTES_KERNEL[None, None], (1, 4, 4)).toarray().T
    return same_array(answer, expected, name="your Jacobian")


@exercise("05.3", "backward twice accumulates", answer="p.grad after the second backward call")
def accumulated(answer):
    p = np.array([1.0, -2.0])
    return same_array(answer, 2 * (2 * p), name="your gradient", squeeze=True, mistakes=[
        (2 * p, "That is the gradient of one call: a second backward does not replace .grad."),
        (4 * (2 * p), "Too much: each call adds dL/dp once."),
    ])
