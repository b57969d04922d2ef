"""The one place tconv compiles with Numba.

``jit`` is ``numba.njit(cache=True, ...)``; with ``NUMBA_DISABLE_JIT=1`` Numba returns the
plain Python functions (``prange`` becomes ``range``), so a student can step through
every kernel in a debugger. ``set_num_threads`` bounds Numba's threads (it also respects
the ``NUMBA_NUM_THREADS`` environment variable, Numba's own upper bound).
"""
from __future__ import annotations

import numba
from numba import prange

__all__ = ["jit", "prange", "set_num_threads", "get_num_threads"]


def jit(parallel: bool = False):
    """Decorator: compile in nopython mode, cache the machine code on disk."""
    return numba.njit(cache=True, parallel=parallel, fastmath=False, nogil=True)


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the parallel kernels (1 <= n <= NUMBA_NUM_THREADS).

    >>> set_num_threads(get_num_threads())
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"set_num_threads(n={n!r}): n must be an int from 1 to "
                         f"NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}")
    numba.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads the parallel kernels use."""
    return numba.get_num_threads()
