"""The one place tconv compiles with Numba.

``jit`` is ``numba.njit(cache=True, ...)``; with ``NUMBA_DISABLE_JIT=1`` Numba returns the
plain Python functions (``prange`` becomes ``range``), so a student can step through
every kernel in a debugger. The thread count is set with :func:`tconv.set_num_threads`
(bounded by the ``NUMBA_NUM_THREADS`` environment variable, Numba's own upper bound).
"""
from __future__ import annotations

import numba
from numba import prange

__all__ = ["jit", "prange"]


def jit(parallel: bool = False):
    """Decorator: compile in nopython mode, cache the machine code on disk."""
    return numba.njit(cache=True, parallel=parallel, fastmath=False, nogil=True)
