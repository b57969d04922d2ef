"""``defop``: define an op once, its forward and its vector-Jacobian product side by side.

An op is a plain function on ndarrays that returns its result *and* a closure computing
the VJP, the way micrograd defines ``_backward`` inside ``Value.__mul__``::

    @defop
    def mul(a, b):
        def vjp(grad_out):                       # d loss/d out -> d loss/d a, d loss/d b
            return unbroadcast(grad_out * b, a.shape), unbroadcast(grad_out * a, b.shape)
        return a * b, vjp

The rules ``defop`` applies:

* **positional arguments are the differentiable inputs**: Tensors, or ndarrays / numbers /
  ``None`` that are treated as constants. The forward sees their ndarrays; the VJP
  returns one gradient (or ``None``) per positional argument, each of its input's shape.
* **keyword arguments are settings** (axis, stride, targets, ...) passed through as they are.
* Python numbers and 0-d arrays take the dtype of the Tensor arguments, so
  ``float32_tensor * 2.0`` stays float32; other arrays follow NumPy's promotion.
* A forward whose signature has a ``needs_input_grad`` keyword receives a tuple of bools
  (which positional inputs need a gradient), so an expensive VJP can skip work.
* The graph is recorded only when grad mode is on and some input requires grad; otherwise
  the result is a plain leaf and the VJP closure is dropped.

The engine (:mod:`tconv.autograd.engine`) chains the VJPs and accumulates.

>>> from tconv import Tensor
>>> @defop
... def cube(x):
...     def vjp(grad_out):
...         return (grad_out * 3 * x ** 2,)
...     return x ** 3, vjp
>>> t = Tensor([1.0, 2.0], requires_grad=True)
>>> cube(t).sum().backward()
>>> t.grad
array([ 3., 12.])
"""
from __future__ import annotations

import functools
import inspect
import numbers
import time

import numpy as np

from .._checks import as_float_array
from . import plan, profiler
from .grad_mode import is_grad_enabled
from .tensor import Tensor

__all__ = ["defop", "unbroadcast", "as_tensor", "reflected"]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes NumPy broadcasting added or stretched, so it has ``shape``.

    If ``x`` of shape ``(3, 1)`` was broadcast to ``(2, 3, 4)``, each entry of ``x`` was
    used 2*4 times, so its gradient is the sum of those 8 gradients.

    >>> unbroadcast(np.ones((2, 3, 4)), (3, 1))
    array([[8.],
           [8.],
           [8.]])
    """
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(axis for axis, n in enumerate(shape) if n == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _is_scalar(value) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) or (isinstance(value, np.ndarray) and value.ndim == 0)


def _as_array(value, dtype, name: str):
    """The ndarray an op's forward sees for one positional argument."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.data
    if _is_scalar(value) and not isinstance(value, (complex, np.complexfloating)):
        return np.asarray(value, dtype=dtype)
    return as_float_array(name, value)


def as_tensor(value) -> Tensor:
    """``value`` if it is a Tensor, else a constant Tensor wrapping it.

    >>> t = Tensor([1.0])
    >>> as_tensor(t) is t
    True
    >>> as_tensor([1, 2])
    Tensor([1., 2.])
    """
    return value if isinstance(value, Tensor) else Tensor(value)


def defop(forward):
    """Make ``forward(*arrays, **settings) -> (out, vjp)`` a differentiable op on Tensors.

    See the module docstring for the rules. The returned function takes Tensors (or
    constants) in the positional slots and returns a Tensor.

    >>> @defop
    ... def double(x):
    ...     return 2 * x, lambda grad_out: (2 * grad_out,)
    >>> t = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = double(t)
    >>> y
    Tensor([2., 4.], grad_fn=<double>)
    >>> y.sum().backward()
    >>> t.grad
    array([2., 2.])
    """
    name = forward.__name__.lstrip("_")
    wants_needs = "needs_input_grad" in inspect.signature(forward).parameters

    @functools.wraps(forward)
    def op(*inputs, **settings):
        tensor_dtypes = [t.dtype for t in inputs if isinstance(t, Tensor)]
        dtype = np.result_type(*tensor_dtypes) if tensor_dtypes else np.float64
        arrays = [_as_array(value, dtype, f"argument {i} of {name}") for i, value in enumerate(inputs)]
        needs = tuple(isinstance(t, Tensor) and t.requires_grad for t in inputs)
        record = any(needs) and is_grad_enabled()
        if wants_needs:
            settings["needs_input_grad"] = needs if record else (False,) * len(inputs)
        prof = profiler.active()
        if prof is None:
            out, vjp = forward(*arrays, **settings)
        else:
            out, vjp = _profiled(prof, name, forward, arrays, settings, record)
        out = np.asarray(out)
        if not record:
            result = Tensor(out)
        else:
            parents = tuple(t if isinstance(t, Tensor) and t.requires_grad else None for t in inputs)
            result = Tensor._from_op(out, parents, vjp, name)
        tracer = plan.tracing()
        if tracer is not None:                       # tconv.compile is recording this forward
            tracer.record(name, forward, inputs, arrays, settings, result)
        return result

    op.forward = forward
    return op


def _profiled(prof, name, forward, arrays, settings, record):
    """``forward(*arrays, **settings)`` timed as the row ``name``; its VJP timed as ``"name (backward)"``."""
    start = time.perf_counter()
    out, vjp = forward(*arrays, **settings)
    prof.add(name, time.perf_counter() - start, profiler.nbytes(out))
    if not record:
        return out, vjp

    def timed_vjp(grad_out):
        begin = time.perf_counter()
        grads = vjp(grad_out)
        seconds = time.perf_counter() - begin
        prof.add(f"{name} (backward)", seconds, profiler.nbytes(grads))
        prof.vjp_seconds += seconds
        return grads
    return out, timed_vjp


def reflected(op):
    """``other (op) self`` as a method, for ``__radd__``, ``__rsub__``, ... .

    >>> from tconv import Tensor
    >>> (1.0 - Tensor([3.0])).data
    array([-2.])
    """
    @functools.wraps(op)
    def method(self, other):
        return op(other, self)
    method.__name__ = f"reflected_{op.__name__}"
    return method
