"""Grad mode: whether operations record the graph that ``backward`` walks.

Inside ``with no_grad():`` every result is a plain leaf that does not require grad and
remembers no parents, so no memory is spent on the graph (evaluation, optimizer updates,
finite differences in :func:`~tconv.autograd.gradcheck.gradcheck`). ``enable_grad``
switches recording back on inside a ``no_grad`` block. Both work as decorators too, and
the flag is per thread, as in PyTorch.

>>> from tconv import Tensor
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> with no_grad():
...     (w * 2).requires_grad
False
>>> is_grad_enabled()
True
"""
from __future__ import annotations

import contextlib
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record the graph.

    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return getattr(_state, "enabled", True)


def _set(enabled: bool) -> None:
    _state.enabled = bool(enabled)


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager (and decorator) setting grad mode to ``mode`` for its block.

    >>> with set_grad_enabled(False):
    ...     is_grad_enabled()
    False
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(mode={mode!r}) needs a bool")
        self.mode = mode
        self._previous: list[bool] = []

    def __enter__(self):
        self._previous.append(is_grad_enabled())
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self._previous.pop())
        return False


class no_grad(set_grad_enabled):
    """Context manager (and decorator): results record no graph and do not require grad.

    >>> @no_grad()
    ... def evaluate():
    ...     return is_grad_enabled()
    >>> evaluate(), is_grad_enabled()
    (False, True)
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Context manager (and decorator) turning recording back on, e.g. inside ``no_grad``.

    >>> with no_grad():
    ...     with enable_grad():
    ...         is_grad_enabled()
    True
    """

    def __init__(self):
        super().__init__(True)
