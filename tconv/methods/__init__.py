"""How tconv's operators are computed: the methods, one module each, and their registry.

Every method computes the same operators; ``method=`` on every NumPy-level op and every
differentiable op in :mod:`tconv.nn.functional` picks one by name (``None``: the default,
``"numba"``, changed by :func:`set_default_method` or, for a block, :func:`use_method`).

==============  ==========================================  ===========================  ====================
method          convolution (the matrix ``C``)              pooling                      resizing
==============  ==========================================  ===========================  ====================
``"matrix"``    the explicit sparse ``C`` (:mod:`.matrix`)  NumPy (the kernels' twins)   per-axis matrices
``"reference"`` the readable loops (:mod:`.reference`)      NumPy (the kernels' twins)   PyTorch's gather
``"numba"``     ``C = (W ⊗ I)·P``: unfold + GEMM            Numba kernels                per-axis matrices
                (:mod:`.unfold`), or Winograd
                (:mod:`.winograd`), chosen per layer
                (:mod:`.choice`)
``"numpy"``     the same with the NumPy twins of the        NumPy (the kernels' twins)   per-axis matrices
                kernels
``"winograd"``  Winograd wherever it applies, else          Numba kernels                per-axis matrices
                unfold + GEMM
``"unfold"``    unfold + GEMM everywhere                    Numba kernels                per-axis matrices
``"polyphase"`` ``s^d`` stride-1 convolutions with the      Numba kernels                per-axis matrices
                sub-kernels of the phases, interleaved
                (:mod:`.polyphase`)
==============  ==========================================  ===========================  ====================

The package, one file per concept:

* :mod:`.base`: the interface, :class:`Method` (``C @ x``, ``C.T @ y``, the weight gradient)
  and :class:`PoolKernels`;
* :mod:`.matrix`, :mod:`.reference`, :mod:`.unfold`, :mod:`.winograd`, :mod:`.polyphase`: one
  module per way of computing ``C @ x``;
* :mod:`.choice`: which factorization runs for each layer, and the fast methods built from it;
* :mod:`.runtime`: threads, BLAS control, scratch buffers, splitting the batch over threads;
* this module: the registry (:func:`register_method`, :func:`unregister_method`,
  :func:`get_method`, :func:`available_methods`, :func:`use_method`).

The fast methods (:mod:`.choice`) are built on first use, so ``import tconv`` does not
import Numba. A new method: write its three products (signatures in :class:`Method`),
then ``register_method("mine", forward=..., adjoint=..., weight_grad=...)``; the tests of
``docs/map.md`` ("Adding a method") hold it to the matrix.
"""
from __future__ import annotations

import contextlib
from typing import Callable

from . import matrix as _matrix_method
from . import reference as _reference_method
from .base import Method, PoolKernels, numpy_pool

__all__ = ["Method", "PoolKernels", "get_method", "register_method", "unregister_method", "registered",
           "set_default_method", "get_default_method", "use_method", "available_methods", "DEFAULT_METHOD"]

DEFAULT_METHOD = "numba"

# name -> Method, or a function returning the Method (built on first use).
_METHODS: dict[str, "Method | Callable[[], Method]"] = {}
_state = {"default": DEFAULT_METHOD}


def register_method(name: str, forward: Callable, adjoint: Callable, weight_grad: Callable, *,
                    keeps_columns: bool = False, pool: PoolKernels | None = None, resize: str = "matrix") -> None:
    """Make ``method=name`` available (see :class:`Method` for the signatures).

    Pooling falls back to the NumPy kernels when ``pool`` is not given. A name already
    registered is refused (:func:`unregister_method` it first).

    >>> import numpy as np
    >>> from tconv import conv1d
    >>> m = get_method("matrix")
    >>> register_method("matrix-copy", m.forward, m.adjoint, m.weight_grad)
    >>> conv1d(np.ones((1, 4)), np.ones((1, 1, 3)), method="matrix-copy")
    array([[3., 3.]])
    >>> unregister_method("matrix-copy")
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name={name!r} must be a non-empty str")
    if name in _METHODS:
        raise ValueError(f"method {name!r} is already registered; unregister_method({name!r}) first")
    if resize not in ("matrix", "gather"):
        raise ValueError(f"resize={resize!r} must be 'matrix' or 'gather'")
    _METHODS[name] = Method(forward, adjoint, weight_grad, keeps_columns=keeps_columns, pool=pool or numpy_pool(),
                            resize=resize)


def unregister_method(name: str) -> None:
    """Remove the method ``name`` (the default method cannot be removed).

    >>> unregister_method("nothing")
    Traceback (most recent call last):
    ...
    ValueError: method='nothing' is not one of ('matrix', 'reference', 'numba', 'numpy', 'winograd', 'unfold', 'polyphase')
    """
    _check_method(name)
    if name == _state["default"]:
        raise ValueError(f"method {name!r} is the default method; set_default_method(...) to another first")
    del _METHODS[name]


@contextlib.contextmanager
def registered(name: str, forward: Callable, adjoint: Callable, weight_grad: Callable, **options):
    """:func:`register_method` for the block, :func:`unregister_method` after it (for tests and experiments).

    >>> m = get_method("matrix")
    >>> with registered("mine", m.forward, m.adjoint, m.weight_grad):
    ...     "mine" in available_methods()
    True
    >>> "mine" in available_methods()
    False
    """
    register_method(name, forward, adjoint, weight_grad, **options)
    try:
        yield get_method(name)
    finally:
        if name in _METHODS:
            unregister_method(name)


def get_method(method: str | None = None) -> Method:
    """The :class:`Method` called ``method`` (the default method when ``None``).

    >>> get_method("reference").forward.__module__
    'tconv.methods.reference'
    """
    name = _check_method(_state["default"] if method is None else method)
    entry = _METHODS[name]
    if not isinstance(entry, Method):       # a fast method, built on first use
        entry = _METHODS[name] = entry()
    return entry


def available_methods() -> tuple[str, ...]:
    """The names ``method=`` accepts.

    >>> available_methods()[:4]
    ('matrix', 'reference', 'numba', 'numpy')
    """
    return tuple(_METHODS)


def _check_method(method) -> str:
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method={method!r} is not one of {available_methods()}")
    return method


def set_default_method(method: str) -> None:
    """Set the method used when ``method=None`` (see also :func:`use_method`).

    >>> previous = get_default_method()
    >>> set_default_method("matrix"); get_default_method()
    'matrix'
    >>> set_default_method(previous)
    """
    _state["default"] = _check_method(method)


def get_default_method() -> str:
    """The method used when ``method=None``.

    >>> get_default_method()
    'numba'
    """
    return _state["default"]


@contextlib.contextmanager
def use_method(method: str):
    """Temporarily change the default method (for every op: convolution, pooling, resizing).

    >>> with use_method("reference"):
    ...     get_default_method()
    'reference'
    """
    previous = _state["default"]
    set_default_method(method)
    try:
        yield
    finally:
        _state["default"] = previous


def _fast(name: str) -> Callable[[], Method]:
    """A builder of the fast method ``name`` (:func:`tconv.methods.choice.fast_method`; imports Numba)."""
    def build() -> Method:
        from .choice import fast_method

        return fast_method(name)
    return build


register_method("matrix", _matrix_method.forward, _matrix_method.adjoint, _matrix_method.weight_grad)
register_method("reference", _reference_method.forward, _reference_method.adjoint, _reference_method.weight_grad,
                resize="gather")
for _name in ("numba", "numpy", "winograd", "unfold"):
    _METHODS[_name] = _fast(_name)


def _polyphase() -> Method:
    """The ``"polyphase"`` method (:mod:`tconv.methods.polyphase`; imports Numba, so built on first use)."""
    from .polyphase import polyphase_method

    return polyphase_method()


_METHODS["polyphase"] = _polyphase
