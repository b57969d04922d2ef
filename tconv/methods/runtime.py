"""Where the fast methods run: threads, BLAS control, scratch buffers, and the batch split over threads.

:func:`set_num_threads` sets the threads of both pools that do tconv's work: Numba's (the
parallel kernels) and OpenBLAS's (the matrix products NumPy runs). Environment variables
(``NUMBA_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``) still set the upper bound.

The fast methods alternate serial Numba kernels (unfold, Winograd's transforms) with BLAS
GEMMs. Letting OpenBLAS own the cores leaves the kernels on one core, and giving the kernels
a ``prange`` makes Numba's and OpenBLAS's spinning thread pools fight (:mod:`tconv.kernels.im2col`
measured it). Splitting the *batch* instead gives every core a whole pipeline: :func:`chunks`
cuts the batch into one part per thread (each cut again so its buffers stay under a budget),
and :func:`map_blocks` runs consecutive chunks in parallel threads, each with OpenBLAS set to
one thread meanwhile (:func:`single_threaded_blas`), writing only its own slice of the
outputs. The kernels release the GIL (``nogil=True``), and so does ``np.matmul``.

Temporaries (column buffers, transformed tiles) come from :func:`scratch`, one buffer per
name, dtype and thread, grown and reused: fresh pages cost as much as the work.
:func:`keep_freed_memory` asks glibc to keep freed big blocks for the same reason.

>>> split(5, threads=2)
[slice(0, 2, None), slice(2, 5, None)]
>>> [p.stop - p.start for p in run_parts(lambda p: p, split(5, threads=2))]
[2, 3]
"""
from __future__ import annotations

import contextlib
import ctypes
import math
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._checks import check_int

__all__ = ["set_num_threads", "get_num_threads", "set_blas_threads", "get_blas_threads", "threads", "split",
           "chunks", "run_parts", "map_blocks", "scratch", "single_threaded_blas", "keep_freed_memory",
           "PARALLEL_MIN_BYTES"]

_state: dict = {}
_lock = threading.Lock()


# --------------------------------------------------------------------------- threads and BLAS


def _openblas():
    """NumPy's OpenBLAS (a ctypes handle) and its symbol ``(prefix, suffix)``, or ``(None, "")`` if not found."""
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


def _blas_functions():
    """NumPy's OpenBLAS ``(set_num_threads, get_num_threads)`` as ctypes functions, or ``None`` (found once)."""
    if "blas" not in _state:
        library, names = _openblas()
        if library is None:
            _state["blas"] = None
        else:
            get = getattr(library, f"{names[0]}_get_num_threads{names[1]}")
            get.restype = ctypes.c_int
            _state["blas"] = (getattr(library, f"{names[0]}_set_num_threads{names[1]}"), get)
    return _state["blas"]


def set_blas_threads(n: int) -> bool:
    """Use ``n`` threads in NumPy's OpenBLAS; returns False if that library was not found (other BLAS).

    >>> set_blas_threads(get_blas_threads() or 1) in (True, False)
    True
    """
    n = check_int("n", n, minimum=1)
    functions = _blas_functions()
    if functions is None:
        return False
    functions[0](ctypes.c_int(n))
    return True


def get_blas_threads() -> int | None:
    """The threads NumPy's OpenBLAS uses (``None`` if it was not found)."""
    functions = _blas_functions()
    return None if functions is None else int(functions[1]())


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


threads = get_num_threads


@contextlib.contextmanager
def single_threaded_blas():
    """Run the block with NumPy's OpenBLAS on one thread (the previous count is restored).

    Also for small products between the parallel parts: a multi-threaded BLAS call wakes
    its worker threads, which then spin for a while next to tconv's own threads.
    """
    functions = _blas_functions()
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


# --------------------------------------------------------------------------- the batch over threads


def split(n: int, threads: int) -> list[slice]:
    """``n`` batch elements as ``min(n, threads)`` contiguous parts of nearly equal size."""
    parts = max(1, min(n, threads))
    bounds = [n * i // parts for i in range(parts + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(parts)]


#: A batch whose temporaries take less than this many bytes in all runs in the calling thread:
#: waking a second thread (and switching BLAS to one thread and back) costs more than it saves.
PARALLEL_MIN_BYTES = 0


def chunks(n: int, per_sample_bytes: int, budget_bytes: int, threads: int | None = None) -> list[slice]:
    """The batch cut into one part per thread, each part cut again so a chunk's buffers stay under the budget.

    ``per_sample_bytes`` is what one batch element's temporaries take (its column buffer, its
    transformed tiles); a chunk holds at least one element. ``threads`` defaults to
    :func:`get_num_threads`, and to 1 when the whole batch's temporaries take less than
    :data:`PARALLEL_MIN_BYTES`.

    >>> chunks(8, per_sample_bytes=100, budget_bytes=300, threads=2)
    [slice(0, 3, None), slice(3, 4, None), slice(4, 7, None), slice(7, 8, None)]
    """
    step = max(1, budget_bytes // max(per_sample_bytes, 1))
    if threads is None:
        threads = get_num_threads() if n * per_sample_bytes >= PARALLEL_MIN_BYTES else 1
    parts = split(n, threads)
    return [slice(i, min(i + step, part.stop)) for part in parts for i in range(part.start, part.stop, step)]


def run_parts(function, parts: list[slice]) -> list:
    """``[function(part) for part in parts]``, the parts in parallel threads (BLAS single-threaded meanwhile).

    The results come back in the order of ``parts``, so sums over them are reproducible.
    """
    if len(parts) == 1:
        return [function(parts[0])]
    with _lock:
        pool = _state.get("pool")
        if pool is None or pool._max_workers < len(parts) - 1:
            pool = _state["pool"] = ThreadPoolExecutor(max_workers=len(parts) - 1, thread_name_prefix="tconv-batch")
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


# --------------------------------------------------------------------------- memory


_scratch_space = threading.local()


def scratch(name: str, shape, dtype) -> np.ndarray:
    """A reusable buffer ``name`` for temporaries, one per thread and dtype (fresh pages cost as much as the work).

    Large ``np.empty`` calls map fresh pages from the OS every time, and touching them costs
    as much as the copy itself; reusing one grown buffer avoids that. The buffer is
    overwritten by the next call with the same name in the same thread: never return it to
    a caller.

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
    (:func:`tconv.methods.choice.fast_method`); set the environment variable
    ``TCONV_KEEP_FREED_MEMORY=0`` to leave ``malloc`` alone. Does nothing (False) without glibc.

    >>> keep_freed_memory() in (True, False)
    True
    """
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
