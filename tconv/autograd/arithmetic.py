"""Arithmetic: ``+ - * / ** @`` and unary minus, with NumPy broadcasting.

Each op's VJP sums the gradient back to each operand's shape with :func:`unbroadcast`
(an operand that was broadcast was *used* many times, so its gradient is the sum).

>>> from tconv import Tensor
>>> a = Tensor([[1.0], [2.0]], requires_grad=True)   # (2, 1), broadcast against (3,)
>>> b = Tensor([1.0, 10.0, 100.0], requires_grad=True)
>>> (a * b).sum().backward()
>>> a.grad, b.grad
(array([[111.],
       [111.]]), array([3., 3., 3.]))
"""
from __future__ import annotations

import numpy as np

from .function import defop, unbroadcast
from .tensor import Tensor, register_ops

__all__ = ["add", "sub", "mul", "div", "power", "neg", "matmul"]


@defop
def add(a, b):
    """``a + b``.

    >>> add(Tensor([1.0, 2.0]), 3.0)            # same as Tensor([1.0, 2.0]) + 3.0
    Tensor([4., 5.])
    """
    def vjp(grad_out):
        return unbroadcast(grad_out, a.shape), unbroadcast(grad_out, b.shape)
    return a + b, vjp


@defop
def sub(a, b):
    """``a - b``.

    >>> b = Tensor([1.0, 2.0], requires_grad=True)
    >>> sub(10.0, b).sum().backward()
    >>> b.grad
    array([-1., -1.])
    """
    def vjp(grad_out):
        return unbroadcast(grad_out, a.shape), unbroadcast(-grad_out, b.shape)
    return a - b, vjp


@defop
def mul(a, b):
    """``a * b`` (elementwise).

    >>> a = Tensor([1.0, 2.0], requires_grad=True)
    >>> mul(a, Tensor([3.0, 4.0])).sum().backward()
    >>> a.grad                                   # d(a * b)/da = b
    array([3., 4.])
    """
    def vjp(grad_out):
        return unbroadcast(grad_out * b, a.shape), unbroadcast(grad_out * a, b.shape)
    return a * b, vjp


@defop
def div(a, b):
    """``a / b``: d/da = 1/b, d/db = -a/b**2.

    >>> b = Tensor([2.0, 4.0], requires_grad=True)
    >>> y = div(8.0, b)
    >>> y
    Tensor([4., 2.], grad_fn=<div>)
    >>> y.sum().backward()
    >>> b.grad                                   # -8 / b**2
    array([-2. , -0.5])
    """
    out = a / b

    def vjp(grad_out):
        grad_a = grad_out / b
        return unbroadcast(grad_a, a.shape), unbroadcast(-grad_a * out, b.shape)
    return out, vjp


@defop
def power(a, b, *, needs_input_grad):
    """``a ** b``: d/da = b a**(b-1), d/db = a**b log(a) (each computed only when needed).

    As PyTorch: d/da is 0 where ``b == 0`` (``x ** 0`` is constant, even at ``x = 0``) and d/db
    is 0 where ``a == 0`` and ``b >= 0`` (instead of ``0 * log 0 = nan``).

    >>> x = Tensor(2.0, requires_grad=True)
    >>> y = power(x, 3.0)                        # x ** 3
    >>> y.backward()
    >>> y.item(), x.grad                         # 2**3, 3 * 2**2
    (8.0, array(12.))
    """
    out = a ** b

    def vjp(grad_out):
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if needs_input_grad[0]:
                local = np.where(b == 0, 0, b * a ** (b - 1))
                grad_a = unbroadcast(grad_out * local, a.shape)
            if needs_input_grad[1]:
                local = np.where((a == 0) & (b >= 0), 0, out * np.log(a))
                grad_b = unbroadcast(grad_out * local, b.shape)
        return grad_a, grad_b
    return out, vjp


@defop
def neg(a):
    """``-a``.

    >>> neg(Tensor([1.0, -2.0]))
    Tensor([-1.,  2.])
    """
    def vjp(grad_out):
        return (-grad_out,)
    return -a, vjp


@defop
def matmul(a, b):
    """``a @ b`` with NumPy's rules (1-D operands, batch broadcasting).

    For matrices ``d/da = grad_out @ b.T`` and ``d/db = a.T @ grad_out``. A 1-D ``a`` acts as
    a row ``(1, k)`` and a 1-D ``b`` as a column ``(k, 1)``; batch axes are unbroadcast.

    >>> a = Tensor(np.ones((2, 3)), requires_grad=True)
    >>> y = matmul(a, Tensor([0.0, 1.0, 2.0]))  # (2, 3) @ (3,) -> (2,)
    >>> y
    Tensor([3., 3.], grad_fn=<matmul>)
    >>> y.sum().backward()
    >>> a.grad                                   # grad_out (as a column) @ b (as a row)
    array([[0., 1., 2.],
           [0., 1., 2.]])
    """
    def vjp(grad_out):
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = grad_out
        if b.ndim == 1:          # put back the removed column axis, then the removed row axis
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        grad_a = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return grad_a, grad_b
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul needs operands with at least one axis; got shapes {a.shape} and {b.shape}")
    return a @ b, vjp


register_ops(add=add, sub=sub, mul=mul, div=div, power=power, matmul=matmul, neg=neg)
