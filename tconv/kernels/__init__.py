"""Numba hot paths, each with a plain NumPy twin of the same signature, and the thread count.

* :mod:`.im2col`: unfold (the patch matrix ``P``) and fold (``P.T``);
* :mod:`.pool` / :mod:`.pool_numpy`: max pooling with its argmax, average pooling, backwards.

Importing this package does not import Numba; the kernel modules do (on first use of a
fast method). Set ``NUMBA_DISABLE_JIT=1`` to run every kernel as ordinary Python (for a
debugger).

:func:`set_num_threads` sets the threads of both pools that do tconv's work: Numba's
(the parallel kernels) and OpenBLAS's (the matrix products NumPy runs). Environment
variables (``NUMBA_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``) still set the upper bound.
"""
from __future__ import annotations

import ctypes
import re

from .._checks import check_int

__all__ = ["set_num_threads", "get_num_threads", "set_blas_threads", "get_blas_threads"]


def _openblas():
    """NumPy's OpenBLAS (a ctypes handle) and its symbol prefix, or ``(None, "")`` if not found."""
    import numpy  # noqa: F401  (loads the library)

    try:
        with open("/proc/self/maps") as maps:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps.read())))
    except OSError:
        return None, ""
    for path in paths:
        if "numpy" not in path:
            continue
        library = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            if hasattr(library, f"{prefix}_set_num_threads{suffix}"):
                return library, (prefix, suffix)
    return None, ""


def set_blas_threads(n: int) -> bool:
    """Use ``n`` threads in NumPy's OpenBLAS; returns False if that library was not found (other BLAS).

    >>> set_blas_threads(get_blas_threads() or 1) in (True, False)
    True
    """
    n = check_int("n", n, minimum=1)
    library, names = _openblas()
    if library is None:
        return False
    getattr(library, f"{names[0]}_set_num_threads{names[1]}")(ctypes.c_int(n))
    return True


def get_blas_threads() -> int | None:
    """The threads NumPy's OpenBLAS uses (``None`` if it was not found)."""
    library, names = _openblas()
    if library is None:
        return None
    function = getattr(library, f"{names[0]}_get_num_threads{names[1]}")
    function.restype = ctypes.c_int
    return int(function())


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the parallel kernels and in NumPy's BLAS (1 <= n <= NUMBA_NUM_THREADS).

    >>> set_num_threads(get_num_threads())
    """
    import numba

    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"set_num_threads(n={n!r}): n must be an int from 1 to "
                         f"NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}")
    numba.set_num_threads(n)
    set_blas_threads(n)


def get_num_threads() -> int:
    """The number of threads the parallel kernels use.

    >>> get_num_threads() >= 1
    True
    """
    import numba

    return numba.get_num_threads()
