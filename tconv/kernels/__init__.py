"""Numba hot paths, each with a plain NumPy twin of the same signature.

* :mod:`.im2col`: unfold (the patch matrix ``P``) and fold (``P.T``);
* :mod:`.pool`: max pooling with its argmax, average pooling, and their backwards.

Importing this package does not import Numba; the kernel modules do (on first use of a
fast method). Set ``NUMBA_DISABLE_JIT=1`` to run every kernel as ordinary Python (for a
debugger).
"""
from __future__ import annotations

__all__ = ["set_num_threads", "get_num_threads"]


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the parallel kernels (1 <= n <= NUMBA_NUM_THREADS).

    >>> set_num_threads(get_num_threads())
    """
    import numba

    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"set_num_threads(n={n!r}): n must be an int from 1 to "
                         f"NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}")
    numba.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads the parallel kernels use.

    >>> get_num_threads() >= 1
    True
    """
    import numba

    return numba.get_num_threads()
