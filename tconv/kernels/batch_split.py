"""Run a computation on parts of the batch in parallel threads, each with a single-threaded BLAS.

The Winograd method (:mod:`tconv.winograd`) alternates serial Numba transforms with batched
BLAS GEMMs. Letting OpenBLAS own the cores leaves the transforms on one core, and giving
the transforms a ``prange`` makes Numba's and OpenBLAS's spinning thread pools fight
(:mod:`.im2col` measured it). Splitting the *batch* instead gives every core a whole
pipeline: each part runs its transforms and its GEMMs in its own thread, with OpenBLAS set
to one thread meanwhile (so no BLAS worker spins), and writes only its own slice of the
outputs. The kernels release the GIL (``nogil=True``), and so does ``np.matmul``.

>>> parts = split(5, threads=2)
>>> parts
[slice(0, 2, None), slice(2, 5, None)]
>>> [p.stop - p.start for p in run_parts(lambda p: p, parts)]
[2, 3]
"""
from __future__ import annotations

import contextlib
import ctypes
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["split", "run_parts", "map_blocks", "scratch", "threads", "single_threaded_blas", "keep_freed_memory"]

_state: dict = {}
_lock = threading.Lock()


def threads() -> int:
    """The thread count of tconv's parallel kernels (:func:`tconv.set_num_threads`)."""
    import numba

    return numba.get_num_threads()


def split(n: int, threads: int) -> list[slice]:
    """``n`` batch elements as ``min(n, threads)`` contiguous parts of nearly equal size."""
    parts = max(1, min(n, threads))
    bounds = [n * i // parts for i in range(parts + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(parts)]


def _blas_setter():
    """NumPy's OpenBLAS ``(set_num_threads, get_num_threads)`` as ctypes functions, or ``None`` (found once)."""
    if "blas" not in _state:
        from . import _openblas

        library, names = _openblas()
        if library is None:
            _state["blas"] = None
        else:
            get = getattr(library, f"{names[0]}_get_num_threads{names[1]}")
            get.restype = ctypes.c_int
            _state["blas"] = (getattr(library, f"{names[0]}_set_num_threads{names[1]}"), get)
    return _state["blas"]


@contextlib.contextmanager
def single_threaded_blas():
    """Run the block with NumPy's OpenBLAS on one thread (the previous count is restored).

    Also for small products between the parallel parts: a multi-threaded BLAS call wakes
    its worker threads, which then spin for a while next to tconv's own threads.
    """
    functions = _blas_setter()
    if functions is None:
        yield
        return
    set_threads, get_threads = functions
    previous = int(get_threads())
    set_threads(ctypes.c_int(1))
    try:
        yield
    finally:
        set_threads(ctypes.c_int(previous))


def run_parts(function, parts: list[slice]) -> list:
    """``[function(part) for part in parts]``, the parts in parallel threads (BLAS single-threaded meanwhile).

    The results come back in the order of ``parts``, so sums over them are reproducible.
    """
    if len(parts) == 1:
        return [function(parts[0])]
    with _lock:
        pool = _state.get("pool")
        if pool is None or pool._max_workers < len(parts) - 1:
            pool = _state["pool"] = ThreadPoolExecutor(max_workers=len(parts) - 1,
                                                       thread_name_prefix="tconv-batch")
    with single_threaded_blas():
        futures = [pool.submit(function, part) for part in parts[1:]]
        first = function(parts[0])
        return [first] + [future.result() for future in futures]


def map_blocks(function, blocks: list[slice]) -> list:
    """``[function(block) for block in blocks]``, consecutive runs of blocks in parallel threads.

    >>> map_blocks(lambda b: b.stop - b.start, [slice(0, 2), slice(2, 3), slice(3, 6)])
    [2, 1, 3]
    """
    runs = split(len(blocks), threads())
    results = run_parts(lambda run: [function(block) for block in blocks[run]], runs)
    return [value for values in results for value in values]


_scratch_space = threading.local()


def scratch(name: str, shape, dtype) -> np.ndarray:
    """A reusable buffer ``name`` for temporaries, one per thread (fresh pages cost as much as the work).

    The buffer is overwritten by the next call with the same name in the same thread.

    >>> a = scratch("a", (2, 3), np.float32); b = scratch("b", (2, 3), np.float32)
    >>> np.shares_memory(a, b), np.shares_memory(a, scratch("a", (6,), np.float32))
    (False, True)
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    pool = _scratch_space.__dict__.setdefault("buffers", {})
    buffer = pool.get((name, dtype))
    if buffer is None or buffer.size < size:
        buffer = pool[(name, dtype)] = np.empty(size, dtype=dtype)
    return buffer[:size].reshape(shape)


# glibc's mallopt parameters
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def keep_freed_memory() -> bool:
    """Ask glibc's ``malloc`` to keep freed blocks (up to 32 MB) for reuse; True if it agreed.

    By default glibc hands a large freed block back to the operating system, and the next
    array of that size starts on fresh pages: the kernel zeroes every 4 KB page on first
    touch, which for tconv's big temporaries (transformed tiles, columns, gradients) costs
    as much as the arithmetic. Keeping them (``M_MMAP_THRESHOLD`` 32 MB, the maximum;
    ``M_TRIM_THRESHOLD`` 1 GB) made a U-Net training step 25% faster (545-584 ms -> 412-431
    ms of CPU, one thread). The price: the process keeps its high-water mark of memory
    instead of shrinking. It is process-wide, set once when a fast method is first built
    (:func:`tconv.fast_methods.method`); set the environment variable ``TCONV_KEEP_FREED_MEMORY=0``
    to leave ``malloc`` alone. Does nothing (False) without glibc.

    >>> keep_freed_memory() in (True, False)
    True
    """
    import os

    if "malloc" not in _state:
        agreed = False
        if os.environ.get("TCONV_KEEP_FREED_MEMORY", "1") != "0":
            try:
                libc = ctypes.CDLL("libc.so.6")
                agreed = all(libc.mallopt(option, value) == 1 for option, value in (
                    (_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 1 << 30), (_M_TOP_PAD, 16 << 20)))
            except (OSError, AttributeError):
                agreed = False
        _state["malloc"] = agreed
    return _state["malloc"]
