"""``Tensor``: an ndarray that remembers how it was computed, so ``backward`` can run the chain rule.

A tensor holds

* ``data``: a float32 or float64 ndarray (the dtype rule of :mod:`tconv._checks`: ints,
  bools and lists become float64, complex is a ``TypeError``);
* ``requires_grad``: whether gradients should flow to it;
* ``grad``: ``None`` until ``backward`` reaches it, then an ndarray of ``data``'s shape and
  dtype. Only *leaves* (tensors you created, not results of ops) get ``.grad``, unless you
  call :meth:`Tensor.retain_grad` on an intermediate result.

A result of an op also remembers its ``parents`` (the input tensors) and a ``vjp``
closure that turns the gradient of the result into the gradients of the parents. Every
operator and method of the class is written below (``+``, ``@``, ``.sum()``, ``.reshape()``,
``[...]``, ...); each calls the op of its name in :data:`OPS`, which the op files
(``arithmetic.py``, ``reductions.py``, ``shaping.py``, ``elementwise.py``) fill when imported:
there each op's forward and VJP are defined side by side. :mod:`tconv.autograd.engine` walks
the graph.

Gradients accumulate: each ``backward`` *adds* into ``.grad``, as in PyTorch, so zero them
between optimisation steps (``t.grad = None`` or ``t.zero_grad()``).

>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y
Tensor(14., grad_fn=<sum>)
>>> y.backward()
>>> x.grad
array([2., 4., 6.])
"""
from __future__ import annotations

import numbers

import numpy as np

from .._checks import as_float_array
from . import engine

__all__ = ["Tensor", "OPS", "register_ops"]

#: The differentiable ops behind Tensor's operators and methods, by name (``"add"``,
#: ``"sum"``, ``"getitem"``, ...), filled by :func:`register_ops` when the op files are
#: imported (``import tconv.autograd`` imports them all).
OPS: dict = {}


class Tensor:
    """A float32/float64 array with an optional gradient and the graph that produced it.

    ``Tensor(data, requires_grad=False)``: ``data`` is anything NumPy can turn into an
    array; a float32/float64 ndarray is wrapped without copying (like
    ``torch.from_numpy``), other numbers become float64. Make a trainable parameter with
    ``Tensor(array, requires_grad=True)``.

    Comparisons (``<``, ``==``, ...) return plain boolean ndarrays and record nothing.
    ``Tensor`` sets ``__array_ufunc__ = None`` so ``ndarray + Tensor`` calls the Tensor's
    reflected operator and stays differentiable.

    >>> t = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> t.shape, t.dtype, t.is_leaf
    ((1, 2), dtype('float64'), True)
    >>> Tensor(np.zeros(2, np.float32))
    Tensor([0., 0.], dtype=float32)
    >>> Tensor([1.0, 5.0]) > 2
    array([False,  True])
    """

    __array_ufunc__ = None      # ndarray (op) Tensor -> Tensor.__r(op)__, never an object array
    _is_tconv_tensor = True     # recognised by tconv._checks (below the autograd) without importing it
    __hash__ = object.__hash__  # hashable by identity although __eq__ is elementwise

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad={requires_grad!r} must be a bool")
        if np.asarray(data).dtype == np.bool_ and np.ndim(data) > 0:
            # A Tensor holds floats: a mask stored as 0./1. would later index positions 0 and 1.
            raise TypeError("Tensor data is a boolean array; Tensors hold float32/float64. Index with the "
                            "boolean ndarray itself (x[mask]) or convert explicitly (mask.astype(np.float64))")
        self.data: np.ndarray = as_float_array("Tensor data", data)
        self.grad: np.ndarray | None = None
        self._requires_grad = bool(requires_grad)
        self._parents: tuple = ()      # input tensors (None for inputs that were not tensors)
        self._vjp = None               # grad_out -> one gradient (or None) per parent
        self._op = None                # name of the op that made it, for repr and errors
        self._retain_grad = False

    @classmethod
    def _from_op(cls, data: np.ndarray, parents: tuple, vjp, op: str) -> "Tensor":
        """A non-leaf result of ``op`` (called by :func:`~tconv.autograd.function.defop`)."""
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._requires_grad = True
        out._parents = parents
        out._vjp = vjp
        out._op = op
        out._retain_grad = False
        return out

    # ------------------------------------------------------------------ description
    @property
    def requires_grad(self) -> bool:
        """Whether ``backward`` computes a gradient for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if not self.is_leaf:
            raise RuntimeError("requires_grad can only be changed on leaf tensors; use .detach() "
                               "to get a leaf that shares this result's data")
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place on a leaf and return ``self``."""
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (they receive ``.grad``)."""
        return self._vjp is None

    @property
    def grad_fn(self) -> str | None:
        """Name of the op that produced this tensor (``None`` for leaves)."""
        return self._op

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        if self._op is not None:
            extra = f", grad_fn=<{self._op}>"
        elif self._requires_grad:
            extra = ", requires_grad=True"
        else:
            extra = ""
        if self.dtype != np.float64:
            extra += f", dtype={self.dtype}"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------ leaving the graph
    def detach(self) -> "Tensor":
        """A leaf sharing this tensor's data, with no graph and ``requires_grad=False``."""
        return Tensor(self.data)

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __bool__(self) -> bool:
        return bool(self.data)

    # ------------------------------------------------------------------ comparisons: no graph
    def _other(self, other):
        return other.data if isinstance(other, Tensor) else other

    def __lt__(self, other):
        return self.data < self._other(other)

    def __le__(self, other):
        return self.data <= self._other(other)

    def __gt__(self, other):
        return self.data > self._other(other)

    def __ge__(self, other):
        return self.data >= self._other(other)

    def __eq__(self, other):
        return self.data == self._other(other)

    def __ne__(self, other):
        return self.data != self._other(other)

    # ------------------------------------------------------------------ differentiable operators
    # Each calls the op of the same name, defined once with its VJP in arithmetic.py,
    # reductions.py, elementwise.py or shaping.py (see OPS).
    def __add__(self, other):
        return OPS["add"](self, other)

    def __radd__(self, other):
        return OPS["add"](other, self)

    def __sub__(self, other):
        return OPS["sub"](self, other)

    def __rsub__(self, other):
        return OPS["sub"](other, self)

    def __mul__(self, other):
        return OPS["mul"](self, other)

    def __rmul__(self, other):
        return OPS["mul"](other, self)

    def __truediv__(self, other):
        return OPS["div"](self, other)

    def __rtruediv__(self, other):
        return OPS["div"](other, self)

    def __pow__(self, other):
        return OPS["power"](self, other)

    def __rpow__(self, other):
        return OPS["power"](other, self)

    def __matmul__(self, other):
        return OPS["matmul"](self, other)

    def __rmatmul__(self, other):
        return OPS["matmul"](other, self)

    def __neg__(self):
        return OPS["neg"](self)

    def sum(self, axis=None, keepdims: bool = False) -> "Tensor":
        """The sum over ``axis`` (every axis when ``None``), as ``np.sum``."""
        return OPS["sum"](self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> "Tensor":
        """The mean over ``axis`` (every axis when ``None``), as ``np.mean``."""
        return OPS["mean"](self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False) -> "Tensor":
        """The largest value over ``axis``; the gradient goes to the maxima (split evenly between ties)."""
        return OPS["max"](self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False) -> "Tensor":
        """The smallest value over ``axis``; the gradient goes to the minima (split evenly between ties)."""
        return OPS["min"](self, axis=axis, keepdims=keepdims)

    def exp(self) -> "Tensor":
        """Elementwise ``e**x``."""
        return OPS["exp"](self)

    def log(self) -> "Tensor":
        """Elementwise natural logarithm."""
        return OPS["log"](self)

    def sqrt(self) -> "Tensor":
        """Elementwise square root."""
        return OPS["sqrt"](self)

    def abs(self) -> "Tensor":
        """Elementwise absolute value."""
        return OPS["abs"](self)

    __abs__ = abs

    def clip(self, low=None, high=None) -> "Tensor":
        """Limit to ``[low, high]`` (as ``np.clip`` / ``torch.clamp``)."""
        return OPS["clip"](self, low=low, high=high)

    def astype(self, dtype) -> "Tensor":
        """The tensor as float32 or float64; the gradient is converted back."""
        return OPS["astype"](self, dtype=dtype)

    def reshape(self, *shape) -> "Tensor":
        """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return OPS["reshape"](self, shape=shape)

    def transpose(self, *axes) -> "Tensor":
        """``x.transpose()`` (reverse the axes), ``x.transpose(1, 0, 2)`` or ``x.transpose((1, 0, 2))``."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        return OPS["transpose"](self, axes=axes or None)

    @property
    def T(self) -> "Tensor":
        """The tensor with its axes reversed."""
        return OPS["transpose"](self)

    def __getitem__(self, index) -> "Tensor":
        """``x[index]`` with NumPy's indexing; Tensors used as indices act as their arrays."""
        return OPS["getitem"](self, index=_unwrap_index(index))

    # ------------------------------------------------------------------ gradients
    def backward(self, grad=None) -> None:
        """Accumulate ``d(self)/d(leaf)`` (times ``grad``) into ``.grad`` of every leaf that requires grad.

        ``grad`` is the gradient of some scalar with respect to ``self`` (same shape); it may
        be omitted only when ``self`` has one element (then it is 1). Gradients *add* to
        whatever ``.grad`` already holds. The graph is kept, so calling ``backward`` twice
        adds the gradients twice. See :func:`tconv.autograd.engine.backward`.
        """
        engine.backward(self, grad)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``self.grad = None``)."""
        self.grad = None

    def retain_grad(self) -> "Tensor":
        """Ask ``backward`` to store ``.grad`` on this non-leaf too (e.g. to look at a feature map's gradient)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retain_grad = True
        return self


def _unwrap_index(index):
    """Tensors used as indices become their arrays (as integers when they hold whole numbers)."""
    if isinstance(index, tuple):
        return tuple(_unwrap_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data.astype(np.intp) if np.all(index.data == np.round(index.data)) else index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def register_ops(**ops) -> None:
    """Put differentiable ops into :data:`OPS` by name (the op modules call it when imported)."""
    OPS.update(ops)
