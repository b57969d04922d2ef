"""Numba hot paths, each with a plain NumPy twin of the same signature.

Set ``NUMBA_DISABLE_JIT=1`` to run every kernel as ordinary Python (for a debugger).
"""
from . import im2col
from ._jit import get_num_threads, set_num_threads

__all__ = ["im2col", "set_num_threads", "get_num_threads"]
